package loyalty

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
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
	// seed is what every random stream of the Engine derives from (see
	// stream); programID is the program's ID in the store.
	seed      *[32]byte
	programID string
	// readers are the program's rules that read shared counters before
	// they run (SharedReader).
	readers []SharedReader
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
	// for each next one up to 1s; 0 means 50ms.
	UnavailableBackoff time.Duration
	// Random is where NewEngine reads the 32-byte seed of every draw the
	// Engine makes: the codes of granted rewards and what rules draw from
	// Input.Rand. nil is crypto/rand.Reader, unguessable, so codes cannot
	// be enumerated. Tests and simulations pass a seeded source
	// (rand.NewChaCha8(seed) from math/rand/v2, or bytes.NewReader(seed))
	// and get the same codes and draws on every store, on every replay,
	// whatever order goroutines write in: each write draws from a stream
	// derived from the seed, the program ID and the write's key (see
	// Engine.SeedDigest for provably fair draws).
	Random io.Reader
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
	deferred := inHostTransaction(s)
	s, err := scope(s, p.ID)
	if err != nil {
		return nil, err
	}
	e := &Engine{program: p, store: s, clock: SystemClock{}, retries: 100, deferred: deferred, programID: p.ProgramID()}
	for _, r := range p.Rules {
		if sr, ok := r.(SharedReader); ok {
			e.readers = append(e.readers, sr)
		}
	}
	var random io.Reader = crand.Reader
	if opts != nil && opts.Random != nil {
		random = opts.Random
	}
	e.seed = new([32]byte)
	if _, err := io.ReadFull(random, e.seed[:]); err != nil {
		return nil, fmt.Errorf("loyalty: NewEngine reads a 32-byte seed from EngineOptions.Random: %w", err)
	}
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
//
// Like NewEngine, WithStore scopes s to the Engine's program (see
// ProgramStore). When it cannot (s keeps one program and the Engine's is
// not DefaultProgram, or s is nil), every call of the copy fails with that
// error, which wraps ErrUnknownProgram.
func (e *Engine) WithStore(s Store) *Engine {
	if scoped, err := scope(s, e.program.ID); err != nil {
		s = failingStore{err}
	} else {
		s = scoped
	}
	return &Engine{program: e.program, store: s, clock: e.clock, retries: e.retries, after: e.after, deferred: true, down: e.down,
		seed: e.seed, programID: e.programID, readers: e.readers}
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

// rs names the rules' random stream of the write of key.
func (e *Engine) rs(key string) randSeed {
	return randSeed{seed: e.seed, program: e.programID, key: key}
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

// Enroll adds a member. Signup rules (welcome points) run on enrolment as an
// ActionSignup at the enrolment time.
func (e *Engine) Enroll(ctx context.Context, key string, m Member) (*Receipt, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	fp := memberFingerprint(&m)
	return e.writeOrCreate(ctx, key, fp, memberFields(&m), m.ID, Query{}, true, func(w writeTry, st *State, now time.Time) (*Change, error) {
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
		if _, err := e.planAction(w, p, st, &Action{Kind: ActionSignup, MemberID: m.ID, At: m.JoinedAt, Ref: m.ID}, now, key, fp, OpEnroll); err != nil {
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
	return e.write(ctx, key, fp, partFields("adjust", memberID, strconv.FormatInt(points, 10), note), memberID, Query{Lots: points < 0}, func(w writeTry, st *State, now time.Time) (*Change, error) {
		p := &plan{}
		p.init(st, now, key, fp, OpAdjust, "", Query{Lots: points < 0})
		p.settle()
		if points > 0 {
			if _, err := p.credit(ledger.PointsAccount, points, ledger.EntryAdjust, time.Time{}, e.expiry(now), ledger.Entry{Source: "operator", Note: note}); err != nil {
				return nil, err
			}
		} else {
			if p.spendable(ledger.PointsAccount) < -points {
				return nil, &InsufficientError{Account: ledger.PointsAccount, Asked: -points, Available: p.spendable(ledger.PointsAccount), Detail: "debit"}
			}
			if _, _, err := p.debit(ledger.PointsAccount, -points, 0, false, ledger.Entry{Kind: ledger.EntryAdjust, Source: "operator", Note: note}); err != nil {
				return nil, err
			}
		}
		return p.finish(), nil
	})
}

// Settle activates held points whose return window is over and expires lots
// whose expiry has come, as one write, activations before expiries at the
// same instant, and marks the open grants whose ExpiresAt has come
// GrantExpired (−1 each in RewardsAccount). Every other write settles the member first too; Settle is
// for a periodic job (Engine.RunJobs runs it for every member). When nothing
// is due it writes nothing: it returns a receipt without entries at the
// member's current version, which is not stored, so the key stays unused.
func (e *Engine) Settle(ctx context.Context, key, memberID string) (*Receipt, error) {
	fp := partsFingerprint("settle", memberID)
	var idle *Receipt
	r, err := e.write(ctx, key, fp, partFields("settle", memberID), memberID, Query{Lots: true, Grants: true}, func(w writeTry, st *State, now time.Time) (*Change, error) {
		p := &plan{}
		p.init(st, now, key, fp, OpSettle, "", Query{Lots: true})
		p.settle()
		if err := p.expireGrants(); err != nil {
			return nil, err
		}
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
func (e *Engine) Balance(ctx context.Context, memberID string) (ledger.Balance, error) {
	return e.AccountBalance(ctx, memberID, ledger.PointsAccount)
}

// AccountBalance is Balance for any account.
func (e *Engine) AccountBalance(ctx context.Context, memberID string, a ledger.Account) (ledger.Balance, error) {
	if err := checkRequiredID("member_id", memberID); err != nil {
		return ledger.Balance{}, err
	}
	if err := CheckID("account", string(a)); err != nil {
		return ledger.Balance{}, err
	}
	now := e.now()
	st, err := e.store.Load(ctx, memberID, Query{Now: now})
	if err != nil {
		return ledger.Balance{}, err
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
func (e *Engine) History(ctx context.Context, memberID string, after ledger.EntryID, limit int) ([]ledger.Entry, error) {
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
// Settle, or RunJobs) records them. Lots is nil; Grants are the member's
// open grants (rewards granted and not used, void or expired).
func (e *Engine) Member(ctx context.Context, memberID string) (*State, error) {
	if err := checkRequiredID("member_id", memberID); err != nil {
		return nil, err
	}
	now := e.now()
	st, err := e.store.Load(ctx, memberID, Query{Now: now, Grants: true})
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
func setBalance(bs []ledger.Balance, b ledger.Balance) []ledger.Balance {
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

func cloneOrder(r ledger.OrderRecord) ledger.OrderRecord {
	r.Lines = slices.Clone(r.Lines)
	r.Returns = slices.Clone(r.Returns)
	r.Extra = maps.Clone(r.Extra)
	r.ExtraReversed = maps.Clone(r.ExtraReversed)
	return r
}

// redemptionNote is "order 1002: 15.00 USD off", formatted without decimal
