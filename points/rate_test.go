package points_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRateEarnsOnEachLineAndOnIncludedShipping(t *testing.T) {
	rate := must(points.NewRate("base", 5, dec("1.00")))
	p := program(t, rate)
	p.Basis.IncludeShipping = true
	o := order(line("tee", "apparel", 2, "10.00"), line("sock", "apparel", 1, "5.50"))
	o.Shipping = dec("4.00")

	res := evaluate(t, p, state(), o, sunday)

	// 5 × 20.00 + 5 × 5.50 + 5 × 4.00 = 100 + 27.5 + 20 = 147.5, floored once per order.
	wantPoints(t, res, 147)
	var earn []loyalty.Explanation
	for _, x := range res.Explanation {
		if x.Rule == "base" {
			earn = append(earn, x)
		}
	}
	require.Len(t, earn, 3, "base explanations:\n%s", explain(res))
	for i, want := range []struct {
		line  int
		note  string
		basis int64
	}{{0, "tee", 2000}, {1, "sock", 550}, {loyalty.OrderLevel, "shipping", 400}} {
		x := earn[i]
		assert.Equal(t, want.line, x.Line, "explanation %d's line", i)
		assert.Equal(t, want.note, x.Note, "explanation %d's note", i)
		assert.Equal(t, want.basis, x.Basis, "explanation %d's basis", i)
		assert.Same(t, rate.Rate(), x.Rate, "explanation %d is at the rule's rate", i)
	}
}

func TestRateNotesTaxAndShippingTogether(t *testing.T) {
	p := program(t, must(points.NewRate("base", 1, dec("1"))))
	p.Basis.IncludeShipping, p.Basis.IncludeTax = true, true
	o := order(line("tee", "apparel", 1, "10.00"))
	o.Shipping, o.Tax = dec("2.00"), dec("1.00")

	res := evaluate(t, p, state(), o, sunday)

	wantPoints(t, res, 13)
	require.Len(t, res.Explanation, 2, "explanation:\n%s", explain(res))
	assert.Equal(t, "shipping and tax", res.Explanation[1].Note, "the order-level earning")
	assert.Equal(t, int64(300), res.Explanation[1].Basis, "the order-level earning")
}

func TestRateSkipsLinesTheProgramExcludes(t *testing.T) {
	p := program(t, must(points.NewRate("base", 1, dec("1.00"))))
	p.Basis.ExcludeCategories = []string{"gift-card"}
	o := order(line("tee", "apparel", 1, "10.00"), line("gc50", "gift-card", 1, "50.00"))

	res := evaluate(t, p, state(), o, sunday)

	wantPoints(t, res, 10)
	if assert.Len(t, res.Explanation, 1, "one explanation:\n%s", explain(res)) {
		assert.Equal(t, 0, res.Explanation[0].Line, "the explanation is for line 0")
	}
	assert.Equal(t, []int64{10, 0}, lineAward(res), "line awards")
}

func TestRateEarnsNothingOnAnAction(t *testing.T) {
	p := program(t, must(points.NewRate("base", 5, dec("1"))))
	res := evaluate(t, p, state(), action(loyalty.ActionReview), sunday)
	wantPoints(t, res, 0)
	assert.Empty(t, res.Explanation, "explanation for an action:\n%s", explain(res))
}

func TestRateOfOnePointPerTenEarnsOnFractionsExactly(t *testing.T) {
	p := program(t, must(points.NewRate("base", 1, dec("10"))))
	// 3 × 33.33 = 99.99 → 9.999 points, floored to 9 for the order.
	res := evaluate(t, p, state(), order(line("a", "x", 3, "33.33")), sunday)
	wantPoints(t, res, 9)
}

func TestNewRateRejectsAnInvalidDefinition(t *testing.T) {
	for name, tc := range map[string]struct {
		name   string
		points int64
		per    decimal.Decimal
	}{
		"empty name":    {"", 5, dec("1")},
		"zero points":   {"r", 0, dec("1")},
		"negative per":  {"r", 5, dec("-1")},
		"zero per":      {"r", 5, decimal.Zero},
		"negative rate": {"r", -5, dec("1")},
	} {
		_, err := points.NewRate(tc.name, tc.points, tc.per)
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}
}

func TestZeroValueRulesFailProgramValidation(t *testing.T) {
	for _, r := range []loyalty.Rule{
		&points.Rate{}, &points.StepRate{}, &points.SKUMultiplier{}, &points.CategoryMultiplier{},
		&points.SegmentMultiplier{}, &points.WindowMultiplier{}, &points.ProductBonus{},
		&points.OrderCap{}, &points.PeriodCap{}, &points.Engagement{},
	} {
		v := r.(loyalty.Validator)
		assert.ErrorIs(t, v.Validate(), loyalty.ErrInvalidProgram, "%T", r)
	}
	// Named but not built by its constructor: still invalid.
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{&points.Rate{Stack: loyalty.Stacking{Priority: 1}}}}
	assert.ErrorIs(t, p.Validate(), loyalty.ErrInvalidProgram)
}

func TestStepRateEarnsPerFullStepAndDropsTheRemainder(t *testing.T) {
	step := must(points.NewStepRate("step", 10, dec("50.00")))
	p := program(t, step)

	res := evaluate(t, p, state(), order(line("a", "x", 1, "120.00")), sunday)

	wantPoints(t, res, 20) // two full 50.00; 20.00 earns nothing
	assert.Empty(t, res.Counters, "counters without carry-over")
	require.NotEmpty(t, res.Explanation)
	x := res.Explanation[0]
	assert.Equal(t, loyalty.EffectEarn, x.Kind, "explanation %+v", x)
	assert.Equal(t, loyalty.OrderLevel, x.Line, "explanation %+v", x)
	assert.Equal(t, "10 per full 50", x.Note, "explanation %+v", x)
	wantPoints(t, evaluate(t, p, state(), order(line("a", "x", 1, "49.99")), sunday), 0)
}

func TestStepRateCarriesTheRemainderToTheNextOrder(t *testing.T) {
	step := must(points.NewStepRate("step", 10, dec("50")))
	step.CarryOver = true
	p := program(t, step)

	first := evaluate(t, p, state(), order(line("a", "x", 1, "120.00")), sunday)
	wantPoints(t, first, 20)
	c := counter(t, first, "step")
	require.Equal(t, ledger.Counter{Name: "step", Value: 2000}, c, "carry: 2000 cents in the lifetime period")

	// The next order's 35.00 plus the 20.00 carried make one full 50.00.
	st := withCounters(state(), c)
	second := evaluate(t, p, st, order(line("b", "x", 1, "35.00")), sunday)
	wantPoints(t, second, 10)
	assert.Equal(t, int64(500), counter(t, second, "step").Value, "carry after the second order")
}

func TestStepRateCarryKeepsSubCentStepsExact(t *testing.T) {
	// A step of 0.125 is finer than a cent: the carry is kept in thousandths.
	step := must(points.NewStepRate("step", 1, dec("0.125")))
	step.CarryOver = true
	p := program(t, step)

	res := evaluate(t, p, state(), order(line("a", "x", 1, "1.30")), sunday)

	wantPoints(t, res, 10) // 10 × 0.125 = 1.25
	assert.Equal(t, int64(50), counter(t, res, "step").Value, "carry in thousandths (0.05)")
}

func TestStepRateIsAFixedBonusThatMultipliersLeaveAlone(t *testing.T) {
	p := program(t,
		must(points.NewStepRate("step", 10, dec("50"))),
		must(points.NewCategoryMultiplier("x2", dec("2"), "x")),
		must(points.NewSegmentMultiplier("vip", dec("3"), "vip")))
	wantPoints(t, evaluate(t, p, state("vip"), order(line("a", "x", 1, "100.00")), sunday), 20)
}

func TestNewStepRateRejectsAnInvalidDefinition(t *testing.T) {
	for _, per := range []string{"0", "-50"} {
		_, err := points.NewStepRate("s", 10, dec(per))
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "per %s", per)
	}
	_, err := points.NewStepRate("s", 0, dec("50"))
	assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "zero points")
	_, err = points.NewStepRate("", 10, dec("50"))
	assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "empty name")
}
