package loyalty_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// rule is a host-written rule built from a function, as a custom rule type
// would be.
type rule struct {
	name string
	st   loyalty.Stacking
	fn   func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect
}

func (r rule) Name() string               { return r.name }
func (r rule) Stacking() loyalty.Stacking { return r.st }
func (r rule) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	return r.fn(c, out)
}

func mustRate(t *testing.T, points int64, per string) *loyalty.Rate {
	t.Helper()
	r, err := loyalty.NewRate(points, decimal.RequireFromString(per))
	require.NoError(t, err)
	return r
}

func mustFactor(t *testing.T, f string) loyalty.Factor {
	t.Helper()
	x, err := loyalty.NewFactor(decimal.RequireFromString(f))
	require.NoError(t, err)
	return x
}

// perLine earns at r on every line's basis.
func perLine(name string, r *loyalty.Rate) rule {
	return rule{name: name, fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		for i, l := range c.Lines {
			if l.Basis > 0 {
				out = append(out, loyalty.EarnAt(r, l.Basis, i, l.SKU))
			}
		}
		if c.ExtraBasis > 0 {
			out = append(out, loyalty.EarnAt(r, c.ExtraBasis, loyalty.OrderLevel, "shipping and tax"))
		}
		return out
	}}
}

func categoryTimes(name, category string, f loyalty.Factor) rule {
	return rule{name: name, fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		for i, l := range c.Lines {
			if l.Category == category {
				out = append(out, loyalty.Multiply(f, i, category))
			}
		}
		return out
	}}
}

func orderOf(lines ...loyalty.OrderLine) *loyalty.Order {
	return &loyalty.Order{ID: "o1", MemberID: "ann", Currency: "USD", Lines: lines}
}

func line(sku, category string, qty int64, price string) loyalty.OrderLine {
	return loyalty.OrderLine{SKU: sku, Category: category, Quantity: qty, UnitPrice: decimal.RequireFromString(price)}
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func evaluate(t *testing.T, p *loyalty.Program, o *loyalty.Order) *loyalty.Result {
	t.Helper()
	require.NoError(t, p.Validate())
	res, err := p.Evaluate(&loyalty.State{Member: loyalty.Member{ID: "ann"}}, o, now)
	require.NoError(t, err)
	var explained int64
	for _, x := range res.Explanation {
		explained += x.Points
	}
	require.Equal(t, res.Points(), explained, "the explanation must add up to the points")
	return res
}

func TestOrderDiscountIsSpreadOverLinesInProportion(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}}
	o := orderOf(line("a", "x", 1, "30.00"), line("b", "x", 1, "10.00"))
	o.Discount = decimal.RequireFromString("10.00")
	res := evaluate(t, p, o)
	require.Equal(t, int64(22_50), res.Lines[0].Value)
	require.Equal(t, int64(7_50), res.Lines[1].Value)
	require.Equal(t, int64(30_00), res.Value)
	require.Equal(t, int64(30), res.Points())

	p.Basis.BeforeDiscounts = true
	require.Equal(t, int64(40), evaluate(t, p, o).Points(), "before discounts the basis is the gross value")
}

func TestShippingAndTaxEarnOnlyWhenIncluded(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}}
	o := orderOf(line("a", "x", 1, "10.00"))
	o.Shipping, o.Tax = decimal.NewFromInt(5), decimal.NewFromInt(2)
	require.Equal(t, int64(10), evaluate(t, p, o).Points())
	p.Basis.IncludeShipping = true
	require.Equal(t, int64(15), evaluate(t, p, o).Points())
	p.Basis.IncludeTax = true
	require.Equal(t, int64(17), evaluate(t, p, o).Points())
}

func TestExcludedSKUsAndCategoriesEarnNothing(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))},
		Basis: loyalty.EarnBasis{ExcludeSKUs: []string{"gift-card"}, ExcludeCategories: []string{"tobacco"}}}
	res := evaluate(t, p, orderOf(line("gift-card", "cards", 1, "50.00"), line("cigar", "tobacco", 1, "20.00"), line("tee", "apparel", 1, "10.00")))
	require.Equal(t, int64(10), res.Points())
	require.True(t, res.Lines[0].Excluded)
	require.True(t, res.Lines[1].Excluded)
	require.Equal(t, int64(0), res.Lines[0].Basis)
}

func TestOrderBelowMinimumEarnsNothing(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))},
		Basis: loyalty.EarnBasis{MinimumOrder: decimal.NewFromInt(25)}}
	res := evaluate(t, p, orderOf(line("a", "x", 1, "24.99")))
	require.True(t, res.BelowMinimum)
	require.Equal(t, int64(0), res.Points())
	require.Equal(t, int64(25), evaluate(t, p, orderOf(line("a", "x", 1, "25.00"))).Points())
}

func TestStackableRulesAddAndMultipliersMultiply(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{
		perLine("base", mustRate(t, 5, "1")),
		perLine("extra", mustRate(t, 1, "1")),
		categoryTimes("shoes-double", "shoes", mustFactor(t, "2")),
		rule{name: "weekend", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
			return append(out, loyalty.Multiply(mustFactor(t, "1.5"), loyalty.OrderLevel, "weekend"))
		}},
		rule{name: "bonus", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
			return append(out, loyalty.Earn(7, loyalty.OrderLevel, "flat bonus"))
		}},
	}}
	res := evaluate(t, p, orderOf(line("boot", "shoes", 1, "10.00"), line("tee", "apparel", 1, "10.00")))
	// boot: (50+10)×2×1.5 = 180; tee: (50+10)×1.5 = 90; bonus 7 is not multiplied.
	require.Equal(t, int64(277), res.Points())
	require.Equal(t, []int64{180, 90}, res.Awards[0].Lines)
	require.Equal(t, int64(7), res.Awards[0].Order)
}

func TestExclusiveRulesOnlyTheHighestPriorityCounts(t *testing.T) {
	five, ten := mustRate(t, 5, "1"), mustRate(t, 10, "1")
	low := perLine("low", five)
	low.st = loyalty.Stacking{Exclusive: true, Priority: 1}
	high := perLine("high", ten)
	high.st = loyalty.Stacking{Exclusive: true, Priority: 2}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{low, high, perLine("stack", mustRate(t, 1, "1"))}}
	res := evaluate(t, p, orderOf(line("a", "x", 1, "10.00")))
	require.Equal(t, int64(110), res.Points(), "high (100) wins over low; the stackable rule adds 10")
	for _, x := range res.Explanation {
		require.NotEqual(t, "low", x.Rule)
	}
}

func TestStopSkipsLaterRulesOnlyWhenItMatched(t *testing.T) {
	stopper := rule{name: "vip-only", st: loyalty.Stacking{Stop: true}, fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		if c.Member.InSegment("vip") {
			out = append(out, loyalty.Earn(100, loyalty.OrderLevel, "vip"))
		}
		return out
	}}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{stopper, perLine("base", mustRate(t, 1, "1"))}}
	o := orderOf(line("a", "x", 1, "10.00"))
	vip, err := p.Evaluate(&loyalty.State{Member: loyalty.Member{ID: "ann", Segments: []string{"vip"}}}, o, now)
	require.NoError(t, err)
	require.Equal(t, int64(100), vip.Points())
	require.Equal(t, int64(10), evaluate(t, p, o).Points())
}

func TestRoundingPerOrderAndPerLineDiffer(t *testing.T) {
	// 1 point per 3.00: three lines of 2.00 earn 0.67 each.
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "3"))}}
	o := orderOf(line("a", "x", 1, "2.00"), line("b", "x", 1, "2.00"), line("c", "x", 1, "2.00"))
	want := map[loyalty.RoundingScope]map[loyalty.Rounding]int64{
		loyalty.RoundPerOrder: {loyalty.RoundFloor: 2, loyalty.RoundHalfUp: 2, loyalty.RoundHalfEven: 2, loyalty.RoundCeil: 2},
		loyalty.RoundPerLine:  {loyalty.RoundFloor: 0, loyalty.RoundHalfUp: 3, loyalty.RoundHalfEven: 3, loyalty.RoundCeil: 3},
	}
	for scope, modes := range want {
		for mode, points := range modes {
			p.RoundingScope, p.Rounding = scope, mode
			require.Equal(t, points, evaluate(t, p, o).Points(), "scope %d mode %d", scope, mode)
		}
	}
	// 2.50 of 1 point per 1.00 after a 1.5× multiplier: 3.75.
	p.RoundingScope, p.Rounding = loyalty.RoundPerOrder, loyalty.RoundHalfEven
	p.Rules = []loyalty.Rule{perLine("base", mustRate(t, 1, "1")), categoryTimes("x", "x", mustFactor(t, "1.5"))}
	require.Equal(t, int64(4), evaluate(t, p, orderOf(line("a", "x", 1, "2.50"))).Points())
}

func TestCapLimitsPointsAndExplainsTheCut(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{
		perLine("base", mustRate(t, 10, "1")),
		rule{name: "cap", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
			return append(out, loyalty.Cap(500, "at most 500 a order"))
		}},
	}}
	res := evaluate(t, p, orderOf(line("a", "x", 1, "60.00"), line("b", "x", 1, "20.00")))
	require.Equal(t, int64(500), res.Points())
	require.Equal(t, []int64{375, 125}, res.Awards[0].Lines)
	last := res.Explanation[len(res.Explanation)-1]
	require.Equal(t, "cap", last.Rule)
	require.Equal(t, int64(-300), last.Points)
}

func TestSubCentPricesAreExact(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}}
	// 3 × 0.333 = 0.999: no cent rounding may turn it into 1.00.
	res := evaluate(t, p, orderOf(line("bolt", "x", 3, "0.333"), line("nut", "x", 1, "0.001")))
	require.Equal(t, int32(3), res.Scale)
	require.Equal(t, int64(1000), res.Value)
	require.Equal(t, int64(1), res.Points())
	res = evaluate(t, p, orderOf(line("bolt", "x", 3, "0.333")))
	require.Equal(t, int64(0), res.Points())
}

func TestEvaluationIsDeterministic(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 7, "3")), categoryTimes("x", "x", mustFactor(t, "1.25"))}}
	o := orderOf(line("a", "x", 3, "12.34"), line("b", "y", 1, "0.99"))
	o.Discount = decimal.RequireFromString("1.11")
	first, _ := json.Marshal(evaluate(t, p, o))
	for i := 0; i < 20; i++ {
		again, _ := json.Marshal(evaluate(t, p, o))
		require.Equal(t, string(first), string(again))
	}
}

func TestBadOrdersAreRejectedWithSentinels(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}}
	st := &loyalty.State{Member: loyalty.Member{ID: "ann"}}
	eur := orderOf(line("a", "x", 1, "1"))
	eur.Currency = "EUR"
	_, err := p.Evaluate(st, eur, now)
	require.ErrorIs(t, err, loyalty.ErrCurrencyMismatch)

	over := orderOf(line("a", "x", 3, "92233720368547758.07"))
	_, err = p.Evaluate(st, over, now)
	require.ErrorIs(t, err, loyalty.ErrOverflow)

	disc := orderOf(line("a", "x", 1, "1"))
	disc.Lines[0].Discount = decimal.NewFromInt(2)
	_, err = p.Evaluate(st, disc, now)
	require.ErrorIs(t, err, loyalty.ErrInvalidAmount)
}

func TestProgramValidateNamesTheProblem(t *testing.T) {
	base := perLine("base", mustRate(t, 1, "1"))
	cases := map[string]*loyalty.Program{
		"name":           {Currency: "USD"},
		"currency":       {Name: "p", Currency: "usd"},
		"duplicate rule": {Name: "p", Currency: "USD", Rules: []loyalty.Rule{base, base}},
		"nil rule":       {Name: "p", Currency: "USD", Rules: []loyalty.Rule{nil}},
		"pending days":   {Name: "p", Currency: "USD", PendingDays: -1},
		"minimum":        {Name: "p", Currency: "USD", Basis: loyalty.EarnBasis{MinimumOrder: decimal.NewFromInt(-1)}},
	}
	for name, p := range cases {
		err := p.Validate()
		require.Error(t, err, name)
		require.True(t, errors.Is(err, loyalty.ErrInvalidProgram), name)
		var ve *loyalty.ValidationError
		require.True(t, errors.As(err, &ve), name)
	}
	_, err := loyalty.NewRate(0, decimal.NewFromInt(1))
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
	_, err = loyalty.NewFactor(decimal.NewFromInt(-2))
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
}

type typed struct {
	rule
	kind string
}

func (t typed) ProgramType() string { return t.kind }

func TestWarningsFlagConfusingMixesWithoutRefusing(t *testing.T) {
	mk := func(kinds ...string) *loyalty.Program {
		p := &loyalty.Program{Name: "mix", Currency: "USD"}
		for _, k := range kinds {
			p.Rules = append(p.Rules, typed{rule{name: k, fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect { return out }}, k})
		}
		return p
	}
	require.Empty(t, mk("points", "tiers").Warnings())
	p := mk("cashback", "games", "membership")
	require.NoError(t, p.Validate())
	require.Len(t, p.Warnings(), 1)
	require.Len(t, mk("points", "tiers", "cashback", "charity").Warnings(), 1)
}

func TestLosingExclusiveRuleLeavesNoCounterBehind(t *testing.T) {
	counting := func(name string, prio int, pts int64) rule {
		return rule{name: name, st: loyalty.Stacking{Exclusive: true, Priority: prio}, fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
			return append(out, loyalty.Earn(pts, loyalty.OrderLevel, name), loyalty.Count(name, "", 1))
		}}
	}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{counting("small", 1, 10), counting("big", 2, 50)}}
	res := evaluate(t, p, orderOf(line("a", "x", 1, "1.00")))
	require.Equal(t, int64(50), res.Points())
	require.Equal(t, []ledger.Counter{{Name: "big", Value: 1}}, res.Counters)
}

func TestValidateNamesTheRuleOnce(t *testing.T) {
	bad := rule{name: "broken", fn: nil}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{validating{bad}}}
	err := p.Validate()
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
	require.Equal(t, `loyalty: invalid program: rules[0] "broken": factor: is negative`, err.Error())
}

type validating struct{ rule }

func (validating) Validate() error {
	_, err := loyalty.NewFactor(decimal.NewFromInt(-1))
	return err
}

func TestEvaluateIntoMatchesEvaluateAndReusesTheResult(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 5, "1")), categoryTimes("x2", "shoes", mustFactor(t, "2"))}}
	st := &loyalty.State{Member: loyalty.Member{ID: "ann"}}
	big := orderOf(line("boot", "shoes", 1, "59.99"), line("tee", "apparel", 2, "12.50"))
	small := orderOf(line("sock", "apparel", 1, "3.00"))
	var res loyalty.Result
	for _, o := range []*loyalty.Order{big, small, big} {
		want, err := p.Evaluate(st, o, now)
		require.NoError(t, err)
		require.NoError(t, p.EvaluateInto(&res, st, o, now))
		require.Equal(t, want.Points(), res.Points())
		require.Equal(t, want.Explanation, res.Explanation)
		require.Equal(t, want.Lines, res.Lines)
		require.Equal(t, want.Awards, res.Awards)
	}
	eur := orderOf(line("a", "x", 1, "1"))
	eur.Currency = "EUR"
	require.ErrorIs(t, p.EvaluateInto(&res, st, eur, now), loyalty.ErrCurrencyMismatch)
	require.Equal(t, int64(0), res.Points())
	require.Empty(t, res.Explanation)
}
