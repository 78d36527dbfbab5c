package loyalty

import (
	"errors"
	"fmt"
)

// Errors a host can branch on with errors.Is. Every write that fails with one
// of them has written nothing.
var (
	// ErrUnknownMember: the member was never enrolled.
	ErrUnknownMember = errors.New("loyalty: unknown member")
	// ErrDuplicate: a member, order, return or redemption ID that was already
	// recorded under another idempotency key.
	ErrDuplicate = errors.New("loyalty: already recorded under another idempotency key")
	// ErrInvalidAmount: a zero, negative or malformed amount or point count.
	ErrInvalidAmount = errors.New("loyalty: invalid amount")
	// ErrInvalidCurrency: a currency code that is neither an active ISO 4217
	// code nor one of the program's own units (Program.Units).
	ErrInvalidCurrency = errors.New("loyalty: invalid currency")
	// ErrCurrencyMismatch: money in a currency other than the program's.
	ErrCurrencyMismatch = errors.New("loyalty: currency does not match the program")
	// ErrOverflow: a point count or amount would not fit an int64, or a
	// decimal amount lies outside what the ledger holds (see CheckAmount).
	ErrOverflow = errors.New("loyalty: amount overflows int64")
	// ErrInvalidProgram: a program or rule definition failed Validate.
	ErrInvalidProgram = errors.New("loyalty: invalid program")
	// ErrInvalidEvent: an order, return or action is malformed (no ID, no member,
	// a line with zero quantity, ...).
	ErrInvalidEvent = errors.New("loyalty: invalid event")
	// ErrUnknownOrder: a return names an order this ledger never earned on.
	ErrUnknownOrder = errors.New("loyalty: unknown order")
	// ErrRedemptionDisabled: the program has no RedemptionPolicy.
	ErrRedemptionDisabled = errors.New("loyalty: program does not redeem points")
	// ErrReturnExceedsOrder: a return of more quantity or value than was bought
	// (counting earlier returns).
	ErrReturnExceedsOrder = errors.New("loyalty: return exceeds what was bought")
	// ErrInsufficientPoints: a redemption or debit larger than the spendable balance.
	ErrInsufficientPoints = errors.New("loyalty: insufficient points")
	// ErrBelowMinimum: a redemption below the program's minimum.
	ErrBelowMinimum = errors.New("loyalty: redemption below minimum")
	// ErrNotIncrement: a redemption that is not a multiple of the program's increment.
	ErrNotIncrement = errors.New("loyalty: redemption not a multiple of the increment")
	// ErrAboveCap: a redemption worth more than the program lets one order take off.
	ErrAboveCap = errors.New("loyalty: redemption above the order cap")
	// ErrUnknownRedemption: cancelling a redemption that does not exist.
	ErrUnknownRedemption = errors.New("loyalty: unknown redemption")
	// ErrAlreadyCancelled: cancelling a redemption that was already cancelled.
	ErrAlreadyCancelled = errors.New("loyalty: redemption already cancelled")
	// ErrMissingKey: a write without an idempotency key.
	ErrMissingKey = errors.New("loyalty: missing idempotency key")
	// ErrKeyReused: an idempotency key replayed with a different payload.
	ErrKeyReused = errors.New("loyalty: idempotency key reused with a different payload")
	// ErrConflict is returned by Store.Commit when the member changed since the
	// state the change was planned from. The Engine retries on it; hosts only
	// see it when retries are exhausted.
	ErrConflict = errors.New("loyalty: concurrent write to the same member")
	// ErrRefused: a rule refused the event (see EffectRefuse).
	ErrRefused = errors.New("loyalty: refused by a rule")
	// ErrInvalidID: an identifier (member, order, return, redemption or
	// program ID, idempotency key, SKU, category, segment, code) that is not
	// valid UTF-8, holds a control character (NUL included) or is longer than
	// MaxIDLength. Refused before anything is written, by every store alike,
	// so two different IDs can never land on one account.
	ErrInvalidID = errors.New("loyalty: invalid identifier")
	// ErrNotFound is returned by stores for a missing record.
	ErrNotFound = errors.New("loyalty: not found")
)

// ValidationError carries the field that failed and why. It unwraps to the
// sentinel that classifies it (ErrInvalidProgram, ErrInvalidEvent, ...).
type ValidationError struct {
	Field  string // "rules[2].rate", "lines[0].quantity"
	Reason string
	Kind   error // the sentinel
}

// Error reads "loyalty: invalid event: order.id: is empty"; without a Kind,
// "loyalty: order.id: is empty".
func (e *ValidationError) Error() string {
	prefix := "loyalty: "
	if e.Kind != nil {
		prefix = e.Kind.Error() + ": "
	}
	if e.Field == "" {
		return prefix + e.Reason
	}
	return prefix + e.Field + ": " + e.Reason
}

// Unwrap returns the sentinel that classifies the error, nil without one.
func (e *ValidationError) Unwrap() error { return e.Kind }

// RuleError is returned when a rule panicked during an evaluation (a dry run
// or a write): the panic is recovered, nothing is written, and the error
// names the rule. Find it with errors.As.
type RuleError struct {
	// Rule is the rule's name, or "rules[i]" when its Name panicked too.
	Rule string
	// Index is the rule's place in Program.Rules.
	Index int
	// Panic is the value the rule panicked with.
	Panic any
	// Stack is the goroutine's stack where the rule panicked.
	Stack []byte
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("loyalty: rule %q panicked: %v", e.Rule, e.Panic)
}

// Unwrap returns the panic value when it is an error (a runtime.Error, say).
func (e *RuleError) Unwrap() error {
	err, _ := e.Panic.(error)
	return err
}

func invalidProgram(field, reason string) error {
	return &ValidationError{Field: field, Reason: reason, Kind: ErrInvalidProgram}
}

func invalidEvent(field, reason string) error {
	return &ValidationError{Field: field, Reason: reason, Kind: ErrInvalidEvent}
}
