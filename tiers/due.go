package tiers

import (
	"time"

	"github.com/loyaltykit/loyalty"
)

var _ loyalty.DueCalendar = (*Ladder)(nil)

// MayBeDue implements loyalty.DueCalendar: a ladder's reviews (Due) fall
// only on its review dates (Options.Reviews, in the ladder's Location, else
// the program's zone), the same for every member, so on any other day
// Engine.RunJobs need not visit the members nothing else is due for.
func (l *Ladder) MayBeDue(p *loyalty.Program, now time.Time) bool {
	if l.thr == nil || p == nil {
		return false
	}
	t := l.moment(l.local(&loyalty.Input{Now: now, Program: p})).t
	y, m, d := t.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	return l.NextReview(midnight.Add(-time.Nanosecond)).Equal(midnight)
}
