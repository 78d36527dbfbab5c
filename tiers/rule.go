package tiers

import (
	"math/bits"
	"time"

	"github.com/loyaltykit/loyalty"
)

// Actions the ladder reacts to, sent through Engine.Act.
const (
	// ActionTierReview reviews the member's tier: the window is judged and
	// the ladder's Downgrade policy applied. The periodic jobs
	// (loyalty.Engine.RunJobs) send it on the ladder's review dates and Review
	// sends it to every member whose standing it changes. After a review that
	// changed something, a second review on the same date does nothing. (It
	// is not loyalty.ActionReview, a member's product review.)
	ActionTierReview loyalty.ActionKind = "tier_review"
	// ActionAssign sets a manual tier that acts as a floor: Data "tier" names
	// it and "until" (2006-01-02) is the date it ends, exclusive. An empty
	// "tier" removes the floor. Ladder.Assign builds and checks it; the ladder
	// refuses (loyalty.ErrRefused, nothing written) an action without "tier",
	// an unknown tier, or a missing, malformed or past date.
	ActionAssign loyalty.ActionKind = "tier_assign"
)

// DataLadder is the Action.Data key that limits an ActionTierReview or
// ActionAssign to the ladder of that name; without it every ladder of the
// program reacts.
const DataLadder = "ladder"

// Notice kinds the ladder announces. They ride on Receipt.Notices and reach
// loyalty.EngineOptions.AfterCommit once the write committed, never for a
// write that failed.
const (
	// NoticeChanged: the member's tier changed, From and To name the tiers
	// ("" for no tier) and Detail is "Silver -> Gold" ("none" for no tier).
	// ParseChange reads it.
	NoticeChanged loyalty.NoticeKind = "tier_changed"
	// NoticeGrace: a review decided a downgrade that waits for a grace
	// period; Detail is "Gold -> Silver on 2027-04-01".
	NoticeGrace loyalty.NoticeKind = "tier_grace"
)

// Evaluate multiplies an order's points by the Multiplier of the member's
// tier (one order-level loyalty.Multiply, explained as "tier Gold"): the
// tier the member has when placing the order, after what time alone changed
// since their last write (an ended grace period or floor). What the order
// counts toward the tier is Finish's, once the order's points are known.
//
// On a return it takes the returned value off the period the order counted
// in; the tier stays until the next review. On ActionTierReview it reviews,
// on ActionAssign it sets or removes a floor. On every event it first
// applies what time alone changed since the member's last write, and it
// announces every change of tier with a NoticeChanged. It writes only
// counters and notices.
func (l *Ladder) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if l.thr == nil {
		return effects
	}
	if c.Order == nil {
		return l.keep(c, nil, effects)
	}
	var s levels
	l.readTier(c.State, &s)
	if s.grace > 0 || s.floor > 0 {
		now := l.moment(l.local(c))
		s.settle(now.date[:])
	}
	return l.multiply(l.effective(&s), effects)
}

var _ loyalty.Finisher = (*Ladder)(nil)

// Finish implements loyalty.Finisher: once an order's effects are combined,
// it counts the order in the window (its value, its points as res earned
// them into ledger.PointsAccount, or one order; in the period of its
// PlacedAt, or of now when that is zero or in the future) and raises the
// member at once to the tier the window now qualifies them for. The
// qualifying order itself earns at the tier the member had when placing it
// (Evaluate), the next order at the new one: for the Points metric the tier
// cannot depend on the points it multiplies, and all metrics behave alike.
// It announces a change of tier with a NoticeChanged.
func (l *Ladder) Finish(c *loyalty.Input, res *loyalty.Result, effects []loyalty.Effect) []loyalty.Effect {
	if l.thr == nil || c.Order == nil {
		return effects
	}
	return l.keep(c, res, effects)
}

// keep applies the event of c to the member's standing and records what
// changed; res is the combined result of an order (Finish), nil otherwise.
func (l *Ladder) keep(c *loyalty.Input, res *loyalty.Result, effects []loyalty.Effect) []loyalty.Effect {
	now := l.moment(l.local(c))
	var s snap
	l.read(c.State, &s)
	before := s.levels
	from := l.effective(&s.levels)
	s.settle(now.date[:])
	switch ev := c.Event.(type) {
	case *loyalty.Order:
		if res != nil {
			effects = l.onOrder(c, ev, res, &s, &now, effects)
		}
	case *loyalty.Return:
		effects = l.onReturn(c, &s, &now, effects)
	case *loyalty.Action:
		if d := ev.Data[DataLadder]; d != "" && d != l.name {
			break
		}
		switch ev.Kind {
		case ActionTierReview:
			effects = l.review(&s, &now, effects)
		case ActionAssign:
			effects = l.assign(ev, &s, &now, effects)
		}
	}
	effects = l.record(&before, &s.levels, effects)
	if to := l.effective(&s.levels); to != from {
		effects = append(effects, loyalty.NotifyChange(NoticeChanged, l.tierOrEmpty(from), l.tierOrEmpty(to), l.tierName(from)+" -> "+l.tierName(to)))
	}
	return effects
}

// at is the moment an order counts at: when it was placed, or now when that
// is unknown or in the future.
func (l *Ladder) at(placed time.Time, now *moment) moment {
	if placed.IsZero() || placed.After(now.t) || placed.Unix() > now.from {
		return *now // in now's month: the same bucket
	}
	return l.moment(placed.In(now.t.Location()))
}

// local is the evaluation's now in the program's zone; moment then reads it
// in the ladder's own Location instead when it has one.
func (l *Ladder) local(c *loyalty.Input) time.Time {
	if l.loc != nil {
		return c.Now
	}
	return c.Now.In(c.Program.Zone())
}

// bucketFor names the counter an order placed at counts in; ok is false when
// that period is too old to count in any window judged from now.
func (l *Ladder) bucketFor(at, now *moment) (name, period string, ok bool) {
	switch l.window {
	case CalendarYear:
		if at.year < now.year-1 {
			return "", "", false
		}
		return l.cYears[at.year&1], l.yearPeriod(at.year), true
	case Rolling12Months:
		if at.month < now.month-(monthSlots-1) {
			return "", "", false
		}
		return l.cMonths[at.month%monthSlots], l.monthPeriod(at.month), true
	}
	return l.cTotal, "", true
}

// add changes the bucket of at by v in the snapshot, as the Count effect
// will in the store.
func (l *Ladder) add(s *snap, at *moment, v int64) {
	var b *bucket
	var key int
	switch l.window {
	case CalendarYear:
		key = at.year
		b = &s.years[key&1]
	case Rolling12Months:
		key = at.month
		b = &s.months[key%monthSlots]
	default:
		s.total += v
		return
	}
	if int(b.key) != key+1 {
		*b = bucket{key: int32(key + 1)}
	}
	b.v += v
}

// valueAt is the amount of the bucket an order placed at counted in.
func (l *Ladder) valueAt(s *snap, at *moment) int64 {
	switch l.window {
	case CalendarYear:
		return s.year(at.year)
	case Rolling12Months:
		return s.month(at.month)
	}
	return s.total
}

func (l *Ladder) onOrder(c *loyalty.Input, o *loyalty.Order, res *loyalty.Result, s *snap, now *moment, effects []loyalty.Effect) []loyalty.Effect {
	var v int64
	switch l.metric.kind {
	case metricSpend:
		if c.Program == nil || c.Program.Currency != l.metric.currency {
			return effects
		}
		v = minor(c.Value, c.Scale, l.digits)
	case metricPoints:
		v = res.Points()
	case metricOrders:
		v = 1
	}
	at := l.at(o.PlacedAt, now)
	if name, period, ok := l.bucketFor(&at, now); ok && v > 0 {
		effects = append(effects, loyalty.Count(name, period, v))
		l.add(s, &at, v)
	}
	q := l.qualified(s, now)
	if q >= s.earned {
		// Qualifying again ends a grace period and keeps a returned upgrade.
		s.grace, s.due, s.revoke = 0, "", 0
	}
	if q > max(s.earned, l.qualify(0)) {
		s.via, s.viaPrev, s.earned = o.ID, s.earned, q
	}
	return effects
}

func (l *Ladder) onReturn(c *loyalty.Input, s *snap, now *moment, effects []loyalty.Effect) []loyalty.Effect {
	rec := c.OrderRecord
	if rec == nil || c.Returned <= 0 {
		return effects
	}
	prev, total := rec.ReturnedValue, rec.ReturnedValue+c.Returned
	var v int64
	switch l.metric.kind {
	case metricSpend:
		if rec.Currency != l.metric.currency {
			return effects
		}
		v = minor(total, rec.Scale, l.digits) - minor(prev, rec.Scale, l.digits)
	case metricPoints:
		v = proportion(rec.Points, total, rec.Value) - proportion(rec.Points, prev, rec.Value)
	case metricOrders:
		if prev < rec.Value && total >= rec.Value {
			v = 1
		}
	}
	at := l.at(rec.PlacedAt, now)
	name, period, ok := l.bucketFor(&at, now)
	if v = min(v, l.valueAt(s, &at)); !ok || v <= 0 {
		return effects
	}
	effects = append(effects, loyalty.Count(name, period, -v))
	l.add(s, &at, -v)
	if s.via == rec.ID && s.revoke == 0 && l.qualified(s, now) < s.earned {
		// The tier came with this order and is no longer deserved: the next
		// review takes it back, whatever the downgrade policy.
		s.revoke = s.viaPrev + 1
	}
	return effects
}

// review applies the downgrade policy. A review that changes something
// records its date, and a second review on that date does nothing, so a
// one-tier-down policy never drops two tiers in a day; a review that changes
// nothing writes nothing of its own.
func (l *Ladder) review(s *snap, now *moment, effects []loyalty.Effect) []loyalty.Effect {
	if s.reviewed == string(now.date[:]) {
		return effects
	}
	pre := s.levels
	effects = l.judge(s, now, effects)
	if s.levels != pre {
		s.reviewed = string(now.date[:])
	}
	return effects
}

func (l *Ladder) judge(s *snap, now *moment, effects []loyalty.Effect) []loyalty.Effect {
	q := l.qualified(s, now)
	if s.revoke > 0 {
		// A tier reached through a returned order goes back at once, without
		// grace, to what the member had before it or qualifies for now.
		if t := max(q, s.revoke-1); t < s.earned {
			s.earned, s.grace, s.due = t, 0, ""
		}
		s.revoke, s.via, s.viaPrev = 0, "", 0
	}
	if q >= s.earned {
		if q > max(s.earned, l.qualify(0)) {
			s.earned = q
		}
		s.grace, s.due = 0, ""
		return effects
	}
	target := s.earned
	switch l.opts.Downgrade {
	case OneDown:
		target--
	case ToQualified:
		target = q
	}
	switch {
	case target >= s.earned:
	case l.opts.GraceMonths == 0 && l.opts.GraceDays == 0:
		s.earned, s.grace, s.due = target, 0, ""
	case s.grace > 0:
		s.grace = target + 1 // a grace period already runs; its end stays
	default:
		end := l.moment(now.t.AddDate(0, l.opts.GraceMonths, l.opts.GraceDays))
		s.grace, s.due = target+1, string(end.date[:])
		effects = append(effects, loyalty.Notify(NoticeGrace, l.tierName(s.earned)+" -> "+l.tierName(target)+" on "+s.due))
	}
	return effects
}

func (l *Ladder) assign(a *loyalty.Action, s *snap, now *moment, effects []loyalty.Effect) []loyalty.Effect {
	name, ok := a.Data["tier"]
	if !ok {
		return append(effects, loyalty.Refuse(`names no "tier" in its data`))
	}
	if name == "" {
		s.floor, s.until = 0, ""
		return effects
	}
	until := a.Data["until"]
	lv := l.Level(name)
	if lv == 0 {
		return append(effects, loyalty.Refuse("ladder "+quote(l.name)+" has no tier "+quote(name)))
	}
	u, err := time.ParseInLocation(time.DateOnly, until, now.t.Location())
	if err != nil {
		return append(effects, loyalty.Refuse("until "+quote(until)+" is not a date (2006-01-02)"))
	}
	end := l.moment(u)
	if string(end.date[:]) <= string(now.date[:]) {
		return append(effects, loyalty.Refuse("until "+until+" has passed"))
	}
	s.floor, s.until = lv, string(end.date[:])
	return effects
}

// record emits a Set for every part of the member's standing that changed.
func (l *Ladder) record(b, s *levels, effects []loyalty.Effect) []loyalty.Effect {
	if s.earned != b.earned || s.reviewed != b.reviewed {
		effects = append(effects, set(l.cTier, s.reviewed, int64(s.earned)))
	}
	if s.via != b.via || s.viaPrev != b.viaPrev {
		effects = append(effects, set(l.cVia, s.via, int64(s.viaPrev)))
	}
	if s.revoke != b.revoke {
		effects = append(effects, set(l.cRevoke, "", int64(s.revoke)))
	}
	if s.floor != b.floor || s.until != b.until {
		effects = append(effects, set(l.cFloor, s.until, int64(s.floor)))
	}
	if s.grace != b.grace || s.due != b.due {
		effects = append(effects, set(l.cGrace, s.due, int64(s.grace)))
	}
	return effects
}

func set(name, period string, v int64) loyalty.Effect {
	return loyalty.Effect{Kind: loyalty.EffectCount, Counter: name, PeriodKey: period, Value: v, Set: true, Line: loyalty.OrderLevel}
}

// minor converts v at scale to the floor of minor units of digits.
func minor(v int64, scale, digits int32) int64 {
	for ; scale > digits; scale-- {
		v /= 10
	}
	return v
}

// proportion is floor(total × part / whole), as the engine reverses points.
func proportion(total, part, whole int64) int64 {
	if whole <= 0 || total <= 0 || part <= 0 {
		return 0
	}
	// part ≤ whole keeps the quotient within total, so Div64 cannot overflow.
	hi, lo := bits.Mul64(uint64(total), uint64(min(part, whole)))
	q, _ := bits.Div64(hi, lo, uint64(whole))
	return int64(q)
}

func quote(s string) string { return "\"" + s + "\"" }

// multiply emits the multiplier of level, if it has one.
func (l *Ladder) multiply(level int, effects []loyalty.Effect) []loyalty.Effect {
	if level == 0 || l.factors[level-1].IsZero() {
		return effects
	}
	return append(effects, loyalty.Multiply(l.factors[level-1], loyalty.OrderLevel, l.mulNotes[level-1]))
}
