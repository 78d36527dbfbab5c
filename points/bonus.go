package points

import (
	"math"
	"strconv"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
)

// ProductBonus earns a fixed number of points per unit bought of one SKU
// ("50 bonus points per bottle of the new perfume"). The bonus is attributed
// to the line, is not multiplied, and is not earned on a line the program
// excludes or whose value after discounts is zero (a free item). Build it
// with NewProductBonus.
type ProductBonus struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking

	name   string
	sku    string
	points int64
	note   string
}

// NewProductBonus returns the rule name earning points per unit of sku. It
// fails with an error wrapping loyalty.ErrInvalidProgram for an empty name
// or SKU or non-positive points.
func NewProductBonus(name, sku string, points int64) (*ProductBonus, error) {
	b := &ProductBonus{name: name, sku: sku, points: points}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	b.note = "SKU " + sku + ", " + strconv.FormatInt(points, 10) + " per unit"
	return b, nil
}

// Name returns the rule's name.
func (b *ProductBonus) Name() string { return b.name }

// Stacking returns b.Stack.
func (b *ProductBonus) Stacking() loyalty.Stacking { return b.Stack }

// Validate checks the rule, for NewProductBonus and Program.Validate: a
// name, a SKU and positive points.
func (b *ProductBonus) Validate() error {
	if err := definition.ValidName(b.name); err != nil {
		return err
	}
	if b.sku == "" {
		return definition.Invalid("sku", "is empty")
	}
	if b.points <= 0 {
		return definition.Invalid("points", "must be positive")
	}
	return nil
}

// Evaluate earns points × quantity on each line of the SKU. An order whose
// bonus would overflow int64 is refused (loyalty.Refuse, so the evaluation
// fails with loyalty.ErrRefused) rather than credited a wrong amount.
func (b *ProductBonus) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil {
		return effects
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		if l.SKU != b.sku || l.Excluded || l.Value <= 0 || l.Quantity <= 0 {
			continue
		}
		if l.Quantity > math.MaxInt64/b.points {
			return append(effects, loyalty.RefuseWith(loyalty.ErrOverflow, overflowReason))
		}
		effects = append(effects, loyalty.Earn(l.Quantity*b.points, i, b.note))
	}
	return effects
}

// overflowReason is why a rule refuses an order it cannot compute in int64.
const overflowReason = "points or amounts overflow int64"
