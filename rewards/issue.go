package rewards

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
)

// ActionPurchaseAnniversary is the action Engine.RunJobs sends on the
// anniversary of a member's first order (see NewPurchaseAnniversaryCoupon).
const ActionPurchaseAnniversary loyalty.ActionKind = "purchase-anniversary"

// trigger says when an Issue rule gives its coupon.
type trigger uint8

const (
	onWelcome trigger = iota + 1
	onBirthday
	onPurchaseAnniversary
	onNextOrder
)

// Issue is a rule giving members a coupon of a catalog's reward when
// something happens: a welcome coupon on signup, a birthday coupon once a
// year, a purchase-anniversary coupon on the anniversary of the first
// order, a next-order coupon after an order. It grants through the same
// effect a host's own rule would (loyalty.GrantReward): a grant with a new
// code, claiming one unit of the reward's stock when it has one, and left
// out (with an explanation) once the stock is gone or outside the reward's
// window. Days are those of the program's zone, or Location when set.
//
// Build it with NewWelcomeCoupon, NewBirthdayCoupon,
// NewPurchaseAnniversaryCoupon or NewNextOrderCoupon. Birthday and
// purchase-anniversary rules are loyalty.Periodic: Engine.RunJobs sends
// their action on the member's day.
type Issue struct {
	// Location, when set, overrides the program's zone for the day and the
	// year of a birthday or an anniversary.
	Location *time.Location

	name    string
	catalog *Catalog
	reward  string
	trigger trigger
	minimum decimal.Decimal
}

func newIssue(name string, c *Catalog, reward string, t trigger) (*Issue, error) {
	is := &Issue{name: name, catalog: c, reward: reward, trigger: t}
	if err := is.Validate(); err != nil {
		return nil, err
	}
	return is, nil
}

// NewWelcomeCoupon returns the rule name giving a coupon of reward (of
// catalog c) once, on the member's loyalty.ActionSignup.
func NewWelcomeCoupon(name string, c *Catalog, reward string) (*Issue, error) {
	return newIssue(name, c, reward, onWelcome)
}

// NewBirthdayCoupon returns the rule name giving a coupon of reward on the
// member's birthday (loyalty.ActionBirthday), once per calendar year of the
// program's zone.
func NewBirthdayCoupon(name string, c *Catalog, reward string) (*Issue, error) {
	return newIssue(name, c, reward, onBirthday)
}

// NewPurchaseAnniversaryCoupon returns the rule name giving a coupon of
// reward on each anniversary of the member's first order after the rule
// joined the program (ActionPurchaseAnniversary; 28 February for a first
// order on 29 February in other years), once per year. It records the day
// of the first order in a member counter named after the rule.
func NewPurchaseAnniversaryCoupon(name string, c *Catalog, reward string) (*Issue, error) {
	return newIssue(name, c, reward, onPurchaseAnniversary)
}

// NewNextOrderCoupon returns the rule name giving a coupon of reward with
// every order whose value (after discounts) is at least minimum (zero: any
// order), to use on a next one.
func NewNextOrderCoupon(name string, c *Catalog, reward string, minimum decimal.Decimal) (*Issue, error) {
	is := &Issue{name: name, catalog: c, reward: reward, trigger: onNextOrder, minimum: minimum}
	if err := is.Validate(); err != nil {
		return nil, err
	}
	return is, nil
}

// Name returns the rule's name.
func (is *Issue) Name() string { return is.name }

// Kind implements loyalty.ActionRule: the action the rule gives on
// (ActionSignup, ActionBirthday, ActionPurchaseAnniversary), empty for a
// next-order rule.
func (is *Issue) Kind() loyalty.ActionKind {
	switch is.trigger {
	case onWelcome:
		return loyalty.ActionSignup
	case onBirthday:
		return loyalty.ActionBirthday
	case onPurchaseAnniversary:
		return ActionPurchaseAnniversary
	}
	return ""
}

// Validate checks the rule: a name, a catalog holding the reward, a minimum
// that is not negative.
func (is *Issue) Validate() error {
	switch {
	case is.name == "":
		return definition.Invalid("name", "is empty")
	case is.catalog == nil:
		return definition.Invalid("catalog", "is nil")
	case is.catalog.reward(is.reward) == nil:
		return definition.Invalid("reward", is.reward+" is not in catalog "+is.catalog.name)
	case is.minimum.Sign() < 0:
		return definition.Invalid("minimum", "is negative")
	case is.trigger < onWelcome || is.trigger > onNextOrder:
		return definition.Invalid("trigger", "is unknown")
	}
	return nil
}

// today is now in the rule's zone.
func (is *Issue) today(c *loyalty.Input) time.Time {
	if is.Location != nil {
		return c.Now.In(is.Location)
	}
	return c.Now.In(c.Program.Zone())
}

// firstCounter names the counter holding the day of the first order.
func (is *Issue) firstCounter() string { return is.name + "/first-order" }

// Evaluate implements loyalty.Rule.
func (is *Issue) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	r := is.catalog.reward(is.reward)
	switch ev := c.Event.(type) {
	case *loyalty.Order:
		switch is.trigger {
		case onNextOrder:
			if c.Value < c.Units(is.minimum) || !r.offered(c.Now) {
				return effects
			}
			return append(effects, is.catalog.grant(c, r, true))
		case onPurchaseAnniversary:
			if _, ok := is.firstOrder(c.State); !ok {
				ef := loyalty.Count(is.firstCounter(), is.today(c).Format(time.DateOnly), 1)
				ef.Set = true
				return append(effects, ef)
			}
		}
	case *loyalty.Action:
		if ev.Kind != is.Kind() || is.trigger == onNextOrder {
			return effects
		}
		t := is.today(c)
		if !is.isDay(c, t) || !r.offered(c.Now) {
			return effects
		}
		period := calendar.Year
		if is.trigger == onWelcome {
			period = calendar.Lifetime
		}
		key := period.Key(t)
		if c.State.Counter(is.name, key) >= 1 {
			return effects
		}
		return append(effects, is.catalog.grant(c, r, true), loyalty.Count(is.name, key, 1))
	}
	return effects
}

// firstOrder is the day of the member's first order the rule saw.
func (is *Issue) firstOrder(st *loyalty.State) (time.Time, bool) {
	name := is.firstCounter()
	for _, ct := range st.Counters {
		if ct.Name == name {
			d, err := time.Parse(time.DateOnly, ct.PeriodKey)
			return d, err == nil
		}
	}
	return time.Time{}, false
}

// isDay reports whether t (in the rule's zone) is the rule's day for the
// member of c.
func (is *Issue) isDay(c *loyalty.Input, t time.Time) bool {
	switch is.trigger {
	case onBirthday:
		return c.Member.HasBirthdayOn(t)
	case onPurchaseAnniversary:
		first, ok := is.firstOrder(c.State)
		if !ok || t.Year() <= first.Year() {
			return false
		}
		m, d := first.Month(), first.Day()
		if m == time.February && d == 29 && !isLeap(t.Year()) {
			d = 28
		}
		return t.Month() == m && t.Day() == d
	}
	return true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// Due implements loyalty.Periodic: at loyalty.StageGrant, a birthday or
// purchase-anniversary rule is due for a member whose day it is and who has
// not had its coupon this year.
func (is *Issue) Due(c *loyalty.Input, stage loyalty.JobStage, jobs []loyalty.Job) []loyalty.Job {
	if stage != loyalty.StageGrant || (is.trigger != onBirthday && is.trigger != onPurchaseAnniversary) {
		return jobs
	}
	t := is.today(c)
	if !is.isDay(c, t) || c.State.Counter(is.name, calendar.Year.Key(t)) >= 1 {
		return jobs
	}
	return append(jobs, loyalty.Job{Name: is.name, Action: loyalty.Action{Kind: is.Kind(), Ref: t.Format(time.DateOnly)}})
}
