package economics

import (
	"errors"
	"strconv"

	"github.com/loyaltykit/loyalty"
)

// Errors of bad input, checked with errors.Is. A function that returns one
// returns no report at all, never a partial one, and writes nothing.
var (
	// ErrInvalidPeriod: a period that ends before (or when) it starts, or
	// periods that are not in order.
	ErrInvalidPeriod = errors.New("economics: invalid period")
	// ErrInvalidRate: a rate (an expected redemption rate) outside 0..1.
	ErrInvalidRate = errors.New("economics: rate outside 0..1")
	// ErrInvalidInput: a negative amount or count, a redemption of more
	// points than were issued, a missing value.
	ErrInvalidInput = errors.New("economics: invalid input")
	// ErrCurrencyMismatch is loyalty.ErrCurrencyMismatch: money in a
	// currency other than the report's.
	ErrCurrencyMismatch = loyalty.ErrCurrencyMismatch
)

// InputError is bad input: which field, of which period (-1 when it is not
// a period's), and why. It unwraps to one of the errors above.
type InputError struct {
	Field  string
	Period int
	Reason string
	Err    error
}

func (e *InputError) Error() string {
	s := "economics: " + e.Field
	if e.Period >= 0 {
		s += " of period " + strconv.Itoa(e.Period)
	}
	return s + " " + e.Reason
}

func (e *InputError) Unwrap() error { return e.Err }

func inputError(field string, period int, reason string, err error) error {
	return &InputError{Field: field, Period: period, Reason: reason, Err: err}
}
