package points_test

import (
	"sync"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.Len(t, effects, len(want), "effects %+v", effects)
	for i := range want {
		// ==, not assert.Equal: the earnings carry the rule's own *Rate.
		assert.True(t, effects[i] == want[i], "effect %d = %+v, want %+v", i, effects[i], want[i])
	}
}

func TestRulesAppendToTheEffectsTheyAreGiven(t *testing.T) {
	m := must(points.NewCategoryMultiplier("x2", dec("2"), "shoes"))
	c := orderContext(state(), 0, loyalty.LineBasis{Category: "shoes", Basis: 100}, loyalty.LineBasis{Category: "hats", Basis: 100})
	earlier := []loyalty.Effect{loyalty.Earn(1, 0, "earlier")}

	effects := m.Evaluate(c, earlier)

	require.Len(t, effects, 2, "effects %+v, want the earlier effect then one multiplier", effects)
	require.Equal(t, "earlier", effects[0].Note, "effects %+v, want the earlier effect first", effects)
	e := effects[1]
	assert.Equal(t, loyalty.EffectMultiply, e.Kind, "multiplier %+v", e)
	assert.Equal(t, 0, e.Line, "multiplier %+v", e)
	assert.Equal(t, "category shoes", e.Note, "multiplier %+v", e)
}

func TestEngagementEmitsAnEarningAndACountOfOne(t *testing.T) {
	e := must(points.NewEngagement("review", loyalty.ActionReview, 50, points.Limit{Times: 3, Per: calendar.Month}))
	st := state()
	c := &loyalty.Input{Now: sunday, State: st, Member: &st.Member, Event: action(loyalty.ActionReview), Scale: 2}

	effects := e.Evaluate(c, nil)

	require.Len(t, effects, 2, "effects %+v", effects)
	earn := effects[0]
	assert.Equal(t, loyalty.EffectEarn, earn.Kind, "earning %+v", earn)
	assert.Equal(t, int64(50), earn.Points, "earning %+v", earn)
	assert.Equal(t, loyalty.OrderLevel, earn.Line, "earning %+v", earn)
	assert.Equal(t, "review, at most 3 per month", earn.Note, "earning %+v", earn)
	assert.Equal(t, loyalty.Count("review", "2026-11", 1), effects[1], "count +1 in 2026-11")
}

func TestStepRateSetsItsCarryCounter(t *testing.T) {
	s := must(points.NewStepRate("step", 10, dec("50")))
	s.CarryOver = true
	st := withCounters(state(), ledger.Counter{Name: "step", Value: 4000})
	c := orderContext(st, 0, loyalty.LineBasis{Basis: 1500, Value: 1500})

	effects := s.Evaluate(c, nil)

	// 40.00 carried + 15.00 = one step of 50.00, 5.00 left.
	require.Len(t, effects, 2, "effects %+v", effects)
	require.Equal(t, loyalty.EffectEarn, effects[0].Kind, "effects %+v", effects)
	require.Equal(t, int64(10), effects[0].Points, "effects %+v", effects)
	count := effects[1]
	assert.Equal(t, loyalty.EffectCount, count.Kind, "count %+v, want step set to 500", count)
	assert.Equal(t, "step", count.Counter, "count %+v", count)
	assert.Empty(t, count.PeriodKey, "count %+v", count)
	assert.True(t, count.Set, "count %+v sets the counter", count)
	assert.Equal(t, int64(500), count.Value, "count %+v", count)
}

func TestRulesAreSafeForConcurrentEvaluation(t *testing.T) {
	p := program(t,
		must(points.NewRate("base", 5, dec("1"))),
		must(points.NewCategoryMultiplier("x2", dec("2"), "x")),
		must(points.NewSegmentMultiplier("vip", dec("1.5"), "vip")),
		must(points.NewOrderCap("cap", 1000)),
		must(points.NewEngagement("review", loyalty.ActionReview, 50, points.Limit{Times: 1, Per: calendar.Day})))
	o := order(line("a", "x", 2, "10.00"), line("b", "y", 1, "5.00"))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				// assert, not require: FailNow must not run off the test's goroutine.
				res, err := p.Evaluate(state("vip"), o, sunday)
				if !assert.NoError(t, err) || !assert.Equal(t, int64(337), res.Points(), "order") {
					return
				}
				res, err = p.Evaluate(state(), action(loyalty.ActionReview), sunday)
				if !assert.NoError(t, err) || !assert.Equal(t, int64(50), res.Points(), "review") {
					return
				}
			}
		}()
	}
	wg.Wait()
}
