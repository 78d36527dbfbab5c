package membership

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
)

// Status is where a member's membership stands at a moment.
type Status uint8

// Statuses. Trial, Active, Cancelled and Grace give the plan's benefits;
// None and Lapsed give none.
const (
	None      Status = iota // never a member
	Trial                   // in a free trial, until its end
	Active                  // paid to the end of the period
	Cancelled               // cancelled, benefits to the end of the paid period
	Grace                   // the renewal was missed; benefits until the grace ends
	Lapsed                  // ended: the grace passed, a cancelled or trial period ended
)

func (s Status) String() string {
	return [...]string{"none", "trial", "active", "cancelled", "grace", "lapsed"}[min(int(s), 5)]
}

// Running reports whether the status gives benefits.
func (s Status) Running() bool { return s >= Trial && s <= Grace }

const (
	flagTrial     = 1 // the current period is a trial
	flagCancelled = 2 // no renewal expected
	flagTrialUsed = 4 // the member had a trial
)

// snap is what the counters hold of one member's membership.
type snap struct {
	plan       int // index, -1 when none
	start, end time.Time
	flags      int64
	paid       int64 // the fee of the current period, minor units (for proration)
	credit     int64 // credit carried to the next payment, minor units
	seen       Status
	periods    int64
	// bonus is the bonus counter: the current period's bonus points; past
	// the bonus of the periods before (Economics.LifetimeBonus is their sum).
	bonus, past int64
	feeKey      string // the period key of the fee counter: the current period's
}

// The counters' names after the membership's name and a colon. The
// switches below compare the suffix with these constants, which the
// compiler does by length first, instead of each full name in turn.
const (
	sufPlan, sufStart, sufEnd, sufFlags   = "plan", "start", "end", "flags"
	sufPaid, sufCredit, sufSeen, sufCount = "paid", "credit", "seen", "periods"
	sufFee, sufBonus, sufFees, sufPast    = "fee", "bonus", "fees", "bonus-past"
	sufDisc, sufDiscAll                   = "disc", "disc-all"
)

// suffix is what follows the membership's name and a colon in counter
// name, ok false when name is not one of the membership's.
func (m *Membership) suffix(name string) (string, bool) {
	n := len(m.name)
	if len(name) <= n+1 || name[n] != ':' || name[:n] != m.name {
		return "", false
	}
	return name[n+1:], true
}

func (m *Membership) read(st *loyalty.State) snap {
	s := snap{plan: -1}
	for i := range st.Counters {
		c := &st.Counters[i]
		suf, ok := m.suffix(c.Name)
		if !ok {
			continue
		}
		switch suf {
		case sufPlan:
			s.plan = int(c.Value) - 1
		case sufStart:
			s.start = time.UnixMicro(c.Value).UTC()
		case sufEnd:
			s.end = time.UnixMicro(c.Value).UTC()
		case sufFlags:
			s.flags = c.Value
		case sufPaid:
			s.paid = c.Value
		case sufCredit:
			s.credit = c.Value
		case sufSeen:
			s.seen = Status(c.Value)
		case sufCount:
			s.periods = c.Value
		case sufBonus:
			s.bonus = c.Value
		case sufPast:
			s.past = c.Value
		case sufFee:
			s.feeKey = c.PeriodKey
		}
	}
	if s.plan >= len(m.plans) {
		s.plan = -1
	}
	return s
}

// factor returns the multiplier the member's plan gives at now (the hot
// path of an order: one pass over the counters, no time built but the
// end), ok false when none applies: no plan, a plan without a multiplier,
// or a membership that does not run at now.
func (m *Membership) factor(st *loyalty.State, now time.Time, c *loyalty.Input) (int, bool) {
	plan, flags := -1, int64(0)
	var end int64
	found := 0 // of the three counters read, each written once
	for i := 0; i < len(st.Counters) && found < 3; i++ {
		cn := &st.Counters[i]
		suf, ok := m.suffix(cn.Name)
		if !ok {
			continue
		}
		switch suf {
		case sufPlan:
			plan, found = int(cn.Value)-1, found+1
		case sufEnd:
			end, found = cn.Value, found+1
		case sufFlags:
			flags, found = cn.Value, found+1
		}
	}
	if plan < 0 || plan >= len(m.plans) || m.factors[plan].IsZero() || end == 0 {
		return -1, false
	}
	s := snap{plan: plan, end: time.UnixMicro(end).UTC(), flags: flags}
	if now.Before(s.end) {
		return plan, true
	}
	return plan, m.status(&s, now, m.zone(c)).Running()
}

// fold returns the effects that close the bonus counter's period when a
// payment or a plan change starts a new one: what it holds joins the past
// periods' and it starts again from zero. The bonus counter has no period
// key of its own (an earn need not look the period up): the periods are
// cut here.
func (m *Membership) fold(s *snap, effects []loyalty.Effect) []loyalty.Effect {
	if s.bonus == 0 {
		return effects
	}
	return append(effects, set(m.cPast, "", s.past+s.bonus), set(m.cBonus, "", 0))
}

// graceEnd is when a missed renewal lapses.
func (m *Membership) graceEnd(s *snap, loc *time.Location) time.Time {
	if m.opts.GraceDays == 0 || s.flags&(flagTrial|flagCancelled) != 0 {
		return s.end
	}
	return addDays(s.end, m.opts.GraceDays, loc)
}

func (m *Membership) status(s *snap, now time.Time, loc *time.Location) Status {
	switch {
	case s.plan < 0:
		return None
	case now.Before(s.end):
		switch {
		case s.flags&flagTrial != 0:
			return Trial
		case s.flags&flagCancelled != 0:
			return Cancelled
		}
		return Active
	case now.Before(m.graceEnd(s, loc)):
		return Grace
	}
	return Lapsed
}

func (m *Membership) readLoc(now time.Time) *time.Location {
	if m.opts.Location != nil {
		return m.opts.Location
	}
	return now.Location()
}

// State is a member's membership as a storefront shows it.
type State struct {
	Status Status
	Plan   string // the plan, "" when never a member
	// Start and End bound the current period (trial or paid); GraceEnd is
	// when a missed renewal lapses (End without grace).
	Start, End, GraceEnd time.Time
	// Due is what the next payment for Plan must be: its fee less carried
	// credit (or the first-period price for a member who never paid).
	Due money.Money
	// Credit is carried from a downgrade, taken off the next payment.
	Credit money.Money
	// Periods counts the periods paid.
	Periods int64
}

// State reads the member's membership at now. Periods are judged in the
// membership's Location, else in now's location: pass
// now.In(program.Zone()).
func (m *Membership) State(st *loyalty.State, now time.Time) State {
	s := m.read(st)
	loc := m.readLoc(now)
	out := State{Status: m.status(&s, now.UTC(), loc), Credit: m.money(s.credit), Periods: s.periods}
	if s.plan >= 0 {
		out.Plan, out.Start, out.End, out.GraceEnd = m.plans[s.plan].ID, s.start, s.end, m.graceEnd(&s, loc)
		out.Due = m.money(m.due(&s, s.plan))
	}
	return out
}

// Benefits returns what the member's membership gives at now: its plan's
// benefits while it runs, nothing (a multiplier of 1) otherwise. Pass
// now.In(program.Zone()) as for State.
func (m *Membership) Benefits(st *loyalty.State, now time.Time) Benefits {
	s := m.read(st)
	if !m.status(&s, now.UTC(), m.readLoc(now)).Running() {
		return Benefits{Multiplier: decimal.NewFromInt(1)}
	}
	b := m.plans[s.plan].Benefits
	b.Perks, b.Rewards = append([]string(nil), b.Perks...), append([]string(nil), b.Rewards...)
	if b.Multiplier.IsZero() {
		b.Multiplier = decimal.NewFromInt(1)
	}
	return b
}

// Checkout is what the membership takes off a cart.
type Checkout struct {
	Discount money.Money // the percentage discount on the goods
	Shipping money.Money // the shipping waived (all of it, with free shipping)
}

// Checkout quotes the member's cart: the plan's discount on goods (rounded
// down to the minor unit) and the shipping waived. A lapsed member gets
// zeros. The host takes both off the order before Earn, so points are
// earned on what was paid.
func (m *Membership) Checkout(st *loyalty.State, now time.Time, goods, shipping money.Money) Checkout {
	b := m.Benefits(st, now)
	out := Checkout{Discount: b.DiscountOn(goods), Shipping: money.Money{Amount: decimal.Zero, Currency: shipping.Currency}}
	if b.FreeShipping {
		out.Shipping = shipping
	}
	return out
}

// Economics is what one member's membership brought and cost in its
// current (or last) period and over its life.
type Economics struct {
	Plan string
	// PeriodKey names the period: the date its paid period started in the
	// zone ("2026-03-15").
	PeriodKey string
	// Fee is the fees paid for the period (the proration of a plan change
	// included); BonusPoints the points its multiplier added to orders in
	// it; Discounts what the host reported giving (ActionBenefit).
	Fee         money.Money
	BonusPoints int64
	Discounts   money.Money
	// Lifetime totals.
	Fees, LifetimeDiscounts money.Money
	LifetimeBonus           int64
}

// Cost is the period's benefit cost in money, at pointValue per point.
func (e Economics) Cost(pointValue money.Money) money.Money {
	return money.Money{Amount: pointValue.Amount.Mul(decimal.NewFromInt(e.BonusPoints)).Add(e.Discounts.Amount), Currency: e.Fee.Currency}
}

// Economics reads the member's fee revenue and benefit cost.
func (m *Membership) Economics(st *loyalty.State) Economics {
	s := m.read(st)
	e := Economics{Fee: m.money(0), Discounts: m.money(0), Fees: m.money(0), LifetimeDiscounts: m.money(0), PeriodKey: s.feeKey}
	if s.plan >= 0 {
		e.Plan = m.plans[s.plan].ID
	}
	e.LifetimeBonus = s.past + s.bonus
	for i := range st.Counters {
		c := &st.Counters[i]
		suf, ok := m.suffix(c.Name)
		if !ok {
			continue
		}
		// A counter of an earlier period reads as that period's: only the
		// current period's fee, bonus and discounts count.
		switch suf {
		case sufFee:
			e.Fee = m.money(c.Value)
		case sufBonus:
			e.BonusPoints = c.Value
		case sufFees:
			e.Fees = m.money(c.Value)
		case sufDisc:
			if c.PeriodKey == s.feeKey {
				e.Discounts = m.money(c.Value)
			}
		case sufDiscAll:
			e.LifetimeDiscounts = m.money(c.Value)
		}
	}
	return e
}

// due is what the next payment for plan must be.
func (m *Membership) due(s *snap, plan int) int64 {
	fee := m.fee[plan]
	if s.periods == 0 {
		fee = m.first[plan]
	}
	return max(fee-s.credit, 0)
}
