package rewards

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
)

// Kind says what a reward gives.
type Kind uint8

// Reward kinds.
const (
	// FixedDiscount takes Amount off the cart, spread over its lines.
	FixedDiscount Kind = iota + 1
	// PercentDiscount takes Percent of each line off, at most MaxDiscount
	// for the whole cart when MaxDiscount is set.
	PercentDiscount
	// FreeProduct makes Quantity units of SKU free; the cart must hold it.
	FreeProduct
	// FreeShipping takes the order's shipping off.
	FreeShipping
	// GiftCard is store credit of Amount, used at checkout as a fixed
	// discount in one go (a balance left on it is not kept).
	GiftCard
	// External is a reward the host fulfils (a physical item, a ticket); it
	// is not used at checkout.
	External
)

// String names the kind ("percent-discount").
func (k Kind) String() string {
	switch k {
	case FixedDiscount:
		return "fixed-discount"
	case PercentDiscount:
		return "percent-discount"
	case FreeProduct:
		return "free-product"
	case FreeShipping:
		return "free-shipping"
	case GiftCard:
		return "gift-card"
	case External:
		return "external"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Reward is one entry of a catalog: what it gives, what it costs, when and
// to whom it is offered, how many there are, and what an order must be to
// use its coupon.
type Reward struct {
	// ID names the reward in the catalog, in grants and in counters.
	ID   string
	Name string
	Kind Kind

	// Price is what a member pays for it, in points of the catalog's
	// account; 0 means it is not sold, only granted by rules (a birthday
	// coupon).
	Price int64

	// Amount is the money off of a FixedDiscount and the value of a
	// GiftCard, in the catalog's currency.
	Amount decimal.Decimal
	// Percent is the share off of a PercentDiscount (10 is 10%), above 0
	// and at most 100, with at most 4 decimals; MaxDiscount, when not
	// zero, is the most it takes off one cart.
	Percent     decimal.Decimal
	MaxDiscount decimal.Decimal
	// SKU and Quantity are the free product of a FreeProduct (Quantity 0
	// is one unit).
	SKU      string
	Quantity int64

	// From and Until bound when the reward may be bought or granted
	// (Until excluded); zero means no bound.
	From, Until time.Time
	// ValidDays is how many days an issued coupon stays valid, counted in
	// the program's zone; 0 means until Until, or forever when Until is
	// zero.
	ValidDays int
	// Uses is how many times one coupon may be used; 0 means once.
	Uses int64

	// Stock is how many may ever be issued, bought or granted, across
	// members (a shared counter; Catalog.Setup defines it); 0 is no limit.
	Stock int64
	// Limits cap how many one member may buy, per period (once a
	// lifetime, 2 a month); counted in the member's counters.
	Limits []points.Limit
	// MinimumOrder is the least cart, at its lines' unit prices before
	// any discount, that may use the coupon.
	MinimumOrder decimal.Decimal
	// Eligibility, when set, decides who may buy and use it (a tier, a
	// segment, a paid membership, any host predicate).
	Eligibility Eligibility
	// Budgets limit what purchases of the reward may take, for each member
	// or for all together, per period or for the campaign's life: a budget
	// in points counts the Price, one in money the reward's value (Amount
	// of a fixed discount or gift card, MaxDiscount of a percentage
	// discount) in the catalog's currency. A purchase the budget cannot pay
	// is refused (BudgetRefuse is the only policy of a reward) with a *Error
	// of ErrOverBudget; a refund gives its part of the budget back (in the
	// period it was bought in). Rewards listing budgets of one Name share
	// them. Coupons rules grant (Issue) are not counted.
	Budgets []Budget
}

// budgetCost is what one purchase of r takes of b, in b's units, or why it
// cannot be counted.
func (r *Reward) budgetCost(b *Budget) (int64, string) {
	if b.Points > 0 {
		if r.Price == 0 {
			return 0, "reward " + r.ID + " is not sold for points"
		}
		return r.Price, ""
	}
	v := r.Amount
	switch r.Kind {
	case FixedDiscount, GiftCard:
	case PercentDiscount:
		if v = r.MaxDiscount; v.IsZero() {
			return 0, "a percentage discount without a maximum has no value"
		}
	default:
		return 0, "a " + r.Kind.String() + " has no money value"
	}
	u, ok := money.Money{Amount: v, Currency: b.Money.Currency}.Minor()
	if !ok {
		return 0, v.String() + " is not in whole minor units of " + string(b.Money.Currency)
	}
	return u, ""
}

// Eligibility decides whether a member may buy or use a reward. It reads
// the rule's Input (the member, its state, the time) and nothing else; a
// host implements it for its own predicates (a paid membership, a tier
// held in an attribute).
type Eligibility interface {
	// Eligible reports whether the member of c may have the reward, and
	// when not, why ("not in segment vip").
	Eligible(c *loyalty.Input) (ok bool, why string)
}

// InSegment is the eligibility of members in at least one of its segments.
type InSegment []string

// Eligible implements Eligibility.
func (s InSegment) Eligible(c *loyalty.Input) (bool, string) {
	for _, seg := range s {
		if c.Member.InSegment(seg) {
			return true, ""
		}
	}
	return false, "not in segment " + joinComma(s)
}

// HasAttribute is the eligibility of members whose attribute Key is Value
// (a tier or a paid membership the host keeps on the member).
type HasAttribute struct{ Key, Value string }

// Eligible implements Eligibility.
func (h HasAttribute) Eligible(c *loyalty.Input) (bool, string) {
	if c.Member.Attributes[h.Key] == h.Value {
		return true, ""
	}
	return false, h.Key + " is not " + h.Value
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

// maxPercentDigits is how many decimals a percentage may have.
const maxPercentDigits = 4

// Validate checks the reward: an ID, a known kind, a price that is not
// negative, amounts and percentages that fit the kind (a percentage above 0
// and at most 100), a SKU for a free product, a window that is not empty,
// no negative stock, uses, days or minimum, and limits in known periods. The
// error is a *loyalty.ValidationError wrapping loyalty.ErrInvalidProgram.
func (r *Reward) Validate() error {
	if r.ID == "" {
		return definition.Invalid("reward.id", "is empty")
	}
	f := func(field string) string { return "reward " + r.ID + ": " + field }
	if err := loyalty.CheckID(f("id"), r.ID); err != nil {
		return err
	}
	switch {
	case r.Kind < FixedDiscount || r.Kind > External:
		return definition.Invalid(f("kind"), "is unknown")
	case r.Price < 0:
		return definition.Invalid(f("price"), "is negative")
	case r.Stock < 0:
		return definition.Invalid(f("stock"), "is negative")
	case r.Uses < 0:
		return definition.Invalid(f("uses"), "is negative")
	case r.ValidDays < 0:
		return definition.Invalid(f("valid_days"), "is negative")
	case r.Quantity < 0:
		return definition.Invalid(f("quantity"), "is negative")
	case r.Amount.Sign() < 0:
		return definition.Invalid(f("amount"), "is negative")
	case r.MaxDiscount.Sign() < 0:
		return definition.Invalid(f("max_discount"), "is negative")
	case r.MinimumOrder.Sign() < 0:
		return definition.Invalid(f("minimum_order"), "is negative")
	case !r.Until.IsZero() && !r.Until.After(r.From):
		return definition.Invalid(f("until"), "is not after from")
	}
	for _, d := range []decimal.Decimal{r.Amount, r.MaxDiscount, r.MinimumOrder} {
		if err := loyalty.CheckAmount(f("amount"), d); err != nil {
			return err
		}
	}
	switch r.Kind {
	case FixedDiscount, GiftCard:
		if r.Amount.Sign() <= 0 {
			return definition.Invalid(f("amount"), "must be positive for a "+r.Kind.String())
		}
	case PercentDiscount:
		switch {
		case r.Percent.Sign() <= 0:
			return definition.Invalid(f("percent"), "must be above 0")
		case r.Percent.GreaterThan(decimal.NewFromInt(100)):
			return definition.Invalid(f("percent"), r.Percent.String()+" is over 100")
		case -r.Percent.Exponent() > maxPercentDigits:
			return definition.Invalid(f("percent"), "has more than "+strconv.Itoa(maxPercentDigits)+" decimals")
		}
	case FreeProduct:
		if r.SKU == "" {
			return definition.Invalid(f("sku"), "is empty for a free product")
		}
		if err := loyalty.CheckID(f("sku"), r.SKU); err != nil {
			return err
		}
	}
	for i, l := range r.Limits {
		if l.Times <= 0 {
			return definition.Invalid(f("limits["+strconv.Itoa(i)+"].times"), "must be positive")
		}
		if l.Per > calendar.Year {
			return definition.Invalid(f("limits["+strconv.Itoa(i)+"].per"), "is an unknown period")
		}
	}
	return nil
}

// uses is how many times one coupon of r may be used.
func (r *Reward) uses() int64 { return max(r.Uses, 1) }

// offered reports whether r may be bought or granted at now.
func (r *Reward) offered(now time.Time) bool {
	return (r.From.IsZero() || !now.Before(r.From)) && (r.Until.IsZero() || now.Before(r.Until))
}

// couponExpiry is when a coupon of r issued at now expires, in zone.
func (r *Reward) couponExpiry(now time.Time, zone *time.Location) time.Time {
	if r.ValidDays > 0 {
		return now.In(zone).AddDate(0, 0, r.ValidDays).UTC().Truncate(time.Microsecond)
	}
	return r.Until.UTC().Truncate(time.Microsecond)
}
