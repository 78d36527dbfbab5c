package tiers_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

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
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// harness runs a program of a ladder plus "1 point per 1.00" on the memory
// store with a manual clock, recording the notices AfterCommit delivers.
type harness struct {
	t      *testing.T
	ctx    context.Context
	clock  *loyalty.ManualClock
	store  loyalty.Store
	mem    *memory.Store
	engine *loyalty.Engine
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
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, mem: memory.New(), ladder: l}
	h.store = h.mem
	if wrap != nil {
		h.store = wrap(h.mem)
	}
	p := &loyalty.Program{
		Name: "shop", Currency: "USD", Rules: []loyalty.Rule{l, rate},
		Redemption: points.Redemption{Points: 100, Value: loyalty.MinorUnits(100, "USD")},
	}
	kit := loyaltytest.New(t, p, &loyaltytest.Options{Start: start, Store: h.store, Engine: &loyalty.EngineOptions{
		AfterCommit: func(_ context.Context, r *loyalty.Receipt) {
			h.mu.Lock()
			h.delivered = append(h.delivered, r.Notices...)
			h.mu.Unlock()
		}}})
	h.ctx, h.clock, h.engine = kit.Ctx, kit.Clock, kit.Engine
	return h
}

func (h *harness) at(t time.Time) { h.clock.Set(t) }

func (h *harness) enroll(ids ...string) {
	h.t.Helper()
	for _, id := range ids {
		if _, err := h.engine.Enroll(h.ctx, "enroll-"+id, loyalty.Member{ID: id}); err != nil {
			h.t.Fatal(err)
		}
	}
}

// buy records an order of amount placed now and returns its ID and receipt.
func (h *harness) buy(member, amount string) (string, *loyalty.Receipt) {
	h.t.Helper()
	h.seq++
	id := "o" + strconv.Itoa(h.seq)
	r, err := h.engine.Earn(h.ctx, "earn-"+id, h.order(id, member, amount))
	if err != nil {
		h.t.Fatal(err)
	}
	return id, r
}

func (h *harness) order(id, member, amount string) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, PlacedAt: h.clock.Now(), Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "sku", Category: "misc", Quantity: 1, UnitPrice: dec(amount)}}}
}

// giveBack returns amount of order id.
func (h *harness) giveBack(member, order, amount string) *loyalty.Receipt {
	h.t.Helper()
	h.seq++
	id := "r" + strconv.Itoa(h.seq)
	r, err := h.engine.Return(h.ctx, "return-"+id, &loyalty.Return{ID: id, OrderID: order, MemberID: member, ReturnedAt: h.clock.Now(), Amount: dec(amount)})
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) act(member string, a *loyalty.Action) *loyalty.Receipt {
	h.t.Helper()
	h.seq++
	r, err := h.engine.Act(h.ctx, "act-"+strconv.Itoa(h.seq), a)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) review() tiers.ReviewStats {
	h.t.Helper()
	stats, err := tiers.Review(h.ctx, h.engine, h.mem, "review/"+h.clock.Now().Format(time.DateOnly)+"/")
	if err != nil {
		h.t.Fatal(err)
	}
	return stats
}

func (h *harness) state(id string) *loyalty.State {
	h.t.Helper()
	st, err := h.engine.Member(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *harness) status(id string) tiers.Status {
	h.t.Helper()
	return h.ladder.Status(h.state(id), h.clock.Now())
}

func (h *harness) progress(id string) tiers.Progress {
	h.t.Helper()
	return h.ladder.Progress(h.state(id), h.clock.Now())
}

// wantTier checks the member's tier now.
func (h *harness) wantTier(id, want string) {
	h.t.Helper()
	if got := h.status(id).Tier; got != want {
		h.t.Fatalf("%s at %s: tier %q, want %q", id, h.clock.Now().Format(time.DateOnly), got, want)
	}
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

func counter(st *loyalty.State, name string) (loyalty.Counter, bool) {
	for _, c := range st.Counters {
		if c.Name == name {
			return c, true
		}
	}
	return loyalty.Counter{}, false
}
