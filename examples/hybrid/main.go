// Command hybrid runs the "10.00 reward for every 100.00 spent, plus a
// birthday gift" program, modelled on department-store cards: every full
// 100.00 spent earns 10.00 of store credit (the rest carries over to the
// next order), and on their birthday members get 500 points worth 5.00 at
// checkout. It then shows Program.Warnings on a deliberately confusing mix
// of program types, which is allowed but flagged.
//
//	go run ./examples/hybrid
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/charity"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
)

func main() {
	ctx := context.Background()
	usd := func(s string) money.Money { return money.New(decimal.RequireFromString(s), "USD") }

	steps := must(cashback.NewStepped("ten-per-hundred", decimal.RequireFromString("10.00"), decimal.RequireFromString("100.00"), nil))
	steps.CarryOver = true
	program := &loyalty.Program{
		Name:       "ten-per-hundred",
		Currency:   "USD",
		Rules:      []loyalty.Rule{steps, must(points.NewBirthday("birthday-gift", 500))},
		Redemption: points.Redemption{Points: 100, Value: usd("1.00")},
	}
	store := memory.New()
	clock := loyalty.NewManualClock(time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC))
	engine := must(loyalty.NewEngine(program, store, &loyalty.EngineOptions{Clock: clock}))
	must(engine.Enroll(ctx, "enroll-noor", loyalty.Member{ID: "noor", Birthday: time.Date(1992, 5, 20, 0, 0, 0, 0, time.UTC)}))

	fmt.Println("10.00 reward for every 100.00 spent, plus a birthday gift")
	fmt.Println()
	see := func() {
		credit := must(engine.AccountBalance(ctx, "noor", cashback.CreditAccount))
		pts := must(engine.Balance(ctx, "noor"))
		st := must(engine.Member(ctx, "noor"))
		fmt.Printf("        Noor sees: %s reward credit, %d points, %s more to spend for the next reward\n",
			money.MinorUnits(credit.Available, "USD"), pts.Available, money.MinorUnits(10000-st.Counter("ten-per-hundred", ""), "USD"))
	}
	buy := func(day time.Time, id, amount string) {
		clock.Set(day)
		rc := must(engine.Earn(ctx, "order-"+id, &loyalty.Order{ID: id, MemberID: "noor", Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: "item-" + id, Quantity: 1, UnitPrice: decimal.RequireFromString(amount)}}}))
		var got int64
		for _, e := range rc.Entries {
			got += e.Amount
		}
		fmt.Printf("%s  order %s of %s USD: %s reward\n", day.Format("Jan 02"), id, amount, money.MinorUnits(got, "USD"))
		see()
	}
	buy(time.Date(2026, 5, 3, 14, 0, 0, 0, time.UTC), "71", "135.00")
	buy(time.Date(2026, 5, 11, 16, 0, 0, 0, time.UTC), "72", "82.50")

	// The shop's daily birthday job.
	for _, day := range []time.Time{time.Date(2026, 5, 19, 7, 0, 0, 0, time.UTC), time.Date(2026, 5, 20, 7, 0, 0, 0, time.UTC)} {
		clock.Set(day)
		rc := must(engine.Act(ctx, "birthday-noor-"+day.Format(time.DateOnly), &loyalty.Action{Kind: loyalty.ActionBirthday, MemberID: "noor", At: day}))
		if rc.Points() > 0 {
			fmt.Printf("%s  happy birthday: %d points gift\n", day.Format("Jan 02"), rc.Points())
			see()
		}
	}

	clock.Set(time.Date(2026, 5, 24, 12, 0, 0, 0, time.UTC))
	total := usd("49.00")
	credit := must(engine.Redeem(ctx, "redeem-73c", loyalty.Redemption{ID: "73c", MemberID: "noor", OrderID: "73", Total: total, Account: cashback.CreditAccount}))
	gift := must(engine.Redeem(ctx, "redeem-73p", loyalty.Redemption{ID: "73p", MemberID: "noor", OrderID: "73",
		Total: money.New(total.Amount.Sub(credit.Redemption.Value.Amount), "USD")}))
	fmt.Printf("May 24  checkout of %s: %s of reward credit and %s of birthday points off\n", total, credit.Redemption.Value, gift.Redemption.Value)
	see()

	fmt.Println("\nProgram.Warnings on this program:", len(program.Warnings()), "warning(s)")
	confusing := &loyalty.Program{
		Name:     "everything-at-once",
		Currency: "USD",
		Rules: []loyalty.Rule{
			steps,
			must(charity.NewPledge("one-percent", decimal.NewFromInt(1), charity.Causes{List: []charity.Cause{{ID: "ocean"}}, Default: "ocean"})),
			hostRule{"spin-the-wheel", "games"},
			hostRule{"vip-fee", "membership"},
		},
	}
	fmt.Printf("Program.Warnings on %q (valid: %v):\n", confusing.Name, confusing.Validate() == nil)
	for _, w := range confusing.Warnings() {
		fmt.Println("  -", w)
	}
}

// hostRule stands in for program types the library does not ship yet (a
// game, a paid membership): a host's own rule only has to say its type.
type hostRule struct{ name, kind string }

func (r hostRule) Name() string                                                   { return r.name }
func (r hostRule) ProgramType() string                                            { return r.kind }
func (r hostRule) Evaluate(_ *loyalty.Input, e []loyalty.Effect) []loyalty.Effect { return e }

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
