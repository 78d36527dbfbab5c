package charity

import (
	"github.com/loyaltykit/loyalty"
	"github.com/shopspring/decimal"
)

var hundred = decimal.NewFromInt(100)

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
	percent decimal.Decimal
	rates   [5]*loyalty.Rate // by the currency's minor digits, 0 to 4
	causes  Causes
	note    string
}

// NewPledge returns the rule name pledging percent of every order ("10" for
// 10%) to causes. It fails with an error wrapping loyalty.ErrInvalidProgram
// for an empty name, a percent that is not above 0 and at most 100, or
// invalid causes (among them a default that is not a declared cause).
func NewPledge(name string, percent decimal.Decimal, causes Causes) (*Pledge, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	switch {
	case percent.Sign() < 0:
		return nil, invalid("percent", "is negative")
	case percent.Sign() == 0:
		return nil, invalid("percent", "must be positive")
	case percent.GreaterThan(hundred):
		return nil, invalid("percent", "pledges more than the order is worth")
	case percent.NumDigits() > 15:
		return nil, invalid("percent", "has too many digits")
	}
	if err := causes.Validate(); err != nil {
		return nil, err
	}
	p := &Pledge{name: name, percent: percent, causes: causes.clone(), note: percent.String() + "% of the order"}
	for d := range p.rates {
		r, err := percentRate(percent, int32(d))
		if err != nil {
			return nil, invalid("percent", "does not fit an exact rate: "+err.Error())
		}
		p.rates[d] = r
	}
	return p, nil
}

// percentRate is percent of money as a rate of minor units (10^-digits)
// per amount of money: 10% at two digits is 10 per 1.00.
func percentRate(percent decimal.Decimal, digits int32) (*loyalty.Rate, error) {
	c, e := percent.CoefficientInt64(), percent.Exponent()
	for c != 0 && c%10 == 0 {
		c, e = c/10, e+1
	}
	k := e + digits - 2
	if k >= 0 {
		return loyalty.NewRate(decimal.New(c, k).IntPart(), decimal.NewFromInt(1))
	}
	return loyalty.NewRate(c, decimal.New(1, -k))
}

// Name returns the rule's name.
func (p *Pledge) Name() string { return p.name }

// Percent returns the share of each order pledged, in percent.
func (p *Pledge) Percent() decimal.Decimal { return p.percent }

// Causes returns a copy of the rule's causes.
func (p *Pledge) Causes() Causes { return p.causes.clone() }

// Stacking returns p.Stack.
func (p *Pledge) Stacking() loyalty.Stacking { return p.Stack }

// ProgramType reports that the rule belongs to a charity program.
func (p *Pledge) ProgramType() string { return "charity" }

// Validate reports whether p was built by NewPledge.
func (p *Pledge) Validate() error {
	if err := validName(p.name); err != nil {
		return err
	}
	if p.rates[0] == nil {
		return invalid("percent", "is not set: build the rule with charity.NewPledge")
	}
	return p.causes.Validate()
}

// Evaluate pledges the percentage of each line with a positive basis and of
// the order's extra basis to the member's cause.
func (p *Pledge) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || c.Program == nil || p.rates[0] == nil {
		return effects
	}
	d := c.Program.MinorDigits()
	if d < 0 || int(d) >= len(p.rates) {
		return effects
	}
	cause, why := p.causes.For(c.Member)
	acct, note := Account(cause.ID), p.note+" to "+cause.String()+" ("+why+")"
	r := p.rates[d]
	for i := range c.Lines {
		if b := c.Lines[i].Basis; b > 0 {
			e := loyalty.EarnAt(r, b, i, note)
			e.Account = acct
			effects = append(effects, e)
		}
	}
	if c.ExtraBasis > 0 {
		e := loyalty.EarnAt(r, c.ExtraBasis, loyalty.OrderLevel, note+" on shipping and tax")
		e.Account = acct
		effects = append(effects, e)
	}
	return effects
}
