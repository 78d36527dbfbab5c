package points_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
)

func TestOnlyTheHighestPriorityExclusiveRateEarns(t *testing.T) {
	base := must(points.NewRate("base", 1, dec("1")))
	base.Stack = loyalty.Stacking{Exclusive: true, Priority: 1}
	promo := must(points.NewRate("promo", 3, dec("1")))
	promo.Stack = loyalty.Stacking{Exclusive: true, Priority: 5}
	bonus := must(points.NewProductBonus("bonus", "a", 7)) // stackable: always counts
	p := program(t, base, promo, bonus)

	res := evaluate(t, p, state(), order(line("a", "x", 1, "10.00")), sunday)

	wantPoints(t, res, 30+7)
	by := pointsBy(res)
	assert.Zero(t, by["base"], "explained %v, want promo 30 and bonus 7 only", by)
	assert.Equal(t, int64(30), by["promo"], "explained %v", by)
	assert.Equal(t, int64(7), by["bonus"], "explained %v", by)
}

func TestExclusiveRulesOfEqualPriorityGoToTheEarlierRule(t *testing.T) {
	first := must(points.NewRate("first", 1, dec("1")))
	first.Stack = loyalty.Stacking{Exclusive: true}
	second := must(points.NewRate("second", 3, dec("1")))
	second.Stack = loyalty.Stacking{Exclusive: true}
	wantPoints(t, evaluate(t, program(t, first, second), state(), order(line("a", "x", 1, "10.00")), sunday), 10)
}

func TestOnlyTheHighestPriorityExclusiveMultiplierMultiplies(t *testing.T) {
	cat := must(points.NewCategoryMultiplier("shoes-x2", dec("2"), "shoes"))
	cat.Stack = loyalty.Stacking{Exclusive: true, Priority: 1}
	vip := must(points.NewSegmentMultiplier("vip-x3", dec("3"), "vip"))
	vip.Stack = loyalty.Stacking{Exclusive: true, Priority: 2}
	p := program(t, must(points.NewRate("base", 1, dec("1"))), cat, vip)
	o := order(line("sneaker", "shoes", 1, "10.00"))

	wantPoints(t, evaluate(t, p, state("vip"), o, sunday), 30) // ×3, not ×6
	// The VIP multiplier does not match a regular member: ×2 applies.
	wantPoints(t, evaluate(t, p, state(), o, sunday), 20)
}

func TestStopSkipsTheRulesAfterARuleThatMatched(t *testing.T) {
	staff := must(points.NewSegmentMultiplier("staff-x2", dec("2"), "staff"))
	staff.Stack = loyalty.Stacking{Stop: true}
	p := program(t,
		must(points.NewRate("base", 1, dec("1"))),
		staff,
		must(points.NewProductBonus("bonus", "a", 100)),
		must(points.NewOrderCap("cap", 15)))
	o := order(line("a", "x", 1, "10.00"))

	// Staff: doubled, and neither the bonus nor the cap after it runs.
	wantPoints(t, evaluate(t, p, state("staff"), o, sunday), 20)
	// Others: the staff rule did not match, so it did not stop anything.
	wantPoints(t, evaluate(t, p, state(), o, sunday), 15)
}

// A realistic program: every kind of order rule at once, under every
// rounding mode and scope. Each evaluation checks that the explanation adds
// up to the award (see evaluate).
func TestExplanationsAddUpToTheAwardUnderEveryRoundingMode(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 3, dec("2.00"))),
		must(points.NewStepRate("step", 5, dec("25"))),
		must(points.NewCategoryMultiplier("shoes-x1.25", dec("1.25"), "shoes")),
		must(points.NewSKUMultiplier("launch-x3", dec("3"), "sneaker-v2")),
		must(points.NewSegmentMultiplier("vip-x1.5", dec("1.5"), "vip")),
		must(points.NewProductBonus("lace-bonus", "lace", 2)),
		must(points.NewOrderCap("cap", 900)))
	p.Basis.IncludeShipping, p.Basis.IncludeTax = true, true
	o := order(
		line("sneaker-v2", "shoes", 1, "89.99"),
		line("sock", "apparel", 3, "4.45"),
		line("boot", "shoes", 1, "129.01"),
		line("lace", "accessories", 3, "1.33"),
	)
	o.Lines[2].Discount = dec("10.01")
	o.Discount, o.Shipping, o.Tax = dec("7.77"), dec("4.99"), dec("3.21")
	// Rate earnings (1.5 a dollar): sneaker-v2 86.90 × 1.25 × 3 = 488.8125,
	// sock 19.335, boot 114.92 × 1.25 = 215.475, lace 5.775, shipping and tax
	// 12.3: 741.6975 in all. Fixed: 9 steps of 25.00 in 226.76 = 45, laces
	// 3 × 2 = 6. A VIP's × 1.5 goes over the cap of 900.
	for _, tc := range []struct {
		mode              loyalty.Rounding
		perOrder, perLine int64
	}{
		{loyalty.RoundFloor, 741 + 51, 739 + 51},
		{loyalty.RoundHalfUp, 742 + 51, 741 + 51},
		{loyalty.RoundHalfEven, 742 + 51, 741 + 51},
		{loyalty.RoundCeil, 742 + 51, 744 + 51},
	} {
		p.Rounding = tc.mode
		for scope, want := range map[loyalty.RoundingScope]int64{loyalty.RoundPerOrder: tc.perOrder, loyalty.RoundPerLine: tc.perLine} {
			p.RoundingScope = scope
			wantPoints(t, evaluate(t, p, state(), o, sunday), want)
			wantPoints(t, evaluate(t, p, state("vip"), o, sunday), 900)
		}
	}
}
