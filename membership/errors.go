package membership

import (
	"errors"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
)

// Errors of membership actions, checked with errors.Is. A refused action
// also wraps loyalty.ErrRefused and writes nothing.
var (
	// ErrUnknownPlan: an action names a plan the membership does not offer.
	ErrUnknownPlan = errors.New("membership: unknown plan")
	// ErrWrongAmount: a payment is not the amount due (see *PaymentError).
	ErrWrongAmount = errors.New("membership: payment is not the amount due")
	// ErrNotActive: a cancellation or plan change of a membership that is
	// not running (none, lapsed, or a change during trial or grace).
	ErrNotActive = errors.New("membership: membership is not active")
	// ErrTrialUsed: a second trial, or a trial while a membership runs.
	ErrTrialUsed = errors.New("membership: trial not available")
	// ErrOtherPlan: a renewal payment for a plan other than the member's
	// (change plans with ActionChangePlan).
	ErrOtherPlan = errors.New("membership: payment for another plan")
	// ErrMalformed: an action's Data lacks the plan or holds an amount that
	// does not parse.
	ErrMalformed = errors.New("membership: malformed action")
)

// PaymentError is a refused payment: for which plan, what was due and what
// was paid. It unwraps to Err (ErrWrongAmount, or
// loyalty.ErrCurrencyMismatch for money in another currency).
type PaymentError struct {
	Plan string
	Due  money.Money
	Paid money.Money
	Err  error
}

func (e *PaymentError) Error() string {
	return "membership: payment of " + e.Paid.String() + " for plan " + quote(e.Plan) + ", due " + e.Due.String() + ": " + e.Err.Error()
}

func (e *PaymentError) Unwrap() error { return e.Err }

type invalidError struct{ field, reason string }

func (e *invalidError) Error() string {
	return "membership: invalid program: " + e.field + " " + e.reason
}
func (e *invalidError) Unwrap() error { return loyalty.ErrInvalidProgram }

func invalid(field, reason string) error { return &invalidError{field, reason} }

func quote(s string) string { return "\"" + s + "\"" }
