package points_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, p.Validate(), "program does not validate")
	return p
}

func state(segments ...string) *loyalty.State {
	return &loyalty.State{Member: loyalty.Member{ID: "m1", Segments: segments}}
}

func withCounters(st *loyalty.State, cs ...ledger.Counter) *loyalty.State {
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
	require.NoError(t, err, "Evaluate")
	var sum int64
	for i := range res.Explanation {
		if res.Explanation[i].Account == ledger.PointsAccount || res.Explanation[i].Account == "" {
			sum += res.Explanation[i].Points
		}
	}
	assert.Equal(t, res.Points(), sum, "the explanation adds up to what the result awards:\n%s", explain(res))
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

// counter returns the counter name the result sets; it fails the test when
// the result sets none.
func counter(t testing.TB, res *loyalty.Result, name string) ledger.Counter {
	t.Helper()
	for _, c := range res.Counters {
		if c.Name == name {
			return c
		}
	}
	require.Failf(t, "no counter", "the result sets no counter %q: %+v", name, res.Counters)
	return ledger.Counter{}
}

// wantPoints asserts the points res earns, showing its explanation when
// they are not want.
func wantPoints(t testing.TB, res *loyalty.Result, want int64) bool {
	t.Helper()
	return assert.Equal(t, want, res.Points(), "points earned; explanation:\n%s", explain(res))
}

func lineAward(res *loyalty.Result) []int64 {
	for _, a := range res.Awards {
		if a.Account == ledger.PointsAccount {
			return a.Lines
		}
	}
	return nil
}
