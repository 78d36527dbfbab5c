package loyalty

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Rounding is how fractional points become whole points.
type Rounding uint8

// Rounding modes. The zero value rounds down (floor), the default of most programs.
const (
	RoundFloor Rounding = iota
	RoundHalfUp
	RoundHalfEven
	RoundCeil
)

// RoundingScope says where rounding happens.
type RoundingScope uint8

const (
	// RoundPerOrder adds the exact fractional points of every line and rounds
	// once (the default: the member loses at most one point per order).
	RoundPerOrder RoundingScope = iota
	// RoundPerLine rounds each line's points, then adds them.
	RoundPerLine
)

// EarnBasis says which part of an order's value earns. The zero value earns
// on line values after all discounts, without shipping and tax.
type EarnBasis struct {
	// BeforeDiscounts earns on line values before line and order discounts.
	BeforeDiscounts bool
	IncludeShipping bool
	IncludeTax      bool
	// ExcludeSKUs and ExcludeCategories earn nothing (gift cards, tobacco).
	ExcludeSKUs       []string
	ExcludeCategories []string
	// MinimumOrder is the order value (after discounts) below which the order
	// earns nothing. Zero means no minimum.
	MinimumOrder decimal.Decimal
}

// ClawbackPolicy decides what a return does when the points it reverses were
// already spent.
type ClawbackPolicy uint8

const (
	// ClampAtZero takes back what is left and forgives the rest (the default).
	ClampAtZero ClawbackPolicy = iota
	// AllowNegative takes back everything; the balance goes negative and later
	// earnings pay it back first.
	AllowNegative
)

// ExpiryPolicy says when a lot earned at a time expires. Package points has
// the usual ones. A nil policy means points never expire.
type ExpiryPolicy interface {
	// ExpiresAt returns when a lot earned at earned expires; zero for never.
	ExpiresAt(earned time.Time) time.Time
}

// RedemptionPolicy turns points into money off at checkout. Package points
// has the usual one (points.Redemption).
type RedemptionPolicy interface {
	// Quote returns how many points of available may be redeemed against an
	// order of total, and for how much. With want zero it quotes the most
	// the cart may redeem, and when that is nothing sets Quote.Reason to say
	// why. With want > 0 it asks for that many points exactly and fails
	// with ErrInsufficientPoints, ErrBelowMinimum, ErrNotIncrement or
	// ErrAboveCap when they may not be redeemed, still returning the quote's
	// MaxPoints and MaxValue (and the same error as its Reason).
	//
	// The Engine redeems "as much as allowed, up to N" (Redemption.UpTo) by
	// quoting the most with available clamped to N, so a policy needs no
	// third mode.
	Quote(available int64, total money.Money, want int64) (Quote, error)
}

// Quote is what a cart may redeem.
type Quote struct {
	// Points and Value are what will be redeemed: for an exact request,
	// exactly what was asked; for the most (or the most up to N), what the
	// balance, the order cap, the increment and the minimum allow.
	Points int64
	Value  money.Money
	// MaxPoints and MaxValue are the most this cart may redeem, filled even
	// when the request was refused ("400 is below the minimum, you may use
	// up to 1200").
	MaxPoints int64
	MaxValue  money.Money
	// Reason says why the quote allows nothing (Points is zero), nil when it
	// allows some. It wraps the sentinel a host branches on with errors.Is:
	//   - ErrInsufficientPoints: the member has too few spendable points
	//     (none, or fewer than the minimum or one increment);
	//   - ErrBelowMinimum: the cart is too small, its cap is worth less than
	//     the minimum (or less than one minor unit), an exact request is
	//     below the minimum, or an up-to limit (Redemption.UpTo) is below the
	//     least one redemption may take;
	//   - ErrNotIncrement: an exact request is not a multiple of the
	//     increment;
	//   - ErrAboveCap: not even one increment fits under the order's cap, or
	//     an exact request is worth more than the cap.
	// For an exact request that is refused, Reason is the error returned.
	Reason error
}

// Program is a named, validated composition of rules and ledger policies. A
// host builds it in code; Validate checks it, and the Engine refuses a
// program that does not validate. A Program must not be changed once an
// Engine uses it; it is then safe for concurrent use.
type Program struct {
	// ID identifies the program in its store, stably: everything the store
	// keeps for it is filed under it (see ProgramStore), so programs sit side
	// by side on one store. Empty means the program of the store the Engine
	// is given: DefaultProgram for a store, the view's program for a view
	// ForProgram made.
	ID       string
	Name     string
	Currency money.Currency
	// Location is the shop's time zone (an IANA location). Every calendar
	// boundary of the program (end-of-month expiry, birthdays, calendar caps,
	// payout periods, review dates) falls at midnight there. Nil is UTC.
	Location *time.Location
	Rules    []Rule
	Basis    EarnBasis
	Rounding Rounding
	// RoundingScope says whether rounding is per order (default) or per line.
	RoundingScope RoundingScope
	// Expiry of earned lots; nil never expires.
	Expiry ExpiryPolicy
	// PendingDays holds earned order points for a return window before they
	// become spendable: that many calendar days in Location, at the same
	// wall-clock time. Zero makes them spendable at once; at most
	// MaxPendingDays.
	PendingDays int
	Clawback    ClawbackPolicy
	// Redemption converts points to money at checkout; nil disables redemption.
	Redemption RedemptionPolicy
	// Units are the program's own units of money beside ISO 4217 (a house
	// currency): Currency may name one, and orders and policies in it are
	// accepted. Each has the minor digits it declares (Program.MinorDigits).
	Units []money.CurrencyUnit
}

// MaxPendingDays is the longest return window Program.PendingDays may hold
// points for: ten years.
const MaxPendingDays = 3650

// Denominated is implemented by policies (a RedemptionPolicy, say) that
// work in one currency; Program.Validate refuses one whose currency is not
// the program's. points.Redemption implements it.
type Denominated interface {
	Denomination() money.Currency
}

// MinorDigits is the number of minor digits of the program's currency: the
// ISO 4217 digits, or those its unit in Units declares.
func (p *Program) MinorDigits() int32 { return p.digitsOf(p.Currency) }

// digitsOf is the minor digits of c in this program.
func (p *Program) digitsOf(c money.Currency) int32 {
	for _, u := range p.Units {
		if u.Code == c {
			return u.MinorDigits
		}
	}
	return c.MinorDigits()
}

// accepts reports whether c is an ISO 4217 code or one of the program's units.
func (p *Program) accepts(c money.Currency) bool {
	if c.Validate() == nil {
		return true
	}
	for _, u := range p.Units {
		if u.Code == c {
			return true
		}
	}
	return false
}

// clone is a copy of p that shares no slice with it: what an Engine keeps
// and hands out, so a host changing its Program afterwards changes nothing.
// Rules and policies are shared (they are immutable by contract).
func (p *Program) clone() *Program {
	c := *p
	c.Rules = slices.Clone(p.Rules)
	c.Basis.ExcludeSKUs = slices.Clone(p.Basis.ExcludeSKUs)
	c.Basis.ExcludeCategories = slices.Clone(p.Basis.ExcludeCategories)
	c.Units = slices.Clone(p.Units)
	return &c
}

// ProgramID is the program's ID in its store: p.ID, or DefaultProgram when
// that is empty.
func (p *Program) ProgramID() string {
	if p.ID == "" {
		return DefaultProgram
	}
	return p.ID
}

// Validate reports the first problem with the program's definition as an
// error that wraps ErrInvalidProgram, and also the sentinel of its kind
// where there is one: money.ErrInvalidCurrency for a currency that is neither ISO
// 4217 nor one of Units, ErrCurrencyMismatch for a policy in another
// currency (see Denominated), ErrOverflow for an amount beyond CheckAmount,
// ErrInvalidID for a name, rule name or excluded SKU or category that fails
// CheckID. A nil or typed-nil rule or policy, and a rule whose Name or
// Validate panics, are refused, not panicked on.
func (p *Program) Validate() error {
	if p.Name == "" {
		return invalidProgram("name", "is empty")
	}
	if err := CheckID("name", p.Name); err != nil {
		return within("program", err)
	}
	if err := CheckID("id", p.ID); err != nil {
		return within("program", err)
	}
	if err := p.validateUnits(); err != nil {
		return err
	}
	if !p.accepts(p.Currency) {
		return invalidProgramAs(money.ErrInvalidCurrency, "currency", strconv.Quote(string(p.Currency))+" is neither an active ISO 4217 code nor one of the program's units")
	}
	if p.Rounding > RoundCeil {
		return invalidProgram("rounding", "unknown mode")
	}
	if p.RoundingScope > RoundPerLine {
		return invalidProgram("rounding_scope", "unknown scope")
	}
	if p.Clawback > AllowNegative {
		return invalidProgram("clawback", "unknown policy")
	}
	if p.PendingDays < 0 {
		return invalidProgram("pending_days", "is negative")
	}
	if p.PendingDays > MaxPendingDays {
		return invalidProgram("pending_days", strconv.Itoa(p.PendingDays)+" is more than "+strconv.Itoa(MaxPendingDays))
	}
	if p.Basis.MinimumOrder.Sign() < 0 {
		return invalidProgram("basis.minimum_order", "is negative")
	}
	if err := CheckAmount("minimum_order", p.Basis.MinimumOrder); err != nil {
		return within("basis", err)
	}
	if err := checkIDs("exclude_skus", p.Basis.ExcludeSKUs); err != nil {
		return within("basis", err)
	}
	if err := checkIDs("exclude_categories", p.Basis.ExcludeCategories); err != nil {
		return within("basis", err)
	}
	seen := make(map[string]bool, len(p.Rules))
	for i, r := range p.Rules {
		field := "rules[" + strconv.Itoa(i) + "]"
		if isNil(r) {
			return invalidProgram(field, "is nil")
		}
		name, err := ruleName(r)
		if err != nil {
			return invalidProgram(field, err.Error())
		}
		if name == "" {
			return invalidProgram(field, "has no name")
		}
		if err := CheckID("name", name); err != nil {
			return within(field, err)
		}
		if seen[name] {
			return invalidProgram(field, "duplicate rule name "+strconv.Quote(name))
		}
		seen[name] = true
		if v, ok := r.(Validator); ok {
			if err := safeValidate(v); err != nil {
				return within(field+" "+strconv.Quote(name), err)
			}
		}
	}
	for _, part := range []struct {
		field string
		v     any
	}{{"expiry", p.Expiry}, {"redemption", p.Redemption}} {
		if part.v == nil {
			continue
		}
		if isNil(part.v) {
			return invalidProgram(part.field, "is a nil "+reflect.TypeOf(part.v).String()+": leave it nil instead")
		}
		if v, ok := part.v.(Validator); ok {
			if err := safeValidate(v); err != nil {
				return within(part.field, err)
			}
		}
		if d, ok := part.v.(Denominated); ok && d.Denomination() != p.Currency {
			return invalidProgramAs(ErrCurrencyMismatch, part.field, "is in "+string(d.Denomination())+", the program in "+string(p.Currency))
		}
	}
	return nil
}

// validateUnits checks the program's own units of money.
func (p *Program) validateUnits() error {
	for i, u := range p.Units {
		field := "units[" + strconv.Itoa(i) + "]"
		switch {
		case !u.Code.WellFormed():
			return invalidProgramAs(money.ErrInvalidCurrency, field+".code", strconv.Quote(string(u.Code))+" is not three upper-case letters")
		case u.Code.Validate() == nil:
			return invalidProgramAs(money.ErrInvalidCurrency, field+".code", string(u.Code)+" is an ISO 4217 code, with its own minor digits")
		case u.MinorDigits < 0 || u.MinorDigits > 18:
			return invalidProgram(field+".minor_digits", "must be 0 to 18")
		}
		for _, v := range p.Units[:i] {
			if v.Code == u.Code {
				return invalidProgramAs(money.ErrInvalidCurrency, field+".code", "duplicate unit "+string(u.Code))
			}
		}
	}
	return nil
}

// isNil reports whether v is nil or an interface holding a nil pointer,
// map, slice, func or channel: a typed nil, whose methods would panic.
// Validate is not hot, so reflection is fine here.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// ruleName is r.Name(), with a panic in it returned as an error.
func ruleName(r Rule) (name string, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("its Name method panicked: %v", v)
		}
	}()
	return r.Name(), nil
}

// safeValidate is v.Validate(), with a panic in it returned as an error.
func safeValidate(v Validator) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = invalidProgram("validate", fmt.Sprintf("panicked: %v", x))
		}
	}()
	return v.Validate()
}

// within places a part's validation error under the program's field, so the
// message names the whole path once: "rules[1] \"double\": factor: is negative".
// The error wraps ErrInvalidProgram and, when the part's error was of
// another kind (ErrOverflow, ErrInvalidID, ErrCurrencyMismatch), that too.
func within(field string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return &ValidationError{Field: field + ": " + ve.Field, Reason: ve.Reason, Kind: programKind(ve.Kind)}
	}
	return &ValidationError{Field: field, Reason: strings.TrimPrefix(err.Error(), ErrInvalidProgram.Error()+": "), Kind: ErrInvalidProgram}
}

// programKind is the Kind of a program's validation error that is also of
// kind also: it reads as ErrInvalidProgram and matches both with errors.Is.
func programKind(also error) error {
	if k, ok := also.(bothKinds); ok {
		return k
	}
	if also == nil || errors.Is(also, ErrInvalidProgram) {
		return ErrInvalidProgram
	}
	return bothKinds{also}
}

type bothKinds struct{ also error }

func (k bothKinds) Error() string   { return ErrInvalidProgram.Error() }
func (k bothKinds) Unwrap() []error { return []error{ErrInvalidProgram, k.also} }

// invalidProgramAs is invalidProgram of kind also as well.
func invalidProgramAs(also error, field, reason string) error {
	return &ValidationError{Field: field, Reason: reason, Kind: programKind(also)}
}

// Typed is implemented by rules that belong to a kind of loyalty program
// ("points", "tiers", "cashback", "charity", "games", "membership", ...).
// Program.Warnings uses it to spot confusing mixes.
type Typed interface {
	ProgramType() string
}

// Warnings reports mixes of program types that tend to confuse members (more
// than three types, or cashback together with games and a paid
// membership fee). They are advice: Validate does not refuse such programs.
func (p *Program) Warnings() []string {
	var types []string
	for _, r := range p.Rules {
		if t, ok := r.(Typed); ok && !slices.Contains(types, t.ProgramType()) {
			types = append(types, t.ProgramType())
		}
	}
	var out []string
	if len(types) > maxProgramTypes {
		out = append(out, "program "+strconv.Quote(p.Name)+" mixes "+strconv.Itoa(len(types))+" program types ("+strings.Join(types, ", ")+"); members follow at most "+strconv.Itoa(maxProgramTypes))
	}
	if slices.Contains(types, "cashback") && slices.Contains(types, "games") && slices.Contains(types, "membership") {
		out = append(out, "program "+strconv.Quote(p.Name)+" combines cashback, games and a paid fee: members cannot tell what they pay for")
	}
	return out
}

// maxProgramTypes is how many program types Warnings accepts in one program
// before it warns.
const maxProgramTypes = 3
