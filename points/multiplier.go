package points

import (
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/shopspring/decimal"
)

// The multipliers multiply what rates earn (Rate, or a host's rule emitting
// loyalty.EarnAt), never fixed bonuses. Stacked multipliers multiply each
// other: ×2 by category and ×1.5 by segment give ×3. A multiplier only acts
// on orders, and never on a line whose earn basis is zero (an excluded line).

// factorOf is a multiplier's factor: positive, exact (loyalty.NewFactor).
func factorOf(factor decimal.Decimal) (loyalty.Factor, error) {
	if factor.Sign() <= 0 {
		return loyalty.Factor{}, definition.Invalid("factor", "must be positive")
	}
	return loyalty.NewFactor(factor)
}

// validMultiplier checks what every multiplier has: a name and a factor.
func validMultiplier(name string, f loyalty.Factor) error {
	if err := definition.ValidName(name); err != nil {
		return err
	}
	if f.IsZero() {
		return definition.Invalid("factor", "is not set: build the rule with its points.New function")
	}
	return nil
}

// validList checks a multiplier's list of SKUs or categories: at least one,
// none empty.
func validList(field string, ss []string) error {
	if len(ss) == 0 {
		return definition.Invalid(field, "names none")
	}
	for _, s := range ss {
		if s == "" {
			return definition.Invalid(field, "has an empty name")
		}
	}
	return nil
}

// notes returns prefix+s for each of ss.
func notes(prefix string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = prefix + s
	}
	return out
}

func indexOf(ss []string, s string) int {
	for i := range ss {
		if ss[i] == s {
			return i
		}
	}
	return -1
}

// SKUMultiplier multiplies the rate earnings of the order lines whose SKU
// is one of a list ("triple points on the new sneaker"). Build it with
// NewSKUMultiplier.
type SKUMultiplier struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking

	name   string
	factor loyalty.Factor
	skus   []string
	notes  []string // "SKU " + skus[i]
}

// NewSKUMultiplier returns the rule name multiplying by factor the lines of
// the given SKUs. It fails with an error wrapping loyalty.ErrInvalidProgram
// for an empty name, a non-positive factor, or no or an empty SKU.
func NewSKUMultiplier(name string, factor decimal.Decimal, skus ...string) (*SKUMultiplier, error) {
	m := &SKUMultiplier{name: name, skus: append([]string(nil), skus...)}
	var err error
	if m.factor, err = factorOf(factor); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m.notes = notes("SKU ", m.skus)
	return m, nil
}

// Name returns the rule's name.
func (m *SKUMultiplier) Name() string { return m.name }

// Stacking returns m.Stack.
func (m *SKUMultiplier) Stacking() loyalty.Stacking { return m.Stack }

// Validate checks the rule, for NewSKUMultiplier and Program.Validate: a
// name, a factor, and at least one SKU, none empty.
func (m *SKUMultiplier) Validate() error {
	if err := validMultiplier(m.name, m.factor); err != nil {
		return err
	}
	return validList("skus", m.skus)
}

// Evaluate multiplies each matching line, noting its SKU.
func (m *SKUMultiplier) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil {
		return effects
	}
	for i := range c.Lines {
		if c.Lines[i].Basis <= 0 {
			continue
		}
		if j := indexOf(m.skus, c.Lines[i].SKU); j >= 0 {
			effects = append(effects, loyalty.Multiply(m.factor, i, m.notes[j]))
		}
	}
	return effects
}

// CategoryMultiplier multiplies the rate earnings of the order lines in one
// of a list of categories ("double points on shoes"). Build it with
// NewCategoryMultiplier.
type CategoryMultiplier struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking

	name       string
	factor     loyalty.Factor
	categories []string
	notes      []string // "category " + categories[i]
}

// NewCategoryMultiplier returns the rule name multiplying by factor the
// lines of the given categories. It fails with an error wrapping
// loyalty.ErrInvalidProgram for an empty name, a non-positive factor, or no
// or an empty category.
func NewCategoryMultiplier(name string, factor decimal.Decimal, categories ...string) (*CategoryMultiplier, error) {
	m := &CategoryMultiplier{name: name, categories: append([]string(nil), categories...)}
	var err error
	if m.factor, err = factorOf(factor); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m.notes = notes("category ", m.categories)
	return m, nil
}

// Name returns the rule's name.
func (m *CategoryMultiplier) Name() string { return m.name }

// Stacking returns m.Stack.
func (m *CategoryMultiplier) Stacking() loyalty.Stacking { return m.Stack }

// Validate checks the rule, for NewCategoryMultiplier and Program.Validate:
// a name, a factor, and at least one category, none empty.
func (m *CategoryMultiplier) Validate() error {
	if err := validMultiplier(m.name, m.factor); err != nil {
		return err
	}
	return validList("categories", m.categories)
}

// Evaluate multiplies each matching line, noting its category.
func (m *CategoryMultiplier) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil {
		return effects
	}
	for i := range c.Lines {
		if c.Lines[i].Basis <= 0 {
			continue
		}
		if j := indexOf(m.categories, c.Lines[i].Category); j >= 0 {
			effects = append(effects, loyalty.Multiply(m.factor, i, m.notes[j]))
		}
	}
	return effects
}

// SegmentMultiplier multiplies all the rate earnings of an order placed by a
// member of a segment ("staff earn double"). Build it with
// NewSegmentMultiplier.
type SegmentMultiplier struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking

	name    string
	factor  loyalty.Factor
	segment string
	note    string
}

// NewSegmentMultiplier returns the rule name multiplying by factor the
// orders of the members in segment (see loyalty.Member.InSegment). It fails
// with an error wrapping loyalty.ErrInvalidProgram for an empty name or
// segment or a non-positive factor.
func NewSegmentMultiplier(name string, factor decimal.Decimal, segment string) (*SegmentMultiplier, error) {
	m := &SegmentMultiplier{name: name, segment: segment, note: "segment " + segment}
	var err error
	if m.factor, err = factorOf(factor); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Name returns the rule's name.
func (m *SegmentMultiplier) Name() string { return m.name }

// Stacking returns m.Stack.
func (m *SegmentMultiplier) Stacking() loyalty.Stacking { return m.Stack }

// Validate checks the rule, for NewSegmentMultiplier and Program.Validate:
// a name, a factor and a segment.
func (m *SegmentMultiplier) Validate() error {
	if err := validMultiplier(m.name, m.factor); err != nil {
		return err
	}
	if m.segment == "" {
		return definition.Invalid("segment", "is empty")
	}
	return nil
}

// Evaluate multiplies the whole order when the member is in the segment.
func (m *SegmentMultiplier) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || c.Member == nil || !c.Member.InSegment(m.segment) {
		return effects
	}
	return append(effects, loyalty.Multiply(m.factor, loyalty.OrderLevel, m.note))
}

// WindowMultiplier multiplies all the rate earnings of the orders placed in
// a window of time [From, To) ("double points weekend").
//
// The time it looks at is the order's PlacedAt, not the evaluation's now:
// the promotion rewards buying during the window, so an order placed on
// Sunday and evaluated on Monday (a delayed webhook, an import, a
// re-evaluation) still earns double, and an order earns the same whenever
// it is evaluated. An order without a PlacedAt falls back to now. From and
// To are instants: for a weekend in the shop's time zone, build them in
// that location. Build it with NewWindowMultiplier.
type WindowMultiplier struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking

	name     string
	factor   loyalty.Factor
	from, to time.Time
	note     string
}

// NewWindowMultiplier returns the rule name multiplying by factor the orders
// placed from from (inclusive) until to (exclusive). It fails with an error
// wrapping loyalty.ErrInvalidProgram for an empty name, a non-positive
// factor, a zero from or to, or a to not after from.
func NewWindowMultiplier(name string, factor decimal.Decimal, from, to time.Time) (*WindowMultiplier, error) {
	m := &WindowMultiplier{name: name, from: from, to: to}
	var err error
	if m.factor, err = factorOf(factor); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	const layout = "2006-01-02 15:04 MST"
	m.note = "placed from " + from.Format(layout) + " until " + to.Format(layout)
	return m, nil
}

// Name returns the rule's name.
func (m *WindowMultiplier) Name() string { return m.name }

// Stacking returns m.Stack.
func (m *WindowMultiplier) Stacking() loyalty.Stacking { return m.Stack }

// Window returns the rule's window: from inclusive, to exclusive.
func (m *WindowMultiplier) Window() (from, to time.Time) { return m.from, m.to }

// Validate checks the rule, for NewWindowMultiplier and Program.Validate: a
// name, a factor, and a window with a start and a later end.
func (m *WindowMultiplier) Validate() error {
	if err := validMultiplier(m.name, m.factor); err != nil {
		return err
	}
	if m.from.IsZero() || m.to.IsZero() {
		return definition.Invalid("window", "needs both a start and an end")
	}
	if !m.to.After(m.from) {
		return definition.Invalid("window", "ends before it starts")
	}
	return nil
}

// Evaluate multiplies the whole order when it was placed in the window.
func (m *WindowMultiplier) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil {
		return effects
	}
	t := c.Order.PlacedAt
	if t.IsZero() {
		t = c.Now
	}
	if t.Before(m.from) || !t.Before(m.to) {
		return effects
	}
	return append(effects, loyalty.Multiply(m.factor, loyalty.OrderLevel, m.note))
}
