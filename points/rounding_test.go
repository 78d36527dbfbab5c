package points_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
)

// At 1 point per 4.00, lines of 6.00, 6.00, 3.00 and 3.00 earn 1.5, 1.5,
// 0.75 and 0.75 points: 4.5 for the order. Rounded once per order that is
// 4 (floor), 5 (half-up), 4 (half-even: 4 is even), 5 (ceil); rounded per
// line it is 1+1+0+0 = 2, 2+2+1+1 = 6, 2+2+1+1 = 6 and 2+2+1+1 = 6.
func TestRoundingModesPerLineAndPerOrderGiveDifferentTotals(t *testing.T) {
	o := order(line("a", "x", 1, "6.00"), line("b", "x", 1, "6.00"), line("c", "x", 1, "3.00"), line("d", "x", 1, "3.00"))
	for _, tc := range []struct {
		name     string
		mode     loyalty.Rounding
		perOrder int64
		perLine  int64
	}{
		{"floor", loyalty.RoundFloor, 4, 2},
		{"half-up", loyalty.RoundHalfUp, 5, 6},
		{"half-even", loyalty.RoundHalfEven, 4, 6},
		{"ceil", loyalty.RoundCeil, 5, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := program(t, must(points.NewRate("base", 1, dec("4.00"))))
			p.Rounding = tc.mode

			p.RoundingScope = loyalty.RoundPerOrder
			res := evaluate(t, p, state(), o, sunday)
			wantPoints(t, res, tc.perOrder)
			wantLinesSumTo(t, res, tc.perOrder)

			p.RoundingScope = loyalty.RoundPerLine
			res = evaluate(t, p, state(), o, sunday)
			wantPoints(t, res, tc.perLine)
			wantLinesSumTo(t, res, tc.perLine)
		})
	}
}

func TestHalfEvenRoundsAnOrderTieToTheEvenNeighbour(t *testing.T) {
	p := program(t, must(points.NewRate("base", 1, dec("4.00"))))
	p.Rounding = loyalty.RoundHalfEven
	// 22.00 / 4 = 5.5 → 6; 18.00 / 4 = 4.5 → 4.
	wantPoints(t, evaluate(t, p, state(), order(line("a", "x", 1, "22.00")), sunday), 6)
	wantPoints(t, evaluate(t, p, state(), order(line("a", "x", 1, "18.00")), sunday), 4)
}

func TestRoundingHappensAfterMultipliers(t *testing.T) {
	// 0.75 points × 2 = 1.5: floored per line that is 1, not 0 × 2.
	p := program(t,
		must(points.NewRate("base", 1, dec("4.00"))),
		must(points.NewCategoryMultiplier("x2", dec("2"), "x")))
	p.RoundingScope = loyalty.RoundPerLine
	wantPoints(t, evaluate(t, p, state(), order(line("c", "x", 1, "3.00")), sunday), 1)
}

func wantLinesSumTo(t *testing.T, res *loyalty.Result, want int64) {
	t.Helper()
	var sum int64
	for _, v := range lineAward(res) {
		sum += v
	}
	assert.Equal(t, want, sum, "the line awards %v add up to the order's", lineAward(res))
}
