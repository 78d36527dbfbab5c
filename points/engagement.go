package points

import (
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
)

// Limit says how often an engagement rule pays a member: at most Times in
// each Period. Limit{Times: 1} is once per lifetime, Limit{Times: 3, Per:
// Week} at most three times a week. The zero Limit is unlimited.
type Limit struct {
	Times int64
	Per   calendar.Period
}

// IsZero reports whether l is unlimited.
func (l Limit) IsZero() bool { return l.Times == 0 }

// String describes the limit: "once per lifetime", "at most 3 per week",
// "unlimited".
func (l Limit) String() string {
	switch {
	case l.Times == 0:
		return "unlimited"
	case l.Times == 1:
		return "once per " + l.Per.String()
	}
	return "at most " + strconv.FormatInt(l.Times, 10) + " per " + l.Per.String()
}

// Engagement earns fixed points for an engagement action of one kind (a
// review, a newsletter sign-up, a social follow, a host's own action), at
// most as often as its Limit allows.
//
// A limited rule counts the actions it paid for in a counter named after the
// rule whose Period is the Key of the limit's period containing the
// evaluation's now, in Location, or in the program's zone
// (loyalty.Program.Location, UTC when unset) when Location is nil: "2026-11-22" for a day,
// "2026-W47" for an ISO week, "2026-11" for a month, "" for a lifetime. Once
// the counter reaches the limit the rule earns nothing until the next
// period. An unlimited rule keeps no counter.
//
// Build it with NewEngagement, NewWelcome, NewBirthday or NewAnniversary.
// Stack and Location must not change once a program using it is evaluated.
//
// A birthday or anniversary rule takes part in the periodic jobs
// (loyalty.Engine.RunJobs, as a loyalty.Periodic): on the member's day, in
// the program's zone, the jobs send it its action, once a year.
type Engagement struct {
	// Stack says how the rule combines with the others of its program.
	Stack loyalty.Stacking
	// Location, when set, overrides the program's zone for the limit's
	// periods (and a birthday's or anniversary's day); nil uses the
	// program's zone.
	Location *time.Location

	name     string
	kind     loyalty.ActionKind
	points   int64
	limit    Limit
	birthday bool
	anniv    bool
	note     string
}

// NewEngagement returns the rule name earning points for each action of
// kind, limited by limit. It fails with an error wrapping
// loyalty.ErrInvalidProgram for an empty name or kind, non-positive points, a
// negative limit or an unknown period.
func NewEngagement(name string, kind loyalty.ActionKind, points int64, limit Limit) (*Engagement, error) {
	e := &Engagement{name: name, kind: kind, points: points, limit: limit}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	e.note = string(kind)
	if !limit.IsZero() {
		e.note += ", " + limit.String()
	}
	return e, nil
}

// NewWelcome returns the rule name earning points once per lifetime, on the
// member's loyalty.ActionSignup.
func NewWelcome(name string, points int64) (*Engagement, error) {
	return NewEngagement(name, loyalty.ActionSignup, points, Limit{Times: 1, Per: calendar.Lifetime})
}

// NewBirthday returns the rule name earning points on a loyalty.ActionBirthday
// that falls on the member's birthday (loyalty.Member.HasBirthdayOn the
// evaluation's now), once per calendar year. The birthday and its year are
// read in the rule's Location when set, else in the program's zone
// (loyalty.Program.Location), else in the location of now: a birthday on
// 7 December in an Auckland shop is celebrated while it is 7 December in
// Auckland, even when UTC still says the 6th. Engine.RunJobs sends the
// action to every member whose birthday it is.
func NewBirthday(name string, points int64) (*Engagement, error) {
	e, err := NewEngagement(name, loyalty.ActionBirthday, points, Limit{Times: 1, Per: calendar.Year})
	if err != nil {
		return nil, err
	}
	e.birthday = true
	e.note = "birthday, once per year"
	return e, nil
}

// NewAnniversary returns the rule name earning points on a
// loyalty.ActionAnniversary that falls on an anniversary of the member's
// joining (loyalty.Member.HasAnniversaryOn the evaluation's now: the month and
// day of JoinedAt, 28 February for a 29 February in other years, from one year
// after joining), once per calendar year, the day read as for NewBirthday.
// Engine.RunJobs sends the action to every member whose anniversary it is.
func NewAnniversary(name string, points int64) (*Engagement, error) {
	e, err := NewEngagement(name, loyalty.ActionAnniversary, points, Limit{Times: 1, Per: calendar.Year})
	if err != nil {
		return nil, err
	}
	e.anniv = true
	e.note = "anniversary, once per year"
	return e, nil
}

// Name returns the rule's name; it is also the name of its counter.
func (e *Engagement) Name() string { return e.name }

// Kind returns the action kind the rule earns on.
func (e *Engagement) Kind() loyalty.ActionKind { return e.kind }

// Limit returns the rule's limit.
func (e *Engagement) Limit() Limit { return e.limit }

// Stacking returns e.Stack.
func (e *Engagement) Stacking() loyalty.Stacking { return e.Stack }

// Validate checks the rule, for its constructors and Program.Validate: a
// name, a kind, positive points and a limit that is not negative, in a
// known period.
func (e *Engagement) Validate() error {
	if err := definition.ValidName(e.name); err != nil {
		return err
	}
	switch {
	case e.kind == "":
		return definition.Invalid("kind", "is empty")
	case e.points <= 0:
		return definition.Invalid("points", "must be positive")
	case e.limit.Times < 0:
		return definition.Invalid("limit.times", "is negative")
	case e.limit.Per > calendar.Year:
		return definition.Invalid("limit.per", "is an unknown period")
	}
	return nil
}

// Evaluate earns the points and counts the action, unless the event is not
// an action of the rule's kind, it is not the member's birthday (for a
// birthday rule), or the limit is reached.
func (e *Engagement) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != e.kind || e.points <= 0 {
		return effects
	}
	t := e.today(c)
	if (e.birthday || e.anniv) && !e.isDay(c.Member, t) {
		return effects
	}
	if e.limit.IsZero() {
		return append(effects, loyalty.Earn(e.points, loyalty.OrderLevel, e.note))
	}
	key := e.limit.Per.Key(t)
	if c.State.Counter(e.name, key) >= e.limit.Times {
		return effects
	}
	return append(effects, loyalty.Earn(e.points, loyalty.OrderLevel, e.note), loyalty.Count(e.name, key, 1))
}

// today is the evaluation's now where the rule counts: in its Location, else
// the program's zone; a birthday or anniversary rule without either reads
// now in its own location.
func (e *Engagement) today(c *loyalty.Input) time.Time {
	if (e.birthday || e.anniv) && e.Location == nil && (c.Program == nil || c.Program.Location == nil) {
		return c.Now
	}
	return local(c, e.Location)
}

// isDay reports whether day is the member's birthday (or anniversary).
func (e *Engagement) isDay(m *loyalty.Member, day time.Time) bool {
	switch {
	case m == nil:
		return false
	case e.birthday:
		return m.HasBirthdayOn(day)
	case e.anniv:
		return m.HasAnniversaryOn(day)
	}
	return true
}

// Due implements loyalty.Periodic: at loyalty.StageGrant, a birthday or
// anniversary rule is due for a member whose day it is, in the program's
// zone, and who has not had it this year; its job sends the rule's action
// with Ref the day ("2026-12-07"). Other engagement rules have no jobs: their
// actions come from the member.
func (e *Engagement) Due(c *loyalty.Input, stage loyalty.JobStage, jobs []loyalty.Job) []loyalty.Job {
	if stage != loyalty.StageGrant || !(e.birthday || e.anniv) || e.points <= 0 {
		return jobs
	}
	t := e.today(c)
	if !e.isDay(c.Member, t) {
		return jobs
	}
	if !e.limit.IsZero() && c.State != nil && c.State.Counter(e.name, e.limit.Per.Key(t)) >= e.limit.Times {
		return jobs
	}
	return append(jobs, loyalty.Job{Name: e.name, Action: loyalty.Action{Kind: e.kind, Ref: t.Format(time.DateOnly)}})
}
