package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 15, 30, 0, 0, time.UTC) }

func TestPeriodKeyNamesDayISOWeekMonthQuarterYear(t *testing.T) {
	for _, tc := range []struct {
		p    Period
		t    time.Time
		want string
	}{
		{Lifetime, date(2026, 11, 22), ""},
		{Day, date(2026, 11, 22), "2026-11-22"},
		{Day, date(2026, 1, 5), "2026-01-05"},
		{Week, date(2026, 11, 22), "2026-W47"}, // a Sunday closes its ISO week
		{Week, date(2026, 11, 23), "2026-W48"}, // the Monday opens the next
		{Week, date(2027, 1, 1), "2026-W53"},   // early January can be last year's week
		{Week, date(2024, 12, 30), "2025-W01"}, // late December can be next year's
		{Month, date(2026, 11, 22), "2026-11"},
		{Month, date(2026, 2, 1), "2026-02"},
		{Quarter, date(2026, 11, 22), "2026-Q4"},
		{Quarter, date(2026, 3, 31), "2026-Q1"},
		{Quarter, date(2026, 4, 1), "2026-Q2"},
		{Year, date(2026, 11, 22), "2026"},
		{Year, date(987, 1, 1), "0987"},
	} {
		assert.Equal(t, tc.want, tc.p.Key(tc.t), "%v.Key(%s)", tc.p, tc.t.Format(time.DateOnly))
	}
}

func TestPeriodKeyUsesTheTimesOwnLocation(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	utc := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC) // 05:00 on the 23rd in Tokyo
	assert.Equal(t, "2026-11-22", Day.Key(utc), "the UTC day")
	assert.Equal(t, "2026-11-23", Day.Key(utc.In(tokyo)), "the Tokyo day")
}

func TestPeriodEndIsFirstInstantOfNextPeriod(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600)
	at := time.Date(2026, 11, 22, 23, 59, 59, 0, ny) // a Sunday
	for _, tc := range []struct {
		p    Period
		want time.Time
	}{
		{Day, time.Date(2026, 11, 23, 0, 0, 0, 0, ny)},
		{Week, time.Date(2026, 11, 23, 0, 0, 0, 0, ny)},
		{Month, time.Date(2026, 12, 1, 0, 0, 0, 0, ny)},
		{Quarter, time.Date(2027, 1, 1, 0, 0, 0, 0, ny)},
		{Year, time.Date(2027, 1, 1, 0, 0, 0, 0, ny)},
		{Lifetime, time.Time{}},
	} {
		got := tc.p.End(at)
		assert.True(t, got.Equal(tc.want), "%v.End(%v) = %v, want %v", tc.p, at, got, tc.want)
	}
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, ny)
	got, want := Week.End(monday), time.Date(2026, 11, 30, 0, 0, 0, 0, ny)
	assert.True(t, got.Equal(want), "Week.End(Monday) = %v, want the next Monday %v", got, want)
	got, want = Quarter.End(time.Date(2026, 2, 10, 0, 0, 0, 0, ny)), time.Date(2026, 4, 1, 0, 0, 0, 0, ny)
	assert.True(t, got.Equal(want), "Quarter.End(February) = %v, want %v", got, want)
}

// Every period's Start, End, Key and Parse agree, in a zone ahead of UTC and
// one behind it: Parse(Key(t)) is Start(t), t lies in [Start, End), and End
// starts the next period.
func TestPeriodStartEndKeyAndParseAgreeAheadOfAndBehindUTC(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland")
	require.NoError(t, err)
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	instants := []time.Time{
		time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), // a new year east of UTC
		time.Date(2026, 1, 1, 0, 15, 0, 0, time.UTC),    // still last year west of UTC
		time.Date(2026, 3, 8, 10, 30, 0, 0, time.UTC),   // Los Angeles springs forward that day
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC), // a Sunday, ISO week 53 of 2026
	}
	for _, loc := range []*time.Location{auckland, la, time.UTC} {
		for _, at := range instants {
			t0 := at.In(loc)
			for _, p := range []Period{Hour, Day, Week, Month, Quarter, Year} {
				start, end, key := p.Start(t0), p.End(t0), p.Key(t0)
				require.False(t, t0.Before(start), "%s of %v starts after it: %v", p, t0, start)
				require.True(t, t0.Before(end), "%s of %v ends before it: %v", p, t0, end)
				require.Equal(t, key, p.Key(start), "%s: the start %v is in another period than %v", p, start, t0)
				require.NotEqual(t, key, p.Key(end), "%s: the end %v is in the same period as %v", p, end, t0)
				parsed, err := p.Parse(key, loc)
				require.NoError(t, err, "%s %q", p, key)
				require.True(t, parsed.Equal(start), "%s: Parse(%q) = %v, want %v", p, key, parsed, start)
			}
		}
	}
	assert.Equal(t, "2027-01-01T12", Hour.Key(instants[0].In(auckland)))
	assert.Equal(t, "2025-12-31", Day.Key(instants[1].In(la)))
	assert.Equal(t, "2026-W53", Week.Key(instants[4]))
}

func TestParseRefusesAKeyThatKeyWouldNotWrite(t *testing.T) {
	for p, keys := range map[Period][]string{
		Lifetime: {"", "2026"},
		Hour:     {"2026-11-22", "2026-11-22T24", "2026-11-22T1"},
		Day:      {"2026-02-30", "2026-11", "0999-01-01"},
		Week:     {"2026-W54", "2026-W00", "2026-W1", "2026-11"},
		Month:    {"2026-13", "2026-00", "2026-1", "2026-Q1"},
		Quarter:  {"2026-Q5", "2026-Q0", "2026-11"},
		Year:     {"26", "0999", "2026-01"},
	} {
		for _, k := range keys {
			_, err := p.Parse(k, nil)
			assert.ErrorIs(t, err, ErrInvalidKey, "%s accepts %q", p, k)
		}
	}
}

func TestMonthsAndValid(t *testing.T) {
	for p, want := range map[Period]int{Lifetime: 0, Hour: 0, Day: 0, Week: 0, Month: 1, Quarter: 3, Year: 12} {
		assert.Equal(t, want, p.Months(), "%s", p)
		assert.True(t, p.Valid(), "%s", p)
	}
	assert.False(t, Period(99).Valid())
	assert.Equal(t, "period(99)", Period(99).String())
}
