package games

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
)

// Milestone is what a streak gives when it reaches Length periods.
type Milestone struct {
	Length int64
	Points int64
	Reward *ledger.Grant
	Code   *loyalty.CodeFormat
}

// Streak counts consecutive days or ISO weeks (Monday to Sunday) with an
// order of at least MinOrder, in the program's zone (loyalty.Program.Location)
// or the streak's Location: an order in the period right after the last
// one counted lengthens the streak, an order after a gap starts it again
// at 1, and reaching a milestone's length gives its reward (once per
// streak; a streak broken and rebuilt reaches it again). The member's
// counters "<name>:last" (the number of the last period counted, plus
// one), "<name>:length" and "<name>:best" hold it.
type Streak struct {
	Stack    loyalty.Stacking
	Location *time.Location
	// MinOrder is the least order value that counts.
	MinOrder decimal.Decimal

	name       string
	per        calendar.Period
	milestones []Milestone
	cLast      string
	cLen       string
	cBest      string
}

// NewStreak returns the streak name counting periods per (calendar.Day or
// calendar.Week), with its milestones. It fails with an error wrapping
// loyalty.ErrInvalidProgram as Validate says.
func NewStreak(name string, per calendar.Period, milestones []Milestone) (*Streak, error) {
	s := &Streak{name: name, per: per, milestones: append([]Milestone(nil), milestones...)}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Name returns the streak's name.
func (s *Streak) Name() string { return s.name }

// Stacking returns s.Stack.
func (s *Streak) Stacking() loyalty.Stacking { return s.Stack }

// Validate checks the streak: a name, a period of a day or a week,
// milestones of increasing positive lengths each giving something.
func (s *Streak) Validate() error {
	switch {
	case s.name == "":
		return definition.Invalid("name", "is empty")
	case s.per != calendar.Day && s.per != calendar.Week:
		return definition.Invalid("per", "must be a day or a week")
	case len(s.milestones) == 0:
		return definition.Invalid("milestones", "is empty")
	case s.MinOrder.Sign() < 0:
		return definition.Invalid("min_order", "is negative")
	}
	for i, m := range s.milestones {
		f := "milestones[" + strconv.Itoa(i) + "]"
		if m.Length < 1 || (i > 0 && m.Length <= s.milestones[i-1].Length) {
			return definition.Invalid(f+".length", "must be positive and longer than the one before")
		}
		rw := reward{points: m.Points, grant: m.Reward, code: m.Code}
		if err := rw.validate(f); err != nil {
			return err
		}
	}
	s.cLast, s.cLen, s.cBest = s.name+":last", s.name+":length", s.name+":best"
	return nil
}

// index numbers the period of t's date: days since 1970-01-01, or weeks
// since Monday 1970-01-05.
func (s *Streak) index(t time.Time) int64 {
	y, m, d := t.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	if s.per == calendar.Week {
		days -= 4
		w := days / 7
		if days%7 < 0 {
			w--
		}
		return w
	}
	return days
}

func (s *Streak) loc(p *loyalty.Program) *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return zone(p)
}

// Evaluate counts the period the order was placed in (Order.PlacedAt, in
// the zone) into the streak; an order of a period before the last counted
// changes nothing.
func (s *Streak) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil || s.cLast == "" || c.Value <= 0 || c.Value < c.Units(s.MinOrder) {
		return effects
	}
	idx := s.index(c.Order.PlacedAt.In(s.loc(c.Program))) + 1 // 0 means never; the order's own time, in the zone
	st := c.State
	last, length := st.Counter(s.cLast, ""), st.Counter(s.cLen, "")
	switch {
	case last >= idx:
		return effects // this period counted already
	case last == idx-1:
		length++
	default:
		length = 1
	}
	setL, setN := loyalty.Count(s.cLast, "", idx), loyalty.Count(s.cLen, "", length)
	setL.Set, setN.Set = true, true
	effects = append(effects, setL, setN)
	if length > st.Counter(s.cBest, "") {
		b := loyalty.Count(s.cBest, "", length)
		b.Set = true
		effects = append(effects, b)
	}
	for _, m := range s.milestones {
		if m.Length == length {
			rw := reward{points: m.Points, grant: m.Reward, code: m.Code}
			note := s.name + ": " + strconv.FormatInt(length, 10) + " " + s.per.String() + "s in a row"
			effects = rw.append(effects, note)
			effects = append(effects, loyalty.NotifyChange(NoticeStreak, "", strconv.FormatInt(length, 10), note))
		}
	}
	return effects
}

// Length is the member's current streak as of now: 0 once a whole period
// passed without an order.
func (s *Streak) Length(p *loyalty.Program, st *loyalty.State, now time.Time) int64 {
	idx := s.index(now.In(s.loc(p))) + 1
	if st.Counter(s.cLast, "") < idx-1 {
		return 0
	}
	return st.Counter(s.cLen, "")
}

// Progress is the current streak of the next milestone's length (the last
// milestone's once past it); Completed is the best streak.
func (s *Streak) Progress(p *loyalty.Program, st *loyalty.State, now time.Time) Progress {
	n := s.Length(p, st, now)
	of := s.milestones[len(s.milestones)-1].Length
	for _, m := range s.milestones {
		if m.Length > n {
			of = m.Length
			break
		}
	}
	return Progress{Rule: s.name, Unit: s.per.String() + "s", Done: n, Of: of, Completed: st.Counter(s.cBest, "")}
}
