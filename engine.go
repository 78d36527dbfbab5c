package loyalty

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Engine runs a Program against a Store: it loads a member's state,
// evaluates the rules, plans the ledger change in pure Go and commits it
// once. It is safe for concurrent use; concurrent writes to one member are
// serialised by the Store's version check and retried.
type Engine struct {
	program *Program
	store   Store
	clock   Clock
	retries int
	after   func(context.Context, *Receipt)
	// deferred: the store is bound to a host transaction (WithStore), so
	// AfterCommit waits for the host's Deliver after its own commit.
	deferred bool
	down     unavailableRetry
}

// EngineOptions tune an Engine. The zero value (or nil) uses the system
// clock and retries a conflicting write up to 100 times.
type EngineOptions struct {
	// Clock tells the time; inject a ManualClock in tests.
	Clock Clock
	// MaxRetries bounds how often a write is re-planned after ErrConflict.
	MaxRetries int
	// AfterCommit, when set, is called with the receipt of every write this
	// Engine committed (not for replays, not for writes that failed), after
	// the Store's commit returned: the place to send "welcome to Gold" from
	// Receipt.Notices. An Engine made by WithStore, or on a store that is a
	// HostTransaction, never calls it by itself: the host's commit comes
	// later and may be a rollback, so the host hands the receipts to
	// Engine.Deliver once its transaction committed.
	AfterCommit func(ctx context.Context, r *Receipt)
	// MaxUnavailableRetries bounds how often a write is tried again after
	// the store reported ErrUnavailable (a lost connection): 0 means 3, a
	// negative value none. Safe because every write carries an idempotency
	// key: a retry finds a commit whose reply was lost and returns its receipt.
	MaxUnavailableRetries int
	// UnavailableBackoff is the wait before the first such retry, doubled
	// for each next one up to MaxUnavailableBackoff (1s); 0 means 50ms.
	UnavailableBackoff time.Duration
}

// NewEngine validates p and returns an Engine writing to s. The Engine keeps
// its own copy of p, the one it validated: changing p (or the slices it
// holds) afterwards changes nothing the Engine does.
func NewEngine(p *Program, s Store, opts *EngineOptions) (*Engine, error) {
	if p == nil {
		return nil, invalidProgram("program", "is nil")
	}
	p = p.clone()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("loyalty: NewEngine needs a Store")
	}
	e := &Engine{program: p, store: s, clock: SystemClock{}, retries: 100, deferred: inHostTransaction(s)}
	if opts != nil {
		if opts.Clock != nil {
			e.clock = opts.Clock
		}
		if opts.MaxRetries > 0 {
			e.retries = opts.MaxRetries
		}
		e.after = opts.AfterCommit
		e.down = newUnavailableRetry(opts.MaxUnavailableRetries, opts.UnavailableBackoff)
	} else {
		e.down = newUnavailableRetry(0, 0)
	}
	return e, nil
}

// HostTransaction is implemented by store views bound to a host's own
// database transaction (storage/sqlite's and storage/postgres's Store.InTx),
// whose writes commit only when the host commits. An Engine writing to one,
// whether NewEngine or WithStore made it, never calls
// EngineOptions.AfterCommit by itself: a rollback may follow, so the host
// calls Engine.Deliver after its commit.
type HostTransaction interface {
	// InHostTransaction reports whether the store's writes commit only
	// with the host's transaction.
	InHostTransaction() bool
}

// inHostTransaction reports whether s says it is bound to a host transaction.
func inHostTransaction(s Store) bool {
	ht, ok := s.(HostTransaction)
	return ok && ht.InHostTransaction()
}

// WithStore returns a copy of e that writes to s, a store view bound to the
// host's own database transaction (storage/sqlite's and storage/postgres's
// Store.InTx), so that the host's rows and the loyalty write commit or roll
// back together.
//
// Such a write is not final when the Engine's call returns: the host may
// still roll back. So the copy never calls EngineOptions.AfterCommit; its
// receipts carry their Notices, and the host hands them to Deliver after
// its own commit, never after a rollback:
//
//	r, err := engine.WithStore(store.InTx(tx)).Earn(ctx, key, order)
//	// ... the host's own writes in tx; on any error, tx.Rollback() and return
//	if err := tx.Commit(); err != nil { return err }
//	engine.Deliver(ctx, r)
//
// A host that wants the notices of a copy delivered as each write commits
// (s is not bound to a transaction that could still roll back) calls
// Deliver right after each write, or builds an Engine on s with NewEngine
// (which defers them too when s is a HostTransaction).
func (e *Engine) WithStore(s Store) *Engine {
	return &Engine{program: e.program, store: s, clock: e.clock, retries: e.retries, after: e.after, deferred: true, down: e.down}
}

// Deliver hands the receipts of committed writes to EngineOptions.AfterCommit,
// in order; it does nothing without AfterCommit. It skips nil receipts and
// replays (Receipt.Replayed): a retried request whose key was committed
// before had its notices delivered then. It is how a host that writes
// through WithStore inside its own transaction delivers the notices once
// that transaction committed (see WithStore).
func (e *Engine) Deliver(ctx context.Context, receipts ...*Receipt) {
	if e.after == nil {
		return
	}
	for _, r := range receipts {
		if r != nil && !r.Replayed {
			e.after(ctx, r)
		}
	}
}

// notify calls AfterCommit with r unless the Engine's notices are deferred
// to the host (WithStore).
func (e *Engine) notify(ctx context.Context, r *Receipt) {
	if e.after != nil && !e.deferred {
		e.after(ctx, r)
	}
}

// Now is the engine's current time: its Clock's reading in UTC, to the
// microsecond, as every write records it.
func (e *Engine) Now() time.Time { return e.now() }

// Program returns a copy of the engine's program: changing it, or appending
// to its slices, changes nothing the Engine does. Build a new Engine to run
// another program.
func (e *Engine) Program() *Program { return e.program.clone() }

// now reads the clock once per write, in UTC to the microsecond, which is
// what every store keeps.
func (e *Engine) now() time.Time { return e.clock.Now().UTC().Truncate(time.Microsecond) }

// write loads, plans and commits, re-planning on ErrConflict and trying
// again after ErrUnavailable, with backoff (the key makes it safe). A planning
// error is checked against an earlier receipt of the same key, so a replay
// returns the first receipt even when the request would no longer plan.
func (e *Engine) write(ctx context.Context, key, fp, fields, member string, q Query, planFn func(st *State, now time.Time) (*Change, error)) (*Receipt, error) {
	return e.writeOrCreate(ctx, key, fp, fields, member, q, false, planFn)
}

// writeOrCreate is write; with create, a member that does not exist yet is
// planned from an empty State at version 0. fp and fields are the request's
// fingerprint and field prints: a key found committed is a replay or a reuse
// as keyCommitted decides.
func (e *Engine) writeOrCreate(ctx context.Context, key, fp, fields, member string, q Query, create bool, planFn func(st *State, now time.Time) (*Change, error)) (*Receipt, error) {
	if key == "" {
		return nil, ErrMissingKey
	}
	if err := CheckKey("key", key); err != nil {
		return nil, err
	}
	if err := checkRequiredID("member_id", member); err != nil {
		return nil, err
	}
	unavailable := 0 // retries after ErrUnavailable so far
	unknown := false // a commit's outcome was unknown: it may have committed
	for attempt := 0; ; attempt++ {
		now := e.now()
		q.Now = now
		st, err := e.store.Load(ctx, member, q)
		if create && errors.Is(err, ErrUnknownMember) {
			st, err = &State{}, nil
		}
		if err != nil {
			// A serialization failure of the read, or a lost connection.
			if again, werr := e.again(ctx, err, &attempt, &unavailable); werr != nil || again {
				if werr != nil {
					return nil, e.unknownIf(unknown, werr)
				}
				continue
			}
		}
		var ch *Change
		if err == nil {
			ch, err = planFn(st, now)
		}
		if errors.Is(err, errNeedLots) && !q.Lots {
			q.Lots = true // a rule spends: plan again with the lots to draw from
			attempt--
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, e.unknownIf(unknown, err)
			}
			r, rerr := e.replay(ctx, key, fp, fields, unknown)
			if errors.Is(rerr, ErrKeyReused) {
				return nil, rerr // the key holds another request: ours is not committed
			}
			if rerr != nil {
				again, werr := e.again(ctx, rerr, &attempt, &unavailable)
				if again {
					continue
				}
				if werr != nil {
					rerr = werr
				}
				return nil, e.unknownIf(unknown, rerr)
			}
			if r != nil {
				return r, nil
			}
			return nil, err
		}
		ch.Receipt.FieldPrints = fields
		r, err := e.store.Commit(ctx, ch)
		committed := r != nil && r == ch.Receipt
		ch.release() // the store keeps nothing of ch (see Store.Commit)
		if kc := (*KeyCommittedError)(nil); errors.As(err, &kc) && kc.Receipt != nil {
			return e.keyCommitted(ctx, key, fp, fields, kc.Receipt, unknown)
		}
		if err != nil {
			var se *StoreError
			if errors.As(err, &se) && se.MaybeCommitted {
				unknown = true
			}
			again, werr := e.again(ctx, err, &attempt, &unavailable)
			if again {
				continue
			}
			if werr != nil {
				err = werr
			}
			return nil, e.unknownIf(unknown, err)
		}
		if committed || unknown {
			// unknown: a retry found the commit whose reply was lost.
			e.notify(ctx, r)
		}
		return r, nil
	}
}

// again reports whether a write whose Load, Commit or replay failed with err
// is tried again: re-planned at once after ErrConflict (up to MaxRetries), or
// after a backoff when the store was unavailable (up to
// MaxUnavailableRetries). A non-nil error (the context ended while waiting)
// ends the write.
func (e *Engine) again(ctx context.Context, err error, attempt, unavailable *int) (bool, error) {
	switch {
	case ctx.Err() != nil:
		return false, nil
	case errors.Is(err, ErrConflict):
		if *attempt < e.retries {
			runtime.Gosched()
			return true, nil
		}
	case errors.Is(err, ErrUnavailable):
		if *unavailable < e.down.max {
			if werr := e.down.wait(ctx, *unavailable); werr != nil {
				return false, fmt.Errorf("%w; the store was unavailable: %w", werr, err)
			}
			*unavailable++
			*attempt-- // not a re-plan after a conflict
			return true, nil
		}
	}
	return false, nil
}

// unknownIf marks err as maybe committed when unknown.
func (e *Engine) unknownIf(unknown bool, err error) error {
	if unknown {
		return outcomeUnknown(err)
	}
	return err
}

// Enroll adds a member. Signup rules (welcome points) run on enrolment as an
// ActionSignup at the enrolment time.
func (e *Engine) Enroll(ctx context.Context, key string, m Member) (*Receipt, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	fp := memberFingerprint(&m)
	return e.writeOrCreate(ctx, key, fp, memberFields(&m), m.ID, Query{}, true, func(st *State, now time.Time) (*Change, error) {
		if st.Version != 0 {
			return nil, fmt.Errorf("%w: member %s", ErrDuplicate, m.ID)
		}
		m := cloneMember(m)
		if m.JoinedAt.IsZero() {
			m.JoinedAt = now
		}
		m.JoinedAt = m.JoinedAt.UTC().Truncate(time.Microsecond)
		m.Birthday = birthDate(m.Birthday)
		st.Member = m
		p := &plan{}
		if _, err := e.planAction(p, st, &Action{Kind: ActionSignup, MemberID: m.ID, At: m.JoinedAt, Ref: m.ID}, now, key, fp, OpEnroll); err != nil {
			return nil, err
		}
		p.ch.Member = &m
		return p.finish(), nil
	})
}

// Adjust credits (points > 0) or debits (points < 0) a member's points by
// an operator's decision; note says why and is required. A debit may not
// exceed the spendable balance.
func (e *Engine) Adjust(ctx context.Context, key, memberID string, points int64, note string) (*Receipt, error) {
	switch points {
	case 0:
		return nil, &ValidationError{Field: "points", Reason: "is zero", Kind: ErrInvalidAmount}
	case math.MinInt64: // its debit, -points, does not fit an int64
		return nil, &ValidationError{Field: "points", Reason: "is math.MinInt64, whose debit does not fit an int64", Kind: ErrOverflow}
	}
	if strings.TrimSpace(note) == "" {
		return nil, invalidEvent("note", "an adjustment needs a reason")
	}
	if err := checkText("note", note); err != nil {
		return nil, err
	}
	fp := partsFingerprint("adjust", memberID, strconv.FormatInt(points, 10), note)
	return e.write(ctx, key, fp, partFields("adjust", memberID, strconv.FormatInt(points, 10), note), memberID, Query{Lots: points < 0}, func(st *State, now time.Time) (*Change, error) {
		p := &plan{}
		p.init(st, now, key, fp, OpAdjust, "", Query{Lots: points < 0})
		p.settle()
		if points > 0 {
			if _, err := p.credit(PointsAccount, points, EntryAdjust, time.Time{}, e.expiry(now), Entry{Source: "operator", Note: note}); err != nil {
				return nil, err
			}
		} else {
			if p.spendable(PointsAccount) < -points {
				return nil, &InsufficientError{Account: PointsAccount, Asked: -points, Available: p.spendable(PointsAccount), Detail: "debit"}
			}
			if _, _, err := p.debit(PointsAccount, -points, 0, false, Entry{Kind: EntryAdjust, Source: "operator", Note: note}); err != nil {
				return nil, err
			}
		}
		return p.finish(), nil
	})
}

// Settle activates held points whose return window is over and expires lots
// whose expiry has come, as one write, activations before expiries at the
// same instant. Every other write settles the member first too; Settle is
// for a periodic job (Engine.RunJobs runs it for every member). When nothing
// is due it writes nothing: it returns a receipt without entries at the
// member's current version, which is not stored, so the key stays unused.
func (e *Engine) Settle(ctx context.Context, key, memberID string) (*Receipt, error) {
	fp := partsFingerprint("settle", memberID)
	var idle *Receipt
	r, err := e.write(ctx, key, fp, partFields("settle", memberID), memberID, Query{Lots: true}, func(st *State, now time.Time) (*Change, error) {
		p := &plan{}
		p.init(st, now, key, fp, OpSettle, "", Query{Lots: true})
		p.settle()
		ch := p.finish()
		if len(ch.Entries) == 0 {
			idle = &Receipt{Key: key, Fingerprint: fp, MemberID: st.Member.ID, Operation: OpSettle, At: now, Version: st.Version}
			return nil, errNothingDue
		}
		return ch, nil
	})
	if errors.Is(err, errNothingDue) && idle != nil {
		return idle, nil
	}
	return r, err
}

// Balance returns a member's points balance now. It reads the maintained
// balance (O(1) in the member's history); only when a lot is due to activate
// or expire does it read the open lots to settle them in memory.
func (e *Engine) Balance(ctx context.Context, memberID string) (Balance, error) {
	return e.AccountBalance(ctx, memberID, PointsAccount)
}

// AccountBalance is Balance for any account.
func (e *Engine) AccountBalance(ctx context.Context, memberID string, a Account) (Balance, error) {
	if err := checkRequiredID("member_id", memberID); err != nil {
		return Balance{}, err
	}
	if err := CheckID("account", string(a)); err != nil {
		return Balance{}, err
	}
	now := e.now()
	st, err := e.store.Load(ctx, memberID, Query{Now: now})
	if err != nil {
		return Balance{}, err
	}
	if st.Lots == nil {
		return st.Balance(a), nil
	}
	p := &plan{}
	p.init(st, now, "", "", OpSettle, "", Query{Lots: true})
	p.settle()
	return *p.balance(a), nil
}

// History returns up to limit of a member's entries after cursor after (the
// zero EntryID for the first page), oldest first.
func (e *Engine) History(ctx context.Context, memberID string, after EntryID, limit int) ([]Entry, error) {
	if err := checkRequiredID("member_id", memberID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	return e.store.History(ctx, memberID, after, limit)
}

// Member returns a member's profile and state (balances, counters, NextDue)
// as of now, settled as Balance settles it: points whose hold is over are
// shown available and lots whose expiry has come are gone, though no write
// has recorded it yet. It writes nothing: Version is the stored one, and the
// entries of the activations and expiries appear when the next write (or
// Settle, or RunJobs) records them. Lots is nil.
func (e *Engine) Member(ctx context.Context, memberID string) (*State, error) {
	if err := checkRequiredID("member_id", memberID); err != nil {
		return nil, err
	}
	now := e.now()
	st, err := e.store.Load(ctx, memberID, Query{Now: now})
	if err != nil || st.Lots == nil {
		return st, err
	}
	p := &plan{}
	p.init(st, now, "", "", OpSettle, "", Query{Lots: true})
	p.settle()
	for _, b := range p.balances {
		st.Balances = setBalance(st.Balances, b)
	}
	st.NextDue = p.finish().NextDue
	st.Lots = nil
	return st, nil
}

// setBalance replaces the balance of b's account in bs, or appends it.
func setBalance(bs []Balance, b Balance) []Balance {
	for i := range bs {
		if bs[i].Account == b.Account {
			bs[i] = b
			return bs
		}
	}
	return append(bs, b)
}

func cloneMember(m Member) Member {
	m.Segments = slices.Clone(m.Segments)
	m.Attributes = maps.Clone(m.Attributes)
	return m
}

func cloneOrder(r OrderRecord) OrderRecord {
	r.Lines = slices.Clone(r.Lines)
	r.Returns = slices.Clone(r.Returns)
	r.Extra = maps.Clone(r.Extra)
	r.ExtraReversed = maps.Clone(r.ExtraReversed)
	return r
}

// redemptionNote is "order 1002: 15.00 USD off", formatted without decimal
