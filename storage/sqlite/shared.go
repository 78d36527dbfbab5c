package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

// State shared by the members of a program: shared counters and codes
// (migrations/0005). A member's write changes them in its Commit
// (applyShared); the SharedStore methods change them outside one, in a
// transaction of their own on the writer (or a savepoint of the host's
// transaction, for a view InTx returns).

var (
	_ loyalty.ProgramStore    = (*Store)(nil)
	_ loyalty.ProgramStore    = (*txStore)(nil)
	_ loyalty.SharedStore     = (*Store)(nil)
	_ loyalty.SharedStore     = (*txStore)(nil)
	_ loyalty.HostTransaction = (*txStore)(nil)
)

// applyShared applies c's claims, new codes and code uses, in that order,
// and refuses c with a *loyalty.ClaimError or *loyalty.CodeError when one
// may not be applied (the caller rolls back what came before).
func (t txn) applyShared(c *loyalty.Change) error {
	for i := range c.Claims {
		if err := t.claim(c.Claims[i]); err != nil {
			return err
		}
	}
	for i := range c.Codes {
		if err := t.reserveCode(&c.Codes[i]); err != nil {
			return err
		}
	}
	for i := range c.CodeUses {
		if _, err := t.useCode(c.CodeUses[i]); err != nil {
			return err
		}
	}
	return nil
}

// claim takes cl.Amount from its counter's period, or gives it back. One
// statement does it when it may; when it changed no row, a second says why.
func (t txn) claim(cl ledger.Claim) error {
	st := t.st.claim
	if cl.Release {
		st = t.st.release
	}
	res, err := t.stmt(st).ExecContext(t.ctx, t.program, cl.Counter, cl.PeriodKey, cl.Amount)
	if err != nil {
		return fmt.Errorf("sqlite: claim from %s: %w", cl.Counter, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: claim from %s: %w", cl.Counter, err)
	} else if n == 1 {
		return nil
	}
	e := &loyalty.ClaimError{Counter: cl.Counter, PeriodKey: cl.PeriodKey, Asked: cl.Amount}
	k, err := t.sharedCounter(cl.Counter, cl.PeriodKey)
	switch {
	case errors.Is(err, loyalty.ErrUnknownCounter):
		e.Err = loyalty.ErrUnknownCounter
		return e
	case err != nil:
		return err
	}
	e.Left = k.Left()
	if cl.Release { // more than the period claimed
		e.Err = loyalty.ErrInvalidClaim
	} else {
		e.Err = loyalty.ErrLimitReached
	}
	return e
}

// sharedCounter reads a counter's limit and what period claimed.
func (t txn) sharedCounter(name, period string) (ledger.SharedCounter, error) {
	k := ledger.SharedCounter{Name: name, PeriodKey: period}
	err := t.stmt(t.st.sharedCounter).QueryRowContext(t.ctx, t.program, name, period).Scan(&k.Limit, &k.Claimed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ledger.SharedCounter{}, fmt.Errorf("%w: %q", loyalty.ErrUnknownCounter, name)
	case err != nil:
		return ledger.SharedCounter{}, fmt.Errorf("sqlite: shared counter %s: %w", name, err)
	}
	return k, nil
}

// setLimit defines counter name with limit, or changes its limit, unless a
// period claimed more than limit already.
func (t txn) setLimit(name string, limit int64) error {
	var (
		period  string
		claimed int64
	)
	err := t.stmt(t.st.overLimit).QueryRowContext(t.ctx, t.program, name, limit).Scan(&period, &claimed)
	switch {
	case err == nil:
		return &loyalty.LimitError{Counter: name, PeriodKey: period, Limit: limit, Claimed: claimed}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: set limit of %s: %w", name, err)
	}
	if _, err := t.stmt(t.st.setLimit).ExecContext(t.ctx, t.program, name, limit); err != nil {
		return fmt.Errorf("sqlite: set limit of %s: %w", name, err)
	}
	return nil
}

// reserveCode inserts code c, unless the program holds it already.
func (t txn) reserveCode(c *ledger.Code) error {
	res, err := t.stmt(t.st.insertCode).ExecContext(t.ctx, t.program, c.Code, c.Kind, c.Owner, c.Ref, c.MaxUses, c.Void,
		timeArg(c.CreatedAt), timeArg(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: reserve code %q: %w", c.Code, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: reserve code %q: %w", c.Code, err)
	} else if n == 0 {
		return &loyalty.CodeError{Code: c.Code, Err: loyalty.ErrCodeTaken}
	}
	return nil
}

// code reads a code; a *loyalty.CodeError wrapping ErrUnknownCode when the
// program holds none.
func (t txn) code(code string) (ledger.Code, error) {
	c := ledger.Code{Code: code}
	var created, expires sql.NullInt64
	err := t.stmt(t.st.code).QueryRowContext(t.ctx, t.program, code).Scan(&c.Kind, &c.Owner, &c.Ref, &c.MaxUses, &c.Uses, &c.Void,
		&created, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ledger.Code{}, &loyalty.CodeError{Code: code, Err: loyalty.ErrUnknownCode}
	case err != nil:
		return ledger.Code{}, fmt.Errorf("sqlite: code %q: %w", code, err)
	}
	c.CreatedAt, c.ExpiresAt = timeOf(created), timeOf(expires)
	return c, nil
}

// useCode applies u to its code with the checks of ledger.CodeUse and
// returns the code after.
func (t txn) useCode(u ledger.CodeUse) (ledger.Code, error) {
	c, err := t.code(u.Code)
	if err != nil {
		return ledger.Code{}, err
	}
	refuse := func(err error) (ledger.Code, error) {
		return ledger.Code{}, &loyalty.CodeError{Code: u.Code, Err: err}
	}
	if c.Void && (u.Uses != 0 || !u.Void) {
		return refuse(loyalty.ErrCodeVoid)
	}
	uses, ok := add(c.Uses, u.Uses)
	switch {
	case !ok && u.Uses > 0, ok && c.MaxUses > 0 && uses > c.MaxUses:
		return refuse(loyalty.ErrCodeUsedUp)
	case !ok, uses < 0:
		return refuse(loyalty.ErrInvalidClaim)
	}
	c.Uses, c.Void = uses, c.Void || u.Void
	if _, err := t.stmt(t.st.useCode).ExecContext(t.ctx, t.program, u.Code, c.Uses, c.Void); err != nil {
		return ledger.Code{}, fmt.Errorf("sqlite: use code %q: %w", u.Code, err)
	}
	return c, nil
}

// checkCounter checks a counter's name and period key as storage.CheckShared
// checks a claim's.
func checkCounter(name, period string) error {
	if name == "" {
		return &loyalty.ValidationError{Field: "counter", Reason: "is empty", Kind: loyalty.ErrInvalidID}
	}
	if err := loyalty.CheckID("counter", name); err != nil {
		return err
	}
	return loyalty.CheckID("period_key", period)
}

func checkLimit(name string, limit int64) error {
	if err := checkCounter(name, ""); err != nil {
		return err
	}
	if limit < 0 {
		return &loyalty.ValidationError{Field: "limit", Reason: "is below zero", Kind: loyalty.ErrInvalidAmount}
	}
	return nil
}

func checkUse(u ledger.CodeUse) error {
	if err := loyalty.CheckCode(u.Code); err != nil {
		return err
	}
	if u.Uses == 0 && !u.Void {
		return &loyalty.CodeError{Code: u.Code, Err: loyalty.ErrInvalidClaim}
	}
	return nil
}

// write runs f in an IMMEDIATE transaction on the writer connection.
func (s *Store) write(ctx context.Context, what string, f func(txn) error) error {
	p, err := s.prepared(ctx)
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wc == nil {
		return errors.New("sqlite: store is closed")
	}
	if _, err := p.w.begin.ExecContext(ctx); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	err = f(txn{ctx, nil, p.w, s.program})
	if err == nil {
		if _, err = p.w.commit.ExecContext(context.Background()); err != nil {
			err = fmt.Errorf("sqlite: %s: %w", what, err)
		}
	}
	if err != nil {
		p.w.rollback.ExecContext(context.Background())
	}
	return err
}

// SetLimit implements loyalty.SharedStore.
func (s *Store) SetLimit(ctx context.Context, name string, limit int64) error {
	if err := checkLimit(name, limit); err != nil {
		return err
	}
	return s.write(ctx, "set limit", func(t txn) error { return t.setLimit(name, limit) })
}

// SharedCounter implements loyalty.SharedStore.
func (s *Store) SharedCounter(ctx context.Context, name, periodKey string) (ledger.SharedCounter, error) {
	if err := checkCounter(name, periodKey); err != nil {
		return ledger.SharedCounter{}, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return ledger.SharedCounter{}, err
	}
	return txn{ctx, nil, p.r, s.program}.sharedCounter(name, periodKey)
}

// ReserveCode implements loyalty.SharedStore.
func (s *Store) ReserveCode(ctx context.Context, c ledger.Code) error {
	if err := storage.CheckReservation(c); err != nil {
		return err
	}
	return s.write(ctx, "reserve code", func(t txn) error { return t.reserveCode(&c) })
}

// Code implements loyalty.SharedStore: a probe of loyalty_codes' key.
func (s *Store) Code(ctx context.Context, code string) (ledger.Code, error) {
	if err := loyalty.CheckCode(code); err != nil {
		return ledger.Code{}, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return ledger.Code{}, err
	}
	return txn{ctx, nil, p.r, s.program}.code(code)
}

// UseCode implements loyalty.SharedStore.
func (s *Store) UseCode(ctx context.Context, u ledger.CodeUse) (ledger.Code, error) {
	if err := checkUse(u); err != nil {
		return ledger.Code{}, err
	}
	var c ledger.Code
	err := s.write(ctx, "use code", func(t txn) (err error) { c, err = t.useCode(u); return err })
	if err != nil {
		return ledger.Code{}, err
	}
	return c, nil
}

// write runs f in a savepoint of the host's transaction: a refusal leaves
// the transaction as it found it.
func (t *txStore) write(ctx context.Context, what string, f func(txn) error) error {
	x, err := t.txn(ctx)
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT loyalty_shared`); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if err := f(x); err != nil {
		_, rerr := t.tx.ExecContext(context.Background(), `ROLLBACK TO loyalty_shared`)
		if rerr == nil {
			_, rerr = t.tx.ExecContext(context.Background(), `RELEASE loyalty_shared`)
		}
		if rerr != nil {
			return fmt.Errorf("%w (and undoing it failed: %v; roll the transaction back)", err, rerr)
		}
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `RELEASE loyalty_shared`); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

func (t *txStore) SetLimit(ctx context.Context, name string, limit int64) error {
	if err := checkLimit(name, limit); err != nil {
		return err
	}
	return t.write(ctx, "set limit", func(x txn) error { return x.setLimit(name, limit) })
}

func (t *txStore) SharedCounter(ctx context.Context, name, periodKey string) (ledger.SharedCounter, error) {
	if err := checkCounter(name, periodKey); err != nil {
		return ledger.SharedCounter{}, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return ledger.SharedCounter{}, err
	}
	return x.sharedCounter(name, periodKey)
}

func (t *txStore) ReserveCode(ctx context.Context, c ledger.Code) error {
	if err := storage.CheckReservation(c); err != nil {
		return err
	}
	return t.write(ctx, "reserve code", func(x txn) error { return x.reserveCode(&c) })
}

func (t *txStore) Code(ctx context.Context, code string) (ledger.Code, error) {
	if err := loyalty.CheckCode(code); err != nil {
		return ledger.Code{}, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return ledger.Code{}, err
	}
	return x.code(code)
}

func (t *txStore) UseCode(ctx context.Context, u ledger.CodeUse) (ledger.Code, error) {
	if err := checkUse(u); err != nil {
		return ledger.Code{}, err
	}
	var c ledger.Code
	err := t.write(ctx, "use code", func(x txn) (err error) { c, err = x.useCode(u); return err })
	if err != nil {
		return ledger.Code{}, err
	}
	return c, nil
}
