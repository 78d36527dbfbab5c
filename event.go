package loyalty

import (
	"strconv"
	"time"

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
type Order struct {
	ID       string
	MemberID string
	PlacedAt time.Time
	Currency Currency
	Lines    []OrderLine
	// Discount is an order-level discount (a coupon), spread over the lines in
	// proportion to their value when the earn basis is after discounts.
	Discount decimal.Decimal
	Shipping decimal.Decimal
	Tax      decimal.Decimal
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

// Validate checks the order's shape; it does not check the currency against a
// program (the Engine does).
func (o *Order) Validate() error {
	switch {
	case o.ID == "":
		return invalidEvent("order.id", "is empty")
	case o.MemberID == "":
		return invalidEvent("order.member_id", "is empty")
	case len(o.Lines) == 0:
		return invalidEvent("order.lines", "an order needs at least one line")
	}
	if err := o.Currency.Validate(); err != nil {
		return err
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.Quantity <= 0 {
			return &ValidationError{Field: lineField(i, "quantity"), Reason: "must be positive", Kind: ErrInvalidAmount}
		}
		if l.UnitPrice.Sign() < 0 {
			return &ValidationError{Field: lineField(i, "unit_price"), Reason: "is negative", Kind: ErrInvalidAmount}
		}
		if l.Discount.Sign() < 0 {
			return &ValidationError{Field: lineField(i, "discount"), Reason: "is negative", Kind: ErrInvalidAmount}
		}
	}
	for _, f := range []struct {
		name string
		v    decimal.Decimal
	}{{"order.discount", o.Discount}, {"order.shipping", o.Shipping}, {"order.tax", o.Tax}} {
		if f.v.Sign() < 0 {
			return &ValidationError{Field: f.name, Reason: "is negative", Kind: ErrInvalidAmount}
		}
	}
	return nil
}

func lineField(i int, f string) string { return "lines[" + itoa(int64(i)) + "]." + f }

// Return sends back part of an earlier order: either Lines (by SKU and
// quantity) or a money Amount, not both.
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

// Validate checks the return's shape.
func (r *Return) Validate() error {
	switch {
	case r.ID == "":
		return invalidEvent("return.id", "is empty")
	case r.OrderID == "":
		return invalidEvent("return.order_id", "is empty")
	case r.MemberID == "":
		return invalidEvent("return.member_id", "is empty")
	case len(r.Lines) == 0 && r.Amount.IsZero():
		return &ValidationError{Field: "return", Reason: "names neither lines nor an amount", Kind: ErrInvalidAmount}
	case len(r.Lines) > 0 && !r.Amount.IsZero():
		return invalidEvent("return", "names both lines and an amount")
	case r.Amount.Sign() < 0:
		return &ValidationError{Field: "return.amount", Reason: "is negative", Kind: ErrInvalidAmount}
	}
	for i, l := range r.Lines {
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

// Validate checks the action's shape.
func (a *Action) Validate() error {
	switch {
	case a.Kind == "":
		return invalidEvent("action.kind", "is empty")
	case a.MemberID == "":
		return invalidEvent("action.member_id", "is empty")
	}
	return nil
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
