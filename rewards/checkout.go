package rewards

import (
	"context"
	"errors"
	"math/bits"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/loyaltykit/loyalty/ledger"
)

// Discount is what one coupon gives a cart, line by line, for the host to
// apply (Apply) before it records the order.
type Discount struct {
	Code   string
	Reward string
	Kind   Kind
	// Lines are the lines the coupon takes money off, in cart order.
	Lines []LineDiscount
	// Shipping is what comes off the order's shipping (FreeShipping).
	Shipping decimal.Decimal
	// Total is the lines' and the shipping's discounts together.
	Total decimal.Decimal
}

// LineDiscount is the money a coupon takes off one line of the cart, and for
// a free product the units made free.
type LineDiscount struct {
	Line         int
	SKU          string
	Amount       decimal.Decimal
	FreeQuantity int64
}

// Apply adds d's discounts to o: each line's to its Discount, the
// shipping's off Shipping.
func (d *Discount) Apply(o *loyalty.Order) {
	for _, l := range d.Lines {
		if l.Line >= 0 && l.Line < len(o.Lines) {
			o.Lines[l.Line].Discount = o.Lines[l.Line].Discount.Add(l.Amount)
		}
	}
	if d.Shipping.Sign() > 0 {
		o.Shipping = o.Shipping.Sub(d.Shipping)
	}
}

// Check validates the coupons of o.Codes against the cart o for its member,
// as the order's write will, and returns each one's discount, in o.Codes
// order: the same checks (Catalog.check) run here and in the write, so a
// cart Check accepts is accepted by Earn after the host applied the
// discounts, unless the coupon was used or voided in between. Nothing is
// written. A refusal is a *Error naming the code and why (ErrExpired,
// ErrNotYours, ErrBelowMinimum, ErrProductNotInCart, ErrNotEligible,
// ErrWrongCurrency, ErrNotAtCheckout, loyalty.ErrCodeVoid,
// loyalty.ErrCodeUsedUp, loyalty.ErrUnknownCode); codes of another kind
// than CodeKind are left out.
func (c *Catalog) Check(ctx context.Context, e *loyalty.Engine, o *loyalty.Order) ([]Discount, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	st, err := e.Member(ctx, o.MemberID)
	if err != nil {
		return nil, err
	}
	p := e.Program()
	in := loyalty.Input{Now: e.Now(), Program: p, State: st, Member: &st.Member, Event: o, Order: o}
	var out []Discount
	for _, s := range o.Codes {
		code, err := e.Code(ctx, s)
		if err != nil {
			if errors.Is(err, loyalty.ErrUnknownCode) {
				return nil, &Error{Code: s, Reason: loyalty.ErrUnknownCode, Err: err}
			}
			return nil, err
		}
		if code.Kind != CodeKind {
			continue
		}
		var d Discount
		if err := c.check(&in, &code, st.Grants, o, &d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// CheckCode is Check of one code whose ledger.Code and the member's
// grants the caller holds already (a storefront that cached them), with
// in's Now, Program, Member and State: the pure check the write runs.
func (c *Catalog) CheckCode(in *loyalty.Input, code *ledger.Code, o *loyalty.Order, d *Discount) error {
	if err := c.check(in, code, in.State.Grants, o, d); err != nil {
		return err
	}
	return nil
}

// check validates code against cart o for the member of in, whose grants
// are grants, and fills d with its discount.
func (c *Catalog) check(in *loyalty.Input, code *ledger.Code, grants []ledger.Grant, o *loyalty.Order, d *Discount) *Error {
	fail := func(reason error, detail string) *Error {
		return &Error{Code: code.Code, Reward: d.Reward, Reason: reason, Detail: detail}
	}
	switch {
	case code.Owner != "" && code.Owner != o.MemberID:
		return fail(ErrNotYours, "")
	case code.Void:
		return fail(loyalty.ErrCodeVoid, "")
	case code.MaxUses > 0 && code.Uses >= code.MaxUses:
		return fail(loyalty.ErrCodeUsedUp, "")
	case !code.ExpiresAt.IsZero() && !in.Now.Before(code.ExpiresAt):
		return fail(ErrExpired, "on "+code.ExpiresAt.Format("2006-01-02"))
	}
	reward := code.Ref // a transferable code (Mint) names its reward
	if code.Owner != "" {
		var g *ledger.Grant
		for i := range grants {
			if grants[i].ID == code.Ref && grants[i].MemberID == o.MemberID {
				g = &grants[i]
				break
			}
		}
		if g == nil {
			// the grant is not open any more (a quote reads open grants only)
			return fail(loyalty.ErrCodeVoid, "its reward is no longer open")
		}
		d.Code, d.Reward = code.Code, g.Reward
		switch g.Status {
		case ledger.GrantOpen:
		case ledger.GrantUsed:
			return fail(loyalty.ErrCodeUsedUp, "")
		case ledger.GrantExpired:
			return fail(ErrExpired, "")
		default:
			return fail(loyalty.ErrCodeVoid, "")
		}
		if !g.ExpiresAt.IsZero() && !in.Now.Before(g.ExpiresAt) {
			return fail(ErrExpired, "on "+g.ExpiresAt.Format("2006-01-02"))
		}
		reward = g.Reward
	}
	d.Code, d.Reward = code.Code, reward
	r := c.reward(reward)
	if r == nil {
		return fail(ErrUnknownReward, "not in catalog "+c.name)
	}
	d.Kind = r.Kind
	if r.Kind == External {
		return fail(ErrNotAtCheckout, "")
	}
	if o.Currency != c.currency {
		return fail(ErrWrongCurrency, "the cart is in "+string(o.Currency)+", the catalog in "+string(c.currency))
	}
	if r.Eligibility != nil {
		if ok, why := r.Eligibility.Eligible(in); !ok {
			return fail(ErrNotEligible, why)
		}
	}
	return c.discount(r, o, d, fail)
}

// maxLines is how many cart lines a discount is computed for without
// allocating working memory.
const maxLines = 16

// discount computes r's discount on cart o into d. Amounts are worked in
// the currency's minor units; a line's value is Quantity × UnitPrice less
// its own Discount, never below zero.
func (c *Catalog) discount(r *Reward, o *loyalty.Order, d *Discount, fail func(error, string) *Error) *Error {
	scale := c.digits
	var buf [maxLines]int64
	net := buf[:0]
	if len(o.Lines) > maxLines {
		net = make([]int64, 0, len(o.Lines))
	}
	var gross, total int64
	for i := range o.Lines {
		l := &o.Lines[i]
		unit := units(l.UnitPrice, scale)
		g := mulSat(unit, l.Quantity)
		gross = addSat(gross, g)
		v := max(g-units(l.Discount, scale), 0)
		net = append(net, v)
		total = addSat(total, v)
	}
	if !r.MinimumOrder.IsZero() && gross < units(r.MinimumOrder, scale) {
		return fail(ErrBelowMinimum, "the cart is "+decimal.New(gross, -scale).StringFixed(scale)+", the minimum "+r.MinimumOrder.StringFixed(scale))
	}
	var off int64
	switch r.Kind {
	case FixedDiscount, GiftCard:
		off = min(units(r.Amount, scale), total)
		d.Lines = spread(d.Lines[:0], o, net, total, off, scale)
	case PercentDiscount:
		num, den := ratio(r.Percent)
		den *= 100
		var sum int64
		for _, v := range net {
			sum = addSat(sum, mulDiv(v, num, den))
		}
		off = sum
		if !r.MaxDiscount.IsZero() {
			off = min(off, units(r.MaxDiscount, scale))
		}
		d.Lines = spread(d.Lines[:0], o, net, total, off, scale)
	case FreeProduct:
		qty := max(r.Quantity, 1)
		found := false
		for i := range o.Lines {
			l := &o.Lines[i]
			if l.SKU != r.SKU || qty == 0 {
				continue
			}
			found = true
			free := min(qty, l.Quantity)
			qty -= free
			amt := min(mulSat(units(l.UnitPrice, scale), free), net[i])
			off += amt
			d.Lines = append(d.Lines, LineDiscount{Line: i, SKU: l.SKU, Amount: decimal.New(amt, -scale), FreeQuantity: free})
		}
		if !found {
			return fail(ErrProductNotInCart, "needs "+r.SKU)
		}
	case FreeShipping:
		d.Shipping = o.Shipping
		d.Total = o.Shipping
		return nil
	}
	d.Total = decimal.New(off, -scale)
	return nil
}

// spread spreads off over the lines in proportion to their values net (of
// sum total), the remainder of the rounding to the first lines, and appends
// the non-zero shares to out.
func spread(out []LineDiscount, o *loyalty.Order, net []int64, total, off int64, scale int32) []LineDiscount {
	if off <= 0 || total <= 0 {
		return out
	}
	var given int64
	start := len(out)
	for i, v := range net {
		share := mulDiv(off, v, total)
		given += share
		out = append(out, LineDiscount{Line: i, SKU: o.Lines[i].SKU, FreeQuantity: share}) // FreeQuantity holds the share until below
	}
	left := off - given
	for i := start; i < len(out) && left > 0; i++ {
		if out[i].FreeQuantity < net[out[i].Line] {
			out[i].FreeQuantity++
			left--
		}
	}
	n := start
	for i := start; i < len(out); i++ {
		if s := out[i].FreeQuantity; s > 0 {
			out[n] = LineDiscount{Line: out[i].Line, SKU: out[i].SKU, Amount: decimal.New(s, -scale)}
			n++
		}
	}
	return out[:n]
}

// units is d in units of 10^-scale, rounded toward zero, saturating; d is
// not negative (orders and rewards are validated).
func units(d decimal.Decimal, scale int32) int64 {
	if d.IsZero() {
		return 0
	}
	if exp := d.Exponent(); exp >= -scale && exp+scale <= 18 && d.NumDigits() <= 18 {
		return mulSat(d.CoefficientInt64(), exact.Pow10[exp+scale])
	}
	return d.Shift(scale).IntPart()
}

// ratio is d as num/den with den a power of ten (d has at most 4 decimals).
func ratio(d decimal.Decimal) (num, den int64) {
	exp := d.Exponent()
	if exp >= 0 {
		return mulSat(d.CoefficientInt64(), exact.Pow10[min(exp, 18)]), 1
	}
	return d.CoefficientInt64(), exact.Pow10[min(-exp, 18)]
}

// mulDiv is a×b/c rounded down, for a, b ≥ 0 and c > 0, saturating.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return 1<<63 - 1
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	if q > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(q)
}

// mulSat is a×b for a, b ≥ 0, saturating (0 when either is negative).
func mulSat(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(lo)
}

func addSat(a, b int64) int64 {
	if s := a + b; s >= a {
		return s
	}
	return 1<<63 - 1
}
