package charity

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Donation lets members turn points into a pledge at a stated rate ("100
// points give 1.00"). On an action of kind DonateAction with
// Data["points"] (a positive whole number) and optionally Data["cause"] (a
// declared cause ID; empty means the member's cause as Causes.For finds
// it), it spends the points (loyalty.Spend: a redeem entry on the points
// account, earliest-expiring lots first) and credits the cause's pledge
// account with what they are worth (an earn entry), in one write. A member
// holding fewer spendable points fails the write with an error wrapping
// loyalty.ErrInsufficientPoints and nothing is written.
//
// The rule refuses (loyalty.Refuse: the write fails with an error wrapping
// loyalty.ErrRefused, writes nothing and does not use up its key) an action
// whose points are not a positive whole number, that names an unknown
// cause, or whose points do not convert exactly into minor units of the
// currency (at 1000 points = 1.00, 5 points would give half a cent).
//
// Hosts may act DonateAction themselves; Donate does it for them and
// reports those refusals as typed errors before writing.
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
	d := &Donation{name: name, points: points, worth: worth, causes: causes.clone()}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// Name returns the rule's name.
func (d *Donation) Name() string { return d.name }

// Rate returns the conversion: points points give worth.
func (d *Donation) Rate() (points int64, worth decimal.Decimal) { return d.points, d.worth }

// Causes returns a copy of the rule's causes.
func (d *Donation) Causes() Causes { return d.causes.clone() }

// ProgramType reports that the rule belongs to a charity program.
func (d *Donation) ProgramType() string { return "charity" }

// Validate checks the rule, for NewDonation and Program.Validate: a name,
// positive points and worth, and valid causes.
func (d *Donation) Validate() error {
	if err := definition.ValidName(d.name); err != nil {
		return err
	}
	switch {
	case d.points <= 0:
		return definition.Invalid("points", "must be positive")
	case d.worth.Sign() <= 0:
		return definition.Invalid("worth", "must be positive")
	case d.worth.NumDigits() > 15:
		return definition.Invalid("worth", "has too many digits")
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
func (d *Donation) request(points string, cause string, m *loyalty.Member, cur money.Currency) (Cause, int64, int64, error) {
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
	v, exact := d.Worth(n, cur.MinorDigits())
	if v <= 0 || !exact {
		return Cause{}, 0, 0, &loyalty.ValidationError{Field: "points", Reason: fmt.Sprintf("%d points do not convert exactly at %d points = %s", n,
			d.points, money.New(d.worth, cur)), Kind: loyalty.ErrInvalidAmount}
	}
	return c, n, v, nil
}

// Evaluate spends a donate action's points and pledges what they are worth,
// as the type's documentation says.
func (d *Donation) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != DonateAction || c.Program == nil || d.points <= 0 {
		return effects
	}
	cause, n, v, err := d.request(a.Data["points"], a.Data["cause"], c.Member, c.Program.Currency)
	if err != nil {
		return append(effects, loyalty.Refuse(err.Error()))
	}
	note := strconv.FormatInt(n, 10) + " points donated to " + cause.String()
	e := loyalty.Earn(v, loyalty.OrderLevel, note)
	e.Account = Account(cause.ID)
	return append(effects, loyalty.Spend(ledger.PointsAccount, n, note), e)
}

// DonationReceipt is what Donate wrote.
type DonationReceipt struct {
	Cause   Cause
	Points  int64
	Pledged money.Money
	// Receipt is the receipt of the write: a redeem entry on the points
	// account and an earn entry on the cause's pledge account.
	Receipt *loyalty.Receipt
}

// Donate turns points of member's into a pledge to cause (empty: the
// member's chosen cause, else the program's default, as the member stands
// at the write), with the program's Donation rule: one write, Engine.Act
// of a DonateAction with Ref key under idempotency key key, that spends the
// points and credits the pledge together. Calling it again with the same
// key returns the first write's receipt and never debits twice.
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
	// Check what can be checked without the member, to return typed errors;
	// the member's own cause is resolved by the rule, in the write.
	n := strconv.FormatInt(points, 10)
	if _, _, _, err := rule.request(n, cause, nil, prog.Currency); err != nil {
		return nil, err
	}
	data := map[string]string{"points": n}
	if cause != "" {
		data["cause"] = cause
	}
	rc, err := e.Act(ctx, key, &loyalty.Action{Kind: DonateAction, MemberID: memberID, Ref: key, Data: data})
	if err != nil {
		return nil, err
	}
	d := &DonationReceipt{Receipt: rc}
	prefix := string(PledgeAccount) + ":"
	for _, en := range rc.Entries {
		switch {
		case en.Account == ledger.PointsAccount && en.Kind == ledger.EntryRedeem:
			d.Points -= en.Amount
		case strings.HasPrefix(string(en.Account), prefix) && en.Kind == ledger.EntryEarn:
			id := string(en.Account[len(prefix):])
			d.Cause, _ = rule.causes.Lookup(id)
			if d.Cause.ID == "" {
				d.Cause = Cause{ID: id}
			}
			d.Pledged = money.MinorUnits(en.Amount, prog.Currency)
		}
	}
	return d, nil
}
