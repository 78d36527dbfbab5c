package loyalty

import (
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/shopspring/decimal"
)

// Percent is the building block of rules that give a share of an order as
// money (2% cashback, 10% of sales pledged to a cause): Percent of every
// order line's earn basis, and of the order's extra basis (shipping, tax)
// when the program's EarnBasis includes it, earned into a money account in
// minor units of the program's currency. Fractions of a minor unit stay
// exact until the program rounds. Build it with NewPercent; it is
// immutable and safe for concurrent use. The zero Percent earns nothing.
type Percent struct {
	percent decimal.Decimal
	rates   [5]*Rate // by the currency's minor digits, 0 to 4
}

// NewPercent returns the share percent ("2" for 2%) of an order. It fails
// with an error wrapping ErrInvalidProgram for a percent that is not above
// 0 and at most 100, or that has more than 15 digits.
func NewPercent(percent decimal.Decimal) (Percent, error) {
	switch {
	case percent.Sign() < 0:
		return Percent{}, invalidProgram("percent", "is negative")
	case percent.Sign() == 0:
		return Percent{}, invalidProgram("percent", "must be positive")
	case percent.GreaterThan(decimal.NewFromInt(100)):
		return Percent{}, invalidProgram("percent", "is above 100%: more than the order is worth")
	case percent.NumDigits() > 15:
		return Percent{}, invalidProgram("percent", "has too many digits")
	}
	p := Percent{percent: percent}
	c, e := percent.CoefficientInt64(), percent.Exponent()
	for c != 0 && c%10 == 0 { // normalise 2.0 to 2
		c, e = c/10, e+1
	}
	for d := range p.rates {
		// percent × 10^d / 100 = c × 10^k minor units per 1.
		k := e + int32(d) - 2
		var err error
		if k >= 0 {
			p.rates[d], err = NewRate(decimal.New(c, k).IntPart(), decimal.NewFromInt(1))
		} else {
			p.rates[d], err = NewRate(c, decimal.New(1, -k))
		}
		if err != nil {
			return Percent{}, invalidProgram("percent", "does not fit an exact rate: "+err.Error())
		}
	}
	return p, nil
}

// Value returns the share in percent; zero for the zero Percent.
func (p Percent) Value() decimal.Decimal { return p.percent }

// IsZero reports whether p is the zero Percent (not built by NewPercent).
func (p Percent) IsZero() bool { return p.rates[0] == nil }

// Earn appends the earnings of p on the order of c into account a, one per
// line with a positive basis (noted note) and one for the extra basis (noted
// note + " on shipping and tax"). It appends nothing for an event that is
// not an order, for the zero Percent, or for a currency with more than four
// minor digits. It does not allocate beyond effects' growth.
func (p *Percent) Earn(c *Input, a ledger.Account, note string, effects []Effect) []Effect {
	if c.Order == nil || c.Program == nil || p.rates[0] == nil {
		return effects
	}
	d := c.Program.MinorDigits()
	if d < 0 || int(d) >= len(p.rates) {
		return effects
	}
	r := p.rates[d]
	for i := range c.Lines {
		if b := c.Lines[i].Basis; b > 0 {
			e := EarnAt(r, b, i, note)
			e.Account = a
			effects = append(effects, e)
		}
	}
	if c.ExtraBasis > 0 {
		e := EarnAt(r, c.ExtraBasis, OrderLevel, note+" on shipping and tax")
		e.Account = a
		effects = append(effects, e)
	}
	return effects
}
