package membership

import (
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/money"
)

// Plan is one way to be a member: its fee per period and what it gives.
type Plan struct {
	// ID names the plan in actions (Action.Data[DataPlan]) and counters.
	ID     string
	Fee    money.Money     // per period, in the membership's currency; > 0
	Period calendar.Period // the billing period: calendar.Month, Quarter or Year
	// TrialDays is the length of a free trial (ActionTrial); 0 offers none.
	// A member gets one trial per membership, ever.
	TrialDays int
	// FirstDiscount is a percentage off the first paid period of a member
	// who never paid before (the sign-up offer: 50 for half price),
	// rounded down to the minor unit of what is due.
	FirstDiscount decimal.Decimal
	Benefits      Benefits
}

// Benefits is what a running membership gives (in trial, active, cancelled
// before the end of the paid period, and in grace).
type Benefits struct {
	// Multiplier multiplies the points of the member's orders (2 for
	// double points); zero or one means none.
	Multiplier decimal.Decimal
	// Discount is a percentage off the member's orders (10 for 10%), applied
	// by the host at checkout (Membership.Checkout, DiscountOn).
	Discount     decimal.Decimal
	FreeShipping bool
	// Rewards are the IDs of catalog rewards only members may take.
	Rewards []string
	// Perks are named benefits the host reads ("early access").
	Perks []string
}

// Has reports whether the benefits include perk.
func (b Benefits) Has(perk string) bool { return slices.Contains(b.Perks, perk) }

// MayTake reports whether the benefits include the member-only reward.
func (b Benefits) MayTake(reward string) bool { return slices.Contains(b.Rewards, reward) }

// DiscountOn returns the member discount on total, rounded down to the
// currency's minor unit.
func (b Benefits) DiscountOn(total money.Money) money.Money {
	if b.Discount.IsZero() {
		return money.Money{Amount: decimal.Zero, Currency: total.Currency}
	}
	off := total.Amount.Mul(b.Discount).Div(decimal.NewFromInt(100)).Truncate(total.Currency.MinorDigits())
	return money.Money{Amount: off, Currency: total.Currency}
}

// BilledAs returns monthly × months: the fee of a longer plan billed as
// fewer months (a yearly plan billed as ten months: BilledAs(fee, 10)).
func BilledAs(monthly money.Money, months int) money.Money {
	return money.Money{Amount: monthly.Amount.Mul(decimal.NewFromInt(int64(months))), Currency: monthly.Currency}
}

// Options tune a membership; nil means no grace and the program's zone.
type Options struct {
	// GraceDays is how long after a missed renewal the member keeps the
	// benefits and may still pay to renew from the original end.
	GraceDays int
	// Location, when set, is the zone of periods, trials and grace in place
	// of the program's (loyalty.Program.Location).
	Location *time.Location
}

// Membership is a paid VIP program: plans with a fee and a period, whose
// members the host reports payments for. It is a loyalty.Rule (add it to
// Program.Rules) that keeps each member's membership in counters named
// after it and multiplies their orders' points while it runs, a
// loyalty.ActionRule for ActionPayment, a loyalty.Finisher that counts the
// points its multiplier added, and a loyalty.Periodic that announces
// grace and lapse from the periodic jobs. Build it with New; it is
// immutable and safe for concurrent use.
type Membership struct {
	name     string
	currency money.Currency
	digits   int32
	plans    []Plan
	opts     Options

	fee     []int64          // minor units per plan
	first   []int64          // first period's fee
	factors []loyalty.Factor // per plan, zero when none
	notes   []string

	cPlan, cStart, cEnd, cFlags, cPaid, cCredit, cSeen, cPeriods string
	cFee, cBonus, cFees, cPast, cDisc, cDiscAll                  string
}

// New returns the membership name offering plans, billed in currency. It
// fails with an error wrapping loyalty.ErrInvalidProgram for an empty name,
// no plans, a duplicate or empty plan ID, a fee that is zero, negative, in
// another currency or finer than its minor unit, an unknown or zero period,
// negative trial or grace days, a discount outside 0 to 100, a negative
// multiplier, or an empty perk or reward.
func New(name string, currency money.Currency, plans []Plan, opts *Options) (*Membership, error) {
	m := &Membership{name: name, currency: currency, plans: slices.Clone(plans)}
	if opts != nil {
		m.opts = *opts
	}
	for i := range m.plans {
		b := &m.plans[i].Benefits
		b.Perks, b.Rewards = slices.Clone(b.Perks), slices.Clone(b.Rewards)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	m.prepare()
	return m, nil
}

func (m *Membership) check() error {
	if m.name == "" {
		return invalid("membership.name", "is empty")
	}
	if err := loyalty.CheckID("membership.name", m.name); err != nil {
		return err
	}
	if err := m.currency.Validate(); err != nil {
		return err
	}
	if len(m.plans) == 0 {
		return invalid("membership.plans", "is empty")
	}
	if m.opts.GraceDays < 0 {
		return invalid("membership.grace_days", "is negative")
	}
	hundred := decimal.NewFromInt(100)
	for i, p := range m.plans {
		f := "membership.plans[" + strconv.Itoa(i) + "]"
		switch {
		case p.ID == "":
			return invalid(f+".id", "is empty")
		case loyalty.CheckID(f+".id", p.ID) != nil:
			return loyalty.CheckID(f+".id", p.ID)
		case slices.ContainsFunc(m.plans[:i], func(q Plan) bool { return q.ID == p.ID }):
			return invalid(f+".id", quote(p.ID)+" is a duplicate")
		case p.Fee.Amount.Sign() <= 0:
			return invalid(f+".fee", "must be positive")
		case p.Fee.Currency != m.currency:
			return invalid(f+".fee", "is in "+string(p.Fee.Currency)+", not the membership's "+string(m.currency))
		case !p.Fee.Amount.Equal(p.Fee.Amount.Truncate(m.currency.MinorDigits())):
			return invalid(f+".fee", "is finer than the currency's minor unit")
		case p.Period.Months() == 0:
			return invalid(f+".period", "is "+p.Period.String()+", not calendar.Month, Quarter or Year")
		case p.TrialDays < 0:
			return invalid(f+".trial_days", "is negative")
		case p.FirstDiscount.Sign() < 0 || p.FirstDiscount.GreaterThan(hundred):
			return invalid(f+".first_discount", "is outside 0 to 100")
		case p.Benefits.Discount.Sign() < 0 || p.Benefits.Discount.GreaterThan(hundred):
			return invalid(f+".benefits.discount", "is outside 0 to 100")
		case p.Benefits.Multiplier.Sign() < 0:
			return invalid(f+".benefits.multiplier", "is negative")
		case slices.Contains(p.Benefits.Perks, "") || slices.Contains(p.Benefits.Rewards, ""):
			return invalid(f+".benefits", "holds an empty perk or reward")
		}
		if err := loyalty.CheckAmount(f+".fee", p.Fee.Amount); err != nil {
			return err
		}
		if _, err := loyalty.NewFactor(p.Benefits.Multiplier); err != nil {
			return err
		}
	}
	return nil
}

func (m *Membership) prepare() {
	m.digits = m.currency.MinorDigits()
	for _, p := range m.plans {
		fee, _ := money.Money{Amount: p.Fee.Amount, Currency: m.currency}.Minor()
		m.fee = append(m.fee, fee)
		first := fee
		if p.FirstDiscount.Sign() > 0 {
			off := decimal.New(fee, 0).Mul(p.FirstDiscount).Div(decimal.NewFromInt(100)).IntPart()
			first = fee - off
		}
		m.first = append(m.first, first)
		var f loyalty.Factor
		if p.Benefits.Multiplier.GreaterThan(decimal.NewFromInt(1)) || p.Benefits.Multiplier.Sign() > 0 && p.Benefits.Multiplier.LessThan(decimal.NewFromInt(1)) {
			f, _ = loyalty.NewFactor(p.Benefits.Multiplier)
		}
		m.factors = append(m.factors, f)
		m.notes = append(m.notes, "member of "+p.ID)
	}
	n := m.name + ":"
	m.cPlan, m.cStart, m.cEnd, m.cFlags = n+sufPlan, n+sufStart, n+sufEnd, n+sufFlags
	m.cPaid, m.cCredit, m.cSeen, m.cPeriods = n+sufPaid, n+sufCredit, n+sufSeen, n+sufCount
	m.cFee, m.cBonus, m.cFees, m.cPast = n+sufFee, n+sufBonus, n+sufFees, n+sufPast
	m.cDisc, m.cDiscAll = n+sufDisc, n+sufDiscAll
}

// Validate checks the membership with the checks New made, for
// Program.Validate; a Membership not built by New does not validate.
func (m *Membership) Validate() error {
	if m.cPlan == "" {
		return invalid("membership", "was not built by membership.New")
	}
	return m.check()
}

// Name is the membership's name, which is also its rule's name.
func (m *Membership) Name() string { return m.name }

// ProgramType implements loyalty.Typed.
func (m *Membership) ProgramType() string { return "membership" }

// Kind implements loyalty.ActionRule: the membership is recorded on
// ActionPayment even when nothing is credited.
func (m *Membership) Kind() loyalty.ActionKind { return ActionPayment }

// Plans returns the membership's plans.
func (m *Membership) Plans() []Plan {
	out := slices.Clone(m.plans)
	for i := range out {
		b := &out[i].Benefits
		b.Perks, b.Rewards = slices.Clone(b.Perks), slices.Clone(b.Rewards)
	}
	return out
}

func (m *Membership) plan(id string) int {
	for i := range m.plans {
		if m.plans[i].ID == id {
			return i
		}
	}
	return -1
}

func (m *Membership) money(minor int64) money.Money { return money.MinorUnits(minor, m.currency) }

func (m *Membership) zone(c *loyalty.Input) *time.Location {
	if m.opts.Location != nil {
		return m.opts.Location
	}
	return c.Program.Zone()
}

func addDays(t time.Time, n int, loc *time.Location) time.Time {
	return t.In(loc).AddDate(0, 0, n).UTC()
}
