package loyalty_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// finisher is a rule that earns nothing itself and, after combining,
// counts what the order earned and announces it.
type finisher struct {
	rule
	finish func(c *loyalty.Input, res *loyalty.Result, out []loyalty.Effect) []loyalty.Effect
}

func (f finisher) Finish(c *loyalty.Input, res *loyalty.Result, out []loyalty.Effect) []loyalty.Effect {
	return f.finish(c, res, out)
}

func nothing(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect { return out }

func TestFinishSeesTheCombinedPointsAndCountsThem(t *testing.T) {
	counter := finisher{rule: rule{name: "qualifying", fn: nothing},
		finish: func(c *loyalty.Input, res *loyalty.Result, out []loyalty.Effect) []loyalty.Effect {
			out = append(out, loyalty.Count("qualifying", "", res.Points()))
			return append(out, loyalty.Notify("counted", "after combining"))
		}}
	// The finisher comes first: it still sees what the rules after it earned.
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{
		counter,
		perLine("base", mustRate(t, 5, "1")),
		categoryTimes("shoes", "shoes", mustFactor(t, "2")),
	}}
	// 20.00 of shoes at 5 per 1.00 = 100, ×2 = 200; 10.00 of hats = 50: 250.
	res := evaluate(t, p, orderOf(line("s", "shoes", 1, "20.00"), line("h", "hats", 1, "10.00")))
	require.Equal(t, int64(250), res.Points())
	require.Equal(t, []ledger.Counter{{Name: "qualifying", Value: 250}}, res.Counters)
	require.Len(t, res.Notices, 1)
	require.Equal(t, "qualifying", res.Notices[0].Rule)
	require.Equal(t, "after combining", res.Notices[0].Detail)
}

func TestFinishAddsToTheRulesOwnCountOfTheSameCounter(t *testing.T) {
	r := finisher{rule: rule{name: "visits", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		return append(out, loyalty.Count("visits", "2026", 1))
	}}, finish: func(c *loyalty.Input, res *loyalty.Result, out []loyalty.Effect) []loyalty.Effect {
		return append(out, loyalty.Count("visits", "2026", 10))
	}}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{r}}
	st := &loyalty.State{Member: loyalty.Member{ID: "ann"}, Counters: []ledger.Counter{{Name: "visits", PeriodKey: "2026", Value: 4}}}
	res, err := p.Evaluate(st, orderOf(line("s", "shoes", 1, "20.00")), now)
	require.NoError(t, err)
	// 4 stored + 1 from Evaluate + 10 from Finish.
	require.Equal(t, []ledger.Counter{{Name: "visits", PeriodKey: "2026", Value: 15}}, res.Counters)
}

func TestFinishThatEarnsFailsTheEvaluationWithErrInvalidProgram(t *testing.T) {
	r := finisher{rule: rule{name: "greedy", fn: nothing},
		finish: func(c *loyalty.Input, res *loyalty.Result, out []loyalty.Effect) []loyalty.Effect {
			return append(out, loyalty.Earn(res.Points()+1, loyalty.OrderLevel, "more"))
		}}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")), r}}
	_, err := p.Evaluate(&loyalty.State{Member: loyalty.Member{ID: "ann"}}, orderOf(line("s", "shoes", 1, "20.00")), now)
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
}

func TestFinishThatPanicsIsARuleErrorNamingTheRule(t *testing.T) {
	r := finisher{rule: rule{name: "broken", fn: nothing},
		finish: func(c *loyalty.Input, res *loyalty.Result, out []loyalty.Effect) []loyalty.Effect {
			panic("boom")
		}}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")), r}}
	_, err := p.Evaluate(&loyalty.State{Member: loyalty.Member{ID: "ann"}}, orderOf(line("s", "shoes", 1, "20.00")), now)
	var re *loyalty.RuleError
	require.True(t, errors.As(err, &re), "err %v is not a *RuleError", err)
	require.Equal(t, "broken", re.Rule)
	require.Equal(t, 1, re.Index)
}
