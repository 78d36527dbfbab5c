package loyalty

import (
	"context"
	"errors"
	"time"
)

// ErrUnavailable: the store could not be reached, or lost its connection in
// the middle of an operation (the server went away, the connection was reset
// or closed, the pool was closed). A read returned nothing; a write may or
// may not have committed: a *StoreError in the chain says which. Because every
// write carries an idempotency key, the Engine tries such a write again
// itself (EngineOptions.MaxUnavailableRetries) and returns the first receipt;
// a host sees ErrUnavailable only when those retries are exhausted, and may
// then retry with the same key, which never writes twice.
var ErrUnavailable = errors.New("loyalty: store unavailable")

// StoreError reports a store operation that failed for a reason outside the
// ledger: ErrUnavailable (a lost connection) or a context cancelled or timed
// out while the store was working. It says whether a write's outcome is
// unknown, which no sentinel can. Use errors.As to read it; errors.Is sees
// through it to Err.
type StoreError struct {
	// Op names the operation, prefixed with the store: "postgres: commit".
	Op string
	// MaybeCommitted reports that a write was sent and its outcome is
	// unknown: the change may have committed. False means nothing was
	// written. Retrying with the same idempotency key settles it either way.
	MaybeCommitted bool
	// Err is the cause; it wraps ErrUnavailable, context.Canceled or
	// context.DeadlineExceeded, and carries the driver's text, never its
	// types.
	Err error
}

func (e *StoreError) Error() string {
	s := e.Op + ": "
	if e.Err != nil {
		s += e.Err.Error()
	} else {
		s += "failed"
	}
	if e.MaybeCommitted {
		s += "; the write may have committed"
	}
	return s
}

// Unwrap returns Err.
func (e *StoreError) Unwrap() error { return e.Err }

// outcomeUnknown marks err, the end of a write one of whose commits had an
// unknown outcome, as maybe committed.
func outcomeUnknown(err error) error {
	var se *StoreError
	if errors.As(err, &se) && se.MaybeCommitted {
		return err
	}
	if se, ok := err.(*StoreError); ok {
		c := *se
		c.MaybeCommitted = true
		return &c
	}
	return &StoreError{Op: "loyalty: write", MaybeCommitted: true, Err: err}
}

// maxUnavailableBackoff caps the Engine's wait between retries of a write
// after ErrUnavailable.
const maxUnavailableBackoff = time.Second

// unavailableRetry is how an Engine retries writes after ErrUnavailable: up
// to max times, waiting base, 2·base, 4·base, ... up to maxUnavailableBackoff
// (or base, if larger). The waits are deterministic, without jitter: the
// Engine has no random source of its own yet.
type unavailableRetry struct {
	max  int
	base time.Duration
}

func newUnavailableRetry(max int, base time.Duration) unavailableRetry {
	switch {
	case max == 0:
		max = 3
	case max < 0:
		max = 0
	}
	if base <= 0 {
		base = 50 * time.Millisecond
	}
	return unavailableRetry{max: max, base: base}
}

// delay is the wait before retry n (0 for the first).
func (u unavailableRetry) delay(n int) time.Duration {
	limit := max(maxUnavailableBackoff, u.base)
	d := u.base
	for range n {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}

// wait sleeps before retry n, on real time (not the Engine's Clock, which
// may be a ManualClock), and returns ctx.Err() if ctx ends first.
func (u unavailableRetry) wait(ctx context.Context, n int) error {
	t := time.NewTimer(u.delay(n))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
