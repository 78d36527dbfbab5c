package cashback

import (
	"fmt"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
)

// Period is the length of a cashback accrual period. Periods are calendar
// periods: a Quarterly period is January–March, April–June, July–September
// or October–December. The zero Period is no period, which Validate refuses.
type Period uint8

// Accrual periods.
const (
	Monthly Period = iota + 1
	Quarterly
	Yearly
)

func (p Period) valid() bool { return p >= Monthly && p <= Yearly }

// String returns "monthly", "quarterly" or "yearly".
func (p Period) String() string {
	switch p {
	case Monthly:
		return "monthly"
	case Quarterly:
		return "quarterly"
	case Yearly:
		return "yearly"
	}
	return "Period(" + strconv.Itoa(int(p)) + ")"
}

// months is the period's length in months.
func (p Period) months() int {
	switch p {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	}
	return 12
}

// Start returns the start of the period containing t, in t's location.
func (p Period) Start(t time.Time) time.Time {
	y, m, _ := t.Date()
	switch p {
	case Quarterly:
		m = (m-1)/3*3 + 1
	case Yearly:
		m = time.January
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
}

// End returns the end of the period containing t (the start of the next
// one), in t's location.
func (p Period) End(t time.Time) time.Time {
	return p.Start(t).AddDate(0, p.months(), 0)
}

// Key names the period containing t (in t's location): "2026-11" for a
// month, "2026-Q4" for a quarter, "2026" for a year. Keys of one Period sort
// in time order for the years 1000 to 9999.
func (p Period) Key(t time.Time) string {
	y, m, _ := t.Date()
	switch p {
	case Monthly:
		return fmt.Sprintf("%04d-%02d", y, int(m))
	case Quarterly:
		return fmt.Sprintf("%04d-Q%d", y, (int(m)-1)/3+1)
	}
	return fmt.Sprintf("%04d", y)
}

// Parse returns the start of the period named key (as Key writes it) in loc
// (UTC when nil). It fails with an error wrapping loyalty.ErrInvalidEvent for
// a key that does not name a period of p.
func (p Period) Parse(key string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	bad := func() (time.Time, error) {
		return time.Time{}, &loyalty.ValidationError{Field: "period", Reason: strconv.Quote(key) + " does not name a " + p.String() + " period", Kind: loyalty.ErrInvalidEvent}
	}
	if !p.valid() || len(key) < 4 {
		return bad()
	}
	y, err := strconv.Atoi(key[:4])
	if err != nil || y < 1000 {
		return bad()
	}
	rest := key[4:]
	m := 1
	switch p {
	case Monthly:
		if len(rest) != 3 || rest[0] != '-' {
			return bad()
		}
		if m, err = strconv.Atoi(rest[1:]); err != nil || m < 1 || m > 12 || rest[1] == '+' {
			return bad()
		}
	case Quarterly:
		if len(rest) != 3 || rest[:2] != "-Q" || rest[2] < '1' || rest[2] > '4' {
			return bad()
		}
		m = int(rest[2]-'1')*3 + 1
	case Yearly:
		if rest != "" {
			return bad()
		}
	}
	return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, loc), nil
}
