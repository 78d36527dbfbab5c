package points

import (
	"strconv"
	"time"
)

// Period is a span of the calendar that counters and caps start afresh on.
// The zero value is Lifetime: it never starts afresh.
type Period uint8

// Periods.
const (
	Lifetime Period = iota
	Day
	// Week is the ISO 8601 week: Monday to Sunday, numbered within its ISO year.
	Week
	Month
	Quarter
	Year
)

// String returns the period's lower-case name ("week").
func (p Period) String() string {
	switch p {
	case Lifetime:
		return "lifetime"
	case Day:
		return "day"
	case Week:
		return "week"
	case Month:
		return "month"
	case Quarter:
		return "quarter"
	case Year:
		return "year"
	}
	return "period(" + strconv.Itoa(int(p)) + ")"
}

func (p Period) valid() bool { return p <= Year }

// Key names the period that contains t, in t's location: "" for Lifetime,
// "2026-11-22" for Day, "2026-W47" for Week (ISO year and week), "2026-11"
// for Month, "2026-Q4" for Quarter and "2026" for Year. Rules use it as the
// Period of their counters, so a counter of an earlier period reads as zero.
func (p Period) Key(t time.Time) string {
	var buf [16]byte
	b := buf[:0]
	y, m, d := t.Date()
	switch p {
	case Day:
		b = appendYear(b, y)
		b = append(b, '-')
		b = append2(b, int(m))
		b = append(b, '-')
		b = append2(b, d)
	case Week:
		iy, iw := t.ISOWeek()
		b = appendYear(b, iy)
		b = append(b, '-', 'W')
		b = append2(b, iw)
	case Month:
		b = appendYear(b, y)
		b = append(b, '-')
		b = append2(b, int(m))
	case Quarter:
		b = appendYear(b, y)
		b = append(b, '-', 'Q', byte('1'+(int(m)-1)/3))
	case Year:
		b = appendYear(b, y)
	default:
		return ""
	}
	return string(b)
}

// End returns the first instant after the period that contains t, in t's
// location: midnight of the next day, of the next Monday, or of the first
// day of the next month, quarter or year. It returns the zero time for
// Lifetime, which never ends.
func (p Period) End(t time.Time) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch p {
	case Day:
		return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case Week:
		// Days until the next Monday: Monday → 7, Sunday → 1.
		return time.Date(y, m, d+7-(int(t.Weekday())+6)%7, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	case Quarter:
		return time.Date(y, time.Month((int(m)-1)/3*3+4), 1, 0, 0, 0, 0, loc)
	case Year:
		return time.Date(y+1, time.January, 1, 0, 0, 0, 0, loc)
	}
	return time.Time{}
}

func appendYear(b []byte, y int) []byte {
	if y >= 0 && y <= 9999 {
		return append(b, '0'+byte(y/1000), '0'+byte(y/100%10), '0'+byte(y/10%10), '0'+byte(y%10))
	}
	return strconv.AppendInt(b, int64(y), 10)
}

func append2(b []byte, v int) []byte { return append(b, '0'+byte(v/10), '0'+byte(v%10)) }
