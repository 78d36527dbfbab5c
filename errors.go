package loyalty

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Errors a host can branch on with errors.Is. Every write that fails with one
// of them has written nothing. They fall in families a host answers
// differently (an HTTP host, say):
//
//   - Malformed input (400): ErrInvalidEvent, ErrInvalidID, ErrInvalidAmount,
//     money.ErrInvalidCurrency, ErrCurrencyMismatch, ErrOverflow, ErrMissingKey, and
//     ErrInvalidProgram for a program or rule that fails Validate. The
//     request is wrong whatever the ledger holds; a *ValidationError names
//     the field. Only this family is ever a *ValidationError.
//   - Refused by the ledger (409 or 422): the request is well formed but the
//     member's ledger does not allow it: ErrInsufficientPoints
//     (*InsufficientError), ErrBelowMinimum, ErrNotIncrement and ErrAboveCap
//     (*RedemptionLimitError), ErrReturnExceedsOrder (*ReturnExceedsError),
//     ErrUnknownOrder, ErrUnknownRedemption, ErrAlreadyCancelled,
//     ErrRedemptionDisabled, ErrNotRedeemable, ErrUnknownAction and
//     ErrRefused (a rule refused the event). The typed errors carry the
//     numbers (asked, available, the most allowed) for errors.As.
//   - Already recorded (409): ErrDuplicate (the ID under another key) and
//     ErrKeyReused (the key with another request).
//   - Unknown (404): ErrUnknownMember.
//   - Try again (503): ErrUnavailable and ErrConflict once the Engine's own
//     retries are exhausted (see StoreError.MaybeCommitted).
var (
	// ErrUnknownMember: the member was never enrolled.
	ErrUnknownMember = errors.New("loyalty: unknown member")
	// ErrDuplicate: a member, order, return or redemption ID that was already
	// recorded under another idempotency key.
	ErrDuplicate = errors.New("loyalty: already recorded under another idempotency key")
	// ErrInvalidAmount: a zero, negative or malformed amount or point count.
	// It is money.ErrInvalidAmount, which money.Parse returns.
	ErrInvalidAmount = money.ErrInvalidAmount

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
	// ErrUnknownAction: Engine.Act with an action no rule of the program reacted
	// to (no award, spend, counter, notice or explanation) and whose kind no
	// ActionRule declares, such as a misspelt kind. Nothing is written and the
	// key stays unused.
	ErrUnknownAction = errors.New("loyalty: no rule of the program reacts to the action")
	// ErrNotRedeemable: a redemption (or quote) of an account that is neither
	// PointsAccount nor one a RedeemableRule of the program declares, such as a
	// cashback accrual not paid out yet or a pledge. Nothing is written.
	ErrNotRedeemable = errors.New("loyalty: account may not be redeemed")
	// ErrUnbalanced is returned by Store.Commit, which then writes nothing, for a
	// change that does not add up: a balance it plans is not the stored balance
	// plus the sum of the change's entries in that account, an entry in an
	// account it plans no balance for, or entry IDs that are not Version+1 with
	// Index 0, 1, 2, ... It means a bug in whatever planned the change (a rule
	// that wrote into its Input's state, a host building a Change by hand):
	// every store refuses it, so the ledger keeps balance = sum of entries.
	ErrUnbalanced = errors.New("loyalty: change's balances are not the stored balances plus its entries")
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

// InsufficientError is a refusal: a redemption, debit or spend asks more of
// an account than it holds spendable. It matches ErrInsufficientPoints with
// errors.Is; find it with errors.As for the numbers.
type InsufficientError struct {
	// Account is the account asked of (PointsAccount for points).
	Account ledger.Account
	// Asked is what was asked for, in the account's units (points, or minor
	// units of a money account); for a redemption of the most allowed, the
	// least one redemption takes.
	Asked int64
	// Available is what the account held spendable.
	Available int64
	// Detail, when set, says more ("rule cashback spends").
	Detail string
}

// Error reads "loyalty: insufficient points: 500 asked of points, 40 available".
func (e *InsufficientError) Error() string {
	msg := ErrInsufficientPoints.Error() + ": "
	if e.Detail != "" {
		msg += e.Detail + ": "
	}
	acct := e.Account
	if acct == "" {
		acct = ledger.PointsAccount
	}
	return msg + strconv.FormatInt(e.Asked, 10) + " asked of " + string(acct) + ", " + strconv.FormatInt(e.Available, 10) + " available"
}

// Is reports whether target is ErrInsufficientPoints.
func (e *InsufficientError) Is(target error) bool { return target == ErrInsufficientPoints }

// RedemptionLimitError is a refusal: a redemption the program's redemption
// policy does not allow for this cart (below its minimum, not a multiple of
// its increment, above the order's cap). Err is the sentinel it matches with
// errors.Is: ErrBelowMinimum, ErrNotIncrement or ErrAboveCap.
type RedemptionLimitError struct {
	// Err is the sentinel: ErrBelowMinimum, ErrNotIncrement or ErrAboveCap.
	Err error
	// Asked is the points asked for, 0 when the most allowed was asked.
	Asked int64
	// Minimum and Increment are the policy's (Increment 1 when any count
	// goes).
	Minimum, Increment int64
	// Most is the most points this cart allows by its cap and the balance,
	// before the minimum (less than Minimum when the cart is too small).
	Most int64
	// Detail says why in words ("this order may take off at most 4.00 USD").
	Detail string
}

// Error reads "loyalty: redemption below minimum: redeeming 400 points, the
// minimum is 500".
func (e *RedemptionLimitError) Error() string {
	msg := "loyalty: redemption refused"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Detail != "" {
		return msg + ": " + e.Detail
	}
	return msg + ": " + strconv.FormatInt(e.Asked, 10) + " asked, minimum " + strconv.FormatInt(e.Minimum, 10) +
		", increment " + strconv.FormatInt(e.Increment, 10) + ", at most " + strconv.FormatInt(e.Most, 10)
}

// Unwrap returns the sentinel, Err.
func (e *RedemptionLimitError) Unwrap() error { return e.Err }

// ReturnExceedsError is a refusal: a return of more quantity or value than
// the order has left (counting earlier returns). It matches
// ErrReturnExceedsOrder with errors.Is and is never a *ValidationError: the
// return is well formed, the ledger refuses it.
type ReturnExceedsError struct {
	// Order is the order's ID.
	Order string
	// Line is the index in Return.Lines of the line that returns too much,
	// or OrderLevel when Return.Amount does.
	Line int
	// SKU is that line's SKU ("" for Return.Amount).
	SKU string
	// Asked is the quantity of SKU (for a line) or the amount of the
	// order's currency (for Return.Amount) the return asked for; Remaining is
	// what the order had left to return.
	Asked, Remaining decimal.Decimal
}

// Error reads "loyalty: return exceeds what was bought: order 1001, SKU
// tee: 3 asked, 2 remaining".
func (e *ReturnExceedsError) Error() string {
	what := ", amount"
	if e.Line != OrderLevel {
		what = ", SKU " + e.SKU
	}
	return ErrReturnExceedsOrder.Error() + ": order " + e.Order + what + ": " + e.Asked.String() + " asked, " + e.Remaining.String() + " remaining"
}

// Is reports whether target is ErrReturnExceedsOrder.
func (e *ReturnExceedsError) Is(target error) bool { return target == ErrReturnExceedsOrder }

func invalidProgram(field, reason string) error {
	return &ValidationError{Field: field, Reason: reason, Kind: ErrInvalidProgram}
}

func invalidEvent(field, reason string) error {
	return &ValidationError{Field: field, Reason: reason, Kind: ErrInvalidEvent}
}
