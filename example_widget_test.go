package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// widgetEngine is a program of 10 points per 1.00, held 14 days, expiring
// after 60, redeemed at 100 points = 1.00 USD (at least 500, in hundreds, at
// most half the order); ann ordered for 120.00 on 1 March and
// for 45.00 on 11 March, and it is 21 March.
func widgetEngine() (*loyalty.Engine, *loyalty.ManualClock) {
	ctx := context.Background()
	rate, _ := points.NewRate("base", 10, decimal.NewFromInt(1))
	program := &loyalty.Program{
		Name: "Acme Rewards", Currency: "USD", Rules: []loyalty.Rule{rate},
		PendingDays: 14, Expiry: points.AfterDays(60),
		Redemption: points.Redemption{
			Points: 100, Value: money.MinorUnits(1_00, "USD"),
			Minimum: 500, Increment: 100, MaxPercent: decimal.NewFromInt(50),
		},
	}
	clock := loyalty.NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	engine, _ := loyalty.NewEngine(program, memory.New(), &loyalty.EngineOptions{Clock: clock})
	engine.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	for i, total := range []string{"120.00", "45.00"} {
		engine.Earn(ctx, fmt.Sprint("order-", i+1), &loyalty.Order{
			ID: fmt.Sprint(1001 + i), MemberID: "ann", Currency: "USD", PlacedAt: clock.Now(),
			Lines: []loyalty.OrderLine{{SKU: "sku", Quantity: 1, UnitPrice: decimal.RequireFromString(total)}},
		})
		clock.Advance(10 * 24 * time.Hour)
	}
	return engine, clock
}

// The points widget in one call: balance, worth, held and expiring points,
// and the newest entries, all as of one instant.
func ExampleEngine_Summary() {
	ctx := context.Background()
	engine, _ := widgetEngine()

	s, _ := engine.Summary(ctx, "ann", &loyalty.SummaryOptions{ExpiringWithin: 45 * 24 * time.Hour, Recent: 3})
	fmt.Println("balance", s.Balance.Available, "worth", s.Worth, "held", s.Balance.Pending)
	for _, p := range s.Pending {
		fmt.Println("  held:", p.Points, "from order", p.Ref, "until", p.At.Format(time.DateOnly))
	}
	for _, x := range s.Expiring {
		fmt.Println("  expiring:", x.Points, "on", x.At.Format(time.DateOnly))
	}
	for _, en := range s.Recent {
		fmt.Printf("  %s %s order %s: available %+d, held %+d, recorded %t\n",
			en.At.Format(time.DateOnly), en.Kind, en.Ref, en.Amount, en.Pending, en.Key != "")
	}
	// Output:
	// balance 1200 worth 12.00 USD held 450
	//   held: 450 from order 1002 until 2026-03-25
	//   expiring: 1200 on 2026-04-30
	//   2026-03-15 activate order 1001: available +1200, held -1200, recorded false
	//   2026-03-11 earn order 1002: available +0, held +450, recorded true
	//   2026-03-01 earn order 1001: available +0, held +1200, recorded true
}

// Redeem as much as allowed, up to N, and say why when nothing is allowed.
func ExampleEngine_Quote() {
	ctx := context.Background()
	engine, _ := widgetEngine()
	cart := money.New(decimal.RequireFromString("20.00"), "USD") // half of it: 1000 points

	q, _ := engine.Quote(ctx, loyalty.Redemption{MemberID: "ann", Total: cart, Points: 2000, UpTo: true})
	fmt.Println("up to 2000:", q.Points, "points take off", q.Value)

	q, _ = engine.Quote(ctx, loyalty.Redemption{MemberID: "ann", Total: cart, Points: 400, UpTo: true})
	fmt.Println("up to 400:", q.Points, "points;", errors.Is(q.Reason, loyalty.ErrBelowMinimum), "- you may use up to", q.MaxPoints)

	small := money.New(decimal.RequireFromString("8.00"), "USD")
	q, _ = engine.Quote(ctx, loyalty.Redemption{MemberID: "ann", Total: small})
	fmt.Println("on 8.00:", q.Points, "points;", q.Reason)

	r, _ := engine.Redeem(ctx, "redeem-1", loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "1003", Total: cart, Points: 2000, UpTo: true})
	fmt.Println("applied", r.Redemption.Points, "for", r.Redemption.Value)
	// Output:
	// up to 2000: 1000 points take off 10.00 USD
	// up to 400: 0 points; true - you may use up to 1000
	// on 8.00: 0 points; loyalty: redemption below minimum: this order may take off at most 4.00 USD (50% of 8.00 USD), less than the minimum of 500 points
	// applied 1000 for 10.00 USD
}

// A statement page by page, newest first, and back again.
func ExampleEngine_HistoryBefore() {
	ctx := context.Background()
	engine, _ := widgetEngine()

	page, _ := engine.HistoryBefore(ctx, "ann", ledger.EntryID{}, 1) // from the newest
	for _, en := range page {
		fmt.Println(en.ID.Version, en.ID.Index, en.Kind, en.Ref)
	}
	older, _ := engine.HistoryBefore(ctx, "ann", page[len(page)-1].ID, 1)
	for _, en := range older {
		fmt.Println(en.ID.Version, en.ID.Index, en.Kind, en.Ref)
	}
	newer, _ := engine.History(ctx, "ann", older[0].ID, 1) // forward again
	fmt.Println("forward:", newer[0].ID.Version, newer[0].ID.Index, newer[0].Kind)
	// Output:
	// 3 0 earn 1002
	// 2 0 earn 1001
	// forward: 3 0 earn
}
