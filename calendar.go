package loyalty

import "time"

// The shop's calendar. The Engine keeps every instant in UTC; a calendar
// boundary (midnight, the end of a month, quarter or year, a birthday, a
// review date, a payout period) is judged in the program's Location and
// returned as an instant in UTC again.

// Zone returns the program's time zone: Location, or UTC when it is nil (or
// p is nil). Rules read "today" as c.Now.In(c.Program.Zone()).
func (p *Program) Zone() *time.Location {
	if p == nil || p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// ActionAnniversary is the action the periodic jobs (Engine.RunJobs) send to a
// member on the anniversary of the day they joined (Member.HasAnniversaryOn),
// for a rule that rewards it (points.NewAnniversary).
const ActionAnniversary ActionKind = "anniversary"

// HasAnniversaryOn reports whether day (in its own location) is a
// anniversary of the member's joining: the same month and day as JoinedAt read
// in day's location, in a later year. A member who joined on 29 February
// celebrates on 28 February in other years.
func (m *Member) HasAnniversaryOn(day time.Time) bool {
	if m.JoinedAt.IsZero() {
		return false
	}
	j := m.JoinedAt.In(day.Location())
	return day.Year() > j.Year() && sameDay(j.Month(), j.Day(), day)
}

// sameDay reports whether day falls on month and dayOfMonth, a 29 February
// falling on 28 February in a year that has none.
func sameDay(month time.Month, dayOfMonth int, day time.Time) bool {
	if month == time.February && dayOfMonth == 29 && !isLeap(day.Year()) {
		dayOfMonth = 28
	}
	return day.Month() == month && day.Day() == dayOfMonth
}

// birthDate is the calendar date of t (its year, month and day in its own
// location) as midnight UTC: how a Member's Birthday is stored, so that a
// date of birth written in any zone keeps its day.
func birthDate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
