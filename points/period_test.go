package points

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

func TestAddMonthsClampsToTheLastDayOfTheMonth(t *testing.T) {
	for _, tc := range []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{date(2026, 1, 31), 1, date(2026, 2, 28)},  // not 3 March, as AddDate gives
		{date(2024, 1, 31), 1, date(2024, 2, 29)},  // leap year
		{date(2026, 3, 31), 1, date(2026, 4, 30)},  // 30-day month
		{date(2026, 3, 31), -1, date(2026, 2, 28)}, // backwards
		{date(2026, 12, 31), 2, date(2027, 2, 28)}, // across a year
		{date(2026, 1, 31), 13, date(2027, 2, 28)},
		{date(2026, 1, 15), -1, date(2025, 12, 15)},
		{date(2026, 1, 15), -13, date(2024, 12, 15)},
		{date(2026, 5, 15), 0, date(2026, 5, 15)},
	} {
		got := AddMonths(tc.from, tc.n)
		assert.True(t, got.Equal(tc.want), "AddMonths(%s, %d) = %s, want %s", tc.from.Format(time.DateOnly), tc.n, got.Format(time.DateTime), tc.want.Format(time.DateTime))
	}
	got := date(2026, 1, 31).AddDate(0, 1, 0)
	require.Equal(t, 3, got.Day(), "the standard library changed: AddDate(Jan 31, 1 month) = %v", got)
}
