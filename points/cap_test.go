package points_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProductBonusEarnsFixedPointsPerUnitOnItsLine(t *testing.T) {
	p := program(t, must(points.NewProductBonus("perfume-bonus", "perfume", 50)))
	o := order(line("soap", "beauty", 2, "3.00"), line("perfume", "beauty", 3, "40.00"))

	res := evaluate(t, p, state(), o, sunday)

	wantPoints(t, res, 150)
	assert.Equal(t, []int64{0, 150}, lineAward(res), "line awards: the bonus on line 1")
	require.NotEmpty(t, res.Explanation)
	assert.Equal(t, 1, res.Explanation[0].Line, "explanation %s", res.Explanation[0].String())
	assert.Equal(t, "SKU perfume, 50 per unit", res.Explanation[0].Note)
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
	assert.Equal(t, int64(-600), pointsBy(res)["cap"], "explained %v", pointsBy(res))
	wantLinesSumTo(t, res, 500)
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
		must(points.NewPeriodCap("monthly", 1000, calendar.Month)))
	o := order(line("a", "x", 1, "50.00")) // 500 points

	// 800 already earned in November: 200 left.
	st := withCounters(state(), ledger.Counter{Name: "monthly", PeriodKey: "2026-11", Value: 800})
	res := evaluate(t, p, st, o, sunday)
	wantPoints(t, res, 200)
	assert.Equal(t, ledger.Counter{Name: "monthly", PeriodKey: "2026-11", Value: 1000}, counter(t, res, "monthly"))

	// The cap reached: nothing until December, which starts afresh.
	st = withCounters(state(), ledger.Counter{Name: "monthly", PeriodKey: "2026-11", Value: 1000})
	wantPoints(t, evaluate(t, p, st, o, sunday), 0)
	december := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	res = evaluate(t, p, st, o, december)
	wantPoints(t, res, 500)
	assert.Equal(t, ledger.Counter{Name: "monthly", PeriodKey: "2026-12", Value: 500}, counter(t, res, "monthly"))
}

func TestPeriodCapCountsInItsLocation(t *testing.T) {
	cp := must(points.NewPeriodCap("daily", 100, calendar.Day))
	cp.Location = time.FixedZone("JST", 9*3600)
	p := program(t, must(points.NewRate("base", 1, dec("1"))), cp)
	late := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC) // already the 23rd in Tokyo
	res := evaluate(t, p, state(), order(line("a", "x", 1, "10.00")), late)
	assert.Equal(t, ledger.Counter{Name: "daily", PeriodKey: "2026-11-23", Value: 10}, counter(t, res, "daily"))
}

func TestCapsRejectNegativeLimits(t *testing.T) {
	assert.ErrorIs(t, second(points.NewOrderCap("c", -1)), loyalty.ErrInvalidProgram)
	assert.ErrorIs(t, second(points.NewPeriodCap("c", -1, calendar.Day)), loyalty.ErrInvalidProgram)
	assert.ErrorIs(t, second(points.NewPeriodCap("c", 10, calendar.Period(99))), loyalty.ErrInvalidProgram)
	assert.ErrorIs(t, second(points.NewProductBonus("b", "a", 0)), loyalty.ErrInvalidProgram)
	assert.ErrorIs(t, second(points.NewProductBonus("b", "", 5)), loyalty.ErrInvalidProgram)
}

func TestRulesRefuseAnOrderWhosePointsOverflowInt64(t *testing.T) {
	huge := line("a", "x", 1<<40, "1.00")
	for name, r := range map[string]loyalty.Rule{
		"product bonus": must(points.NewProductBonus("bonus", "a", 1<<30)),
		"step rate":     must(points.NewStepRate("step", 1<<40, dec("0.01"))),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := program(t, r).Evaluate(state(), order(huge), sunday)
			assert.ErrorIs(t, err, loyalty.ErrRefused)
			assert.ErrorIs(t, err, loyalty.ErrOverflow)
		})
	}
}
