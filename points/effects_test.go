package points_test

import (
	"sync"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
)

// orderContext is what Program.Evaluate hands the rules for a USD order
// whose lines have the given bases (in cents).
func orderContext(st *loyalty.State, extra int64, lines ...loyalty.LineBasis) *loyalty.Input {
	o := order()
	c := &loyalty.Input{Now: sunday, Program: &loyalty.Program{Name: "p", Currency: "USD", Basis: loyalty.EarnBasis{IncludeShipping: true}},
		State: st, Member: &st.Member, Event: o, Order: o, Lines: lines, ExtraBasis: extra, Scale: 2}
	for _, l := range lines {
		c.Basis += l.Basis
		c.Value += l.Value
	}
	c.Basis += extra
	return c
}

func TestRateEmitsOneEarningPerLineWithABasisAndOneForShipping(t *testing.T) {
	r := must(points.NewRate("base", 5, dec("1")))
	c := orderContext(state(), 499,
		loyalty.LineBasis{SKU: "tee", Basis: 2000, Value: 2000},
		loyalty.LineBasis{SKU: "gift", Value: 5000, Excluded: true},
		loyalty.LineBasis{SKU: "sock", Basis: 550, Value: 550})

	effects := r.Evaluate(c, nil)

	want := []loyalty.Effect{
		loyalty.EarnAt(r.Rate(), 2000, 0, "tee"),
		loyalty.EarnAt(r.Rate(), 550, 2, "sock"),
		loyalty.EarnAt(r.Rate(), 499, loyalty.OrderLevel, "shipping"),
	}
	if len(effects) != len(want) {
		t.Fatalf("got %d effects, want %d: %+v", len(effects), len(want), effects)
	}
	for i := range want {
		if effects[i] != want[i] {
			t.Errorf("effect %d = %+v, want %+v", i, effects[i], want[i])
		}
	}
}

func TestRulesAppendToTheEffectsTheyAreGiven(t *testing.T) {
	m := must(points.NewCategoryMultiplier("x2", dec("2"), "shoes"))
	c := orderContext(state(), 0, loyalty.LineBasis{Category: "shoes", Basis: 100}, loyalty.LineBasis{Category: "hats", Basis: 100})
	earlier := []loyalty.Effect{loyalty.Earn(1, 0, "earlier")}

	effects := m.Evaluate(c, earlier)

	if len(effects) != 2 || effects[0].Note != "earlier" {
		t.Fatalf("effects = %+v, want the earlier effect then one multiplier", effects)
	}
	if e := effects[1]; e.Kind != loyalty.EffectMultiply || e.Line != 0 || e.Note != "category shoes" {
		t.Errorf("multiplier = %+v", e)
	}
}

func TestEngagementEmitsAnEarningAndACountOfOne(t *testing.T) {
	e := must(points.NewEngagement("review", loyalty.ActionReview, 50, points.Limit{Times: 3, Per: points.Month}))
	st := state()
	c := &loyalty.Input{Now: sunday, State: st, Member: &st.Member, Event: action(loyalty.ActionReview), Scale: 2}

	effects := e.Evaluate(c, nil)

	if len(effects) != 2 {
		t.Fatalf("effects = %+v", effects)
	}
	if got := effects[0]; got.Kind != loyalty.EffectEarn || got.Points != 50 || got.Line != loyalty.OrderLevel || got.Note != "review, at most 3 per month" {
		t.Errorf("earning = %+v", got)
	}
	if got := effects[1]; got != loyalty.Count("review", "2026-11", 1) {
		t.Errorf("count = %+v, want +1 in 2026-11", got)
	}
}

func TestStepRateSetsItsCarryCounter(t *testing.T) {
	s := must(points.NewStepRate("step", 10, dec("50")))
	s.CarryOver = true
	st := withCounters(state(), loyalty.Counter{Name: "step", Value: 4000})
	c := orderContext(st, 0, loyalty.LineBasis{Basis: 1500, Value: 1500})

	effects := s.Evaluate(c, nil)

	// 40.00 carried + 15.00 = one step of 50.00, 5.00 left.
	if len(effects) != 2 || effects[0].Points != 10 || effects[0].Kind != loyalty.EffectEarn {
		t.Fatalf("effects = %+v", effects)
	}
	if got := effects[1]; got.Kind != loyalty.EffectCount || got.Counter != "step" || got.PeriodKey != "" || !got.Set || got.Value != 500 {
		t.Errorf("count = %+v, want step set to 500", got)
	}
}

func TestRulesAreSafeForConcurrentEvaluation(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 5, dec("1"))),
		must(points.NewCategoryMultiplier("x2", dec("2"), "x")),
		must(points.NewSegmentMultiplier("vip", dec("1.5"), "vip")),
		must(points.NewOrderCap("cap", 1000)),
		must(points.NewEngagement("review", loyalty.ActionReview, 50, points.Limit{Times: 1, Per: points.Day})))
	o := order(line("a", "x", 2, "10.00"), line("b", "y", 1, "5.00"))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if res, err := p.Evaluate(state("vip"), o, sunday); err != nil || res.Points() != 337 {
					t.Errorf("earned %v, %v; want 337", res.Points(), err)
					return
				}
				if res, err := p.Evaluate(state(), action(loyalty.ActionReview), sunday); err != nil || res.Points() != 50 {
					t.Errorf("review earned %v, %v; want 50", res.Points(), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
