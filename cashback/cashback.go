package cashback

import (
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Percentage is the percentage cashback rule: Percent of every order's earn
// basis back as money ("2% back"). The basis is what the program's
// EarnBasis makes it: line values after discounts by default, without
// excluded SKUs or categories, plus shipping and tax when the program
// includes them. Fractions of the currency's minor unit are kept exact until
// the program rounds (Program.Rounding, down by default).
//
// Without a schedule the cashback is credited at once to CreditAccount as
// store credit; with one it accrues in the accrual account of the period the
// order was recorded in, until a PayoutRule pays it out.
//
// A return takes back, in proportion to the value returned, what the order
// credited (the Engine does this for every money account an order credited):
// from the period's accrual account with a schedule, from the store credit
// without one. See the package documentation for cashback already paid out.
//
// Build it with NewPercentage. It is immutable except for Stack, which must
// not change once a program using it is evaluated; it is then safe for
// concurrent use.
type Percentage struct {
	// Stack says how the rule combines with the others of its program; the
	// zero value stacks.
	Stack loyalty.Stacking

	name    string
	percent loyalty.Percent
	sched   *Schedule
	note    string
}

// NewPercentage returns the rule name paying percent of every order back
// ("2" for 2%), on schedule s (nil credits store credit at once). It checks
// the rule with Validate and fails with an error wrapping
// loyalty.ErrInvalidProgram for an empty name, a percent that is not above
// 0 and at most 100 (loyalty.NewPercent), or an invalid schedule.
func NewPercentage(name string, percent decimal.Decimal, s *Schedule) (*Percentage, error) {
	p := &Percentage{name: name, sched: cloneSchedule(s), note: percent.String() + "% back"}
	var err error
	if p.percent, err = loyalty.NewPercent(percent); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns the rule's name.
func (p *Percentage) Name() string { return p.name }

// Percent returns the share of the order paid back, in percent.
func (p *Percentage) Percent() decimal.Decimal { return p.percent.Value() }

// Schedule returns a copy of the rule's schedule, nil when it credits at once.
func (p *Percentage) Schedule() *Schedule { return cloneSchedule(p.sched) }

// Stacking returns p.Stack.
func (p *Percentage) Stacking() loyalty.Stacking { return p.Stack }

// ProgramType reports that the rule belongs to a cashback program.
func (p *Percentage) ProgramType() string { return "cashback" }

// Redeemable names the store credit account the rule pays into, which
// Engine.Redeem may spend (loyalty.RedeemableRule); its accruals are not.
func (p *Percentage) Redeemable() []ledger.Account { return []ledger.Account{creditOf(p.sched)} }

// Validate checks the rule, for NewPercentage and Program.Validate: a name,
// a percent built by loyalty.NewPercent, a valid schedule or none.
func (p *Percentage) Validate() error {
	if err := definition.ValidName(p.name); err != nil {
		return err
	}
	if p.percent.IsZero() {
		return definition.Invalid("percent", "is not set: build the rule with cashback.NewPercentage")
	}
	return validSchedule(p.sched)
}

// Evaluate earns the percentage on each line with a positive basis and on
// the order's extra basis (shipping, tax), into the account target.
func (p *Percentage) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || c.Program == nil {
		return effects
	}
	return p.percent.Earn(c, target(p.sched, c), p.note, effects)
}

// target is the account an order's cashback goes to under s at c.Now.
func target(s *Schedule, c *loyalty.Input) ledger.Account {
	if s == nil {
		return CreditAccount
	}
	return s.of(c.Program).Account(c.Now)
}

// validSchedule checks the schedule a rule keeps; nil (credit at once) is
// valid.
func validSchedule(s *Schedule) error {
	if s == nil {
		return nil
	}
	return s.Validate()
}

func cloneSchedule(s *Schedule) *Schedule {
	if s == nil {
		return nil
	}
	c := *s
	return &c
}

// Stepped is the stepped cashback rule: Back for every full Every spent on
// an order ("10.00 back for every full 100.00"), counted on the order's
// whole earn basis (lines plus the shipping and tax the program includes).
// The remainder of an order earns nothing, unless CarryOver is set: then it
// is kept in a counter named after the rule and added to the member's next
// order, in minor units of the currency (finer fractions are dropped).
//
// Like Percentage it credits store credit at once without a schedule and
// accrues per period with one. A return takes back what the order credited
// in proportion to the value returned (10.00 earned on 150.00, 50.00
// returned: 3.33 back), the Engine's rule for every money account; it does
// not recompute the steps and does not change the carry.
//
// Build it with NewStepped; Stack and CarryOver must not change once a
// program using it is evaluated.
type Stepped struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking
	// CarryOver keeps the remainder of an order for the member's next order.
	CarryOver bool

	name        string
	back, every decimal.Decimal
	sched       *Schedule
	note        string
}

// NewStepped returns the rule name paying back for every full every spent,
// on schedule s (nil credits store credit at once). It fails with an error
// wrapping loyalty.ErrInvalidProgram for an empty name, a back or every that
// is not positive, back above every (a rate above 100%), or an invalid
// schedule.
func NewStepped(name string, back, every decimal.Decimal, s *Schedule) (*Stepped, error) {
	st := &Stepped{name: name, back: back, every: every, sched: cloneSchedule(s),
		note: back.String() + " back for every full " + every.String()}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	return st, nil
}

// Name returns the rule's name; it is also the name of its carry counter.
func (s *Stepped) Name() string { return s.name }

// Step returns what the rule pays back for every full amount.
func (s *Stepped) Step() (back, every decimal.Decimal) { return s.back, s.every }

// Schedule returns a copy of the rule's schedule, nil when it credits at once.
func (s *Stepped) Schedule() *Schedule { return cloneSchedule(s.sched) }

// Stacking returns s.Stack.
func (s *Stepped) Stacking() loyalty.Stacking { return s.Stack }

// ProgramType reports that the rule belongs to a cashback program.
func (s *Stepped) ProgramType() string { return "cashback" }

// Redeemable names the store credit account the rule pays into, which
// Engine.Redeem may spend (loyalty.RedeemableRule); its accruals are not.
func (s *Stepped) Redeemable() []ledger.Account { return []ledger.Account{creditOf(s.sched)} }

// creditOf is the store credit account of schedule s; nil credits CreditAccount.
func creditOf(s *Schedule) ledger.Account {
	if s == nil {
		return CreditAccount
	}
	return s.credit()
}

// Validate checks the rule, for NewStepped and Program.Validate: a name, a
// back and an every that are positive with back at most every (a rate of at
// most 100%), and a valid schedule or none.
func (s *Stepped) Validate() error {
	if err := definition.ValidName(s.name); err != nil {
		return err
	}
	switch {
	case s.back.Sign() <= 0:
		return definition.Invalid("back", "must be positive")
	case s.every.Sign() <= 0:
		return definition.Invalid("every", "must be positive")
	case s.back.GreaterThan(s.every):
		return definition.Invalid("back", s.back.String()+" for every "+s.every.String()+" is a cashback rate above 100%")
	case s.back.NumDigits() > 15 || s.every.NumDigits() > 15:
		return definition.Invalid("step", "has too many digits")
	}
	return validSchedule(s.sched)
}

// Evaluate pays the order's full steps (with the carry, under CarryOver) as
// an order-level credit and, under CarryOver, sets the carry counter to the
// new remainder.
func (s *Stepped) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || c.Program == nil || s.every.Sign() <= 0 {
		return effects
	}
	d := c.Program.MinorDigits()
	total := c.Amount(c.Basis)
	var old int64
	if s.CarryOver {
		old = c.State.Counter(s.name, "")
		total = total.Add(decimal.New(old, -d))
	}
	steps, rem := total.QuoRem(s.every, 0)
	if steps.Sign() > 0 {
		if amt := s.back.Mul(steps).Shift(d).Floor(); amt.Sign() > 0 && amt.NumDigits() <= 18 {
			note := steps.String() + " × " + s.note
			if old > 0 {
				note += ", with " + money.MinorUnits(old, c.Program.Currency).String() + " carried over"
			}
			e := loyalty.Earn(amt.IntPart(), loyalty.OrderLevel, note)
			e.Account = target(s.sched, c)
			effects = append(effects, e)
		}
	}
	if s.CarryOver {
		if next := rem.Shift(d).Floor().IntPart(); next != old {
			e := loyalty.Count(s.name, "", next)
			e.Set = true
			effects = append(effects, e)
		}
	}
	return effects
}
