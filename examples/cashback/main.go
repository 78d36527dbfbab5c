// Command cashback runs a "2% back, paid quarterly" card, modelled on store
// cards that pay cashback as a quarterly reward: every order accrues 2% for
// the calendar quarter, returns take it back, and on the first days of the
// next quarter the payout moves the accrual into store credit (from 5.00),
// in one write, and the member spends it at checkout.
//
//	go run ./examples/cashback
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
)

func main() {
	ctx := context.Background()
	quarterly := &cashback.Schedule{Every: calendar.Quarter, Minimum: decimal.RequireFromString("5.00")}
	earn := must(cashback.NewPercentage("two-percent-back", decimal.RequireFromString("2"), quarterly))
	payout := must(cashback.NewPayoutRule("quarterly-payout", quarterly))
	program := &loyalty.Program{
		Name:     "everyday-cashback",
		Currency: "USD",
		Rules:    []loyalty.Rule{earn, payout},
		Basis:    loyalty.EarnBasis{ExcludeCategories: []string{"gift-cards"}},
	}

	store := memory.New()
	clock := loyalty.NewManualClock(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
	engine := must(loyalty.NewEngine(program, store, &loyalty.EngineOptions{Clock: clock}))
	must(engine.Enroll(ctx, "enroll-maya", loyalty.Member{ID: "maya"}))

	fmt.Println("Everyday Cashback: 2% back on everything but gift cards, paid every quarter from 5.00")
	fmt.Println()
	buy := func(day time.Time, id string, lines ...loyalty.OrderLine) {
		clock.Set(day)
		rc := must(engine.Earn(ctx, "order-"+id, &loyalty.Order{ID: id, MemberID: "maya", Currency: "USD", Lines: lines}))
		var got int64
		for _, e := range rc.Entries {
			got += e.Amount
		}
		fmt.Printf("%s  order %s: %s cashback\n", day.Format("Jan 02"), id, money.MinorUnits(got, "USD"))
	}
	line := func(sku, category, price string) loyalty.OrderLine {
		return loyalty.OrderLine{SKU: sku, Category: category, Quantity: 1, UnitPrice: decimal.RequireFromString(price)}
	}
	buy(time.Date(2026, 10, 12, 15, 0, 0, 0, time.UTC), "1001", line("rain-jacket", "outerwear", "89.90"))
	buy(time.Date(2026, 11, 3, 11, 0, 0, 0, time.UTC), "1002", line("hiking-boots", "footwear", "249.00"), line("gift-card", "gift-cards", "50.00"))
	buy(time.Date(2026, 12, 18, 19, 0, 0, 0, time.UTC), "1003", line("wool-sweater", "knitwear", "120.00"), line("beanie", "knitwear", "30.00"))

	clock.Set(time.Date(2026, 12, 27, 10, 0, 0, 0, time.UTC))
	ret := must(engine.Return(ctx, "return-1003", &loyalty.Return{ID: "r1003", OrderID: "1003", MemberID: "maya",
		Lines: []loyalty.ReturnLine{{SKU: "beanie", Quantity: 1}}}))
	fmt.Printf("Dec 27  returned the beanie: %s cashback taken back\n", money.MinorUnits(-ret.Entries[0].Amount, "USD"))
	show(ctx, engine)

	// The shop's payout job, on the second day of the new quarter.
	clock.Set(time.Date(2027, 1, 2, 6, 0, 0, 0, time.UTC))
	rep := must(cashback.Payout(ctx, engine, store, quarterly.Due(clock.Now()), nil))
	fmt.Printf("\nJan 02  payout of %s: %s to %d member(s)\n", rep.Period, rep.Amount, rep.Paid)
	show(ctx, engine)

	clock.Set(time.Date(2027, 1, 9, 13, 0, 0, 0, time.UTC))
	total := money.New(decimal.RequireFromString("42.50"), "USD")
	rc := must(engine.Redeem(ctx, "redeem-2001", loyalty.Redemption{ID: "2001", MemberID: "maya", OrderID: "2001", Total: total, Account: cashback.CreditAccount}))
	fmt.Printf("\nJan 09  checkout of %s: store credit takes %s off\n", total, rc.Redemption.Value)
	show(ctx, engine)

	// Every movement of Maya's cashback: the quarter's accrual, the payout
	// moving it into store credit in one write, and the checkout.
	fmt.Println("\nCashback statement:")
	lines := must(engine.Statement(ctx, "maya", ledger.EntryID{}, 100))
	for _, l := range lines {
		what := l.Note
		switch {
		case l.Source == cashback.SourceOrder:
			what = "order " + l.Ref
		case l.Source == cashback.SourcePayout:
			what = "cashback for " + l.Ref
		case l.Kind == ledger.EntryRedeem && l.Source == payout.Name():
			what = "payout of " + l.Ref
		}
		amount := money.MinorUnits(l.Amount, "USD").String()
		if l.Amount > 0 {
			amount = "+" + amount
		}
		fmt.Printf("  %s  %-16s %-7s %10s  %s\n", l.At.Format("2006-01-02"), l.Account, l.Kind, amount, what)
	}
}

func show(ctx context.Context, e *loyalty.Engine) {
	b := must(cashback.BalanceOf(ctx, e, "maya"))
	fmt.Printf("        Maya sees: store credit %s", b.Credit)
	for _, a := range b.Accrued {
		fmt.Printf(", %s accruing for %s", a.Amount, a.Period)
	}
	fmt.Println()
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
