package cashback_test

import (
	"context"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
)

// 2% back, accrued per calendar quarter and paid as store credit from 5.00
// (the payout moves the quarter's accrual into credit), spent at checkout.
func Example() {
	ctx := context.Background()
	sched := &cashback.Schedule{Every: calendar.Quarter, Minimum: decimal.RequireFromString("5.00")}
	earn, _ := cashback.NewPercentage("two-percent", decimal.RequireFromString("2"), sched)
	pay, _ := cashback.NewPayoutRule("quarterly-payout", sched)
	prog := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{earn, pay}}

	store := memory.New()
	clock := loyalty.NewManualClock(time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC))
	e, err := loyalty.NewEngine(prog, store, &loyalty.EngineOptions{Clock: clock})
	if err != nil {
		panic(err)
	}
	e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	e.Earn(ctx, "order-o1", &loyalty.Order{ID: "o1", MemberID: "ann", Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "boots", Quantity: 1, UnitPrice: decimal.RequireFromString("320.00")}}})

	b, _ := cashback.BalanceOf(ctx, e, "ann")
	fmt.Println("accruing:", b.Accrued[0].Amount, "for", b.Accrued[0].Period)

	clock.Set(time.Date(2027, 1, 2, 6, 0, 0, 0, time.UTC))
	rep, _ := cashback.Payout(ctx, e, store, sched.Due(clock.Now()), nil)
	fmt.Println("payout of", rep.Period+":", rep.Amount, "to", rep.Paid, "member")

	b, _ = cashback.BalanceOf(ctx, e, "ann")
	q4, _ := e.AccountBalance(ctx, "ann", sched.Account(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))
	fmt.Println("store credit:", b.Credit, "- left in the 2026-Q4 accrual:", money.MinorUnits(q4.Available, "USD"))

	rc, _ := e.Redeem(ctx, "redeem-r1", loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "o2",
		Total: money.New(decimal.RequireFromString("25.00"), "USD"), Account: cashback.CreditAccount})
	fmt.Println("at checkout:", rc.Redemption.Value, "off")
	// Output:
	// accruing: 6.40 USD for 2026-Q4
	// payout of 2026-Q4: 6.40 USD to 1 member
	// store credit: 6.40 USD - left in the 2026-Q4 accrual: 0.00 USD
	// at checkout: 6.40 USD off
}

// 10.00 back for every full 100.00, the remainder carried to the next order.
func ExampleNewStepped() {
	ctx := context.Background()
	step, _ := cashback.NewStepped("ten-per-hundred", decimal.RequireFromString("10.00"), decimal.RequireFromString("100.00"), nil)
	step.CarryOver = true
	prog := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{step}}
	e, _ := loyalty.NewEngine(prog, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC))})
	e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	for i, amount := range []string{"150.00", "60.00", "80.00"} {
		id := fmt.Sprint("o", i+1)
		e.Earn(ctx, "order-"+id, &loyalty.Order{ID: id, MemberID: "ann", Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.RequireFromString(amount)}}})
		credit, _ := e.AccountBalance(ctx, "ann", cashback.CreditAccount)
		st, _ := e.Member(ctx, "ann")
		fmt.Printf("after %s: credit %s, carried %s\n", amount,
			money.MinorUnits(credit.Available, "USD"), money.MinorUnits(st.Counter("ten-per-hundred", ""), "USD"))
	}
	// Output:
	// after 150.00: credit 10.00 USD, carried 50.00 USD
	// after 60.00: credit 20.00 USD, carried 10.00 USD
	// after 80.00: credit 20.00 USD, carried 90.00 USD
}
