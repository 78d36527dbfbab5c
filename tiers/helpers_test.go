package tiers_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

// midnight is 00:00 UTC on the day: when a review falls.
func midnight(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// usdTiers is the ladder of most tests: Bronze from 0, Silver from 500.00,
// Gold from 1,500.00, Platinum from 5,000.00.
func usdTiers() []tiers.Tier {
	return []tiers.Tier{
		{Name: "Bronze", Threshold: dec("0")},
		{Name: "Silver", Threshold: dec("500"), Multiplier: dec("1.25"), Discount: dec("5")},
		{Name: "Gold", Threshold: dec("1500"), Multiplier: dec("1.5"), Discount: dec("10"), FreeShipping: true, Perks: []string{"early access"}},
		{Name: "Platinum", Threshold: dec("5000"), Multiplier: dec("2"), Discount: dec("15"), FreeShipping: true, Perks: []string{"early access", "events"}},
	}
}

func spendLadder(t testing.TB, w tiers.Window, opts *tiers.Options) *tiers.Ladder {
	t.Helper()
	l, err := tiers.NewLadder("vip", tiers.Spend("USD"), w, usdTiers(), opts)
	require.NoError(t, err)
	return l
}

// harness is a loyaltytest harness running a program of a ladder plus
// "1 point per 1.00" on a memory store it keeps (for tiers.Review, which
// lists its members), recording the notices AfterCommit delivers.
type harness struct {
	*loyaltytest.Harness
	mem    *memory.Store
	ladder *tiers.Ladder

	mu        sync.Mutex
	delivered []loyalty.Notice
	seq       int
}

func newHarness(t *testing.T, l *tiers.Ladder, start time.Time) *harness {
	return newHarnessOn(t, l, start, nil)
}

// newHarnessOn is newHarness with a store wrapping the memory store.
func newHarnessOn(t *testing.T, l *tiers.Ladder, start time.Time, wrap func(loyalty.Store) loyalty.Store) *harness {
	t.Helper()
	rate, err := points.NewRate("base", 1, dec("1"))
	require.NoError(t, err)
	h := &harness{mem: memory.New(), ladder: l}
	var store loyalty.Store = h.mem
	if wrap != nil {
		store = wrap(h.mem)
	}
	p := &loyalty.Program{
		Name: "shop", Currency: "USD", Rules: []loyalty.Rule{l, rate},
		Redemption: points.Redemption{Points: 100, Value: money.MinorUnits(100, "USD")},
	}
	h.Harness = loyaltytest.New(t, p, &loyaltytest.Options{Start: start, Store: store, Engine: &loyalty.EngineOptions{
		AfterCommit: func(_ context.Context, r *loyalty.Receipt) {
			h.mu.Lock()
			h.delivered = append(h.delivered, r.Notices...)
			h.mu.Unlock()
		}}})
	return h
}

// at sets the clock to t, which may be before now.
func (h *harness) at(t time.Time) { h.Clock.Set(t) }

func (h *harness) enroll(ids ...string) {
	h.T.Helper()
	for _, id := range ids {
		h.Enroll(id)
	}
}

// order is order id of member: one line of amount, placed now, in USD.
func (h *harness) order(id, member, amount string) *loyalty.Order {
	return h.Fill(loyaltytest.Order(member, id).Line("sku", amount, 1).Category("misc").Build())
}

// buy records an order of amount placed now and returns its ID and receipt.
func (h *harness) buy(member, amount string) (string, *loyalty.Receipt) {
	h.T.Helper()
	h.seq++
	id := "o" + strconv.Itoa(h.seq)
	return id, h.Earn("earn-"+id, h.order(id, member, amount))
}

// giveBack returns amount of order, now.
func (h *harness) giveBack(member, order, amount string) *loyalty.Receipt {
	h.T.Helper()
	h.seq++
	id := "r" + strconv.Itoa(h.seq)
	return h.Return("return-"+id, loyaltytest.ReturnOf(member, id, order).Amount(amount).Build())
}

// act records a as it is (a zero At is the engine's now).
func (h *harness) act(a *loyalty.Action) *loyalty.Receipt {
	h.T.Helper()
	h.seq++
	r, err := h.Engine.Act(h.Ctx, "act-"+strconv.Itoa(h.seq), a)
	require.NoError(h.T, err, "act %s of %s", a.Kind, a.MemberID)
	return r
}

// review runs tiers.Review now, under a key prefix naming the day.
func (h *harness) review() tiers.ReviewStats {
	h.T.Helper()
	stats, err := tiers.Review(h.Ctx, h.Engine, h.mem, "review/"+h.Now().Format(time.DateOnly)+"/")
	require.NoError(h.T, err, "review at %s", h.Now())
	return stats
}

func (h *harness) state(id string) *loyalty.State {
	h.T.Helper()
	st, err := h.Engine.Member(h.Ctx, id)
	require.NoError(h.T, err, "state of %s", id)
	return st
}

func (h *harness) status(id string) tiers.Status {
	h.T.Helper()
	return h.ladder.Status(h.state(id), h.Now())
}

func (h *harness) progress(id string) tiers.Progress {
	h.T.Helper()
	return h.ladder.Progress(h.state(id), h.Now())
}

// wantTier checks the member's tier now; the test stops on a wrong one.
func (h *harness) wantTier(id, want string) {
	h.T.Helper()
	require.Equal(h.T, want, h.status(id).Tier, "tier of %s at %s", id, h.Now().Format(time.DateOnly))
}

// assertStatus reports an error unless the member now has tier, with
// amount counted by the window.
func (h *harness) assertStatus(id, tier string, amount int64) bool {
	h.T.Helper()
	s := h.status(id)
	at := h.Now().Format(time.DateOnly)
	okTier := assert.Equal(h.T, tier, s.Tier, "tier of %s at %s (status %+v)", id, at, s)
	return assert.Equal(h.T, amount, s.Amount, "amount counted for %s at %s (status %+v)", id, at, s) && okTier
}

// takeDelivered returns the details of the notices of kind AfterCommit
// delivered since the last call.
func (h *harness) takeDelivered(kind loyalty.NoticeKind) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, n := range h.delivered {
		if n.Kind == kind {
			out = append(out, n.Detail)
		}
	}
	h.delivered = nil
	return out
}

// notices returns the details of the receipt's notices of kind.
func notices(r *loyalty.Receipt, kind loyalty.NoticeKind) []string {
	var out []string
	for _, n := range r.Notices {
		if n.Kind == kind {
			out = append(out, n.Detail)
		}
	}
	return out
}

// counter finds the counter name among counters (of a State or a Result).
func counter(counters []ledger.Counter, name string) (ledger.Counter, bool) {
	for _, c := range counters {
		if c.Name == name {
			return c, true
		}
	}
	return ledger.Counter{}, false
}

// assertCounter reports an error unless counters hold name at value in the
// period keyed period.
func assertCounter(t *testing.T, counters []ledger.Counter, name, period string, value int64) bool {
	t.Helper()
	c, ok := counter(counters, name)
	if !assert.True(t, ok, "no counter %q in %+v", name, counters) {
		return false
	}
	okPeriod := assert.Equal(t, period, c.PeriodKey, "period of counter %+v", c)
	return assert.Equal(t, value, c.Value, "value of counter %+v", c) && okPeriod
}
