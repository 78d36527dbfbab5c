package points_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
)

func TestCategoryMultiplierMultipliesOnlyTheLinesOfItsCategories(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 1, dec("1"))),
		must(points.NewCategoryMultiplier("shoes-x2", dec("2"), "shoes", "boots")))
	o := order(line("sneaker", "shoes", 1, "50.00"), line("sock", "apparel", 1, "10.00"), line("boot", "boots", 1, "20.00"))

	res := evaluate(t, p, state(), o, sunday)

	wantPoints(t, res, 100+10+40)
	assert.Equal(t, []int64{100, 10, 40}, lineAward(res), "line awards")
	by := pointsBy(res)
	assert.Equal(t, int64(80), by["base"], "explained %v", by)
	assert.Equal(t, int64(70), by["shoes-x2"], "explained %v", by)
	var notes []string
	for _, x := range res.Explanation {
		if x.Kind == loyalty.EffectMultiply {
			notes = append(notes, x.Note)
		}
	}
	assert.Equal(t, []string{"category shoes", "category boots"}, notes, "multiplier notes")
}

func TestSKUMultiplierMultipliesOnlyItsSKUs(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 2, dec("1"))),
		must(points.NewSKUMultiplier("launch-x3", dec("3"), "sneaker-v2")))
	o := order(line("sneaker-v2", "shoes", 1, "100.00"), line("sneaker-v1", "shoes", 1, "100.00"))

	res := evaluate(t, p, state(), o, sunday)

	wantPoints(t, res, 600+200)
	assert.Equal(t, int64(400), pointsBy(res)["launch-x3"], "explained %v", pointsBy(res))
}

func TestSegmentMultiplierAppliesOnlyToMembersOfTheSegment(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 1, dec("1"))),
		must(points.NewSegmentMultiplier("vip", dec("1.5"), "vip")))
	p.Basis.IncludeShipping = true
	o := order(line("a", "x", 1, "10.00"), line("b", "y", 1, "20.00"))
	o.Shipping = dec("10.00")

	wantPoints(t, evaluate(t, p, state(), o, sunday), 40)
	vip := evaluate(t, p, state("staff", "vip"), o, sunday)
	wantPoints(t, vip, 60) // all of it, shipping too, × 1.5
	assert.Equal(t, int64(20), pointsBy(vip)["vip"], "explained %v", pointsBy(vip))
}

func TestStackedMultipliersMultiplyEachOther(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 1, dec("1"))),
		must(points.NewCategoryMultiplier("shoes-x2", dec("2"), "shoes")),
		must(points.NewSegmentMultiplier("vip-x1.5", dec("1.5"), "vip")))
	o := order(line("sneaker", "shoes", 1, "10.00"), line("sock", "apparel", 1, "10.00"))

	res := evaluate(t, p, state("vip"), o, sunday)

	// shoes: 10 × 2 × 1.5 = 30; socks: 10 × 1.5 = 15.
	wantPoints(t, res, 45)
	assert.Equal(t, []int64{30, 15}, lineAward(res), "line awards")
}

func TestMultipliersDoNotMultiplyFixedBonuses(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 1, dec("1"))),
		must(points.NewProductBonus("perfume-bonus", "perfume", 50)),
		must(points.NewCategoryMultiplier("beauty-x2", dec("2"), "beauty")))
	res := evaluate(t, p, state(), order(line("perfume", "beauty", 1, "30.00")), sunday)
	wantPoints(t, res, 60+50)
}

func TestWindowMultiplierLooksAtWhenTheOrderWasPlacedInAHalfOpenWindow(t *testing.T) {
	from := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) // Saturday
	to := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)   // Monday
	p := program(t,
		must(points.NewRate("base", 1, dec("1"))),
		must(points.NewWindowMultiplier("weekend-x2", dec("2"), from, to)))
	monday := to.Add(10 * time.Hour)
	for _, tc := range []struct {
		name     string
		placedAt time.Time
		now      time.Time
		want     int64
	}{
		{"placed at the window's start", from, from, 20},
		{"placed just before the start", from.Add(-time.Nanosecond), from, 10},
		{"placed just before the end", to.Add(-time.Nanosecond), to, 20},
		{"placed at the end", to, to, 10},
		{"placed in the window, evaluated after it", sunday, monday, 20},
		{"placed before the window, evaluated in it", from.Add(-time.Hour), sunday, 10},
		{"no placed time: now decides", time.Time{}, sunday, 20},
		{"no placed time, now after the window", time.Time{}, monday, 10},
	} {
		o := order(line("a", "x", 1, "10.00"))
		o.PlacedAt = tc.placedAt
		assert.Equal(t, tc.want, evaluate(t, p, state(), o, tc.now).Points(), tc.name)
	}
}

func TestMultipliersIgnoreExcludedLines(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 1, dec("1"))),
		must(points.NewCategoryMultiplier("gc-x2", dec("2"), "gift-card")))
	p.Basis.ExcludeCategories = []string{"gift-card"}
	res := evaluate(t, p, state(), order(line("gc", "gift-card", 1, "50.00"), line("a", "x", 1, "5.00")), sunday)
	wantPoints(t, res, 5)
	for _, x := range res.Explanation {
		assert.NotEqual(t, "gc-x2", x.Rule, "a multiplier explained an excluded line: %s", x.String())
	}
}

func TestNewMultipliersRejectInvalidDefinitions(t *testing.T) {
	from := sunday
	for name, err := range map[string]error{
		"zero factor":        second(points.NewCategoryMultiplier("m", dec("0"), "shoes")),
		"negative factor":    second(points.NewSKUMultiplier("m", dec("-2"), "a")),
		"no categories":      second(points.NewCategoryMultiplier("m", dec("2"))),
		"empty SKU":          second(points.NewSKUMultiplier("m", dec("2"), "a", "")),
		"empty segment":      second(points.NewSegmentMultiplier("m", dec("2"), "")),
		"empty name":         second(points.NewSegmentMultiplier("", dec("2"), "vip")),
		"window end ≤ start": second(points.NewWindowMultiplier("m", dec("2"), from, from)),
		"window without end": second(points.NewWindowMultiplier("m", dec("2"), from, time.Time{})),
	} {
		t.Run(name, func(t *testing.T) { assert.ErrorIs(t, err, loyalty.ErrInvalidProgram) })
	}
}

func second[T any](_ T, err error) error { return err }
