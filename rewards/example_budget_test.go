package rewards_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// A campaign gives 3 more points per 1.00 within 100 points per member and
// month: the second order earns what is left of the budget, and its
// explanation says so.
func ExampleWithBudget() {
	ctx := context.Background()
	base, _ := points.NewRate("base", 1, decimal.NewFromInt(1))
	bonus, _ := points.NewRate("campaign", 3, decimal.NewFromInt(1))
	campaign, err := rewards.WithBudget(bonus, rewards.Budget{Name: "december", Points: 100, Per: calendar.Month, Policy: rewards.BudgetCut})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := &loyalty.Program{ID: "shop", Name: "Shop", Currency: "USD", Rules: []loyalty.Rule{base, campaign}}
	now := time.Date(2026, time.December, 7, 12, 0, 0, 0, time.UTC)
	e, _ := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(now)})
	_, _ = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	for _, id := range []string{"o1", "o2"} {
		o := &loyalty.Order{ID: id, MemberID: "ann", Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.NewFromInt(25)}}}
		r, err := e.Earn(ctx, "earn-"+id, o)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s earned %d:\n", id, r.Points())
		for _, x := range r.Explanation {
			fmt.Println("  " + x.String())
		}
	}
	// Output:
	// o1 earned 100:
	//   base: 1 per 1.00 USD on 25.00 USD (line 1, tee) = +25
	//   campaign: bonus (line 1, tee, 3 per 1 on 25.00 USD) = +75
	// o2 earned 50:
	//   base: 1 per 1.00 USD on 25.00 USD (line 1, tee) = +25
	//   campaign: bonus (line 1, tee, 3 per 1 on 25.00 USD; cut by budget december: asked 75, left 25) = +25
}
