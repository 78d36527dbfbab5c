package loyalty

import (
	"fmt"

	"github.com/loyaltykit/loyalty/internal/exact"

	"github.com/shopspring/decimal"
)

// orderBasis fills the context's per-line basis, choosing a scale at which
// every amount of the order is a whole number.
func (p *Program) orderBasis(c *Input, o *Order) error {
	if o.Currency != p.Currency {
		return fmt.Errorf("%w: order %s is in %s, program %q in %s", ErrCurrencyMismatch, o.ID, o.Currency, p.Name, p.Currency)
	}
	scale := p.MinorDigits()
	for try := 0; try < 2; try++ {
		ok, err := p.fillBasis(c, o, scale)
		if err != nil || ok {
			return err
		}
		scale = finestScale(o, scale)
	}
	return fmt.Errorf("%w: order %s amounts do not fit exact int64 arithmetic", ErrOverflow, o.ID)
}

// finestScale is the number of fractional digits that makes every amount of o whole.
func finestScale(o *Order, scale int32) int32 {
	up := func(d decimal.Decimal) {
		if e := -d.Exponent(); e > scale {
			scale = e
		}
	}
	for i := range o.Lines {
		up(o.Lines[i].UnitPrice)
		up(o.Lines[i].Discount)
	}
	up(o.Discount)
	up(o.Shipping)
	up(o.Tax)
	if scale > 18 {
		scale = 18
	}
	return scale
}

// fillBasis computes the basis at scale; ok is false when an amount is not
// whole at that scale or overflows.
func (p *Program) fillBasis(c *Input, o *Order, scale int32) (ok bool, err error) {
	lines := c.Lines[:0]
	if cap(lines) < len(o.Lines) {
		lines = make([]LineBasis, len(o.Lines))
	}
	lines = lines[:len(o.Lines)]
	var net [16]int64
	nets := net[:0]
	if len(o.Lines) > len(net) {
		nets = make([]int64, 0, len(o.Lines))
	}
	var total, gross int64
	excludes := len(p.Basis.ExcludeSKUs)+len(p.Basis.ExcludeCategories) > 0
	for i := range o.Lines {
		l := &o.Lines[i]
		price, ok1 := exact.ToMinor(l.UnitPrice, scale)
		disc, ok2 := exact.ToMinor(l.Discount, scale)
		if !ok1 || !ok2 {
			return false, nil
		}
		g, ok := exact.Mul64(price, l.Quantity)
		if !ok {
			return false, nil
		}
		if disc > g {
			return false, &ValidationError{Field: lineField(i, "discount"), Reason: "exceeds the line value", Kind: ErrInvalidAmount}
		}
		n := g - disc
		if total, ok = exact.Add64(total, n); !ok {
			return false, nil
		}
		gross += g
		nets = append(nets, n)
		lines[i] = LineBasis{SKU: l.SKU, Category: l.Category, Quantity: l.Quantity, Value: n, Excluded: excludes && p.excluded(l)}
		if p.Basis.BeforeDiscounts {
			lines[i].Basis = g
		}
	}
	orderDisc, ok1 := exact.ToMinor(o.Discount, scale)
	ship, ok2 := exact.ToMinor(o.Shipping, scale)
	tax, ok3 := exact.ToMinor(o.Tax, scale)
	if !ok1 || !ok2 || !ok3 {
		return false, nil
	}
	if orderDisc > total {
		return false, &ValidationError{Field: "order.discount", Reason: "exceeds the order value", Kind: ErrInvalidAmount}
	}
	var shareBuf [16]int64
	shares := shareBuf[:0]
	if orderDisc > 0 {
		shares = exact.Apportion(orderDisc, nets, shares)
	}
	var value, basis int64
	for i := range lines {
		if orderDisc > 0 {
			lines[i].Value -= shares[i]
		}
		if !p.Basis.BeforeDiscounts {
			lines[i].Basis = lines[i].Value
		}
		if lines[i].Excluded {
			lines[i].Basis = 0
		}
		value += lines[i].Value
		basis += lines[i].Basis
	}
	var extra int64
	if p.Basis.IncludeShipping {
		extra += ship
	}
	if p.Basis.IncludeTax {
		extra += tax
	}
	if extra < 0 || basis+extra < basis {
		return false, nil
	}
	c.Lines, c.Value, c.Basis, c.ExtraBasis, c.Scale, c.Order = lines, value, basis+extra, extra, scale, o
	return true, nil
}

func (p *Program) excluded(l *OrderLine) bool {
	for _, s := range p.Basis.ExcludeSKUs {
		if s == l.SKU {
			return true
		}
	}
	for _, s := range p.Basis.ExcludeCategories {
		if s == l.Category {
			return true
		}
	}
	return false
}
