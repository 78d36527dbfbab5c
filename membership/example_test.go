package membership_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/membership"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// A monthly plan at 9.99 with a 7-day trial and double points, 2 days of
// grace: the member pays in the trial, misses the renewal, and the
// multiplier disappears from her earn the instant the grace ends.
func Example() {
	monthly := membership.Plan{ID: "monthly", Fee: money.MinorUnits(9_99, "USD"), Period: calendar.Month, TrialDays: 7,
		Benefits: membership.Benefits{Multiplier: decimal.NewFromInt(2), FreeShipping: true}}
	m, err := membership.New("plus", "USD", []membership.Plan{monthly}, &membership.Options{GraceDays: 2})
	if err != nil {
		panic(err)
	}
	base, _ := points.NewRate("base", 1, decimal.NewFromInt(1))
	clock := loyalty.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	e, err := loyalty.NewEngine(&loyalty.Program{Name: "Shop", Currency: "USD", Rules: []loyalty.Rule{base, m}}, memory.New(), &loyalty.EngineOptions{Clock: clock})
	if err != nil {
		panic(err)
	}
	_, _ = e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	act := func(key string, kind loyalty.ActionKind, data map[string]string) {
		if _, err := e.Act(ctx, key, &loyalty.Action{Kind: kind, MemberID: "ann", At: clock.Now(), Data: data}); err != nil {
			panic(err)
		}
		st, _ := e.Member(ctx, "ann")
		s := m.State(st, clock.Now())
		fmt.Println(s.Plan, s.Status, "to", s.End.Format(time.DateOnly))
	}
	earn := func(id string) {
		r, err := e.Earn(ctx, id, &loyalty.Order{ID: id, MemberID: "ann", Currency: "USD", PlacedAt: clock.Now(),
			Lines: []loyalty.OrderLine{{SKU: "book", Quantity: 1, UnitPrice: decimal.NewFromInt(25)}}})
		if err != nil {
			panic(err)
		}
		st, _ := e.Member(ctx, "ann")
		fmt.Println(clock.Now().Format("2 Jan 15:04"), m.State(st, clock.Now()).Status, r.Points(), "points")
	}

	act("trial", membership.ActionTrial, map[string]string{membership.DataPlan: "monthly"})
	earn("o1")
	clock.Advance(3 * 24 * time.Hour)
	act("pay-1", membership.ActionPayment, map[string]string{membership.DataPlan: "monthly", membership.DataAmount: "9.99", membership.DataCurrency: "USD"})
	clock.Set(time.Date(2026, 4, 9, 12, 0, 0, 0, time.UTC)) // the 8 April renewal was missed
	earn("o2")
	clock.Set(time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC)) // the grace ends
	earn("o3")
	// Output:
	// monthly trial to 2026-03-08
	// 1 Mar 12:00 trial 50 points
	// monthly active to 2026-04-08
	// 9 Apr 12:00 grace 50 points
	// 10 Apr 12:00 lapsed 25 points
}

// A yearly plan billed as ten months of the monthly fee.
func ExampleBilledAs() {
	monthly := money.MinorUnits(12_99, "USD")
	fmt.Println(membership.BilledAs(monthly, 10), "a year instead of", membership.BilledAs(monthly, 12))
	// Output: 129.90 USD a year instead of 155.88 USD
}
