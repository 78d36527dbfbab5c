package loyalty

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// writeTry is what one plan of a write knows of the write beyond its
// request: the context, for the shared counters a plan reads, and how many
// of the write's codes a store found taken so far, which picks the stream
// its new codes are drawn from (see stream).
type writeTry struct {
	ctx   context.Context
	codes int
}

// write loads, plans and commits, re-planning on ErrConflict and trying
// again after ErrUnavailable, with backoff (the key makes it safe). A planning
// error is checked against an earlier receipt of the same key, so a replay
// returns the first receipt even when the request would no longer plan.
func (e *Engine) write(ctx context.Context, key, fp, fields, member string, q Query, planFn func(w writeTry, st *State, now time.Time) (*Change, error)) (*Receipt, error) {
	return e.writeOrCreate(ctx, key, fp, fields, member, q, false, planFn)
}

// writeOrCreate is write; with create, a member that does not exist yet is
// planned from an empty State at version 0. fp and fields are the request's
// fingerprint and field prints: a key found committed is a replay or a reuse
// as keyCommitted decides.
func (e *Engine) writeOrCreate(ctx context.Context, key, fp, fields, member string, q Query, create bool, planFn func(w writeTry, st *State, now time.Time) (*Change, error)) (*Receipt, error) {
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
	w := writeTry{ctx: ctx}
	var buf *stateBuf // the memory of the state loaded last, if pooled
	defer func() { buf.release() }()
	for attempt := 0; ; attempt++ {
		now := e.now()
		q.Now = now
		buf.release() // the state of the try before, if any
		buf = nil
		st, err := e.load(ctx, member, q, &buf)
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
			ch, err = planFn(w, st, now)
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
		if err != nil {
			// Looked for only on an error: errors.As moves its target to
			// the heap, an allocation on every write otherwise.
			if kc := (*KeyCommittedError)(nil); errors.As(err, &kc) && kc.Receipt != nil {
				return e.keyCommitted(ctx, key, fp, fields, kc.Receipt, unknown)
			}
			var se *StoreError
			if errors.As(err, &se) && se.MaybeCommitted {
				unknown = true
			}
			if retry, taken := sharedRetry(err); retry && attempt < e.retries {
				// Another member took the last unit, or a new code was
				// taken: plan again from what is left, with fresh codes.
				if taken {
					w.codes++
				}
				continue
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

// stateLoader is implemented by stores that load a member's state into
// memory the caller gives (storage/memory's LoadInto): st is zero but for
// Balances, an empty slice with room to fill.
type stateLoader interface {
	LoadInto(ctx context.Context, memberID string, q Query, st *State) error
}

// stateBuf is the reusable memory of a state a write loaded, with room for
// its balances and counters, and the lots array of an earlier write (kept,
// cleared, while it is not longer than maxPooledLots). A write's state lives only while it plans and commits:
// rules see it for the evaluation only (Input), and nothing a change, its
// receipt or an error holds points into it, so the write gives it back to
// statePool once its commit returned.
type stateBuf struct {
	st       State
	balances [2]ledger.Balance
	counters [16]ledger.Counter // a tier ladder keeps 13
	segments [1]string
	lots     []ledger.Lot
}

// maxPooledLots is the longest lots array a pooled state keeps.
const maxPooledLots = 256

var statePool = sync.Pool{New: func() any { return new(stateBuf) }}

// load is the store's Load; into pooled memory, held in *buf, when the
// store can load into it (stateLoader). *buf must be nil.
func (e *Engine) load(ctx context.Context, member string, q Query, buf **stateBuf) (*State, error) {
	sl, ok := e.store.(stateLoader)
	if !ok {
		return e.store.Load(ctx, member, q)
	}
	b := statePool.Get().(*stateBuf)
	b.st.Balances, b.st.Counters, b.st.Lots = b.balances[:0], b.counters[:0], b.lots[:0]
	b.st.Member.Segments = b.segments[:0]
	if err := sl.LoadInto(ctx, member, q, &b.st); err != nil {
		b.release()
		return nil, err
	}
	*buf = b
	return &b.st, nil
}

// release clears b and gives it back to the pool; a nil b is left alone.
func (b *stateBuf) release() {
	if b == nil {
		return
	}
	// The lots array the write loaded into (or the one kept before) is
	// kept for the next write, cleared so as to keep no strings alive.
	lots := b.lots
	if l := b.st.Lots; cap(l) > cap(lots) && cap(l) <= maxPooledLots {
		lots = l
	}
	clear(lots[:cap(lots)])
	*b = stateBuf{lots: lots[:0]}
	statePool.Put(b)
}

// sharedRetry reports whether a Commit that failed with err is planned
// again, as after ErrConflict: a claim found less left than the plan read
// (*ClaimError, ErrLimitReached), or a code the plan made was taken
// (*CodeError, ErrCodeTaken; taken is then set).
func sharedRetry(err error) (retry, taken bool) {
	if ce := (*ClaimError)(nil); errors.As(err, &ce) && errors.Is(ce.Err, ErrLimitReached) {
		return true, false
	}
	if ce := (*CodeError)(nil); errors.As(err, &ce) && errors.Is(ce.Err, ErrCodeTaken) {
		return true, true
	}
	return false, false
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
