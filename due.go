package loyalty

import (
	"context"
	"time"
)

// DueLister is implemented by member listers (stores) that can also list only
// the members the engine's own jobs have something due for, so that
// Engine.RunJobs need not load every member on a day when nothing else is
// due (see DueCalendar).
//
// MembersDue returns, like Members and in the same order, up to limit
// member IDs after the ID after ("" for the first page) of the members
// whose NextDue is not after by (a lot activates or expires) or who hold an
// open grant whose ExpiresAt is not after by. after may be any member
// Members lists, due or not, so that a caller can page through one listing
// and go on in the other. A member with something due by by is never left
// out; one listed may have nothing due once loaded (it changed meanwhile).
//
// passed is how many members of Members' listing it went through after
// after, those it lists and those it passes over: up to the last one
// listed, or to the end when fewer than limit are listed. A caller paging on
// from the last one listed counts every member once (RunJobs reports them
// in JobReport.Members, as a run visiting every member does).
type DueLister interface {
	MemberLister
	MembersDue(ctx context.Context, by time.Time, after string, limit int) (ids []string, passed int, err error)
}

// DueCalendar is implemented by a Periodic rule whose jobs fall due only on
// days of a calendar the same for every member: a tier ladder reviews on
// its review dates and has no job for anyone on the others. MayBeDue
// reports whether Due may return a job, for some member at some stage, at
// now (in UTC; judge the day in the rule's or p's zone, as Due does); false
// promises that Due returns no job for any member at now.
//
// On a run where every Periodic rule of the program is a DueCalendar and
// none may be due, Engine.RunJobs visits only the members a DueLister lists
// as due, which is the same as visiting them all: the others would have
// had nothing written. A Periodic rule that is not a DueCalendar (a
// birthday gift, a cashback payout, whose day depends on the member or on
// what the member accrued) makes RunJobs visit every member, every run.
type DueCalendar interface {
	Periodic
	MayBeDue(p *Program, now time.Time) bool
}

// dueCalendars returns the program's Periodic rules as DueCalendars, and
// false when one of them is not one.
func (e *Engine) dueCalendars() ([]DueCalendar, bool) {
	var cals []DueCalendar
	for _, rule := range e.program.Rules {
		per, ok := rule.(Periodic)
		if !ok {
			continue
		}
		cal, ok := per.(DueCalendar)
		if !ok {
			return nil, false
		}
		cals = append(cals, cal)
	}
	return cals, true
}

// calendarDue reports whether one of cals may have a job due at now; a
// panicking MayBeDue counts as due, so that its Due runs (and its panic is
// reported for the member, as RunJobs reports Due's).
func (e *Engine) calendarDue(cals []DueCalendar, now time.Time) bool {
	for _, c := range cals {
		if mayBeDue(c, e.program, now) {
			return true
		}
	}
	return false
}

func mayBeDue(c DueCalendar, p *Program, now time.Time) (due bool) {
	defer func() {
		if recover() != nil {
			due = true
		}
	}()
	return c.MayBeDue(p, now)
}
