package charity

import (
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/shopspring/decimal"
)

// Pledge is the charity rule: the shop pledges Percent of every order's
// earn basis to a cause ("10% of sales to Ocean Cleanup"). The cause is the
// member's choice when the program lets members choose and they did, else
// the program's default (see Causes). The pledge accrues in the cause's
// pledge account (Account(cause)), in minor units of the program's currency,
// rounded as the program rounds (down by default).
//
// The basis is what the program's EarnBasis makes it: line values after
// discounts by default, without excluded SKUs or categories (gift cards),
// plus shipping and tax when the program includes them.
//
// A return reduces the pledge in proportion to the value returned: the
// Engine reverses every money account an order credited. A pledge is never
// spent by the member, so the reversal is always whole.
//
// Build it with NewPledge. It is immutable except for Stack, which must not
// change once a program using it is evaluated; it is then safe for
// concurrent use.
type Pledge struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking

	name    string
	percent loyalty.Percent
	causes  Causes
	note    string
}

// NewPledge returns the rule name pledging percent of every order ("10" for
// 10%) to causes. It checks the rule with Validate and fails with an error
// wrapping loyalty.ErrInvalidProgram for an empty name, a percent that is
// not above 0 and at most 100 (loyalty.NewPercent), or invalid causes
// (among them a default that is not a declared cause).
func NewPledge(name string, percent decimal.Decimal, causes Causes) (*Pledge, error) {
	p := &Pledge{name: name, causes: causes.clone(), note: percent.String() + "% of the order"}
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
func (p *Pledge) Name() string { return p.name }

// Percent returns the share of each order pledged, in percent.
func (p *Pledge) Percent() decimal.Decimal { return p.percent.Value() }

// Causes returns a copy of the rule's causes.
func (p *Pledge) Causes() Causes { return p.causes.clone() }

// Stacking returns p.Stack.
func (p *Pledge) Stacking() loyalty.Stacking { return p.Stack }

// ProgramType reports that the rule belongs to a charity program.
func (p *Pledge) ProgramType() string { return "charity" }

// Validate checks the rule, for NewPledge and Program.Validate: a name, a
// percent built by loyalty.NewPercent and valid causes.
func (p *Pledge) Validate() error {
	if err := definition.ValidName(p.name); err != nil {
		return err
	}
	if p.percent.IsZero() {
		return definition.Invalid("percent", "is not set: build the rule with charity.NewPledge")
	}
	return p.causes.Validate()
}

// Evaluate pledges the percentage of each line with a positive basis and of
// the order's extra basis to the member's cause.
func (p *Pledge) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || c.Program == nil {
		return effects
	}
	cause, why := p.causes.For(c.Member)
	return p.percent.Earn(c, Account(cause.ID), p.note+" to "+cause.String()+" ("+why+")", effects)
}
