package points

import (
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
)

// The expiry policies below implement loyalty.ExpiryPolicy. A lot expires at
// the instant ExpiresAt returns: at that instant it is expired
// (ledger.Lot.Expired), one nanosecond before it is not. The Engine hands a
// policy the earned time in the program's zone (loyalty.Program.Location),
// so calendar days, months and years are the shop's: points earned at 20:00
// on 31 January in Los Angeles (04:00 on 1 February in UTC) under
// EndOfPeriodAfter(0, Month) expire at midnight on 1 February in Los
// Angeles, 08:00 UTC.

// Never is the policy under which points never expire; a nil
// loyalty.ExpiryPolicy means the same.
type Never struct{}

// ExpiresAt returns the zero time: never.
func (Never) ExpiresAt(time.Time) time.Time { return time.Time{} }

// AfterDays is the policy under which a lot expires N calendar days after it
// was earned, at the same wall-clock time in the earned time's location
// (time.Time.AddDate, so a daylight-saving change does not move it by an
// hour): AfterDays(365) of 10:00 on 1 March 2026 is 10:00 on 1 March 2027.
type AfterDays int

// ExpiresAt returns earned plus n days.
func (n AfterDays) ExpiresAt(earned time.Time) time.Time { return earned.AddDate(0, 0, int(n)) }

// Validate rejects a non-positive number of days, under which points would
// expire the moment they are earned.
func (n AfterDays) Validate() error {
	if n <= 0 {
		return definition.Invalid("expiry.days", "must be positive, got "+strconv.Itoa(int(n)))
	}
	return nil
}

// EndOfPeriod is the policy under which a lot expires at the end of the
// calendar period (Month, Quarter or Year) in which the date Months calendar
// months after earning falls. The months are calendar months with the day
// clamped to the end of a shorter month, and the end of the period is the
// first instant of the next period, midnight in the earned time's location.
// So with EndOfPeriodAfter(1, Month) points earned on 31 January 2026 (plus
// one month: 28 February) expire at 00:00 on 1 March 2026, not on 1 April as
// normalizing to 3 March would give; EndOfPeriodAfter(0, Year) expires
// points at the end of the year they were earned in, and
// EndOfPeriodAfter(12, Quarter) at the end of the same quarter a year later.
type EndOfPeriod struct {
	Months int
	Period calendar.Period
}

// EndOfPeriodAfter returns the policy expiring lots at the end of the period
// p that contains the earned time plus months.
func EndOfPeriodAfter(months int, p calendar.Period) EndOfPeriod {
	return EndOfPeriod{Months: months, Period: p}
}

// ExpiresAt returns the end of the period containing earned plus Months.
func (e EndOfPeriod) ExpiresAt(earned time.Time) time.Time {
	return e.Period.End(calendar.AddMonths(earned, e.Months))
}

// Validate rejects negative months and a period other than Month, Quarter
// or Year.
func (e EndOfPeriod) Validate() error {
	if e.Months < 0 {
		return definition.Invalid("expiry.months", "is negative")
	}
	switch e.Period {
	case calendar.Month, calendar.Quarter, calendar.Year:
		return nil
	}
	return definition.Invalid("expiry.period", "must be month, quarter or year, got "+e.Period.String())
}
