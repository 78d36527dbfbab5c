package calendar

import "time"

// AddMonths returns t plus n calendar months (n may be negative) at the same
// wall-clock time in t's location. Unlike time.Time.AddDate, which
// normalizes 31 February to 3 March, it clamps the day to the last day of
// the target month: 31 January plus one month is 28 February (29 in a leap
// year). To count months in another zone, pass t.In(zone).
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if last := daysIn(first.Year(), first.Month()); d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	return time.Date(first.Year(), first.Month(), d, hh, mm, ss, t.Nanosecond(), t.Location())
}

// daysIn returns the number of days of month m of year y: 28 or 29 for
// February, 30 or 31 for the others.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
