package charity

import (
	"context"
	"fmt"
	"strconv"

	"github.com/loyaltykit/loyalty"
	"github.com/shopspring/decimal"
)

// NoticeDonationRefused is the notice kind a Donation announces when a
// donate action names no positive points, an unknown cause, or too few
// points to give one minor unit.
const NoticeDonationRefused = "donation-refused"

// Donation lets members turn points into a pledge at a stated rate ("100
// points give 1.00"): on an action of kind DonateAction with Data["points"]
// (a positive whole number) and optionally Data["cause"] (a declared cause
// ID; empty means the member's cause as Causes.For finds it), it credits
// the cause's pledge account with what the points are worth, rounded down
// to the currency's minor unit.
//
// The rule pledges; it does not take the points. Donate does both, in two
// idempotent writes: it debits the points first (Engine.Adjust, which
// refuses a member who holds too few and writes nothing), then records the
// pledge (Engine.Act). Hosts call Donate rather than acting DonateAction
// themselves, which would pledge points nobody paid. (One atomic write needs
// the root Engine to debit accounts inside an action; see the package
// documentation.)
//
// Build it with NewDonation; it is immutable and safe for concurrent use.
type Donation struct {
	name   string
	points int64
	worth  decimal.Decimal
	causes Causes
}

// NewDonation returns the rule name converting points points into a pledge
// of worth (in the program's currency) to one of causes. It fails with an
// error wrapping loyalty.ErrInvalidProgram for an empty name, non-positive
// points or worth, or invalid causes.
func NewDonation(name string, points int64, worth decimal.Decimal, causes Causes) (*Donation, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	switch {
	case points <= 0:
		return nil, invalid("points", "must be positive")
	case worth.Sign() <= 0:
		return nil, invalid("worth", "must be positive")
	case worth.NumDigits() > 15:
		return nil, invalid("worth", "has too many digits")
	}
	if err := causes.Validate(); err != nil {
		return nil, err
	}
	return &Donation{name: name, points: points, worth: worth, causes: causes.clone()}, nil
}

// Name returns the rule's name.
func (d *Donation) Name() string { return d.name }

// Rate returns the conversion: points points give worth.
func (d *Donation) Rate() (points int64, worth decimal.Decimal) { return d.points, d.worth }

// Causes returns a copy of the rule's causes.
func (d *Donation) Causes() Causes { return d.causes.clone() }

// ProgramType reports that the rule belongs to a charity program.
func (d *Donation) ProgramType() string { return "charity" }

// Validate reports whether d was built by NewDonation.
func (d *Donation) Validate() error {
	if err := validName(d.name); err != nil {
		return err
	}
	if d.points <= 0 || d.worth.Sign() <= 0 {
		return invalid("rate", "is not set: build the rule with charity.NewDonation")
	}
	return d.causes.Validate()
}

// Worth returns what points give, in minor units of a currency with digits
// minor digits, rounded down; exact says whether nothing was rounded away.
func (d *Donation) Worth(points int64, digits int32) (units int64, exact bool) {
	if points <= 0 || d.points <= 0 {
		return 0, false
	}
	q, r := decimal.NewFromInt(points).Mul(d.worth).Shift(digits).QuoRem(decimal.NewFromInt(d.points), 0)
	if q.NumDigits() > 18 {
		return 0, false
	}
	return q.IntPart(), r.IsZero()
}

// request resolves a donation of points to cause (empty: the member's) for
// member m, or says why it is refused.
func (d *Donation) request(points string, cause string, m *loyalty.Member, digits int32) (Cause, int64, int64, error) {
	n, err := strconv.ParseInt(points, 10, 64)
	if err != nil || n <= 0 {
		return Cause{}, 0, 0, &loyalty.ValidationError{Field: "points", Reason: strconv.Quote(points) + " is not a positive whole number of points", Kind: loyalty.ErrInvalidAmount}
	}
	var c Cause
	if cause == "" {
		c, _ = d.causes.For(m)
	} else {
		var ok bool
		if c, ok = d.causes.Lookup(cause); !ok {
			return Cause{}, 0, 0, &loyalty.ValidationError{Field: "cause", Reason: strconv.Quote(cause) + " is not a cause of the program", Kind: loyalty.ErrInvalidEvent}
		}
	}
	v, _ := d.Worth(n, digits)
	if v <= 0 {
		return Cause{}, 0, 0, &loyalty.ValidationError{Field: "points", Reason: points + " points give less than the currency's minor unit", Kind: loyalty.ErrInvalidAmount}
	}
	return c, n, v, nil
}

// Evaluate pledges what a donate action's points are worth, as the type's
// documentation says.
func (d *Donation) Evaluate(c *loyalty.Context, effects []loyalty.Effect) []loyalty.Effect {
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != DonateAction || c.Program == nil || d.points <= 0 {
		return effects
	}
	cause, n, v, err := d.request(a.Data["points"], a.Data["cause"], c.Member, c.Program.Currency.MinorDigits())
	if err != nil {
		return append(effects, loyalty.Notify(NoticeDonationRefused, err.Error()))
	}
	e := loyalty.Earn(v, loyalty.OrderLevel, strconv.FormatInt(n, 10)+" points donated to "+cause.String())
	e.Account = Account(cause.ID)
	return append(effects, e)
}

// DonationReceipt is what Donate wrote.
type DonationReceipt struct {
	Cause   Cause
	Points  int64
	Pledged loyalty.Money
	// Debit is the receipt of the points debit, Pledge of the pledge.
	Debit, Pledge *loyalty.Receipt
}

// Donate turns points of member's into a pledge to cause (empty: the
// member's chosen cause, else the program's default), with the program's
// Donation rule. It writes twice under keys derived from key: key+"/points"
// debits the points with Engine.Adjust, then key+"/pledge" records the
// pledge with Engine.Act (Ref key). Calling it again with the same key
// after a failure between the two finishes the donation and never debits
// twice.
//
// It writes nothing and fails with an error wrapping
// loyalty.ErrInvalidProgram when the program has no Donation rule,
// loyalty.ErrInvalidEvent for an unknown cause, loyalty.ErrInvalidAmount
// for points that are not positive or do not convert exactly into minor
// units (at 100 points = 1.00, 150 points give 1.50, 1 point 0.01; at 1000
// points = 1.00, 5 points would give half a cent), and
// loyalty.ErrInsufficientPoints when the member holds fewer spendable points.
func Donate(ctx context.Context, e *loyalty.Engine, key, memberID, cause string, points int64) (*DonationReceipt, error) {
	prog := e.Program()
	var rule *Donation
	for _, r := range prog.Rules {
		if d, ok := r.(*Donation); ok {
			rule = d
			break
		}
	}
	if rule == nil {
		return nil, fmt.Errorf("%w: program %q has no charity.Donation rule", loyalty.ErrInvalidProgram, prog.Name)
	}
	if key == "" {
		return nil, loyalty.ErrMissingKey
	}
	digits := prog.Currency.MinorDigits()
	var m *loyalty.Member
	if cause == "" {
		st, err := e.Member(ctx, memberID)
		if err != nil {
			return nil, err
		}
		m = &st.Member
	}
	c, n, v, err := rule.request(strconv.FormatInt(points, 10), cause, m, digits)
	if err != nil {
		return nil, err
	}
	if _, exact := rule.Worth(n, digits); !exact {
		return nil, &loyalty.ValidationError{Field: "points", Reason: fmt.Sprintf("%d points do not convert exactly at %d points = %s", n,
			rule.points, loyalty.NewMoney(rule.worth, prog.Currency)), Kind: loyalty.ErrInvalidAmount}
	}
	debit, err := e.Adjust(ctx, key+"/points", memberID, -n, "donation "+key+": "+strconv.FormatInt(n, 10)+" points to "+c.String())
	if err != nil {
		return nil, err
	}
	pledge, err := e.Act(ctx, key+"/pledge", &loyalty.Action{Kind: DonateAction, MemberID: memberID, Ref: key,
		Data: map[string]string{"points": strconv.FormatInt(n, 10), "cause": c.ID}})
	if err != nil {
		return nil, fmt.Errorf("charity: points of donation %s debited, pledge not recorded (call Donate again with the same key): %w", key, err)
	}
	return &DonationReceipt{Cause: c, Points: n, Pledged: loyalty.MinorUnits(v, prog.Currency), Debit: debit, Pledge: pledge}, nil
}
