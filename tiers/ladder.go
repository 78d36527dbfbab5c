package tiers

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Metric is what a ladder counts to place members on it. Build it with
// Spend, Points or Orders.
type Metric struct {
	kind     metricKind
	currency money.Currency
}

type metricKind uint8

const (
	metricSpend metricKind = iota + 1
	metricPoints
	metricOrders
)

// Spend qualifies members by the value of their orders after discounts
// (without shipping and tax), in currency c, counted in its minor units
// (cents). Returns take the value they send back off the order's period.
func Spend(c money.Currency) Metric { return Metric{kind: metricSpend, currency: c} }

// Points qualifies members by the points their orders earned into
// ledger.PointsAccount, tier multiplier included, never by their balance:
// spending or expiring points does not demote. Points from actions
// (birthdays, reviews) do not count. A return takes off the order's points
// in proportion to the value returned. The ladder counts an order's points in
// the step after combining (loyalty.Finisher), so it raises the tier on the
// order that qualifies without evaluating the program again.
func Points() Metric { return Metric{kind: metricPoints} }

// Orders qualifies members by their number of orders; an order returned in
// full no longer counts.
func Orders() Metric { return Metric{kind: metricOrders} }

// Currency is the currency of a Spend metric, empty for the others.
func (m Metric) Currency() money.Currency { return m.currency }

// String names the metric ("spend in USD", "points earned", "orders").
func (m Metric) String() string {
	switch m.kind {
	case metricSpend:
		return "spend in " + string(m.currency)
	case metricPoints:
		return "points earned"
	case metricOrders:
		return "orders"
	}
	return "unknown metric"
}

// Window is the stretch of time whose activity counts toward a tier.
type Window uint8

const (
	// Lifetime counts everything since the member joined the ladder.
	Lifetime Window = iota
	// CalendarYear counts each calendar year on its own. A tier reached in a
	// year is kept through the next one: a review keeps the better of what
	// the previous and the current year qualify for, so a review run on
	// 1 January and one run on 31 December judge the same year.
	CalendarYear
	// Rolling12Months counts the current calendar month and the twelve before
	// it, in monthly buckets: on the 1st of a month, exactly the last twelve
	// months; later in the month, those plus the days of this one.
	Rolling12Months
)

// String names the window.
func (w Window) String() string {
	switch w {
	case Lifetime:
		return "lifetime"
	case CalendarYear:
		return "calendar year"
	case Rolling12Months:
		return "rolling 12 months"
	}
	return "unknown window"
}

// Downgrade is what a review does to a member who no longer qualifies for
// their tier.
type Downgrade uint8

const (
	// NoDowngrade keeps a tier once reached ("VIP forever"). Only a tier
	// reached through an order that was then returned is taken back.
	NoDowngrade Downgrade = iota
	// OneDown moves the member one tier down per review.
	OneDown
	// ToQualified moves the member straight to the tier the window qualifies
	// them for.
	ToQualified
)

// String names the policy.
func (d Downgrade) String() string {
	switch d {
	case NoDowngrade:
		return "never"
	case OneDown:
		return "one tier down"
	case ToQualified:
		return "to the qualified tier"
	}
	return "unknown downgrade"
}

// Tier is one rung of a ladder and what it gives.
type Tier struct {
	Name string
	// Threshold is what a member must reach in the window to enter the tier:
	// an amount of the Spend metric's currency ("500.00"), a number of points
	// or of orders. The first tier usually starts at 0, so every member has
	// it; when it does not, members below it have no tier.
	Threshold decimal.Decimal
	// Multiplier multiplies the points earned by a member of the tier's
	// orders (1.5 for "50% more points"); zero means none.
	Multiplier decimal.Decimal
	// Discount is a percentage off the member's orders (10 for 10%), applied
	// by the host at checkout; see Benefits.DiscountOn.
	Discount     decimal.Decimal
	FreeShipping bool
	// Perks are named benefits the host reads ("early access", "events").
	Perks []string
}

// Schedule is when reviews fall: every Months months starting from First.
// The ladder uses it to tell members what keeps their tier (Progress) and to
// review on those days in the periodic jobs (loyalty.Engine.RunJobs); a host
// may also trigger a review itself (Review). The zero value is a yearly
// review on 1 January. Without Options.Location, First is read as a date
// (its year, month and day as written) whose midnight falls in the program's
// zone.
type Schedule struct {
	First  time.Time
	Months int
}

// Options tune a ladder; nil means the zero value: never downgrade, no grace,
// yearly reviews on 1 January, periods in UTC.
type Options struct {
	Downgrade Downgrade
	// GraceMonths and GraceDays delay a downgrade decided at a review: the
	// member keeps the tier until then and keeps it for good by qualifying
	// again before it ends. Zero applies the downgrade at the review.
	GraceMonths, GraceDays int
	Reviews                Schedule
	// Location, when set, is the time zone of months, years and dates, in
	// place of the program's. Nil follows the program's zone
	// (loyalty.Program.Location) in evaluation and the jobs; the readers
	// (Status, Progress, NextReview, ...) then read now in its own location,
	// so pass them now.In(program.Zone()).
	Location *time.Location
}

// Ladder is an ordered set of tiers a program places members on. It is both
// the loyalty.Rule that keeps each member's tier and multiplies their order
// points by it (add it to Program.Rules, before any rule that stops
// evaluation) and the reader a storefront asks what a member has (Status,
// Benefits, Progress).
//
// The rule keeps its state in counters named after the ladder
// ("<name>:tier", "<name>:m07", ...), so a member's standing travels with
// the member's loyalty.State and is written in the same atomic write as the
// points of the order that changed it.
//
// Build a Ladder with NewLadder; it is immutable and safe for concurrent use.
type Ladder struct {
	name   string
	metric Metric
	window Window
	tiers  []Tier
	opts   Options
	loc    *time.Location // Options.Location; nil follows the program
	digits int32          // minor digits of a Spend metric's currency

	thr      []int64          // thresholds in metric units, increasing
	factors  []loyalty.Factor // per tier, zero when none
	mulNotes []string         // "tier Gold"

	lastPeriod atomic.Pointer[period] // the bucket period last formatted

	prefix                                       string // "<name>:"
	cTier, cVia, cRevoke, cFloor, cGrace, cTotal string
	cYears                                       [2]string
	cMonths                                      [monthSlots]string
}

// monthSlots is the number of monthly buckets of Rolling12Months: the
// current month and the twelve before it, so a slot is reused 13 months
// later, when its old period reads as zero.
const monthSlots = 13

// NewLadder returns the ladder name of tiers, placing members by metric over
// window. It fails with an error wrapping loyalty.ErrInvalidProgram for an
// empty or duplicate name, thresholds that are not strictly increasing (or
// negative, or finer than the metric counts), a negative or above-100%
// discount, a negative multiplier, an empty perk, or an unknown metric,
// window or policy.
func NewLadder(name string, metric Metric, window Window, tiers []Tier, opts *Options) (*Ladder, error) {
	l := &Ladder{name: name, metric: metric, window: window}
	if opts != nil {
		l.opts = *opts
	}
	l.loc = l.opts.Location
	first := l.loc
	if first == nil {
		first = time.UTC // a date: its midnight falls in the zone in use
	}
	if l.opts.Reviews.Months == 0 {
		l.opts.Reviews.Months = 12
	}
	if l.opts.Reviews.First.IsZero() {
		l.opts.Reviews.First = time.Date(2000, time.January, 1, 0, 0, 0, 0, first)
	}
	l.tiers = make([]Tier, len(tiers))
	for i, t := range tiers {
		t.Perks = append([]string(nil), t.Perks...)
		l.tiers[i] = t
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	l.thr = make([]int64, len(tiers))
	l.factors = make([]loyalty.Factor, len(tiers))
	l.mulNotes = make([]string, len(tiers))
	for i, t := range l.tiers {
		l.thr[i], _ = l.units(t.Threshold) // check accepted it
		if t.Multiplier.Sign() > 0 {
			l.factors[i], _ = loyalty.NewFactor(t.Multiplier)
			l.mulNotes[i] = "tier " + t.Name
		}
	}
	l.digits = metric.currency.MinorDigits()
	l.prefix = name + ":"
	l.cTier, l.cVia, l.cRevoke = l.prefix+"tier", l.prefix+"via", l.prefix+"revoke"
	l.cFloor, l.cGrace, l.cTotal = l.prefix+"floor", l.prefix+"grace", l.prefix+"total"
	for i := range l.cYears {
		l.cYears[i] = l.prefix + "y" + strconv.Itoa(i)
	}
	for i := range l.cMonths {
		l.cMonths[i] = l.prefix + "m" + twoDigits(i)
	}
	return l, nil
}

// check is the one check of a ladder's definition, for NewLadder and
// Validate: name, metric, window, options and every tier.
func (l *Ladder) check() error {
	if l.name == "" {
		return definition.Invalid("name", "is empty")
	}
	switch l.metric.kind {
	case metricSpend:
		if err := l.metric.currency.Validate(); err != nil {
			return definition.Invalid("metric", err.Error())
		}
	case metricPoints, metricOrders:
	default:
		return definition.Invalid("metric", "is not set: use tiers.Spend, tiers.Points or tiers.Orders")
	}
	if l.window > Rolling12Months {
		return definition.Invalid("window", "is unknown")
	}
	if l.opts.Downgrade > ToQualified {
		return definition.Invalid("downgrade", "is unknown")
	}
	if l.opts.GraceMonths < 0 || l.opts.GraceDays < 0 {
		return definition.Invalid("grace", "is negative")
	}
	if l.opts.Reviews.Months < 0 {
		return definition.Invalid("reviews.months", "is negative")
	}
	if len(l.tiers) == 0 {
		return definition.Invalid("tiers", "a ladder needs at least one tier")
	}
	seen := make(map[string]bool, len(l.tiers))
	var prev int64
	for i, t := range l.tiers {
		field := "tiers[" + strconv.Itoa(i) + "]"
		if t.Name == "" {
			return definition.Invalid(field+".name", "is empty")
		}
		if seen[t.Name] {
			return definition.Invalid(field+".name", "duplicate tier "+strconv.Quote(t.Name))
		}
		seen[t.Name] = true
		v, err := l.units(t.Threshold)
		if err != nil {
			return definition.Invalid(field+".threshold", err.Error())
		}
		if i > 0 && v <= prev {
			return definition.Invalid(field+".threshold", "must be above the threshold of "+strconv.Quote(l.tiers[i-1].Name)+": thresholds overlap or are out of order")
		}
		prev = v
		if t.Multiplier.Sign() < 0 {
			return definition.Invalid(field+".multiplier", "is negative")
		}
		if t.Multiplier.Sign() > 0 {
			if _, err := loyalty.NewFactor(t.Multiplier); err != nil {
				return definition.Invalid(field+".multiplier", err.Error())
			}
		}
		if t.Discount.Sign() < 0 {
			return definition.Invalid(field+".discount", "is a negative percentage")
		}
		if t.Discount.GreaterThan(decimal.NewFromInt(100)) {
			return definition.Invalid(field+".discount", "is above 100%")
		}
		for j, p := range t.Perks {
			if p == "" {
				return definition.Invalid(field+".perks["+strconv.Itoa(j)+"]", "is empty")
			}
		}
	}
	return nil
}

// Validate checks the ladder, for Program.Validate, with the checks
// NewLadder made; a Ladder not built by NewLadder does not validate.
func (l *Ladder) Validate() error {
	if l == nil {
		return definition.Invalid("ladder", "is nil: build it with tiers.NewLadder")
	}
	if err := l.check(); err != nil {
		return err
	}
	if len(l.thr) != len(l.tiers) {
		return definition.Invalid("ladder", "is not set: build it with tiers.NewLadder")
	}
	return nil
}

// units converts a threshold to metric units.
func (l *Ladder) units(d decimal.Decimal) (int64, error) {
	if d.Sign() < 0 {
		return 0, errorString("is negative")
	}
	if l.metric.kind == metricSpend {
		d = d.Shift(l.metric.currency.MinorDigits())
	}
	if !d.IsInteger() {
		if l.metric.kind == metricSpend {
			return 0, errorString("has a fraction of a minor unit of " + string(l.metric.currency))
		}
		return 0, errorString("must be a whole number of " + l.metric.String())
	}
	if d.NumDigits() > 18 {
		return 0, errorString("is too large")
	}
	return d.IntPart(), nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// Name returns the ladder's name, which is also its rule's name.
func (l *Ladder) Name() string { return l.name }

// ProgramType implements loyalty.Typed.
func (l *Ladder) ProgramType() string { return "tiers" }

// Metric returns what the ladder counts.
func (l *Ladder) Metric() Metric { return l.metric }

// Window returns the ladder's qualification window.
func (l *Ladder) Window() Window { return l.window }

// Options returns the ladder's options, defaults filled in.
func (l *Ladder) Options() Options { return l.opts }

// Tiers returns a copy of the ladder's tiers, lowest first.
func (l *Ladder) Tiers() []Tier {
	out := make([]Tier, len(l.tiers))
	for i, t := range l.tiers {
		t.Perks = append([]string(nil), t.Perks...)
		out[i] = t
	}
	return out
}

// Tier returns the tier called name.
func (l *Ladder) Tier(name string) (Tier, bool) {
	if i := l.Level(name); i > 0 {
		t := l.tiers[i-1]
		t.Perks = append([]string(nil), t.Perks...)
		return t, true
	}
	return Tier{}, false
}

// Amount formats an amount of the metric: "250.00 USD", "1200 points",
// "3 orders".
func (l *Ladder) Amount(units int64) string {
	switch l.metric.kind {
	case metricSpend:
		return money.MinorUnits(units, l.metric.currency).String()
	case metricPoints:
		if units == 1 {
			return "1 point"
		}
		return strconv.FormatInt(units, 10) + " points"
	}
	if units == 1 {
		return "1 order"
	}
	return strconv.FormatInt(units, 10) + " orders"
}

// Level returns the 1-based position of tier name in the ladder (1 for the
// lowest), 0 for "" or an unknown name: a level comparison tells an upgrade
// from a downgrade.
func (l *Ladder) Level(name string) int {
	for i := range l.tiers {
		if l.tiers[i].Name == name {
			return i + 1
		}
	}
	return 0
}

// tierName is the name of level, "none" for level 0.
func (l *Ladder) tierName(level int) string {
	if level <= 0 || level > len(l.tiers) {
		return none
	}
	return l.tiers[level-1].Name
}

// tierOrEmpty is the name of level, "" for level 0.
func (l *Ladder) tierOrEmpty(level int) string {
	if level <= 0 || level > len(l.tiers) {
		return ""
	}
	return l.tiers[level-1].Name
}

// none names the absence of a tier in notices.
const none = "none"

// qualify returns the level an amount qualifies for.
func (l *Ladder) qualify(v int64) int {
	n := 0
	for n < len(l.thr) && l.thr[n] <= v {
		n++
	}
	return n
}

func twoDigits(i int) string {
	return string([]byte{byte('0' + i/10), byte('0' + i%10)})
}
