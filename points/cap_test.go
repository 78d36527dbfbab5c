package points_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
)

func TestProductBonusEarnsFixedPointsPerUnitOnItsLine(t *testing.T) {
	p := program(t, must(points.NewProductBonus("perfume-bonus", "perfume", 50)))
	o := order(line("soap", "beauty", 2, "3.00"), line("perfume", "beauty", 3, "40.00"))

	res := evaluate(t, p, state(), o, sunday)

	wantPoints(t, res, 150)
	if got := lineAward(res); got[0] != 0 || got[1] != 150 {
		t.Errorf("line awards = %v, want the bonus on line 1: [0 150]", got)
	}
	if x := res.Explanation[0]; x.Line != 1 || x.Note != "SKU perfume, 50 per unit" {
		t.Errorf("explanation = %s", x.String())
	}
}

func TestProductBonusSkipsFreeAndExcludedLines(t *testing.T) {
	bonus := must(points.NewProductBonus("bonus", "sample", 10))
	p := program(t, bonus)
	free := line("sample", "beauty", 1, "5.00")
	free.Discount = dec("5.00")
	wantPoints(t, evaluate(t, p, state(), order(free, line("a", "x", 1, "1.00")), sunday), 0)

	p.Basis.ExcludeSKUs = []string{"sample"}
	wantPoints(t, evaluate(t, p, state(), order(line("sample", "beauty", 1, "5.00")), sunday), 0)
}

func TestOrderCapLimitsWhatOneOrderEarns(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 10, dec("1"))),
		must(points.NewProductBonus("bonus", "a", 100)),
		must(points.NewOrderCap("cap", 500)))

	res := evaluate(t, p, state(), order(line("a", "x", 1, "60.00"), line("b", "x", 1, "40.00")), sunday)

	wantPoints(t, res, 500) // 1000 + 100 capped
	if by := pointsBy(res); by["cap"] != -600 {
		t.Errorf("explained %v, want cap -600", by)
	}
	var sum int64
	for _, v := range lineAward(res) {
		sum += v
	}
	if sum != 500 {
		t.Errorf("line awards %v sum to %d, want 500", lineAward(res), sum)
	}
	wantPoints(t, evaluate(t, p, state(), order(line("b", "x", 1, "20.00")), sunday), 200)
}

func TestLowestOfSeveralCapsWins(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 10, dec("1"))),
		must(points.NewOrderCap("cap-500", 500)),
		must(points.NewOrderCap("cap-300", 300)))
	res := evaluate(t, p, state(), order(line("a", "x", 1, "100.00")), sunday)
	wantPoints(t, res, 300)
}

func TestPeriodCapLimitsWhatTheOrdersOfAMonthEarnTogether(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 10, dec("1"))),
		must(points.NewPeriodCap("monthly", 1000, points.Month)))
	o := order(line("a", "x", 1, "50.00")) // 500 points

	// 800 already earned in November: 200 left.
	st := withCounters(state(), loyalty.Counter{Name: "monthly", PeriodKey: "2026-11", Value: 800})
	res := evaluate(t, p, st, o, sunday)
	wantPoints(t, res, 200)
	if c, _ := counter(res, "monthly"); c.PeriodKey != "2026-11" || c.Value != 1000 {
		t.Errorf("counter = %+v, want 2026-11 at 1000", c)
	}

	// The cap reached: nothing until December, which starts afresh.
	st = withCounters(state(), loyalty.Counter{Name: "monthly", PeriodKey: "2026-11", Value: 1000})
	wantPoints(t, evaluate(t, p, st, o, sunday), 0)
	december := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	res = evaluate(t, p, st, o, december)
	wantPoints(t, res, 500)
	if c, _ := counter(res, "monthly"); c.PeriodKey != "2026-12" || c.Value != 500 {
		t.Errorf("counter = %+v, want 2026-12 at 500", c)
	}
}

func TestPeriodCapCountsInItsLocation(t *testing.T) {
	cp := must(points.NewPeriodCap("daily", 100, points.Day))
	cp.Location = time.FixedZone("JST", 9*3600)
	p := program(t, must(points.NewRate("base", 1, dec("1"))), cp)
	late := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC) // already the 23rd in Tokyo
	res := evaluate(t, p, state(), order(line("a", "x", 1, "10.00")), late)
	if c, _ := counter(res, "daily"); c.PeriodKey != "2026-11-23" || c.Value != 10 {
		t.Errorf("counter = %+v, want 2026-11-23 at 10", c)
	}
}

func TestCapsRejectNegativeLimits(t *testing.T) {
	wantErrorIs(t, second(points.NewOrderCap("c", -1)), loyalty.ErrInvalidProgram)
	wantErrorIs(t, second(points.NewPeriodCap("c", -1, points.Day)), loyalty.ErrInvalidProgram)
	wantErrorIs(t, second(points.NewPeriodCap("c", 10, points.Period(99))), loyalty.ErrInvalidProgram)
	wantErrorIs(t, second(points.NewProductBonus("b", "a", 0)), loyalty.ErrInvalidProgram)
	wantErrorIs(t, second(points.NewProductBonus("b", "", 5)), loyalty.ErrInvalidProgram)
}

func TestRulesRefuseAnOrderWhosePointsOverflowInt64(t *testing.T) {
	huge := line("a", "x", 1<<40, "1.00")
	for name, r := range map[string]loyalty.Rule{
		"product bonus": must(points.NewProductBonus("bonus", "a", 1<<30)),
		"step rate":     must(points.NewStepRate("step", 1<<40, dec("0.01"))),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := program(t, r).Evaluate(state(), order(huge), sunday)
			wantErrorIs(t, err, loyalty.ErrRefused)
			wantErrorIs(t, err, loyalty.ErrOverflow)
		})
	}
}
