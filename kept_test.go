package loyalty_test

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
)

// snapshot renders everything a Result holds, what its slices point to
// included, so that a later change to any of it shows.
func snapshot(r *loyalty.Result) string {
	return fmt.Sprintf("%+v", *r)
}

// TestKeptResultSharesNoMemoryWithLaterEvaluations evaluates twice, and
// quotes in between, and checks that the first Result is unchanged: a
// Result that Evaluate returns must not alias the pooled memory a later
// evaluation reuses (its lines, awards, per-line points, explanation,
// counters).
func TestKeptResultSharesNoMemoryWithLaterEvaluations(t *testing.T) {
	counted := rule{name: "count", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		return append(out, loyalty.Effect{Kind: loyalty.EffectCount, Counter: "orders", Value: int64(len(c.Lines))})
	}}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{
		perLine("base", mustRate(t, 3, "1")), categoryTimes("shoes", "shoes", mustFactor(t, "1.5")), counted,
	}}
	require.NoError(t, p.Validate())
	st := &loyalty.State{Member: loyalty.Member{ID: "ann"}}
	orders := []*loyalty.Order{
		orderOf(line("a", "shoes", 1, "10.01"), line("b", "hats", 2, "3.33"), line("c", "shoes", 1, "7.77")),
		orderOf(line("x", "hats", 3, "99.99"), line("y", "shoes", 1, "1.11"), line("z", "hats", 1, "0.50")),
		orderOf(line("one", "shoes", 1, "5.55")),
		orderOf(line("1", "shoes", 1, "1"), line("2", "shoes", 1, "2"), line("3", "shoes", 1, "3"), line("4", "shoes", 1, "4"),
			line("5", "shoes", 1, "5"), line("6", "shoes", 1, "6"), line("7", "shoes", 1, "7"), line("8", "shoes", 1, "8"), line("9", "shoes", 1, "9")),
	}
	for _, first := range orders {
		res, err := p.Evaluate(st, first, now)
		require.NoError(t, err)
		require.NotEmpty(t, res.Explanation)
		require.NotEmpty(t, res.Awards[0].Lines)
		require.NotEmpty(t, res.Counters)
		want := snapshot(res)
		var into loyalty.Result
		for _, o := range orders {
			again, err := p.Evaluate(st, o, now)
			require.NoError(t, err)
			require.NotSame(t, &res.Explanation[0], &again.Explanation[0])
			require.NotSame(t, &res.Lines[0], &again.Lines[0])
			require.NotSame(t, &res.Awards[0].Lines[0], &again.Awards[0].Lines[0])
			require.NoError(t, p.EvaluateInto(&into, st, o, now))
			require.Equal(t, want, snapshot(res), "a later evaluation changed the first Result")
		}
		// The kept Result is the caller's: appending to its slices or
		// changing them touches no later evaluation.
		res.Explanation = append(res.Explanation, loyalty.Explanation{Rule: "mine"})
		res.Lines[0].SKU = "changed"
		res.Awards[0].Lines[0] = -1
		again, err := p.Evaluate(st, first, now)
		require.NoError(t, err)
		require.Equal(t, first.Lines[0].SKU, again.Lines[0].SKU)
		require.NotEqual(t, "mine", again.Explanation[len(again.Explanation)-1].Rule)
		require.NotEqual(t, int64(-1), again.Awards[0].Lines[0])
	}
}

// TestKeptResultOfAnOrderWithoutLines: a kept Result of an order without
// lines has empty, not nil, Lines, as a Result evaluated into a block has.
func TestKeptResultOfAnOrderWithoutLines(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 3, "1"))}}
	require.NoError(t, p.Validate())
	st := &loyalty.State{Member: loyalty.Member{ID: "ann"}}
	o := orderOf()
	o.Shipping = decimal.NewFromInt(5)
	p.Basis.IncludeShipping = true
	res, err := p.Evaluate(st, o, now)
	require.NoError(t, err)
	var into loyalty.Result
	require.NoError(t, p.EvaluateInto(&into, st, o, now))
	require.NotNil(t, into.Lines)
	require.NotNil(t, res.Lines)
	require.Empty(t, res.Lines)
	require.Equal(t, into.Points(), res.Points())
}
