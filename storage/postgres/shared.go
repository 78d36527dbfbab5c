package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

// This file is the state a program's members share (loyalty.SharedStore):
// shared counters, codes, and the parts of a change that use them.

// sqlstateClaim is what claim_shared raises for a refused claim: DETAIL
// 'limit', 'unknown' or 'invalid', HINT what was left, COLUMN the claim's
// place in the change.
const sqlstateClaim = "LY004"

// sqlstateCode is what commit_change and use_code raise for a refused code:
// DETAIL 'taken', 'unknown', 'void', 'used-up' or 'invalid', HINT the code.
const sqlstateCode = "LY005"

// sqlstateLimit is what set_limit raises for a limit below what a period
// claimed: DETAIL the period, HINT its claimed.
const sqlstateLimit = "LY006"

// appendShared appends commit_change's columns of ch's grants, codes, code
// uses and claims. The claims go sorted by counter and period, so that two
// changes claiming the same counters lock their rows in one order; each
// keeps its place in ch for the error that names it.
func appendShared(args []any, ch *loyalty.Change) ([]any, error) {
	gs := lastBy(ch.Grants, func(g *ledger.Grant) string { return g.ID })
	n := len(gs)
	gID, gStatus, gRec := make([]string, n), make([]string, n), make([]string, n)
	for i := range gs {
		j, err := json.Marshal(&gs[i])
		if err != nil {
			return nil, fmt.Errorf("postgres: commit: encoding grant %q: %v", gs[i].ID, err)
		}
		gID[i], gStatus[i], gRec[i] = gs[i].ID, string(gs[i].Status), string(j)
	}
	args = appendColumns(args, n, gID, gStatus, gRec)

	n = len(ch.Codes)
	cdCode, cdKind, cdOwner, cdRef := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	cdMax := make([]int64, n)
	cdCreated, cdExpires := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	for i := range ch.Codes {
		c := &ch.Codes[i]
		cdCode[i], cdKind[i], cdOwner[i], cdRef[i], cdMax[i] = c.Code, c.Kind, c.Owner, c.Ref, c.MaxUses
		cdCreated[i], cdExpires[i] = ts(c.CreatedAt), ts(c.ExpiresAt)
	}
	args = appendColumns(args, n, cdCode, cdKind, cdOwner, cdRef, cdMax, cdCreated, cdExpires)

	n = len(ch.CodeUses)
	cuCode, cuUses, cuVoid := make([]string, n), make([]int64, n), make([]bool, n)
	for i := range ch.CodeUses {
		u := &ch.CodeUses[i]
		cuCode[i], cuUses[i], cuVoid[i] = u.Code, u.Uses, u.Void
	}
	args = appendColumns(args, n, cuCode, cuUses, cuVoid)

	n = len(ch.Claims)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	if n > 1 {
		slices.SortStableFunc(order, func(a, b int32) int {
			x, y := &ch.Claims[a], &ch.Claims[b]
			return cmp.Or(strings.Compare(x.Counter, y.Counter), strings.Compare(x.PeriodKey, y.PeriodKey))
		})
	}
	clCounter, clPeriod, clAmount, clRelease := make([]string, n), make([]string, n), make([]int64, n), make([]bool, n)
	for i, j := range order {
		c := &ch.Claims[j]
		clCounter[i], clPeriod[i], clAmount[i], clRelease[i] = c.Counter, c.PeriodKey, c.Amount, c.Release
	}
	return appendColumns(args, n, clCounter, clPeriod, clAmount, clRelease, order), nil
}

// sharedError is the *loyalty.ClaimError or *loyalty.CodeError that pe
// raised by claim_shared, use_code or commit_change says, nil if pe is
// none of them. claims are the change's claims (nil outside a change).
func sharedError(pe *pgconn.PgError, claims []ledger.Claim) error {
	switch pe.Code {
	case sqlstateClaim:
		e := &loyalty.ClaimError{Err: loyalty.ErrLimitReached}
		switch pe.Detail {
		case "unknown":
			e.Err = loyalty.ErrUnknownCounter
		case "invalid":
			e.Err = loyalty.ErrInvalidClaim
		}
		e.Left, _ = strconv.ParseInt(pe.Hint, 10, 64)
		if i, err := strconv.Atoi(pe.ColumnName); err == nil && i >= 0 && i < len(claims) {
			e.Counter, e.PeriodKey, e.Asked = claims[i].Counter, claims[i].PeriodKey, claims[i].Amount
		}
		return e
	case sqlstateCode:
		e := &loyalty.CodeError{Code: pe.Hint}
		switch pe.Detail {
		case "taken":
			e.Err = loyalty.ErrCodeTaken
		case "unknown":
			e.Err = loyalty.ErrUnknownCode
		case "void":
			e.Err = loyalty.ErrCodeVoid
		case "used-up":
			e.Err = loyalty.ErrCodeUsedUp
		default:
			e.Err = loyalty.ErrInvalidClaim
		}
		return e
	}
	return nil
}

// SetLimit implements loyalty.SharedStore in one statement, set_limit: it
// defines the counter or changes its limit in every period, and undoes it
// all when a period claimed more (a *loyalty.LimitError).
func (c *core) SetLimit(ctx context.Context, name string, limit int64) error {
	if err := checkCounterName(name); err != nil {
		return err
	}
	if limit < 0 {
		return fmt.Errorf("%w: shared counter %q: limit %d is below zero", loyalty.ErrInvalidAmount, name, limit)
	}
	err := c.guarded(ctx, func() error {
		_, err := c.db.Exec(ctx, c.sql.setLimit, c.program, name, limit)
		return err
	})
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == sqlstateLimit {
		claimed, _ := strconv.ParseInt(pe.Hint, 10, 64)
		return &loyalty.LimitError{Counter: name, PeriodKey: pe.Detail, Limit: limit, Claimed: claimed}
	}
	if err != nil {
		return wrap("set limit", err)
	}
	return nil
}

// SharedCounter implements loyalty.SharedStore.
func (c *core) SharedCounter(ctx context.Context, name, periodKey string) (ledger.SharedCounter, error) {
	if err := checkCounterName(name); err != nil {
		return ledger.SharedCounter{}, err
	}
	if err := loyalty.CheckID("claim.period_key", periodKey); err != nil {
		return ledger.SharedCounter{}, err
	}
	sc := ledger.SharedCounter{Name: name, PeriodKey: periodKey}
	err := c.db.QueryRow(ctx, c.sql.sharedCounter, c.program, name, periodKey).Scan(&sc.Limit, &sc.Claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.SharedCounter{}, fmt.Errorf("%w: %q", loyalty.ErrUnknownCounter, name)
	}
	if err != nil {
		return ledger.SharedCounter{}, wrap("shared counter", err)
	}
	return sc, nil
}

// ReserveCode implements loyalty.SharedStore with one INSERT ... ON
// CONFLICT DO NOTHING: of two reservations of a code, the second waits for
// the first and then finds it taken.
func (c *core) ReserveCode(ctx context.Context, code ledger.Code) error {
	if err := storage.CheckReservation(code); err != nil {
		return err
	}
	if err := checkText(code.Kind, code.Ref); err != nil {
		return err
	}
	var tag pgconn.CommandTag
	var err error
	for attempt := 0; ; attempt++ {
		tag, err = c.db.Exec(ctx, c.sql.reserveCode, c.program, code.Code, code.Kind, code.Owner, code.Ref, code.MaxUses,
			ts(code.CreatedAt), ts(code.ExpiresAt))
		// Under SERIALIZABLE, a reservation racing another of the same code
		// may fail to serialize instead of finding it taken. Outside a host
		// transaction the statement is its own transaction and wrote
		// nothing, so it runs again and finds the code taken (or free).
		if err == nil || c.inTx || attempt == reserveRetries || !serializationFailure(err) {
			break
		}
	}
	if err != nil {
		return wrap("reserve code", err)
	}
	if tag.RowsAffected() == 0 {
		return &loyalty.CodeError{Code: code.Code, Err: loyalty.ErrCodeTaken}
	}
	return nil
}

// reserveRetries is how many times ReserveCode runs its statement again
// after a serialization failure.
const reserveRetries = 8

func serializationFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// Code implements loyalty.SharedStore: one lookup of the codes' primary key.
func (c *core) Code(ctx context.Context, code string) (ledger.Code, error) {
	if err := loyalty.CheckCode(code); err != nil {
		return ledger.Code{}, err
	}
	out, err := scanCode(code, c.db.QueryRow(ctx, c.sql.code, c.program, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Code{}, &loyalty.CodeError{Code: code, Err: loyalty.ErrUnknownCode}
	}
	if err != nil {
		return ledger.Code{}, wrap("code", err)
	}
	return out, nil
}

// UseCode implements loyalty.SharedStore in one statement, use_code, with
// the checks commit_change makes.
func (c *core) UseCode(ctx context.Context, u ledger.CodeUse) (ledger.Code, error) {
	if err := loyalty.CheckCode(u.Code); err != nil {
		return ledger.Code{}, err
	}
	if u.Uses == 0 && !u.Void {
		return ledger.Code{}, &loyalty.CodeError{Code: u.Code, Err: loyalty.ErrInvalidClaim}
	}
	var out ledger.Code
	err := c.guarded(ctx, func() error {
		var err error
		out, err = scanCode(u.Code, c.db.QueryRow(ctx, c.sql.useCode, c.program, u.Code, u.Uses, u.Void))
		return err
	})
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) {
		if e := sharedError(pe, nil); e != nil {
			return ledger.Code{}, e
		}
	}
	if err != nil {
		return ledger.Code{}, wrap("use code", err)
	}
	return out, nil
}

func scanCode(code string, row pgx.Row) (ledger.Code, error) {
	out := ledger.Code{Code: code}
	var created, expires pgtype.Timestamptz
	if err := row.Scan(&out.Kind, &out.Owner, &out.Ref, &out.MaxUses, &out.Uses, &out.Void, &created, &expires); err != nil {
		return ledger.Code{}, err
	}
	out.CreatedAt, out.ExpiresAt = fromTS(created), fromTS(expires)
	return out, nil
}

func checkCounterName(name string) error {
	if name == "" {
		return &loyalty.ValidationError{Field: "claim.counter", Reason: "is empty", Kind: loyalty.ErrInvalidID}
	}
	return loyalty.CheckID("claim.counter", name)
}

// checkText refuses text no store could give back exactly: invalid UTF-8
// or NUL (loyalty.ErrInvalidEvent), as storage.CheckShape does in a change.
func checkText(texts ...string) error {
	for _, s := range texts {
		if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			return fmt.Errorf("%w: text %q is not valid UTF-8 or holds NUL", loyalty.ErrInvalidEvent, s)
		}
	}
	return nil
}

// guarded runs f, which sends one statement; inside a host transaction it
// runs it under a savepoint, so a refusal leaves the transaction usable.
func (c *core) guarded(ctx context.Context, f func() error) error {
	if !c.inTx {
		return f()
	}
	if _, err := c.db.Exec(ctx, `SAVEPOINT `+savepoint); err != nil {
		return err
	}
	if err := f(); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code != "25P02" {
			if _, rerr := c.db.Exec(ctx, `ROLLBACK TO SAVEPOINT `+savepoint+`; RELEASE SAVEPOINT `+savepoint); rerr != nil {
				return fmt.Errorf("%v; and rolling back to the savepoint: %v", err, rerr)
			}
		}
		return err
	}
	_, err := c.db.Exec(ctx, `RELEASE SAVEPOINT `+savepoint)
	return err
}
