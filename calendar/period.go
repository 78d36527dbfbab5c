package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Period is a span of the shop's calendar: what a counter or cap starts
// afresh on (points), what cashback accrues over, what a membership bills
// for, what a referral code's velocity is counted in. Each package that
// takes a Period says which it accepts. The zero value is Lifetime: it never
// starts afresh.
type Period uint8

// Periods. Hour comes last so that the others keep their values.
const (
	Lifetime Period = iota
	Day
	// Week is the ISO 8601 week: Monday to Sunday, numbered within its ISO year.
	Week
	Month
	Quarter
	Year
	Hour
)

// ErrInvalidKey: a period key (Period.Parse) that does not name a period of
// the Period it is parsed for.
var ErrInvalidKey = errors.New("calendar: invalid period key")

// Valid reports whether p is one of the periods above.
func (p Period) Valid() bool { return p <= Hour }

// Months is the period's length in calendar months: 1 for Month, 3 for
// Quarter, 12 for Year, 0 for the others.
func (p Period) Months() int {
	switch p {
	case Month:
		return 1
	case Quarter:
		return 3
	case Year:
		return 12
	}
	return 0
}

// String returns the period's lower-case name ("week").
func (p Period) String() string {
	switch p {
	case Lifetime:
		return "lifetime"
	case Hour:
		return "hour"
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

// Key names the period that contains t, in t's location: "" for Lifetime,
// "2026-11-22T13" for Hour, "2026-11-22" for Day, "2026-W47" for Week (ISO
// year and week), "2026-11" for Month, "2026-Q4" for Quarter and "2026" for
// Year. Rules use it as the PeriodKey of their counters, so a counter of an
// earlier period reads as zero. Where a clock falls back, the repeated hour's
// two Hour periods share one key.
func (p Period) Key(t time.Time) string {
	var buf [16]byte
	b := buf[:0]
	y, m, d := t.Date()
	switch p {
	case Hour, Day:
		b = appendYear(b, y)
		b = append(b, '-')
		b = append2(b, int(m))
		b = append(b, '-')
		b = append2(b, d)
		if p == Hour {
			b = append(b, 'T')
			b = append2(b, t.Hour())
		}
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

// Start returns the first instant of the period that contains t, in t's
// location: the top of the hour, midnight of the day, of the week's Monday,
// or of the first day of the month, quarter or year. It returns the zero
// time for Lifetime, which has no start.
func (p Period) Start(t time.Time) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch p {
	case Hour:
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, loc)
	case Day:
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case Week:
		return time.Date(y, m, d-(int(t.Weekday())+6)%7, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case Quarter:
		return time.Date(y, time.Month((int(m)-1)/3*3+1), 1, 0, 0, 0, 0, loc)
	case Year:
		return time.Date(y, time.January, 1, 0, 0, 0, 0, loc)
	}
	return time.Time{}
}

// End returns the first instant after the period that contains t, in t's
// location: the next hour, midnight of the next day, of the next Monday, or
// of the first day of the next month, quarter or year. It returns the zero
// time for Lifetime, which never ends.
func (p Period) End(t time.Time) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch p {
	case Hour:
		return time.Date(y, m, d, t.Hour()+1, 0, 0, 0, loc)
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

// Parse returns the start of the period named key, as Key writes it, in loc
// (UTC when nil): Parse("2026-Q4") of Quarter is 1 October 2026 at midnight.
// A key that Key would not write for p (another period's, a month 13, a
// week 54, Lifetime's, a year before 1000) is an error wrapping
// ErrInvalidKey.
func (p Period) Parse(key string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	var t time.Time
	var err error
	switch p {
	case Hour:
		t, err = time.ParseInLocation("2006-01-02T15", key, loc)
	case Day:
		t, err = time.ParseInLocation("2006-01-02", key, loc)
	case Month:
		t, err = time.ParseInLocation("2006-01", key, loc)
	case Year:
		t, err = time.ParseInLocation("2006", key, loc)
	case Quarter:
		if len(key) == 7 && key[4:6] == "-Q" && key[6] >= '1' && key[6] <= '4' {
			t, err = time.ParseInLocation("2006", key[:4], loc)
			t = time.Date(t.Year(), time.Month(int(key[6]-'1')*3+1), 1, 0, 0, 0, 0, loc)
		} else {
			err = ErrInvalidKey
		}
	case Week:
		// ISO week 1 holds 4 January; its Monday starts the ISO year.
		if len(key) == 8 && key[4:6] == "-W" {
			var w int
			if t, err = time.ParseInLocation("2006", key[:4], loc); err == nil {
				w, err = strconv.Atoi(key[6:])
			}
			if err == nil {
				jan4 := time.Date(t.Year(), time.January, 4, 0, 0, 0, 0, loc)
				t = Week.Start(jan4).AddDate(0, 0, 7*(w-1))
			}
		} else {
			err = ErrInvalidKey
		}
	default:
		err = ErrInvalidKey
	}
	if err != nil || t.Year() < 1000 || p.Key(t) != key {
		return time.Time{}, fmt.Errorf("%w: %q does not name a %s period", ErrInvalidKey, key, p)
	}
	return p.Start(t), nil
}
