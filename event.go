package loyalty

import (
	"fmt"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Event is what a rule reacts to: an *Order, a *Return or an *Action.
type Event interface {
	// EventMember is the ID of the member the event belongs to.
	EventMember() string
	// EventTime is when the event happened in the host's world.
	EventTime() time.Time
}

// Order is a purchase. Amounts are in Currency; line totals are
// Quantity × UnitPrice − Discount.
//
// ID is unique in the store (the program): a second Earn of the same ID is
// ErrDuplicate, for the same member or another (a *OrderOwnerError names
// the member who earned it), decided by the store when it commits (see
// Store.Commit). Give every order one ID in the whole shop and earn it for
// its buyer. A return's ID is unique per
// order (Return.ID); the idempotency key of every write is unique in the
// whole store, across members (see Redemption for keys). PlacedAt is when
// the hold and expiry of its points run from (see Engine.Earn).
type Order struct {
	ID       string
	MemberID string
	PlacedAt time.Time
	Currency money.Currency
	Lines    []OrderLine
	// Discount is an order-level discount (a coupon), spread over the lines in
	// proportion to their value when the earn basis is after discounts.
	Discount decimal.Decimal
	Shipping decimal.Decimal
	Tax      decimal.Decimal
	// Codes are the codes presented at checkout (coupons), at most
	// MaxOrderCodes, each once. Earn looks them up and hands them to the
	// rules (Input.Codes); a rule uses one with UseCode, so the use commits
	// with the order's earn (see package rewards).
	Codes []string
}

// OrderLine is one product line of an order.
type OrderLine struct {
	SKU       string
	Category  string
	Quantity  int64
	UnitPrice decimal.Decimal
	// Discount is the discount on the whole line (not per unit).
	Discount decimal.Decimal
}

func (o *Order) EventMember() string  { return o.MemberID }
func (o *Order) EventTime() time.Time { return o.PlacedAt }

// Validate checks the order's shape: its IDs, SKUs and categories pass
// CheckID, PlacedAt lies in years 1 to 9999 UTC and its amounts pass
// CheckAmount. It checks only
// that the currency is three upper-case letters; the Engine checks it is an
// ISO 4217 code or one of the program's units (money.ErrInvalidCurrency) and the
// program's own (ErrCurrencyMismatch).
func (o *Order) Validate() error {
	if err := checkRequiredID("order.id", o.ID); err != nil {
		return err
	}
	if err := checkRequiredID("order.member_id", o.MemberID); err != nil {
		return err
	}
	if len(o.Lines) == 0 {
		return invalidEvent("order.lines", "an order needs at least one line")
	}
	if err := checkTime("order.placed_at", o.PlacedAt); err != nil {
		return err
	}
	if !o.Currency.WellFormed() {
		return fmt.Errorf("%w: %q is not a three-letter currency code", money.ErrInvalidCurrency, string(o.Currency))
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		// Field names are built only on an error: an order validates
		// without allocating.
		if err := CheckID("", l.SKU); err != nil {
			return atLine(err, i, "sku")
		}
		if err := CheckID("", l.Category); err != nil {
			return atLine(err, i, "category")
		}
		if l.Quantity <= 0 {
			return &ValidationError{Field: lineField(i, "quantity"), Reason: "must be positive", Kind: ErrInvalidAmount}
		}
		if err := checkNonNegative("", l.UnitPrice); err != nil {
			return atLine(err, i, "unit_price")
		}
		if err := checkNonNegative("", l.Discount); err != nil {
			return atLine(err, i, "discount")
		}
	}
	if err := checkOrderCodes(o.Codes); err != nil {
		return err
	}
	if err := checkNonNegative("order.discount", o.Discount); err != nil {
		return err
	}
	if err := checkNonNegative("order.shipping", o.Shipping); err != nil {
		return err
	}
	return checkNonNegative("order.tax", o.Tax)
}

// checkNonNegative refuses a negative amount (ErrInvalidAmount) or one
// outside what the ledger holds (ErrOverflow, see CheckAmount).
func checkNonNegative(field string, d decimal.Decimal) error {
	if d.Sign() < 0 {
		return &ValidationError{Field: field, Reason: "is negative", Kind: ErrInvalidAmount}
	}
	return CheckAmount(field, d)
}

// atLine names field f of line i in err, a *ValidationError made without a field.
func atLine(err error, i int, f string) error {
	if ve, ok := err.(*ValidationError); ok {
		ve.Field = lineField(i, f)
	}
	return err
}

func lineField(i int, f string) string { return "lines[" + itoa(int64(i)) + "]." + f }

// Return sends back part of an earlier order: either Lines (by SKU and
// quantity) or a money Amount, not both. ID is unique per order: a second
// return with the same ID on the same order is ErrDuplicate. OrderID names
// an order of the same member (ErrUnknownOrder otherwise).
type Return struct {
	ID         string
	OrderID    string
	MemberID   string
	ReturnedAt time.Time
	Lines      []ReturnLine
	Amount     decimal.Decimal
}

// ReturnLine is a quantity of one SKU sent back.
type ReturnLine struct {
	SKU      string
	Quantity int64
}

func (r *Return) EventMember() string  { return r.MemberID }
func (r *Return) EventTime() time.Time { return r.ReturnedAt }

// Validate checks the return's shape: IDs and SKUs pass CheckID, the
// amount CheckAmount and ReturnedAt lies in years 1 to 9999 UTC.
func (r *Return) Validate() error {
	if err := checkRequiredID("return.id", r.ID); err != nil {
		return err
	}
	if err := checkRequiredID("return.order_id", r.OrderID); err != nil {
		return err
	}
	if err := checkRequiredID("return.member_id", r.MemberID); err != nil {
		return err
	}
	switch {
	case len(r.Lines) == 0 && r.Amount.IsZero():
		return &ValidationError{Field: "return", Reason: "names neither lines nor an amount", Kind: ErrInvalidAmount}
	case len(r.Lines) > 0 && !r.Amount.IsZero():
		return invalidEvent("return", "names both lines and an amount")
	}
	if err := checkNonNegative("return.amount", r.Amount); err != nil {
		return err
	}
	if err := checkTime("return.returned_at", r.ReturnedAt); err != nil {
		return err
	}
	for i, l := range r.Lines {
		if err := CheckID("return.lines["+itoa(int64(i))+"].sku", l.SKU); err != nil {
			return err
		}
		if l.Quantity <= 0 {
			return &ValidationError{Field: "return.lines[" + itoa(int64(i)) + "].quantity", Reason: "must be positive", Kind: ErrInvalidAmount}
		}
	}
	return nil
}

// ActionKind names an engagement action. Hosts may use their own names.
type ActionKind string

// Built-in engagement actions.
const (
	ActionSignup     ActionKind = "signup"
	ActionReview     ActionKind = "review"
	ActionNewsletter ActionKind = "newsletter"
	ActionSocial     ActionKind = "social_follow"
	ActionVisit      ActionKind = "visit"
	// ActionBirthday is sent by the host's daily job for members whose
	// birthday it is (see Member.HasBirthdayOn).
	ActionBirthday ActionKind = "birthday"
)

// Action is an engagement event: a signup, a review, a visit, or a host-named
// custom action.
type Action struct {
	Kind     ActionKind
	MemberID string
	At       time.Time
	// Ref identifies the thing acted on (a review ID, a social network), for
	// the statement.
	Ref string
	// Data carries what a custom action needs (a cause, a tier, an amount).
	Data map[string]string
}

func (a *Action) EventMember() string  { return a.MemberID }
func (a *Action) EventTime() time.Time { return a.At }

// Validate checks the action's shape: Kind, MemberID and Ref pass CheckID
// and At lies in years 1 to 9999 UTC.
func (a *Action) Validate() error {
	if a.Kind == "" {
		return invalidEvent("action.kind", "is empty")
	}
	if err := CheckID("action.kind", string(a.Kind)); err != nil {
		return err
	}
	if err := checkRequiredID("action.member_id", a.MemberID); err != nil {
		return err
	}
	if err := CheckID("action.ref", a.Ref); err != nil {
		return err
	}
	return checkTime("action.at", a.At)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
