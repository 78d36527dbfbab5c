package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// The suite's program uses small rules of its own, so that storage semantics
// do not depend on the points package. They are exported for the adapters'
// own tests (a crash test, a benchmark), which need a program and should not
// copy one.

// PerDollar returns the rule the suite's program earns with: points per 1.00
// of every line's basis, one effect per line with the line's SKU, named
// "per-dollar".
func PerDollar(points int64) loyalty.Rule {
	r, err := loyalty.NewRate(points, decimal.NewFromInt(1))
	if err != nil {
		panic(err) // only a non-positive points, a typo in a test
	}
	return perDollar{r}
}

// perDollar earns Points per 1.00 of every line's basis.
type perDollar struct{ rate *loyalty.Rate }

func (perDollar) Name() string { return "per-dollar" }

func (r perDollar) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	for i := range c.Lines {
		if b := c.Lines[i].Basis; b > 0 {
			out = append(out, loyalty.EarnAt(r.rate, b, i, c.Lines[i].SKU))
		}
	}
	return out
}

// reviewBonus earns 50 points for every review.
type reviewBonus struct{}

func (reviewBonus) Name() string { return "review-bonus" }

func (reviewBonus) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if a, ok := c.Event.(*loyalty.Action); ok && a.Kind == loyalty.ActionReview {
		out = append(out, loyalty.Earn(50, loyalty.OrderLevel, "review"))
	}
	return out
}

// afterDays expires lots a fixed number of days after they were earned.
type afterDays int

func (d afterDays) ExpiresAt(earned time.Time) time.Time { return earned.AddDate(0, 0, int(d)) }

// Cents is the suite's redemption: 1 point for 0.01 of the program currency,
// any amount up to the order total; a want of 0 redeems as much as it may. A
// want above the available points is ErrInsufficientPoints, above the total
// ErrAboveCap.
type Cents struct{}

// Quote prices want points against total (see Cents).
func (Cents) Quote(available int64, total money.Money, want int64) (loyalty.Quote, error) {
	limit, _ := total.Minor()
	most := max(0, min(available, limit))
	q := loyalty.Quote{MaxPoints: most, MaxValue: money.MinorUnits(most, total.Currency)}
	switch {
	case want == 0:
		want = most
	case want > available:
		return q, fmt.Errorf("%w: want %d, have %d", loyalty.ErrInsufficientPoints, want, available)
	case want > limit:
		return q, loyalty.ErrAboveCap
	}
	q.Points, q.Value = want, money.MinorUnits(want, total.Currency)
	return q, nil
}

var epoch = time.Date(2026, time.January, 31, 9, 0, 0, 0, time.UTC)

// Program returns the program the suite runs, in USD: PerDollar(10), 50
// points for every review (ActionReview), redemption by Cents; each opt then
// changes it. Every call returns a new Program.
func Program(opts ...func(*loyalty.Program)) *loyalty.Program {
	p := &loyalty.Program{
		Name:       "storagetest",
		Currency:   "USD",
		Rules:      []loyalty.Rule{PerDollar(10), reviewBonus{}},
		Redemption: Cents{},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// harness drives one store through Engines and checks the ledger invariants
// after every operation.
type harness struct {
	t      *testing.T
	ctx    context.Context
	store  loyalty.Store
	clock  *loyalty.ManualClock
	engine *loyalty.Engine
}

func newHarness(t *testing.T, newStore func(*testing.T) loyalty.Store, opts ...func(*loyalty.Program)) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), store: newStore(t), clock: loyalty.NewManualClock(epoch)}
	h.engine = h.engineFor(Program(opts...))
	return h
}

func (h *harness) engineFor(p *loyalty.Program) *loyalty.Engine {
	h.t.Helper()
	e, err := loyalty.NewEngine(p, h.store, &loyalty.EngineOptions{Clock: h.clock, MaxRetries: 10000})
	require.NoError(h.t, err)
	return e
}

func (h *harness) enroll(id string) {
	h.t.Helper()
	_, err := h.engine.Enroll(h.ctx, "enroll-"+id, loyalty.Member{ID: id})
	require.NoError(h.t, err)
	h.check(id)
}

func order(id, member string, lines ...string) *loyalty.Order {
	o := &loyalty.Order{ID: id, MemberID: member, Currency: "USD", PlacedAt: epoch}
	for i, price := range lines {
		o.Lines = append(o.Lines, loyalty.OrderLine{SKU: fmt.Sprintf("sku-%d", i+1), Quantity: 1, UnitPrice: decimal.RequireFromString(price)})
	}
	return o
}

func (h *harness) earn(e *loyalty.Engine, key string, o *loyalty.Order) *loyalty.Receipt {
	h.t.Helper()
	r, err := e.Earn(h.ctx, key, o)
	require.NoError(h.t, err)
	h.check(o.MemberID)
	return r
}

func (h *harness) balance(member string) ledger.Balance {
	h.t.Helper()
	b, err := h.engine.Balance(h.ctx, member)
	require.NoError(h.t, err)
	return b
}

func (h *harness) history(member string) []ledger.Entry {
	h.t.Helper()
	return historyOf(h.t, h.ctx, h.store, member)
}

func historyOf(t testing.TB, ctx context.Context, s loyalty.Store, member string) []ledger.Entry {
	t.Helper()
	var all []ledger.Entry
	var after ledger.EntryID
	for {
		page, err := s.History(ctx, member, after, 50)
		require.NoError(t, err)
		all = append(all, page...)
		if len(page) < 50 {
			return all
		}
		after = page[len(page)-1].ID
	}
}

func (h *harness) version(member string) int64 {
	h.t.Helper()
	st, err := h.store.Load(h.ctx, member, loyalty.Query{})
	require.NoError(h.t, err)
	return st.Version
}

// unchanged runs f, which must fail with want, and proves it wrote nothing.
func (h *harness) unchanged(member string, want error, f func() error) {
	h.t.Helper()
	before, _ := h.store.Load(h.ctx, member, loyalty.Query{Lots: true})
	hist := h.history(member)
	err := f()
	require.Error(h.t, err)
	require.True(h.t, errors.Is(err, want), "got %v, want %v", err, want)
	after, _ := h.store.Load(h.ctx, member, loyalty.Query{Lots: true})
	require.Equal(h.t, jsonOf(h.t, before), jsonOf(h.t, after), "a rejected write changed the member's state")
	require.Equal(h.t, len(hist), len(h.history(member)), "a rejected write added entries")
	h.check(member)
}

// check proves the ledger invariants of one member (see CheckInvariants).
func (h *harness) check(member string) {
	h.t.Helper()
	CheckInvariants(h.t, h.ctx, h.store, member)
}

// CheckInvariants fails t unless the ledger of member in s adds up, as
// stored: every account's balance is the sum of its entries (available and
// pending apart), no lot is below zero, held lots add up to the pending
// balance and active lots to the spendable one, entry IDs strictly increase,
// and every entry's key has a receipt for the member. The suite runs it after
// every operation; an adapter's own tests (a crash test, say) and a host's
// tests of its reward economics can run it too.
func CheckInvariants(t testing.TB, ctx context.Context, s loyalty.Store, member string) {
	t.Helper()
	st, err := s.Load(ctx, member, loyalty.Query{Lots: true})
	require.NoError(t, err)
	entries := historyOf(t, ctx, s, member)
	sumAvail := map[ledger.Account]int64{}
	sumPend := map[ledger.Account]int64{}
	keys := map[string]bool{}
	for i, e := range entries {
		if i > 0 {
			require.True(t, entries[i-1].ID.Less(e.ID), "entry IDs out of order at %d: %v then %v", i, entries[i-1].ID, e.ID)
		}
		require.Equal(t, member, e.MemberID)
		require.NotEmpty(t, e.Key, "entry without idempotency key")
		require.NotEmpty(t, e.Kind, "entry without kind")
		require.NotEmpty(t, e.Source, "entry without source")
		sumAvail[e.Account] += e.Amount
		sumPend[e.Account] += e.Pending
		keys[e.Key] = true
	}
	for k := range keys {
		r, err := s.Receipt(ctx, k)
		require.NoError(t, err, "entry key %q has no receipt", k)
		require.Equal(t, member, r.MemberID)
	}
	accounts := map[ledger.Account]bool{}
	for a := range sumAvail {
		accounts[a] = true
	}
	for _, b := range st.Balances {
		accounts[b.Account] = true
	}
	lotActive := map[ledger.Account]int64{}
	lotPending := map[ledger.Account]int64{}
	for _, l := range st.Lots {
		require.GreaterOrEqual(t, l.Remaining, int64(0), "lot %d below zero", l.ID)
		if l.ActivatesAt.IsZero() {
			lotActive[l.Account] += l.Remaining
		} else {
			lotPending[l.Account] += l.Remaining
		}
	}
	for a := range accounts {
		b := st.Balance(a)
		require.Equal(t, sumAvail[a], b.Available, "account %s: available balance is not the sum of entries", a)
		require.Equal(t, sumPend[a], b.Pending, "account %s: pending balance is not the sum of entries", a)
		if a == ledger.RewardsAccount {
			// counted, not kept in lots (a ledger from before may hold a few)
			require.LessOrEqual(t, lotActive[a]+lotPending[a], max(b.Available, 0), "account %s: lots hold more than the count", a)
			continue
		}
		require.Equal(t, b.Pending, lotPending[a], "account %s: held lots do not add up to the pending balance", a)
		require.Equal(t, max(b.Available, 0), lotActive[a], "account %s: active lots do not add up to the spendable balance", a)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
