package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/loyaltykit/loyalty"
)

// wrap is the one place a driver error leaves the adapter (every exported
// method's error that is not a loyalty sentinel of its own passes through
// it). It never returns a pgx type; it classifies:
//
//   - a missing schema, table or function: ErrNotMigrated;
//   - a serialization failure (SQLSTATE 40001) or a deadlock (40P01):
//     loyalty.ErrConflict, which the Engine re-plans; nothing was written;
//   - a lost or unreachable server (see connectionLost): a
//     *loyalty.StoreError wrapping loyalty.ErrUnavailable;
//   - a cancelled or timed-out context: a *loyalty.StoreError wrapping the
//     context's error.
//
// For op "commit" the StoreError says MaybeCommitted unless pgx guarantees
// that nothing was sent (pgconn.SafeToRetry). A commit inside a host
// transaction never commits by itself; txStore clears the flag.
func wrap(op string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "3F000", "42P01", "42883": // invalid_schema_name, undefined_table, undefined_function
			return fmt.Errorf("%w: %s: %s", ErrNotMigrated, op, err.Error())
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return fmt.Errorf("%w: postgres: %s: %s", loyalty.ErrConflict, op, err.Error())
		}
	}
	unsent := pgconn.SafeToRetry(err)
	switch {
	case errors.Is(err, context.Canceled):
		return &loyalty.StoreError{Op: "postgres: " + op, MaybeCommitted: op == "commit" && !unsent,
			Err: fmt.Errorf("%w (%s)", context.Canceled, err.Error())}
	case errors.Is(err, context.DeadlineExceeded):
		return &loyalty.StoreError{Op: "postgres: " + op, MaybeCommitted: op == "commit" && !unsent,
			Err: fmt.Errorf("%w (%s)", context.DeadlineExceeded, err.Error())}
	case connectionLost(err):
		return &loyalty.StoreError{Op: "postgres: " + op, MaybeCommitted: op == "commit" && !unsent,
			Err: fmt.Errorf("%w: %s", loyalty.ErrUnavailable, err.Error())}
	}
	return fmt.Errorf("postgres: %s: %w", op, errors.New(err.Error()))
}

// connectionLost reports whether err says the server could not be reached
// or the connection to it was lost: the server shut the backend down
// (SQLSTATE 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
// cannot_connect_now, 57P05 idle_session_timeout, 25P03
// idle_in_transaction_session_timeout), a connection exception (class 08),
// too many connections (53300), a failed dial, EOF, a reset, refused or
// aborted connection, a broken pipe, a network timeout, a connection pgx had
// already closed, or a closed pool.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", "57P05", "25P03", "53300":
			return true
		}
		return strings.HasPrefix(pe.Code, "08")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce),
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &ne):
		return true
	}
	// pgxpool reports a closed pool with puddle.ErrClosedPool, a package this
	// module does not import; its text is stable.
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "closed pool" {
			return true
		}
	}
	return false
}

// inTxErr is wrap's result for an operation of a host transaction's view:
// its commit never commits by itself (the host's does), so a lost
// connection leaves nothing written.
func inTxErr(err error) error {
	if se, ok := err.(*loyalty.StoreError); ok && se.MaybeCommitted {
		c := *se
		c.MaybeCommitted = false
		return &c
	}
	return err
}
