package loyalty

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty/ledger"
)

// scope returns the view of s that holds program id, the Program's ID as
// given: s itself when id is empty (a store is the view of DefaultProgram,
// and a view made with ForProgram keeps its program), s.ForProgram(id) when
// s keeps several programs (ProgramStore), s itself when it keeps one and id
// is DefaultProgram, else an error wrapping ErrUnknownProgram.
func scope(s Store, id string) (Store, error) {
	if s == nil {
		return nil, errors.New("loyalty: the Engine needs a Store")
	}
	if id == "" {
		return s, nil
	}
	if err := CheckProgramID(id); err != nil {
		return nil, err
	}
	if ps, ok := s.(ProgramStore); ok {
		v, err := ps.ForProgram(id)
		if err != nil {
			return nil, fmt.Errorf("loyalty: program %q: %w", id, err)
		}
		if v == nil {
			return nil, fmt.Errorf("%w: ForProgram(%q) returned no store", ErrUnknownProgram, id)
		}
		return v, nil
	}
	if id != DefaultProgram {
		return nil, fmt.Errorf("%w: program %q on a store that keeps only %q (it does not implement ProgramStore)", ErrUnknownProgram, id, DefaultProgram)
	}
	return s, nil
}

// failingStore is the store of an Engine that WithStore could not scope:
// every call fails with err.
type failingStore struct{ err error }

func (f failingStore) Load(context.Context, string, Query) (*State, error) { return nil, f.err }
func (f failingStore) Commit(context.Context, *Change) (*Receipt, error)   { return nil, f.err }
func (f failingStore) Receipt(context.Context, string) (*Receipt, error)   { return nil, f.err }
func (f failingStore) History(context.Context, string, ledger.EntryID, int) ([]ledger.Entry, error) {
	return nil, f.err
}

// shared is the Engine's store as a SharedStore, or ErrSharedUnsupported.
func (e *Engine) shared() (SharedStore, error) {
	if f, ok := e.store.(failingStore); ok {
		return nil, f.err
	}
	ss, ok := e.store.(SharedStore)
	if !ok {
		return nil, fmt.Errorf("%w: program %q", ErrSharedUnsupported, e.programID)
	}
	return ss, nil
}

// The Engine's access to its program's shared state, for what happens
// outside a member's write: a merchant restocks a reward, a host mints gift
// cards, a checkout looks a code up. Each delegates to the SharedStore of the
// program's view of the store, so a host never handles views; on a store
// that is not a SharedStore each fails with ErrSharedUnsupported.

// SetLimit defines shared counter name of the Engine's program with the
// limit each of its periods may reach, or changes its limit (see
// SharedStore.SetLimit: a *LimitError when below what was claimed).
func (e *Engine) SetLimit(ctx context.Context, name string, limit int64) error {
	if err := checkRequiredID("counter", name); err != nil {
		return err
	}
	ss, err := e.shared()
	if err != nil {
		return err
	}
	return ss.SetLimit(ctx, name, limit)
}

// SharedCounter reads shared counter name in the period periodKey names
// ("" for all time); ErrUnknownCounter when it was never defined.
func (e *Engine) SharedCounter(ctx context.Context, name, periodKey string) (ledger.SharedCounter, error) {
	if err := checkRequiredID("counter", name); err != nil {
		return ledger.SharedCounter{}, err
	}
	if err := CheckID("period_key", periodKey); err != nil {
		return ledger.SharedCounter{}, err
	}
	ss, err := e.shared()
	if err != nil {
		return ledger.SharedCounter{}, err
	}
	return ss.SharedCounter(ctx, name, periodKey)
}

// Code looks a code of the Engine's program up; ErrUnknownCode when the
// program holds none such, a *ValidationError (ErrInvalidCode) for a code
// that could never be stored.
func (e *Engine) Code(ctx context.Context, code string) (ledger.Code, error) {
	if err := CheckCode(code); err != nil {
		return ledger.Code{}, err
	}
	ss, err := e.shared()
	if err != nil {
		return ledger.Code{}, err
	}
	return ss.Code(ctx, code)
}

// ReserveCode reserves a code the host made (a gift card it mints) in the
// Engine's program; see SharedStore.ReserveCode. CreatedAt, when zero, is
// the Engine's time.
func (e *Engine) ReserveCode(ctx context.Context, c ledger.Code) error {
	if err := CheckCode(c.Code); err != nil {
		return err
	}
	ss, err := e.shared()
	if err != nil {
		return err
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = e.now()
	}
	return ss.ReserveCode(ctx, c)
}

// UseCode applies u to its code outside a member's write; see
// SharedStore.UseCode.
func (e *Engine) UseCode(ctx context.Context, u ledger.CodeUse) (ledger.Code, error) {
	if err := CheckCode(u.Code); err != nil {
		return ledger.Code{}, err
	}
	ss, err := e.shared()
	if err != nil {
		return ledger.Code{}, err
	}
	return ss.UseCode(ctx, u)
}

// SeedDigest is SHA-256 of the Engine's seed (see EngineOptions.Random). A
// host that seeded the Engine itself publishes it before a campaign and the
// seed after: anyone can then check the seed against it and recompute every
// draw and code of the campaign from the seed, the program ID and the
// writes' keys (see stream), so the host could not have picked outcomes.
func (e *Engine) SeedDigest() [32]byte { return sha256.Sum256(e.seed[:]) }
