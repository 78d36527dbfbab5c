package points

import (
	"math"
	"strconv"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/shopspring/decimal"
)

// Rate is the linear earning rule: Points per amount of money spent ("5
// points per 1.00"). On an order it earns on every line's earn basis (lines
// the program excludes have none) and, as one order-level earning, on the
// shipping and tax the program's EarnBasis includes. Fractions of a point are
// kept exact until the program rounds (see the package doc). Multipliers
// multiply what a Rate earns.
//
// Build it with NewRate. A Rate is immutable except for Stack, which must
// not change once a program using it is evaluated; it is then safe for
// concurrent use.
type Rate struct {
	// Stack says how the rule combines with the others of its program; the
	// zero value stacks.
	Stack loyalty.Stacking

	name string
	rate *loyalty.Rate
}

// NewRate returns the rule name earning points per amount of money: 5 and
// 1.00 for "5 points per 1.00 spent", 1 and 10 for "1 point per 10.00". It
// fails with an error wrapping loyalty.ErrInvalidProgram for an empty name or
// a non-positive points or per.
func NewRate(name string, points int64, per decimal.Decimal) (*Rate, error) {
	r := &Rate{name: name}
	var err error
	if r.rate, err = loyalty.NewRate(points, per); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// Name returns the rule's name.
func (r *Rate) Name() string { return r.name }

// Rate returns the rule's earn rate.
func (r *Rate) Rate() *loyalty.Rate { return r.rate }

// Stacking returns r.Stack.
func (r *Rate) Stacking() loyalty.Stacking { return r.Stack }

// Validate checks the rule, for NewRate and Program.Validate: a name and a
// rate (loyalty.NewRate, which NewRate calls, checks its numbers).
func (r *Rate) Validate() error {
	if err := definition.ValidName(r.name); err != nil {
		return err
	}
	if r.rate == nil {
		return definition.Invalid("rate", "is not set: build the rule with points.NewRate")
	}
	return nil
}

// Evaluate earns at the rate on each line with a positive basis (noting the
// line's SKU) and on the order's extra basis (shipping, tax). It does not
// allocate.
func (r *Rate) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || r.rate == nil {
		return effects
	}
	for i := range c.Lines {
		if b := c.Lines[i].Basis; b > 0 {
			effects = append(effects, loyalty.EarnAt(r.rate, b, i, c.Lines[i].SKU))
		}
	}
	if c.ExtraBasis > 0 {
		effects = append(effects, loyalty.EarnAt(r.rate, c.ExtraBasis, loyalty.OrderLevel, extraNote(c.Program)))
	}
	return effects
}

// StepRate earns Points for every full amount spent on an order ("10 points
// per full 50.00"), counted on the order's whole earn basis (c.Basis: lines
// plus the shipping and tax the program includes). The remainder of an order
// earns nothing, unless CarryOver is set: then it is kept in a counter named
// after the rule and added to the member's next order.
//
// What a StepRate earns is a fixed bonus: multipliers do not multiply it.
// Build it with NewStepRate; Stack and CarryOver must not change once a
// program using it is evaluated.
type StepRate struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking
	// CarryOver keeps the remainder of an order for the member's next order.
	// The carry is kept in the counter named after the rule (lifetime
	// period), in units of the finer of the currency's minor unit and the
	// step amount's last digit; finer fractions of an order are dropped.
	// Returns do not take back a carry.
	CarryOver bool

	name      string
	points    int64
	per       decimal.Decimal
	perCoef   int64 // per = perCoef × 10^perExp
	perExp    int32
	note      string
	carryNote string
}

// NewStepRate returns the rule name earning points per full amount per. It
// fails with an error wrapping loyalty.ErrInvalidProgram for an empty name, a
// non-positive points or per, or a per with more than 18 digits.
func NewStepRate(name string, points int64, per decimal.Decimal) (*StepRate, error) {
	s := &StepRate{name: name, points: points, per: per}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s.perCoef, s.perExp = per.CoefficientInt64(), per.Exponent()
	s.note = strconv.FormatInt(points, 10) + " per full " + per.String()
	s.carryNote = s.note + ", with carry-over"
	return s, nil
}

// Name returns the rule's name; it is also the name of its carry counter.
func (s *StepRate) Name() string { return s.name }

// Stacking returns s.Stack.
func (s *StepRate) Stacking() loyalty.Stacking { return s.Stack }

// Validate checks the rule, for NewStepRate and Program.Validate: a name,
// positive points and per, and a per of at most 18 digits.
func (s *StepRate) Validate() error {
	if err := definition.ValidName(s.name); err != nil {
		return err
	}
	switch {
	case s.points <= 0:
		return definition.Invalid("points", "must be positive")
	case s.per.Sign() <= 0:
		return definition.Invalid("per", "must be positive")
	case s.per.NumDigits() > 18 || s.per.Exponent() < -18 || s.per.Exponent() > 18:
		return definition.Invalid("per", "has too many digits")
	}
	return nil
}

// Evaluate earns the order's full steps as an order-level bonus and, with
// CarryOver, sets the carry counter to the new remainder. An order whose
// amounts or points overflow int64 is refused (loyalty.Refuse: the
// evaluation fails with loyalty.ErrRefused) rather than credited wrongly.
func (s *StepRate) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || s.perCoef <= 0 {
		return effects
	}
	// Work at scale w, fine enough for the order's basis (c.Scale) and for
	// the carry (carryScale), at which the step amount is a whole number.
	cs := s.carryScale(c)
	w := max(c.Scale, cs)
	basis, ok1 := scaleUp(c.Basis, w-c.Scale)
	step, ok2 := scaleUp(s.perCoef, s.perExp+w)
	if !ok1 || !ok2 {
		return append(effects, loyalty.RefuseWith(loyalty.ErrOverflow, overflowReason))
	}
	var old int64
	if s.CarryOver {
		old = max(c.State.Counter(s.name, ""), 0)
		carry, ok := scaleUp(old, w-cs)
		if !ok || basis > math.MaxInt64-carry {
			return append(effects, loyalty.RefuseWith(loyalty.ErrOverflow, overflowReason))
		}
		basis += carry
	}
	steps, rem := basis/step, basis%step
	if steps > 0 {
		if steps > math.MaxInt64/s.points {
			return append(effects, loyalty.RefuseWith(loyalty.ErrOverflow, overflowReason))
		}
		note := s.note
		if s.CarryOver {
			note = s.carryNote
		}
		effects = append(effects, loyalty.Earn(steps*s.points, loyalty.OrderLevel, note))
	}
	if s.CarryOver {
		if next := rem / pow10(w-cs); next != old {
			e := loyalty.Count(s.name, "", next)
			e.Set = true
			effects = append(effects, e)
		}
	}
	return effects
}

// carryScale is the scale of the carry counter: the finer of the program
// currency's minor unit and the step amount's last digit.
func (s *StepRate) carryScale(c *loyalty.Input) int32 {
	d := int32(2)
	if c.Program != nil {
		d = c.Program.MinorDigits()
	}
	return max(d, -s.perExp)
}

// scaleUp returns v × 10^k for 0 ≤ k ≤ 18; ok is false on overflow or for a
// k outside that range.
func scaleUp(v int64, k int32) (int64, bool) {
	if k < 0 || k > 18 {
		return 0, false
	}
	p := pow10(k)
	if v > math.MaxInt64/p || v < math.MinInt64/p {
		return 0, false
	}
	return v * p, true
}

func pow10(k int32) int64 {
	p := int64(1)
	for ; k > 0; k-- {
		p *= 10
	}
	return p
}
