package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// reviewStreak is a host's own rule type: 20 points for a review, 50 for
// every fifth. It implements loyalty.Rule exactly as the built-in rules do.
type reviewStreak struct{}

func (reviewStreak) Name() string { return "review-streak" }

func (reviewStreak) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != loyalty.ActionReview {
		return out
	}
	n := c.State.Counter("reviews", "") + 1
	pts := int64(20)
	if n%5 == 0 {
		pts = 50
	}
	return append(out,
		loyalty.Earn(pts, loyalty.OrderLevel, "review "+a.Ref),
		loyalty.Count("reviews", "", 1))
}

func Example() {
	ctx := context.Background()
	rate, _ := points.NewRate("base", 5, decimal.NewFromInt(1)) // 5 points per 1.00
	shoes, _ := points.NewCategoryMultiplier("double-shoes", decimal.NewFromInt(2), "shoes")
	program := &loyalty.Program{Name: "Acme Rewards", Currency: "USD", Rules: []loyalty.Rule{rate, shoes, reviewStreak{}}}

	clock := loyalty.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	engine, err := loyalty.NewEngine(program, memory.New(), &loyalty.EngineOptions{Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	engine.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	r, _ := engine.Earn(ctx, "order-1001", &loyalty.Order{
		ID: "1001", MemberID: "ann", Currency: "USD",
		Lines: []loyalty.OrderLine{
			{SKU: "runner", Category: "shoes", Quantity: 1, UnitPrice: decimal.RequireFromString("80.00")},
			{SKU: "cap", Category: "hats", Quantity: 1, UnitPrice: decimal.RequireFromString("15.00")},
		},
	})
	fmt.Println("earned", r.Points())
	for _, x := range r.Explanation {
		fmt.Println(" ", x.String())
	}
	r, _ = engine.Act(ctx, "review-77", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", Ref: "77"})
	fmt.Println("review earned", r.Points())
	b, _ := engine.Balance(ctx, "ann")
	fmt.Println("balance", b.Available)
	// Output:
	// earned 875
	//   base: 5 per 1.00 USD on 80.00 USD (line 1, runner) = +400
	//   base: 5 per 1.00 USD on 15.00 USD (line 2, cap) = +75
	//   double-shoes: ×2 (line 1, category shoes) = +400
	// review earned 20
	// balance 895
}

func ExampleEngine_Redeem() {
	ctx := context.Background()
	program := &loyalty.Program{Name: "Acme Rewards", Currency: "USD",
		Redemption: points.Redemption{Points: 100, Value: money.MinorUnits(1_00, "USD"), Minimum: 500, Increment: 100, MaxPercent: decimal.NewFromInt(50)}}
	engine, _ := loyalty.NewEngine(program, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))})
	engine.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	engine.Adjust(ctx, "adjust-1", "ann", 2_750, "migrated from the old program")

	cart := money.MinorUnits(40_00, "USD")
	q, _ := engine.QuoteRedemption(ctx, "ann", cart, 0)
	fmt.Printf("may redeem %d points for %s\n", q.Points, q.Value)

	_, err := engine.Redeem(ctx, "redeem-1", loyalty.Redemption{ID: "p1", MemberID: "ann", OrderID: "1002", Total: cart, Points: 450})
	fmt.Println(errors.Is(err, loyalty.ErrBelowMinimum))

	r, _ := engine.Redeem(ctx, "redeem-2", loyalty.Redemption{ID: "p2", MemberID: "ann", OrderID: "1002", Total: cart, Points: 1_500})
	fmt.Printf("redeemed %d points: %s off\n", r.Redemption.Points, r.Redemption.Value)

	engine.CancelRedemption(ctx, "cancel-1", "ann", "p2") // the order was cancelled
	b, _ := engine.Balance(ctx, "ann")
	fmt.Println("balance", b.Available)
	// Output:
	// may redeem 2000 points for 20.00 USD
	// true
	// redeemed 1500 points: 15.00 USD off
	// balance 2750
}

func ExampleEngine_Return() {
	ctx := context.Background()
	rate, _ := points.NewRate("base", 10, decimal.NewFromInt(1))
	program := &loyalty.Program{Name: "Acme Rewards", Currency: "USD", Rules: []loyalty.Rule{rate}}
	engine, _ := loyalty.NewEngine(program, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))})
	engine.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	engine.Earn(ctx, "order-1", &loyalty.Order{ID: "1", MemberID: "ann", Currency: "USD", Lines: []loyalty.OrderLine{
		{SKU: "mug", Quantity: 4, UnitPrice: decimal.RequireFromString("12.50")},
	}})
	for i, qty := range []int64{1, 2, 2} {
		r, err := engine.Return(ctx, fmt.Sprint("return-", i), &loyalty.Return{
			ID: fmt.Sprint("R", i), OrderID: "1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "mug", Quantity: qty}},
		})
		if err != nil {
			fmt.Println(errors.Is(err, loyalty.ErrReturnExceedsOrder))
			continue
		}
		fmt.Println("reversed", r.Points())
	}
	// Output:
	// reversed -125
	// reversed -250
	// true
}

func ExampleProgram_Evaluate() {
	rate, _ := points.NewRate("base", 1, decimal.NewFromInt(3)) // 1 point per 3.00
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{rate}}
	o := &loyalty.Order{ID: "o", MemberID: "ann", Currency: "USD", Lines: []loyalty.OrderLine{
		{SKU: "a", Quantity: 1, UnitPrice: decimal.NewFromInt(2)},
		{SKU: "b", Quantity: 1, UnitPrice: decimal.NewFromInt(2)},
	}}
	st := &loyalty.State{Member: loyalty.Member{ID: "ann"}}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, scope := range []loyalty.RoundingScope{loyalty.RoundPerOrder, loyalty.RoundPerLine} {
		p.RoundingScope = scope
		res, _ := p.Evaluate(st, o, now)
		fmt.Println(res.Points())
	}
	// Output:
	// 1
	// 0
}
