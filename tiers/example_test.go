package tiers_test

import (
	"context"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
	"github.com/shopspring/decimal"
)

// A spend ladder over a rolling 12 months next to a points rate: the order
// that reaches Gold announces it after commit, and the next order earns
// Gold's ×1.5.
func Example() {
	ctx := context.Background()
	d := decimal.RequireFromString
	ladder, err := tiers.NewLadder("vip", tiers.Spend("USD"), tiers.Rolling12Months, []tiers.Tier{
		{Name: "Silver", Threshold: d("0")},
		{Name: "Gold", Threshold: d("1000"), Multiplier: d("1.5"), FreeShipping: true},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	if err != nil {
		panic(err)
	}
	rate, err := points.NewRate("base", 1, d("1"))
	if err != nil {
		panic(err)
	}
	clock := loyalty.NewManualClock(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
	engine, err := loyalty.NewEngine(&loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{ladder, rate}}, memory.New(),
		&loyalty.EngineOptions{Clock: clock, AfterCommit: func(_ context.Context, r *loyalty.Receipt) {
			for _, n := range r.Notices {
				if _, to, ok := tiers.ParseChange(n); ok {
					fmt.Printf("after commit: welcome %s to %s\n", r.MemberID, to)
				}
			}
		}})
	if err != nil {
		panic(err)
	}
	if _, err := engine.Enroll(ctx, "enroll-ana", loyalty.Member{ID: "ana"}); err != nil {
		panic(err)
	}
	buy := func(id, amount string) {
		r, err := engine.Earn(ctx, "order-"+id, &loyalty.Order{ID: id, MemberID: "ana", PlacedAt: clock.Now(), Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: "coat", Quantity: 1, UnitPrice: d(amount)}}})
		if err != nil {
			panic(err)
		}
		fmt.Printf("order %s of %s: %d points\n", id, amount, r.Points())
	}
	show := func() {
		st, err := engine.Member(ctx, "ana")
		if err != nil {
			panic(err)
		}
		p := ladder.Progress(st, clock.Now())
		fmt.Printf("%s: %s counted, %s to %q; keep it by %s: %s more\n",
			p.Tier, ladder.Amount(p.Amount), ladder.Amount(p.ToNext), p.Next, p.KeepBy.Format(time.DateOnly), ladder.Amount(p.ToKeep))
	}

	buy("1", "600.00")
	show()
	buy("2", "400.00")
	buy("3", "100.00")
	show()
	// Output:
	// order 1 of 600.00: 600 points
	// Silver: 600.00 USD counted, 400.00 USD to "Gold"; keep it by 2027-01-01: 0.00 USD more
	// after commit: welcome ana to Gold
	// order 2 of 400.00: 400 points
	// order 3 of 100.00: 150 points
	// Gold: 1100.00 USD counted, 0.00 USD to ""; keep it by 2027-01-01: 0.00 USD more
}

// Ladder.Assign gives a member a tier as a floor until a date, for a
// customer-service gesture or a status match.
func ExampleLadder_Assign() {
	ladder, err := tiers.NewLadder("vip", tiers.Spend("EUR"), tiers.CalendarYear, []tiers.Tier{
		{Name: "Member", Threshold: decimal.Zero},
		{Name: "Gold", Threshold: decimal.NewFromInt(2000)},
	}, nil)
	if err != nil {
		panic(err)
	}
	a, err := ladder.Assign("ana", "Gold", time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Kind, a.Data["tier"], a.Data["until"])
	_, err = ladder.Assign("ana", "Diamond", time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(err)
	// Output:
	// tier_assign Gold 2027-07-01
	// loyalty: invalid event: tier: ladder "vip" has no tier "Diamond"
}
