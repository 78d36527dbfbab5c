package points_test

import (
	"errors"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/shopspring/decimal"
)

// sunday is the clock of most tests: Sunday 22 November 2026, noon UTC,
// in ISO week 2026-W47.
var sunday = time.Date(2026, time.November, 22, 12, 0, 0, 0, time.UTC)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// must returns v, panicking on err: for building the rules of a test, whose
// constructors are tested on their own.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// program returns a validated USD program of rules.
func program(t testing.TB, rules ...loyalty.Rule) *loyalty.Program {
	t.Helper()
	p := &loyalty.Program{Name: "test", Currency: "USD", Rules: rules}
	if err := p.Validate(); err != nil {
		t.Fatalf("program does not validate: %v", err)
	}
	return p
}

func state(segments ...string) *loyalty.State {
	return &loyalty.State{Member: loyalty.Member{ID: "m1", Segments: segments}}
}

func withCounters(st *loyalty.State, cs ...loyalty.Counter) *loyalty.State {
	st.Counters = cs
	return st
}

func line(sku, category string, qty int64, price string) loyalty.OrderLine {
	return loyalty.OrderLine{SKU: sku, Category: category, Quantity: qty, UnitPrice: dec(price)}
}

func order(lines ...loyalty.OrderLine) *loyalty.Order {
	return &loyalty.Order{ID: "o1", MemberID: "m1", PlacedAt: sunday, Currency: "USD", Lines: lines}
}

func action(kind loyalty.ActionKind) *loyalty.Action {
	return &loyalty.Action{Kind: kind, MemberID: "m1", At: sunday}
}

// evaluate runs p and checks the invariant every result must keep: the
// points of its explanation add up to what it awards.
func evaluate(t testing.TB, p *loyalty.Program, st *loyalty.State, ev loyalty.Event, now time.Time) *loyalty.Result {
	t.Helper()
	res, err := p.Evaluate(st, ev, now)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	var sum int64
	for i := range res.Explanation {
		if res.Explanation[i].Account == loyalty.PointsAccount || res.Explanation[i].Account == "" {
			sum += res.Explanation[i].Points
		}
	}
	if sum != res.Points() {
		t.Errorf("explanation adds up to %d, result awards %d:\n%s", sum, res.Points(), explain(res))
	}
	return res
}

func explain(res *loyalty.Result) string {
	var s string
	for i := range res.Explanation {
		s += "  " + res.Explanation[i].String() + "\n"
	}
	return s
}

// pointsBy returns the explained points per rule.
func pointsBy(res *loyalty.Result) map[string]int64 {
	m := map[string]int64{}
	for _, x := range res.Explanation {
		m[x.Rule] += x.Points
	}
	return m
}

func counter(res *loyalty.Result, name string) (loyalty.Counter, bool) {
	for _, c := range res.Counters {
		if c.Name == name {
			return c, true
		}
	}
	return loyalty.Counter{}, false
}

func wantPoints(t testing.TB, res *loyalty.Result, want int64) {
	t.Helper()
	if got := res.Points(); got != want {
		t.Errorf("earned %d points, want %d:\n%s", got, want, explain(res))
	}
}

func wantErrorIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("error %v, want one wrapping %v", err, target)
	}
}

func lineAward(res *loyalty.Result) []int64 {
	for _, a := range res.Awards {
		if a.Account == loyalty.PointsAccount {
			return a.Lines
		}
	}
	return nil
}
