package games

import (
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
)

// PunchOptions say what earns a stamp and what a full card gives.
type PunchOptions struct {
	// SKUs and Categories, when set, name the lines that earn stamps; an
	// order with none of them earns none. Without either every order
	// earns one.
	SKUs       []string
	Categories []string
	// PerUnit earns a stamp per unit of a matching line (three coffees,
	// three stamps) instead of one per order.
	PerUnit bool
	// MinOrder is the least order value that earns stamps.
	MinOrder decimal.Decimal
	// Points and Reward (with a new code of format Code) are given for each
	// full card.
	Points int64
	Reward *ledger.Grant
	Code   *loyalty.CodeFormat
}

// PunchCard is a stamp card: qualifying purchases earn stamps, and every
// Stamps-th stamp fills the card, gives its reward ("the 10th coffee
// free") and starts a new card with the stamps left over. The member's
// counters "<name>:stamps" (on the current card) and "<name>:cards" (cards
// filled) hold its progress. Returns do not take stamps back.
type PunchCard struct {
	Stack loyalty.Stacking

	name   string
	stamps int64
	opts   PunchOptions
	rw     reward
	cStamp string
	cCards string
	note   string
}

// NewPunchCard returns the punch card name of stamps stamps. It fails with
// an error wrapping loyalty.ErrInvalidProgram as Validate says.
func NewPunchCard(name string, stamps int64, opts PunchOptions) (*PunchCard, error) {
	opts.SKUs, opts.Categories = slices.Clone(opts.SKUs), slices.Clone(opts.Categories)
	p := &PunchCard{name: name, stamps: stamps, opts: opts}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns the card's name.
func (p *PunchCard) Name() string { return p.name }

// Stacking returns p.Stack.
func (p *PunchCard) Stacking() loyalty.Stacking { return p.Stack }

// Validate checks the card: a name, at least 2 stamps, a reward, a
// minimum that is not negative.
func (p *PunchCard) Validate() error {
	p.rw = reward{points: p.opts.Points, grant: p.opts.Reward, code: p.opts.Code}
	switch {
	case p.name == "":
		return definition.Invalid("name", "is empty")
	case p.stamps < 2:
		return definition.Invalid("stamps", "must be at least 2")
	case p.opts.MinOrder.Sign() < 0:
		return definition.Invalid("min_order", "is negative")
	}
	if err := p.rw.validate("reward"); err != nil {
		return err
	}
	p.cStamp, p.cCards = p.name+":stamps", p.name+":cards"
	p.note = p.name + ": card of " + strconv.FormatInt(p.stamps, 10) + " stamps full"
	return nil
}

// Evaluate stamps the card for a qualifying order and gives the reward of
// each card it fills.
func (p *PunchCard) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || p.stamps < 2 || c.Value <= 0 || c.Value < c.Units(p.opts.MinOrder) {
		return effects
	}
	var k int64
	if len(p.opts.SKUs) == 0 && len(p.opts.Categories) == 0 {
		k = 1
	} else {
		for _, l := range c.Lines {
			if l.Quantity <= 0 || !(slices.Contains(p.opts.SKUs, l.SKU) || slices.Contains(p.opts.Categories, l.Category)) {
				continue
			}
			if !p.opts.PerUnit {
				k = 1
				break
			}
			k += l.Quantity
		}
	}
	if k == 0 {
		return effects
	}
	total := c.State.Counter(p.cStamp, "") + k
	full, left := total/p.stamps, total%p.stamps
	set := loyalty.Count(p.cStamp, "", left)
	set.Set = true
	effects = append(effects, set)
	if full == 0 {
		return effects
	}
	for range full {
		effects = p.rw.append(effects, p.note)
	}
	return append(effects, loyalty.Count(p.cCards, "", full),
		loyalty.Notify(NoticeCardFull, p.name+": "+strconv.FormatInt(full, 10)+" card(s) full"))
}

// Progress is the stamps on the current card, of Stamps; Completed the
// cards filled.
func (p *PunchCard) Progress(_ *loyalty.Program, st *loyalty.State, _ time.Time) Progress {
	return Progress{Rule: p.name, Unit: "stamps", Done: st.Counter(p.cStamp, ""), Of: p.stamps, Completed: st.Counter(p.cCards, "")}
}
