package tiers

import (
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// snap is a member's standing on a ladder as the member's counters hold it.
// Levels are 1-based positions in the ladder; 0 is no tier.
type snap struct {
	levels
	total  int64 // Lifetime
	years  [2]bucket
	months [monthSlots]bucket
}

// levels is the part of a snap that is not a period amount: what a write
// records with Set.
type levels struct {
	earned   int    // level reached by qualifying ("tier", Value)
	reviewed string // date of the last review ("tier", Period)
	via      string // order that last raised earned ("via", Period)
	viaPrev  int    // earned before that order ("via", Value)
	revoke   int    // 1 + the level a review takes a returned upgrade back to ("revoke")
	floor    int    // manually assigned level ("floor", Value)
	until    string // date the floor ends ("floor", Period)
	grace    int    // 1 + the level of a pending downgrade ("grace", Value)
	due      string // date the pending downgrade takes effect ("grace", Period)
}

// bucket is one period's amount; key is the year (CalendarYear) or the month
// index year×12+month−1 (Rolling12Months), plus one, so zero is unused.
type bucket struct {
	key int32
	v   int64
}

// read decodes the ladder's counters from st in one pass, without
// allocating.
func (l *Ladder) read(st *loyalty.State, s *snap) {
	if st == nil {
		return
	}
	p := l.prefix
	n := len(p)
	for i := range st.Counters {
		c := &st.Counters[i]
		name := c.Name
		if len(name) <= n || !startsWith(name, p) {
			continue
		}
		switch suf := name[n:]; suf[0] {
		case 'm':
			if len(suf) != 3 {
				continue
			}
			if k, ok := parseMonth(c.PeriodKey); ok {
				s.months[k%monthSlots] = bucket{key: int32(k + 1), v: c.Value}
			}
		case 'y':
			if len(suf) != 2 {
				continue
			}
			if y, ok := parseYear(c.PeriodKey); ok {
				s.years[y&1] = bucket{key: int32(y + 1), v: c.Value}
			}
		case 't':
			switch suf {
			case "tier":
				s.earned, s.reviewed = l.clampLevel(c.Value), c.PeriodKey
			case "total":
				s.total = c.Value
			}
		case 'v':
			if suf == "via" {
				s.via, s.viaPrev = c.PeriodKey, l.clampLevel(c.Value)
			}
		case 'r':
			if suf == "revoke" && c.Value > 0 {
				s.revoke = l.clampLevel(c.Value-1) + 1
			}
		case 'f':
			if suf == "floor" {
				s.floor, s.until = l.clampLevel(c.Value), c.PeriodKey
			}
		case 'g':
			if suf == "grace" && c.Value > 0 {
				s.grace, s.due = l.clampLevel(c.Value-1)+1, c.PeriodKey
			}
		}
	}
}

// readTier decodes only what the member's tier depends on (the earned
// level, a floor, a grace period) from st: what the multiplier of an order
// needs. It skips the period buckets by their length before comparing names.
func (l *Ladder) readTier(st *loyalty.State, s *levels) {
	if st == nil {
		return
	}
	p := l.prefix
	n := len(p)
	for i := range st.Counters {
		c := &st.Counters[i]
		name := c.Name
		if len(name) != n+4 && len(name) != n+5 || !startsWith(name, p) {
			continue
		}
		switch name[n:] {
		case "tier":
			s.earned = l.clampLevel(c.Value)
		case "floor":
			s.floor, s.until = l.clampLevel(c.Value), c.PeriodKey
		case "grace":
			if c.Value > 0 {
				s.grace, s.due = l.clampLevel(c.Value-1)+1, c.PeriodKey
			}
		}
	}
}

// startsWith is name[:len(p)] == p for a name longer than p, byte by byte:
// for a ladder's short prefix that is cheaper than a call to compare memory.
func startsWith(name, p string) bool {
	for j := 0; j < len(p); j++ {
		if name[j] != p[j] {
			return false
		}
	}
	return true
}

// parseYear parses a year bucket's period, 2006.
func parseYear(p string) (int, bool) {
	if len(p) != 4 {
		return 0, false
	}
	a, b, c, d := p[0]-'0', p[1]-'0', p[2]-'0', p[3]-'0'
	if a > 9 || b > 9 || c > 9 || d > 9 {
		return 0, false
	}
	return int(a)*1000 + int(b)*100 + int(c)*10 + int(d), true
}

// parseMonth parses a month bucket's period, 2006-01, into its month index.
func parseMonth(p string) (int, bool) {
	if len(p) != 7 || p[4] != '-' {
		return 0, false
	}
	y, ok := parseYear(p[:4])
	a, b := p[5]-'0', p[6]-'0'
	if !ok || a > 9 || b > 9 {
		return 0, false
	}
	m := int(a)*10 + int(b)
	if m < 1 || m > 12 {
		return 0, false
	}
	return y*12 + m - 1, true
}

func (l *Ladder) clampLevel(v int64) int {
	switch {
	case v < 0:
		return 0
	case v > int64(len(l.tiers)):
		return len(l.tiers)
	}
	return int(v)
}

func (s *snap) year(y int) int64 {
	if b := &s.years[y&1]; int(b.key) == y+1 {
		return b.v
	}
	return 0
}

func (s *snap) month(k int) int64 {
	if k < 0 {
		return 0
	}
	if b := &s.months[k%monthSlots]; int(b.key) == k+1 {
		return b.v
	}
	return 0
}

// settle applies what time alone changed since the last write: a grace
// period that ended applies its downgrade; a floor that ended lapses.
func (s *levels) settle(today []byte) {
	if s.grace > 0 && string(today) >= s.due {
		s.earned, s.grace, s.due = s.grace-1, 0, ""
	}
	if s.floor > 0 && string(today) >= s.until {
		s.floor, s.until = 0, ""
	}
}

// effective is the tier the member has: the earned tier, raised by a floor,
// never below what no activity qualifies for. Before settle it is the tier
// as of the member's last write (the one notices last announced); after, the
// tier now.
func (l *Ladder) effective(s *levels) int {
	return max(s.earned, s.floor, l.qualify(0))
}

// monthIndex is year×12+month−1 of t.
func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// moment is a time in the ladder's location with the calendar fields the
// ladder uses, computed once.
type moment struct {
	t     time.Time
	year  int
	month int // year×12+month−1
	date  [10]byte
	// from is a Unix time after which, up to t, every instant is in t's month
	// whatever the location's daylight saving (an hour after the month began).
	from int64
}

// moment reads t in the ladder's Location, or in t's own location when the
// ladder has none (evaluation passes now in the program's zone).
func (l *Ladder) moment(t time.Time) moment {
	if l.loc != nil {
		t = t.In(l.loc)
	}
	y, m, d := t.Date()
	y = min(max(y, 0), 9999)
	_, off := t.Zone()
	unix := t.Unix()
	mo := moment{t: t, year: y, month: y*12 + int(m) - 1}
	mo.from = unix - int64(d-1)*86400 - mod64(unix+int64(off), 86400) + 3600
	b := &mo.date
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[5], b[6] = '-', byte('0'+int(m)/10), byte('0'+int(m)%10)
	b[7], b[8], b[9] = '-', byte('0'+d/10), byte('0'+d%10)
	return mo
}

// amount is what the window counts at now: the lifetime total, the current
// calendar year, or the 13 monthly buckets.
func (l *Ladder) amount(s *snap, now *moment) int64 {
	switch l.window {
	case CalendarYear:
		return s.year(now.year)
	case Rolling12Months:
		k := now.month
		var sum int64
		for i := k - (monthSlots - 1); i <= k; i++ {
			sum += s.month(i)
		}
		return sum
	}
	return s.total
}

// qualified is the level the window qualifies the member for at now; for
// CalendarYear, the better of the previous and the current year.
func (l *Ladder) qualified(s *snap, now *moment) int {
	if l.window == CalendarYear {
		y := now.year
		return max(l.qualify(s.year(y-1)), l.qualify(s.year(y)))
	}
	return l.qualify(l.amount(s, now))
}

// Status is a member's standing on a ladder at a time.
type Status struct {
	// Tier is the tier the member has ("" when none) and Level its 1-based
	// position in the ladder (0 when none).
	Tier  string
	Level int
	// Earned is the tier reached by qualifying; a manual floor may put the
	// member higher.
	Earned string
	// Floor is a manually assigned tier in force until FloorUntil.
	Floor      string
	FloorUntil time.Time
	// DowngradeOn, when not zero, is the end of a grace period after which
	// the member moves down to DowngradeTo unless they qualify again before.
	DowngradeTo string
	DowngradeOn time.Time
	// Amount is what the window counts now, in metric units (Ladder.Amount
	// formats it).
	Amount int64
}

// Status returns the member's standing at now, from their state (for
// example Engine.Member). It reads what the member's last write recorded,
// with what time alone changed since: an ended grace period or floor.
func (l *Ladder) Status(st *loyalty.State, now time.Time) Status {
	mo := l.moment(now)
	var s snap
	l.read(st, &s)
	s.settle(mo.date[:])
	eff := l.effective(&s.levels)
	out := Status{Level: eff, Amount: l.amount(&s, &mo)}
	if eff > 0 {
		out.Tier = l.tiers[eff-1].Name
	}
	if e := max(s.earned, l.qualify(0)); e > 0 {
		out.Earned = l.tiers[e-1].Name
	}
	if s.floor > 0 {
		out.Floor, out.FloorUntil = l.tierName(s.floor), l.date(s.until, mo.t.Location())
	}
	if s.grace > 0 {
		if s.grace > 1 {
			out.DowngradeTo = l.tiers[s.grace-2].Name
		}
		out.DowngradeOn = l.date(s.due, mo.t.Location())
	}
	return out
}

// Current returns the tier the member has at now; ok is false when the
// member has none (the first tier's threshold is above zero and not reached).
func (l *Ladder) Current(st *loyalty.State, now time.Time) (t Tier, ok bool) {
	lv := l.Status(st, now).Level
	if lv == 0 {
		return Tier{}, false
	}
	t = l.tiers[lv-1]
	t.Perks = append([]string(nil), t.Perks...)
	return t, true
}

// Benefits is what a tier gives a member.
type Benefits struct {
	Tier string // "" when the member has no tier
	// Multiplier multiplies order points (the ladder rule applies it); 1
	// when the tier has none.
	Multiplier decimal.Decimal
	// Discount is a percentage off the member's orders.
	Discount     decimal.Decimal
	FreeShipping bool
	Perks        []string
}

// Has reports whether the benefits include the perk.
func (b Benefits) Has(perk string) bool {
	for _, p := range b.Perks {
		if p == perk {
			return true
		}
	}
	return false
}

// DiscountOn returns the tier discount on total, rounded down to the
// currency's minor unit.
func (b Benefits) DiscountOn(total money.Money) money.Money {
	if b.Discount.IsZero() {
		return money.Money{Amount: decimal.Zero, Currency: total.Currency}
	}
	off := total.Amount.Mul(b.Discount).Div(decimal.NewFromInt(100)).Truncate(total.Currency.MinorDigits())
	return money.Money{Amount: off, Currency: total.Currency}
}

// Benefits returns what the member's tier gives at now.
func (l *Ladder) Benefits(st *loyalty.State, now time.Time) Benefits {
	t, ok := l.Current(st, now)
	if !ok {
		return Benefits{Multiplier: decimal.NewFromInt(1)}
	}
	b := Benefits{Tier: t.Name, Multiplier: t.Multiplier, Discount: t.Discount, FreeShipping: t.FreeShipping, Perks: t.Perks}
	if b.Multiplier.IsZero() {
		b.Multiplier = decimal.NewFromInt(1)
	}
	return b
}

// Progress is what a member needs to move up, or to stay.
type Progress struct {
	Tier string // the member's tier, "" when none
	Next string // the tier above, "" at the top
	// Amount is what the window counts now; ToNext is what is still to
	// spend, earn or order to reach Next (0 at the top). Both are in metric
	// units (Ladder.Amount formats them).
	Amount, ToNext int64
	// NextReview is the next scheduled review. KeepBy is when the tier is next
	// judged: NextReview, or the end of a grace period or of a manual floor
	// when that comes first. ToKeep is what is still needed before KeepBy to
	// keep Tier past it; 0 when the tier is safe.
	NextReview, KeepBy time.Time
	ToKeep             int64
}

// Progress returns the member's progress at now.
func (l *Ladder) Progress(st *loyalty.State, now time.Time) Progress {
	mo := l.moment(now)
	var s snap
	l.read(st, &s)
	s.settle(mo.date[:])
	eff := l.effective(&s.levels)
	p := Progress{Amount: l.amount(&s, &mo), NextReview: l.NextReview(now)}
	p.KeepBy = p.NextReview
	if eff > 0 {
		p.Tier = l.tiers[eff-1].Name
	}
	if eff < len(l.tiers) {
		p.Next = l.tiers[eff].Name
		p.ToNext = max(0, l.thr[eff]-p.Amount)
	}
	base := l.qualify(0)
	switch {
	case eff <= base:
		// Nothing to keep: no activity qualifies for it.
	case s.floor == eff && s.floor > max(s.earned, base):
		if until := l.date(s.until, mo.t.Location()); until.Before(p.NextReview) {
			p.KeepBy = until
			if l.qualified(&s, &mo) < eff {
				p.ToKeep = max(0, l.thr[eff-1]-p.Amount)
			}
		}
	case s.grace > 0:
		p.KeepBy = l.date(s.due, mo.t.Location())
		p.ToKeep = max(0, l.thr[s.earned-1]-p.Amount)
	case l.opts.Downgrade == NoDowngrade && s.revoke == 0:
	default:
		p.ToKeep = l.toKeep(&s, eff, &mo, p.NextReview)
	}
	return p
}

// toKeep is what the member must add before review r so that the window at r
// still qualifies them for level.
func (l *Ladder) toKeep(s *snap, level int, now *moment, r time.Time) int64 {
	need := l.thr[level-1]
	var known int64
	switch l.window {
	case Lifetime:
		known = s.total
	case CalendarYear:
		y := now.year
		switch r.Year() {
		case y:
			if s.year(y-1) >= need {
				return 0
			}
			known = s.year(y)
		case y + 1:
			known = s.year(y)
		}
	case Rolling12Months:
		k := now.month
		for i := monthIndex(r) - (monthSlots - 1); i <= k; i++ {
			known += s.month(i)
		}
	}
	return max(0, need-known)
}

// NextReview returns the first scheduled review after now.
func (l *Ladder) NextReview(now time.Time) time.Time {
	first, step := l.opts.Reviews.First, l.opts.Reviews.Months
	if l.loc != nil {
		first, now = first.In(l.loc), now.In(l.loc)
	} else {
		// First is a date whose midnight falls in now's zone.
		y, m, d := first.Date()
		hh, mm, ss := first.Clock()
		first = time.Date(y, m, d, hh, mm, ss, first.Nanosecond(), now.Location())
	}
	d := (now.Year()-first.Year())*12 + int(now.Month()) - int(first.Month())
	k := d - mod(d, step)
	t := first.AddDate(0, k, 0)
	for !t.After(now) {
		k += step
		t = first.AddDate(0, k, 0)
	}
	for {
		prev := first.AddDate(0, k-step, 0)
		if !prev.After(now) {
			return t
		}
		k, t = k-step, prev
	}
}

// date parses a stored date (2006-01-02) as its midnight in loc (the zone of
// the moment it is read at); zero when malformed.
func (l *Ladder) date(s string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

// period is a bucket's Period string for key, cached: most evaluations
// count in the same period as the one before.
type period struct {
	key int
	s   string
}

// yearPeriod and monthPeriod are the Period of a bucket counter: 2006 and
// 2006-01.
func (l *Ladder) yearPeriod(y int) string {
	if p := l.lastPeriod.Load(); p != nil && p.key == y {
		return p.s
	}
	s := string([]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10)})
	l.lastPeriod.Store(&period{y, s})
	return s
}

func (l *Ladder) monthPeriod(k int) string {
	if p := l.lastPeriod.Load(); p != nil && p.key == k {
		return p.s
	}
	y, m := k/12, k%12+1
	s := string([]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-', byte('0' + m/10), byte('0' + m%10)})
	l.lastPeriod.Store(&period{k, s})
	return s
}

func mod64(a, n int64) int64 {
	m := a % n
	if m < 0 {
		m += n
	}
	return m
}

func mod(a, n int) int {
	m := a % n
	if m < 0 {
		m += n
	}
	return m
}
