package points_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/shopspring/decimal"
)

// A program of 5 points per 1.00, double points on shoes and a cap of 1,000
// points per order, earning on an order of sneakers and socks.
func ExampleNewRate() {
	base, _ := points.NewRate("base", 5, decimal.RequireFromString("1.00"))
	shoes, _ := points.NewCategoryMultiplier("shoes-x2", decimal.NewFromInt(2), "shoes")
	limit, _ := points.NewOrderCap("cap", 1000)
	p := &loyalty.Program{Name: "rewards", Currency: "USD", Rules: []loyalty.Rule{base, shoes, limit}}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}

	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	st := &loyalty.State{Member: loyalty.Member{ID: "ada"}}
	o := &loyalty.Order{ID: "1001", MemberID: "ada", PlacedAt: now, Currency: "USD", Lines: []loyalty.OrderLine{
		{SKU: "sneaker", Category: "shoes", Quantity: 1, UnitPrice: decimal.RequireFromString("59.99")},
		{SKU: "sock", Category: "apparel", Quantity: 3, UnitPrice: decimal.RequireFromString("4.50")},
	}}
	res, err := p.Evaluate(st, o, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("earned", res.Points())
	for _, x := range res.Explanation {
		fmt.Println(x.String())
	}
	// Output:
	// earned 667
	// base: 5 per 1.00 USD on 59.99 USD (line 1, sneaker) = +299
	// base: 5 per 1.00 USD on 13.50 USD (line 2, sock) = +67
	// shoes-x2: ×2 (line 1, category shoes) = +299
	// rounding = +2
}

// Three reviews a week earn 50 points each; the fourth earns nothing.
func ExampleNewEngagement() {
	review, _ := points.NewEngagement("reviews", loyalty.ActionReview, 50, points.Limit{Times: 3, Per: calendar.Week})
	p := &loyalty.Program{Name: "rewards", Currency: "USD", Rules: []loyalty.Rule{review}}

	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	st := &loyalty.State{Member: loyalty.Member{ID: "ada"}}
	for i := 1; i <= 4; i++ {
		res, err := p.Evaluate(st, &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ada", At: now}, now)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("review %d earns %d\n", i, res.Points())
		// What the Engine's write would store.
		if len(res.Counters) > 0 {
			st.Counters = res.Counters
		}
	}
	fmt.Printf("counter %s %s = %d\n", st.Counters[0].Name, st.Counters[0].PeriodKey, st.Counters[0].Value)
	// Output:
	// review 1 earns 50
	// review 2 earns 50
	// review 3 earns 50
	// review 4 earns 0
	// counter reviews 2026-W47 = 3
}

// Points earned on 31 January expire at the end of the month after: adding
// a month lands on 28 February, so they expire when March begins.
func ExampleEndOfPeriodAfter() {
	policy := points.EndOfPeriodAfter(1, calendar.Month)
	earned := time.Date(2026, 1, 31, 18, 30, 0, 0, time.UTC)
	fmt.Println(policy.ExpiresAt(earned))
	// Output:
	// 2026-03-01 00:00:00 +0000 UTC
}

// 100 points are worth 1.00 USD, redeemed in hundreds, at least 500, for at
// most half of the order.
func ExampleRedemption_Quote() {
	policy := points.Redemption{
		Points: 100, Value: money.New(decimal.NewFromInt(1), "USD"),
		Minimum: 500, Increment: 100, MaxPercent: decimal.NewFromInt(50),
	}
	cart := money.New(decimal.RequireFromString("80.00"), "USD")

	q, _ := policy.Quote(12345, cart, 0)
	fmt.Println("at most", q.MaxPoints, "points for", q.MaxValue)

	q, _ = policy.Quote(12345, cart, 1500)
	fmt.Println(q.Points, "points take off", q.Value)

	_, err := policy.Quote(12345, cart, 550)
	fmt.Println(errors.Is(err, loyalty.ErrNotIncrement), err)
	// Output:
	// at most 4000 points for 40.00 USD
	// 1500 points take off 15.00 USD
	// true loyalty: redemption not a multiple of the increment: redeeming 550 points, not a multiple of 100
}
