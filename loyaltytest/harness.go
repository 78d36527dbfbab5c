package loyaltytest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// Start is where a Harness's clock starts unless Options say otherwise:
// Monday 5 January 2026 at noon, read in the program's zone (UTC for a
// program without one), far from any month, week or daylight-saving edge.
var Start = time.Date(2026, time.January, 5, 12, 0, 0, 0, time.UTC)

// Seed is the seed of a Harness's Engine unless Options.Engine.Random says
// otherwise (see loyalty.EngineOptions.Random).
var Seed = [32]byte{'l', 'o', 'y', 'a', 'l', 't', 'y', 't', 'e', 's', 't'}

// Options tune New. The zero value (or nil) runs the program as given on a
// fresh memory store, the clock at Start.
type Options struct {
	// Start is the clock's first reading; zero is Start's wall-clock time
	// (2026-01-05 12:00) in the program's zone.
	Start time.Time
	// Location, when set, replaces the program's Location (its time zone) in
	// the copy the Engine runs.
	Location *time.Location
	// Engine is passed to loyalty.NewEngine; its Clock is replaced by the
	// harness's ManualClock, and a nil Random by the fixed Seed, so codes
	// and draws are the same on every run.
	Engine *loyalty.EngineOptions
	// Store is written to instead of a fresh memory store (a SQLite or
	// PostgreSQL store under test).
	Store loyalty.Store
}

// Harness is an Engine ready for one test, with the store and clock it
// runs on. Its helpers fail the test on an error.
type Harness struct {
	// T is the test the harness reports to.
	T testing.TB
	// Engine runs the program; use it directly to test errors.
	Engine *loyalty.Engine
	// Store is the store the Engine writes to.
	Store loyalty.Store
	// Clock is the Engine's clock; it moves only by Advance, AdvanceTo or
	// Clock.Set.
	Clock *loyalty.ManualClock
	// Ctx is the test's context, for calls to Engine.
	Ctx context.Context
	// Program is the program the Engine runs (with Options.Location).
	Program *loyalty.Program
}

// New returns a Harness running p; it fails the test when p does not
// validate. opts may be nil.
func New(t testing.TB, p *loyalty.Program, opts *Options) *Harness {
	t.Helper()
	if p == nil {
		t.Fatalf("loyaltytest.New: nil program")
		return nil
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	prog := *p
	if o.Location != nil {
		prog.Location = o.Location
	}
	start := o.Start
	if start.IsZero() {
		start = time.Date(Start.Year(), Start.Month(), Start.Day(), Start.Hour(), 0, 0, 0, prog.Zone())
	}
	store := o.Store
	if store == nil {
		store = memory.New()
	}
	var eo loyalty.EngineOptions
	if o.Engine != nil {
		eo = *o.Engine
	}
	clock := loyalty.NewManualClock(start)
	eo.Clock = clock
	if eo.Random == nil {
		eo.Random = bytes.NewReader(Seed[:])
	}
	e, err := loyalty.NewEngine(&prog, store, &eo)
	if err != nil {
		t.Fatalf("loyaltytest.New: program %q: %v", p.Name, err)
		return nil
	}
	return &Harness{T: t, Engine: e, Store: store, Clock: clock, Ctx: t.Context(), Program: e.Program()}
}

// Now is the clock's reading.
func (h *Harness) Now() time.Time { return h.Clock.Now() }

// Advance moves the clock forward by d.
func (h *Harness) Advance(d time.Duration) { h.Clock.Advance(d) }

// AdvanceDays moves the clock forward by n calendar days in the program's
// zone, keeping the wall-clock time across a daylight-saving change.
func (h *Harness) AdvanceDays(n int) {
	now := h.Clock.Now().In(h.Program.Zone())
	h.Clock.Set(now.AddDate(0, 0, n))
}

// AdvanceTo sets the clock to t; it fails the test if t is before now.
func (h *Harness) AdvanceTo(t time.Time) {
	h.T.Helper()
	if t.Before(h.Clock.Now()) {
		h.T.Fatalf("loyaltytest: AdvanceTo %s is before now, %s", t, h.Clock.Now())
		return
	}
	h.Clock.Set(t)
}

// Money is amount, an exact decimal string such as "19.99", in the
// program's currency; it fails the test on a malformed amount.
func (h *Harness) Money(amount string) money.Money {
	h.T.Helper()
	m, err := money.Parse(amount, h.Program.Currency)
	if err != nil {
		h.T.Fatalf("loyaltytest: money %q: %v", amount, err)
	}
	return m
}

func (h *Harness) check(op, key string, r *loyalty.Receipt, err error) *loyalty.Receipt {
	h.T.Helper()
	if err != nil {
		h.T.Fatalf("loyaltytest: %s (key %q): %v", op, key, err)
	}
	return r
}

// Enroll enrolls a member with only an ID, under the key "enroll/"+id,
// joined now.
func (h *Harness) Enroll(id string) *loyalty.Receipt {
	h.T.Helper()
	return h.EnrollMember(loyalty.Member{ID: id})
}

// EnrollMember enrolls m (see Member for a builder) under the key
// "enroll/"+m.ID; a zero JoinedAt is now.
func (h *Harness) EnrollMember(m loyalty.Member) *loyalty.Receipt {
	h.T.Helper()
	if m.JoinedAt.IsZero() {
		m.JoinedAt = h.Clock.Now()
	}
	key := "enroll/" + m.ID
	r, err := h.Engine.Enroll(h.Ctx, key, m)
	return h.check("Enroll "+m.ID, key, r, err)
}

// Earn records o under key. An empty Currency is the program's and a zero
// PlacedAt is now; o itself is not changed.
func (h *Harness) Earn(key string, o *loyalty.Order) *loyalty.Receipt {
	h.T.Helper()
	r, err := h.Engine.Earn(h.Ctx, key, h.Fill(o))
	return h.check("Earn "+o.ID, key, r, err)
}

// Estimate is Engine.Estimate of o, filled as Earn fills it.
func (h *Harness) Estimate(o *loyalty.Order) *loyalty.Result {
	h.T.Helper()
	res, err := h.Engine.Estimate(h.Ctx, h.Fill(o))
	if err != nil {
		h.T.Fatalf("loyaltytest: Estimate %s: %v", o.ID, err)
	}
	return res
}

// Fill returns a copy of o with an empty Currency set to the program's and a
// zero PlacedAt set to now: the order Earn records.
func (h *Harness) Fill(o *loyalty.Order) *loyalty.Order {
	c := *o
	if c.Currency == "" {
		c.Currency = h.Program.Currency
	}
	if c.PlacedAt.IsZero() {
		c.PlacedAt = h.Clock.Now()
	}
	return &c
}

// Return records r under key; a zero ReturnedAt is now.
func (h *Harness) Return(key string, r *loyalty.Return) *loyalty.Receipt {
	h.T.Helper()
	c := *r
	if c.ReturnedAt.IsZero() {
		c.ReturnedAt = h.Clock.Now()
	}
	rc, err := h.Engine.Return(h.Ctx, key, &c)
	return h.check("Return "+r.ID, key, rc, err)
}

// Redeem redeems r under key; a Total without a currency is in the
// program's.
func (h *Harness) Redeem(key string, r loyalty.Redemption) *loyalty.Receipt {
	h.T.Helper()
	if r.Total.Currency == "" {
		r.Total.Currency = h.Program.Currency
	}
	rc, err := h.Engine.Redeem(h.Ctx, key, r)
	return h.check("Redeem "+r.ID, key, rc, err)
}

// CancelRedemption cancels the member's redemption under key.
func (h *Harness) CancelRedemption(key, member, redemptionID string) *loyalty.Receipt {
	h.T.Helper()
	r, err := h.Engine.CancelRedemption(h.Ctx, key, member, redemptionID)
	return h.check("CancelRedemption "+redemptionID, key, r, err)
}

// Act records a member's action of kind now, under key, with ref.
func (h *Harness) Act(key, member string, kind loyalty.ActionKind, ref string) *loyalty.Receipt {
	h.T.Helper()
	return h.ActWith(key, &loyalty.Action{Kind: kind, MemberID: member, Ref: ref})
}

// ActWith records a under key; a zero At is now.
func (h *Harness) ActWith(key string, a *loyalty.Action) *loyalty.Receipt {
	h.T.Helper()
	c := *a
	if c.At.IsZero() {
		c.At = h.Clock.Now()
	}
	r, err := h.Engine.Act(h.Ctx, key, &c)
	return h.check("Act "+string(a.Kind), key, r, err)
}

// Adjust credits (points > 0) or debits a member's points under key.
func (h *Harness) Adjust(key, member string, points int64, note string) *loyalty.Receipt {
	h.T.Helper()
	r, err := h.Engine.Adjust(h.Ctx, key, member, points, note)
	return h.check("Adjust "+member, key, r, err)
}

// Settle activates and expires what is due for member now, under key.
func (h *Harness) Settle(key, member string) *loyalty.Receipt {
	h.T.Helper()
	r, err := h.Engine.Settle(h.Ctx, key, member)
	return h.check("Settle "+member, key, r, err)
}

// RunJobs runs the program's periodic jobs for every member of the store
// now; opts may be nil.
func (h *Harness) RunJobs(opts *loyalty.JobOptions) loyalty.JobReport {
	h.T.Helper()
	rep, err := h.Engine.RunJobs(h.Ctx, nil, opts)
	if err != nil {
		h.T.Fatalf("loyaltytest: RunJobs at %s: %v", h.Clock.Now(), err)
	}
	return rep
}

// Balance is the member's points balance now.
func (h *Harness) Balance(member string) ledger.Balance {
	h.T.Helper()
	return h.AccountBalance(member, ledger.PointsAccount)
}

// AccountBalance is the member's balance in account a now.
func (h *Harness) AccountBalance(member string, a ledger.Account) ledger.Balance {
	h.T.Helper()
	b, err := h.Engine.AccountBalance(h.Ctx, member, a)
	if err != nil {
		h.T.Fatalf("loyaltytest: balance of %q in %q: %v", member, a, err)
	}
	return b
}

// History is the member's whole history, oldest first.
func (h *Harness) History(member string) []ledger.Entry {
	h.T.Helper()
	es, err := history(h.Ctx, h.Engine, member)
	if err != nil {
		h.T.Fatalf("loyaltytest: history of %q: %v", member, err)
	}
	return es
}

func history(ctx context.Context, e *loyalty.Engine, member string) ([]ledger.Entry, error) {
	const page = 200
	var all []ledger.Entry
	var after ledger.EntryID
	for {
		es, err := e.History(ctx, member, after, page)
		if err != nil {
			return all, err
		}
		all = append(all, es...)
		if len(es) < page {
			return all, nil
		}
		after = es[len(es)-1].ID
	}
}

// Zone loads the IANA time zone name, failing the test when the system has
// no such zone.
func Zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("loyaltytest: time zone %q: %v", name, err)
	}
	return loc
}
