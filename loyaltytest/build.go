package loyaltytest

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
)

// amount parses an exact decimal literal of a test. A malformed literal is a
// typo in the test's own source, so it panics, as decimal.RequireFromString
// and regexp.MustCompile do.
func amount(field, s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		panic(fmt.Sprintf("loyaltytest: %s %q is not a decimal: %v", field, s, err))
	}
	return d
}

// OrderBuilder builds a loyalty.Order line by line. Its methods change and
// return the builder; Build returns the order.
type OrderBuilder struct {
	o loyalty.Order
}

// Order starts an order id of member, with no lines, no currency and no
// time: Harness.Earn fills in the program's currency and now.
func Order(member, id string) *OrderBuilder {
	return &OrderBuilder{o: loyalty.Order{ID: id, MemberID: member}}
}

// Line adds qty units of sku at unit price price, an exact decimal such as
// "19.99". A malformed price panics.
func (b *OrderBuilder) Line(sku, price string, qty int64) *OrderBuilder {
	b.o.Lines = append(b.o.Lines, loyalty.OrderLine{SKU: sku, Quantity: qty, UnitPrice: amount("price of "+sku, price)})
	return b
}

// Category sets the category of the last line added.
func (b *OrderBuilder) Category(c string) *OrderBuilder {
	if n := len(b.o.Lines); n > 0 {
		b.o.Lines[n-1].Category = c
	}
	return b
}

// LineDiscount sets the discount on the whole of the last line added.
func (b *OrderBuilder) LineDiscount(d string) *OrderBuilder {
	if n := len(b.o.Lines); n > 0 {
		b.o.Lines[n-1].Discount = amount("line discount", d)
	}
	return b
}

// Discount sets the order-level discount (a coupon).
func (b *OrderBuilder) Discount(d string) *OrderBuilder {
	b.o.Discount = amount("discount", d)
	return b
}

// Shipping sets the shipping charged.
func (b *OrderBuilder) Shipping(s string) *OrderBuilder {
	b.o.Shipping = amount("shipping", s)
	return b
}

// Tax sets the tax charged.
func (b *OrderBuilder) Tax(s string) *OrderBuilder {
	b.o.Tax = amount("tax", s)
	return b
}

// Currency sets the order's currency (for Program.Evaluate, which has no
// harness to fill it in).
func (b *OrderBuilder) Currency(c money.Currency) *OrderBuilder {
	b.o.Currency = c
	return b
}

// At sets when the order was placed.
func (b *OrderBuilder) At(t time.Time) *OrderBuilder {
	b.o.PlacedAt = t
	return b
}

// Build returns the order built so far, a copy the builder no longer
// changes.
func (b *OrderBuilder) Build() *loyalty.Order {
	o := b.o
	o.Lines = append([]loyalty.OrderLine(nil), b.o.Lines...)
	return &o
}

// ReturnBuilder builds a loyalty.Return.
type ReturnBuilder struct {
	r loyalty.Return
}

// ReturnOf starts return id of member's order orderID, with no lines and no
// time: Harness.Return fills in now.
func ReturnOf(member, id, orderID string) *ReturnBuilder {
	return &ReturnBuilder{r: loyalty.Return{ID: id, MemberID: member, OrderID: orderID}}
}

// Line sends back qty units of sku.
func (b *ReturnBuilder) Line(sku string, qty int64) *ReturnBuilder {
	b.r.Lines = append(b.r.Lines, loyalty.ReturnLine{SKU: sku, Quantity: qty})
	return b
}

// Amount returns a money amount instead of lines, an exact decimal.
func (b *ReturnBuilder) Amount(a string) *ReturnBuilder {
	b.r.Amount = amount("return amount", a)
	return b
}

// At sets when the return was made.
func (b *ReturnBuilder) At(t time.Time) *ReturnBuilder {
	b.r.ReturnedAt = t
	return b
}

// Build returns the return built so far.
func (b *ReturnBuilder) Build() *loyalty.Return {
	r := b.r
	r.Lines = append([]loyalty.ReturnLine(nil), b.r.Lines...)
	return &r
}

// MemberBuilder builds a loyalty.Member.
type MemberBuilder struct {
	m loyalty.Member
}

// Member starts member id, with nothing else known.
func Member(id string) *MemberBuilder {
	return &MemberBuilder{m: loyalty.Member{ID: id}}
}

// Birthday sets the member's date of birth; only its month and day count.
func (b *MemberBuilder) Birthday(year int, month time.Month, day int) *MemberBuilder {
	b.m.Birthday = time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	return b
}

// Joined sets when the member joined; zero means when Harness.EnrollMember
// enrolls them.
func (b *MemberBuilder) Joined(t time.Time) *MemberBuilder {
	b.m.JoinedAt = t
	return b
}

// Segments adds host-defined segments.
func (b *MemberBuilder) Segments(s ...string) *MemberBuilder {
	b.m.Segments = append(b.m.Segments, s...)
	return b
}

// Attr sets a host-defined attribute.
func (b *MemberBuilder) Attr(key, value string) *MemberBuilder {
	if b.m.Attributes == nil {
		b.m.Attributes = map[string]string{}
	}
	b.m.Attributes[key] = value
	return b
}

// Build returns the member built so far.
func (b *MemberBuilder) Build() loyalty.Member {
	m := b.m
	m.Segments = append([]string(nil), b.m.Segments...)
	if b.m.Attributes != nil {
		m.Attributes = make(map[string]string, len(b.m.Attributes))
		for k, v := range b.m.Attributes {
			m.Attributes[k] = v
		}
	}
	return m
}
