package points

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
