package points

import (
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
)

// OrderCap limits the points one order earns ("at most 500 points per
// order"), after multipliers and bonuses. When several caps apply the lowest
// wins. Build it with NewOrderCap.
type OrderCap struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking

	name string
	max  int64
	note string
}

// NewOrderCap returns the rule name capping each order at max points. It
// fails with an error wrapping loyalty.ErrInvalidProgram for an empty name or
// a negative max.
func NewOrderCap(name string, max int64) (*OrderCap, error) {
	m := &OrderCap{name: name, max: max}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m.note = "at most " + strconv.FormatInt(max, 10) + " per order"
	return m, nil
}

// Name returns the rule's name.
func (m *OrderCap) Name() string { return m.name }

// Max returns the cap.
func (m *OrderCap) Max() int64 { return m.max }

// Stacking returns m.Stack.
func (m *OrderCap) Stacking() loyalty.Stacking { return m.Stack }

// Validate checks the rule, for NewOrderCap and Program.Validate: a name and
// a max that is not negative.
func (m *OrderCap) Validate() error {
	if err := definition.ValidName(m.name); err != nil {
		return err
	}
	if m.max < 0 {
		return definition.Invalid("max", "is negative")
	}
	return nil
}

// Evaluate caps the order.
func (m *OrderCap) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil {
		return effects
	}
	return append(effects, loyalty.Cap(m.max, m.note))
}

// PeriodCap limits the points a member's orders earn together in a calendar
// period ("at most 2,000 points a month from orders"). It keeps what the
// period's orders earned in a counter named after the rule, with the
// period's Key as its Period, and caps each order at what is left. The
// period is the one containing the evaluation's now, in Location, or in the
// program's zone (loyalty.Program.Location, UTC when unset) when Location is
// nil. Returns do not give back room under the cap. Build it with
// NewPeriodCap.
type PeriodCap struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking
	// Location, when set, overrides the program's zone for counting periods;
	// nil counts them in the program's zone.
	Location *time.Location

	name   string
	max    int64
	period calendar.Period
	note   string
}

// NewPeriodCap returns the rule name capping what the orders of each period
// earn together at max points. It fails with an error wrapping
// loyalty.ErrInvalidProgram for an empty name, a negative max or an unknown
// period (Lifetime is allowed: a cap on what orders ever earn).
func NewPeriodCap(name string, max int64, per calendar.Period) (*PeriodCap, error) {
	m := &PeriodCap{name: name, max: max, period: per}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m.note = "at most " + strconv.FormatInt(max, 10) + " per " + per.String()
	return m, nil
}

// Name returns the rule's name; it is also the name of its counter.
func (m *PeriodCap) Name() string { return m.name }

// Stacking returns m.Stack.
func (m *PeriodCap) Stacking() loyalty.Stacking { return m.Stack }

// Validate checks the rule, for NewPeriodCap and Program.Validate: a name, a
// max that is not negative and a known period.
func (m *PeriodCap) Validate() error {
	if err := definition.ValidName(m.name); err != nil {
		return err
	}
	if m.max < 0 {
		return definition.Invalid("max", "is negative")
	}
	if m.period > calendar.Year {
		return definition.Invalid("period", "is unknown")
	}
	return nil
}

// Evaluate caps the order at what is left of the period's allowance and
// counts what the order finally earns.
func (m *PeriodCap) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil {
		return effects
	}
	key := m.period.Key(local(c, m.Location))
	left := m.max - c.State.Counter(m.name, key)
	if left < 0 {
		left = 0
	}
	count := loyalty.Count(m.name, key, 0)
	count.CountEarned = true
	return append(effects, loyalty.Cap(left, m.note), count)
}

// local is the evaluation's now in loc, or in the program's zone when loc is
// nil (UTC without a program or a program Location).
func local(c *loyalty.Input, loc *time.Location) time.Time {
	if loc == nil {
		loc = c.Program.Zone()
	}
	return c.Now.In(loc)
}
