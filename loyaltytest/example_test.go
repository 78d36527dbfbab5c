package loyaltytest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
)

// tenPerDollar is a host's own rule: 10 points per 1.00 of every line.
type tenPerDollar struct{ rate *loyalty.Rate }

func (tenPerDollar) Name() string { return "ten-per-dollar" }
func (r tenPerDollar) Evaluate(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	for i, l := range in.Lines {
		out = append(out, loyalty.EarnAt(r.rate, l.Basis, i, l.SKU))
	}
	return out
}

// A host pins its program's economics in a unit test: points held for a
// 14-day return window, a partial return inside it, and what the member may
// spend once the window closes. In a real test t is the *testing.T; here a
// stand-in prints what a failing assertion would say.
func Example() {
	t := printT{}
	rate, _ := loyalty.NewRate(10, decimal.NewFromInt(1))
	program := &loyalty.Program{Name: "shop", Currency: "USD", PendingDays: 14, Rules: []loyalty.Rule{tenPerDollar{rate}}}

	h := loyaltytest.New(t, program, nil)
	h.Enroll("ann")
	r := h.Earn("order-1001", loyaltytest.Order("ann", "1001").
		Line("boot", "59.99", 1).
		Line("sock", "4.50", 2).
		Build())
	fmt.Println("earned", r.Points(), "held until", h.Now().AddDate(0, 0, 14).Format("2 Jan"))
	h.AssertBalance("ann", 0, 689)

	h.AdvanceDays(3)
	h.Return("return-1001", loyaltytest.ReturnOf("ann", "r1", "1001").Line("sock", 2).Build())
	h.AssertBalance("ann", 0, 599)

	h.AdvanceDays(11)
	h.AssertBalance("ann", 599, 0)
	// The balance reads the activation at once; it becomes an entry with the
	// member's next write or the day's jobs (h.RunJobs).
	h.AssertEntries("ann",
		loyaltytest.Entry{Kind: ledger.EntryEarn, Pending: 689},
		loyaltytest.Entry{Kind: ledger.EntryVoid, Pending: -90},
	)

	// A wrong expectation says who, what and the member's last entries:
	h.AssertBalance("ann", 600, 0)
	// Output:
	// earned 689 held until 19 Jan
	// loyaltytest: member "ann", account "points", at 2026-01-19 12:00 UTC:
	// 	want available 600, pending 0
	// 	got  available 599, pending 0
	// 	last 2 of 2 entries:
	// 	  2.0 2026-01-05 12:00 points earn +0 pending +689  source "order" ref "1001" key "order-1001"
	// 	  3.0 2026-01-08 12:00 points void +0 pending -90  source "return" ref "1001" key "return-1001"
}

// printT stands in for a test's *testing.T in the Example: it prints
// failures instead of failing.
type printT struct{ testing.TB }

func (printT) Helper()                  {}
func (printT) Context() context.Context { return context.Background() }
func (printT) Errorf(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
}
func (p printT) Fatalf(format string, args ...any) { p.Errorf(format, args...) }
