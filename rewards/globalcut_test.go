package rewards_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/rewards"
)

// globalShop is a shop whose campaign (2 points per 1.00 on top of the base
// 1 per 1.00) is limited by the global budget b, set up, with members ann
// and others.
func globalShop(t *testing.T, b rewards.Budget, others ...string) (*shop, *rewards.Budgeted) {
	t.Helper()
	w := campaign(t, b)
	s := newShopIn(t, nil, testCatalog(t), w)
	require.NoError(t, w.Setup(s.ctx, s.engine))
	for _, id := range others {
		s.enroll(id)
	}
	return s, w
}

func (s *shop) claimed(name, period string) int64 {
	s.t.Helper()
	sc, err := s.engine.SharedCounter(s.ctx, rewards.BudgetCounter(name), period)
	require.NoError(s.t, err)
	return sc.Claimed
}

func TestGlobalBudgetCutsEarningsToWhatIsLeftAcrossMembersAndSaysSo(t *testing.T) {
	s, _ := globalShop(t, rewards.Budget{Name: "xmas", Points: 300, Global: true, Per: calendar.Month}, "bob", "cy", "dee")
	// Each cart's lines are 60.00: 60 base points and 120 campaign points.
	for i, tc := range []struct {
		member string
		want   int64
		note   string
	}{
		{"ann", 120, ""},
		{"bob", 120, ""},
		{"cy", 60, "cut by budget xmas: asked 120, left 60"},
		{"dee", 0, "cut by budget xmas: asked 120, left 0"},
	} {
		r := s.earn(cart(fmt.Sprint("o", i), tc.member))
		lines, got := campaignNotes(r)
		assert.Equal(t, tc.want, got, tc.member)
		assert.Equal(t, 60+tc.want, r.Points(), "%s: base 60 + campaign", tc.member)
		assert.Equal(t, int64(1000+60+tc.want), s.balance(tc.member), tc.member)
		if tc.note != "" {
			assert.Contains(t, strings.Join(lines, "\n"), tc.note, tc.member)
		}
		// The receipt's claim is what the campaign gave.
		var claimed int64
		for _, c := range r.Claims {
			if c.Counter == rewards.BudgetCounter("xmas") {
				claimed += c.Amount
			}
		}
		assert.Equal(t, tc.want, claimed, "%s: claimed with the earning", tc.member)
	}
	assert.Equal(t, int64(300), s.claimed("xmas", "2026-12"))

	// A replay claims nothing again.
	r, err := s.engine.Earn(s.ctx, "earn-o0", cart("o0", "ann"))
	require.NoError(t, err)
	assert.True(t, r.Replayed)
	assert.Equal(t, int64(300), s.claimed("xmas", "2026-12"))

	// Estimate and Preview read the counter too: nothing is left this month.
	est, err := s.engine.Estimate(s.ctx, cart("o9", "ann"))
	require.NoError(t, err)
	assert.Equal(t, int64(60), est.Points(), "the base only")
	ch, err := s.engine.Preview(s.ctx, "earn-o9", cart("o9", "ann"))
	require.NoError(t, err)
	assert.Equal(t, int64(60), ch.Receipt.Points())
	assert.Empty(t, ch.Claims)

	// January starts again, for everyone.
	s.clock.Set(time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC))
	_, got := campaignNotes(s.earn(cart("jan", "dee")))
	assert.Equal(t, int64(120), got)
	assert.Equal(t, int64(120), s.claimed("xmas", "2027-01"))
	assert.Equal(t, int64(300), s.claimed("xmas", "2026-12"))
}

func TestGlobalMoneyBudgetCutsAtThePointsValueRoundedUp(t *testing.T) {
	// 1.5 cents a point, 1.00 USD for all members over the campaign's life.
	s, w := globalShop(t, rewards.Budget{Name: "launch", Money: money.Money{Amount: dec("1"), Currency: "USD"},
		PointValue: dec("0.015"), Global: true}, "bob")
	lines, got := campaignNotes(s.earn(cart("o1", "ann")))
	// 120 points would cost 1.80; 1.00 pays for 66 points (0.99), not 67 (1.005).
	assert.Equal(t, int64(66), got)
	assert.Contains(t, strings.Join(lines, "\n"), "cut by budget launch: asked 1.80 USD, left 1.00 USD")
	assert.Equal(t, int64(99), s.claimed("launch", ""), "99 cents spent")
	_, got = campaignNotes(s.earn(cart("o2", "bob")))
	assert.Equal(t, int64(0), got, "1 cent left buys no point")
	assert.Equal(t, int64(99), s.claimed("launch", ""))
	b := w.Budget()
	left, err := b.Left(s.ctx, s.engine, "bob")
	require.NoError(t, err)
	assert.Equal(t, int64(1), left)
}

func TestGlobalBudgetCutRacedByManyMembersGivesExactlyTheBudget(t *testing.T) {
	const budget, members, orders = 1000, 16, 6 // 16 x 6 x 120 asked, 1000 given
	ids := make([]string, members)
	for i := range ids {
		ids[i] = fmt.Sprint("m", i)
	}
	s, _ := globalShop(t, rewards.Budget{Name: "race", Points: budget, Global: true, Per: calendar.Month}, ids...)
	var wg sync.WaitGroup
	errs := make([]error, members)
	given := make([]int64, members)
	for g, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range orders {
				r, err := s.engine.Earn(s.ctx, fmt.Sprintf("earn-%s-%d", id, i), cart(fmt.Sprintf("%s-%d", id, i), id))
				if err != nil {
					errs[g] = err // an order is never refused for a budget
					return
				}
				_, got := campaignNotes(r)
				if got < 0 || got > 120 {
					errs[g] = fmt.Errorf("order %d gave %d campaign points", i, got)
					return
				}
				given[g] += got
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	var total, balances int64
	for g, id := range ids {
		total += given[g]
		balances += s.balance(id) - 1000 - orders*60
	}
	assert.Equal(t, int64(budget), total, "the campaign gave its whole budget, not a point more")
	assert.Equal(t, total, balances, "and the members hold it")
	assert.Equal(t, int64(budget), s.claimed("race", "2026-12"))
}

func TestGlobalBudgetCutWithoutItsCounterRefusesTheOrderAndWritesNothing(t *testing.T) {
	w := campaign(t, rewards.Budget{Name: "unset", Points: 300, Global: true})
	s := newShopIn(t, nil, testCatalog(t), w) // no w.Setup
	before, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	_, err = s.engine.Earn(s.ctx, "earn-o1", cart("o1", "ann"))
	var ce *loyalty.ClaimError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, loyalty.ErrUnknownCounter)
	assert.Equal(t, rewards.BudgetCounter("unset"), ce.Counter)
	after, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "nothing written")
	assert.Equal(t, int64(1000), s.balance("ann"))
}

func TestGlobalBudgetCutInProgramEvaluateAssumesItAllLeft(t *testing.T) {
	s, w := globalShop(t, rewards.Budget{Name: "quote", Points: 100, Global: true})
	st, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	res, err := s.engine.Program().Evaluate(st, cart("q", "ann"), s.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, int64(60+120), res.Points(), "Program.Evaluate reads no store")
	require.Len(t, res.Shared, 1)
	assert.Equal(t, loyalty.EffectClaim, res.Shared[0].Kind)
	assert.Equal(t, int64(120), res.Shared[0].Value)
	// The write refuses it only if it cannot cut: here it cuts to 100.
	_, got := campaignNotes(s.earn(cart("q", "ann")))
	assert.Equal(t, int64(100), got)
	assert.Equal(t, []ledger.SharedCounter{{Name: rewards.BudgetCounter("quote"), PeriodKey: ""}},
		w.SharedReads(&loyalty.Input{Now: s.clock.Now(), Program: s.engine.Program()}, nil))
}
