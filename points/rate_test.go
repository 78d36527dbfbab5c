package points_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/shopspring/decimal"
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
	if len(earn) != 3 {
		t.Fatalf("got %d base explanations, want 3:\n%s", len(earn), explain(res))
	}
	for i, want := range []struct {
		line  int
		note  string
		basis int64
	}{{0, "tee", 2000}, {1, "sock", 550}, {loyalty.OrderLevel, "shipping", 400}} {
		x := earn[i]
		if x.Line != want.line || x.Note != want.note || x.Basis != want.basis || x.Rate != rate.Rate() {
			t.Errorf("explanation %d = line %d, note %q, basis %d; want line %d, note %q, basis %d at the rule's rate",
				i, x.Line, x.Note, x.Basis, want.line, want.note, want.basis)
		}
	}
}

func TestRateNotesTaxAndShippingTogether(t *testing.T) {
	p := program(t, must(points.NewRate("base", 1, dec("1"))))
	p.Basis.IncludeShipping, p.Basis.IncludeTax = true, true
	o := order(line("tee", "apparel", 1, "10.00"))
	o.Shipping, o.Tax = dec("2.00"), dec("1.00")

	res := evaluate(t, p, state(), o, sunday)

	wantPoints(t, res, 13)
	if x := res.Explanation[1]; x.Note != "shipping and tax" || x.Basis != 300 {
		t.Errorf("order-level earning = %q on %d, want \"shipping and tax\" on 300", x.Note, x.Basis)
	}
}

func TestRateSkipsLinesTheProgramExcludes(t *testing.T) {
	p := program(t, must(points.NewRate("base", 1, dec("1.00"))))
	p.Basis.ExcludeCategories = []string{"gift-card"}
	o := order(line("tee", "apparel", 1, "10.00"), line("gc50", "gift-card", 1, "50.00"))

	res := evaluate(t, p, state(), o, sunday)

	wantPoints(t, res, 10)
	if len(res.Explanation) != 1 || res.Explanation[0].Line != 0 {
		t.Errorf("want one explanation, for line 0:\n%s", explain(res))
	}
	if got := lineAward(res); len(got) != 2 || got[0] != 10 || got[1] != 0 {
		t.Errorf("line awards = %v, want [10 0]", got)
	}
}

func TestRateEarnsNothingOnAnAction(t *testing.T) {
	p := program(t, must(points.NewRate("base", 5, dec("1"))))
	res := evaluate(t, p, state(), action(loyalty.ActionReview), sunday)
	wantPoints(t, res, 0)
	if len(res.Explanation) != 0 {
		t.Errorf("explanation for an action:\n%s", explain(res))
	}
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
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		wantErrorIs(t, err, loyalty.ErrInvalidProgram)
	}
}

func TestZeroValueRulesFailProgramValidation(t *testing.T) {
	for _, r := range []loyalty.Rule{
		&points.Rate{}, &points.StepRate{}, &points.SKUMultiplier{}, &points.CategoryMultiplier{},
		&points.SegmentMultiplier{}, &points.WindowMultiplier{}, &points.ProductBonus{},
		&points.OrderCap{}, &points.PeriodCap{}, &points.Engagement{},
	} {
		v := r.(loyalty.Validator)
		wantErrorIs(t, v.Validate(), loyalty.ErrInvalidProgram)
	}
	// Named but not built by its constructor: still invalid.
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{&points.Rate{Stack: loyalty.Stacking{Priority: 1}}}}
	wantErrorIs(t, p.Validate(), loyalty.ErrInvalidProgram)
}

func TestStepRateEarnsPerFullStepAndDropsTheRemainder(t *testing.T) {
	step := must(points.NewStepRate("step", 10, dec("50.00")))
	p := program(t, step)

	res := evaluate(t, p, state(), order(line("a", "x", 1, "120.00")), sunday)

	wantPoints(t, res, 20) // two full 50.00; 20.00 earns nothing
	if len(res.Counters) != 0 {
		t.Errorf("counters %v without carry-over", res.Counters)
	}
	if x := res.Explanation[0]; x.Kind != loyalty.EffectEarn || x.Line != loyalty.OrderLevel || x.Note != "10 per full 50" {
		t.Errorf("explanation = %+v", x)
	}
	wantPoints(t, evaluate(t, p, state(), order(line("a", "x", 1, "49.99")), sunday), 0)
}

func TestStepRateCarriesTheRemainderToTheNextOrder(t *testing.T) {
	step := must(points.NewStepRate("step", 10, dec("50")))
	step.CarryOver = true
	p := program(t, step)

	first := evaluate(t, p, state(), order(line("a", "x", 1, "120.00")), sunday)
	wantPoints(t, first, 20)
	c, ok := counter(first, "step")
	if !ok || c.Value != 2000 || c.PeriodKey != "" {
		t.Fatalf("carry counter = %+v (%v), want 2000 cents in the lifetime period", c, ok)
	}

	// The next order's 35.00 plus the 20.00 carried make one full 50.00.
	st := withCounters(state(), c)
	second := evaluate(t, p, st, order(line("b", "x", 1, "35.00")), sunday)
	wantPoints(t, second, 10)
	if c, _ := counter(second, "step"); c.Value != 500 {
		t.Errorf("carry after the second order = %d, want 500", c.Value)
	}
}

func TestStepRateCarryKeepsSubCentStepsExact(t *testing.T) {
	// A step of 0.125 is finer than a cent: the carry is kept in thousandths.
	step := must(points.NewStepRate("step", 1, dec("0.125")))
	step.CarryOver = true
	p := program(t, step)

	res := evaluate(t, p, state(), order(line("a", "x", 1, "1.30")), sunday)

	wantPoints(t, res, 10) // 10 × 0.125 = 1.25
	if c, _ := counter(res, "step"); c.Value != 50 {
		t.Errorf("carry = %d thousandths, want 50 (0.05)", c.Value)
	}
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
		wantErrorIs(t, err, loyalty.ErrInvalidProgram)
	}
	_, err := points.NewStepRate("s", 0, dec("50"))
	wantErrorIs(t, err, loyalty.ErrInvalidProgram)
	_, err = points.NewStepRate("", 10, dec("50"))
	wantErrorIs(t, err, loyalty.ErrInvalidProgram)
}
