package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddMonthsClampsToTheMonthEndAndKeepsTheWallClockInTheZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo") // UTC+9, no daylight saving
	require.NoError(t, err)
	ny, err := time.LoadLocation("America/New_York") // UTC−5, −4 from 8 March 2026
	require.NoError(t, err)
	utc := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 15, 30, 0, 0, time.UTC) }

	for _, tc := range []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		// Month ends, in UTC at 15:30.
		{"31 Jan + 1 is 28 Feb, not 3 March as AddDate gives", utc(2026, 1, 31), 1, utc(2026, 2, 28)},
		{"31 Mar + 1 is 30 Apr, a 30-day month", utc(2026, 3, 31), 1, utc(2026, 4, 30)},
		{"31 Mar − 1 is 28 Feb, backwards", utc(2026, 3, 31), -1, utc(2026, 2, 28)},
		{"31 Dec + 2 is 28 Feb across a year", utc(2026, 12, 31), 2, utc(2027, 2, 28)},
		{"31 Jan + 13 is 28 Feb a year on", utc(2026, 1, 31), 13, utc(2027, 2, 28)},
		{"15 Jan − 1 is 15 Dec of the year before", utc(2026, 1, 15), -1, utc(2025, 12, 15)},
		{"15 Jan − 13 is 15 Dec two years before", utc(2026, 1, 15), -13, utc(2024, 12, 15)},
		{"30 Jan − 12 keeps the day", utc(2026, 1, 30), -12, utc(2025, 1, 30)},
		{"28 Feb + 1 is 28 Mar, the day is never raised", utc(2026, 2, 28), 1, utc(2026, 3, 28)},
		{"0 months is t itself", utc(2026, 5, 15), 0, utc(2026, 5, 15)},
		// Leap years: every fourth, not a century unless it divides by 400.
		{"31 Jan 2024 + 1 is 29 Feb, a leap year", utc(2024, 1, 31), 1, utc(2024, 2, 29)},
		{"29 Feb 2024 + 12 is 28 Feb 2025", utc(2024, 2, 29), 12, utc(2025, 2, 28)},
		{"29 Feb 2024 + 48 is 29 Feb 2028", utc(2024, 2, 29), 48, utc(2028, 2, 29)},
		{"31 Jan 2100 + 1 is 28 Feb, a century", utc(2100, 1, 31), 1, utc(2100, 2, 28)},
		{"31 Jan 2000 + 1 is 29 Feb, a 400th year", utc(2000, 1, 31), 1, utc(2000, 2, 29)},
		// A zone ahead of UTC: 00:30 on 31 January in Tokyo is 15:30 on 30
		// January in UTC, yet the month end is Tokyo's.
		{"Tokyo 31 Jan 00:30 + 1 is Tokyo 28 Feb 00:30",
			time.Date(2026, 1, 31, 0, 30, 0, 0, tokyo), 1, time.Date(2026, 2, 28, 0, 30, 0, 0, tokyo)},
		{"Tokyo 31 Mar 08:59 − 1 is Tokyo 28 Feb 08:59",
			time.Date(2026, 3, 31, 8, 59, 0, 0, tokyo), -1, time.Date(2026, 2, 28, 8, 59, 0, 0, tokyo)},
		// A zone behind UTC: 23:30 on 31 January in New York is 04:30 on 1
		// February in UTC, yet it is still January there.
		{"New York 31 Jan 23:30 + 1 is New York 28 Feb 23:30",
			time.Date(2026, 1, 31, 23, 30, 0, 0, ny), 1, time.Date(2026, 2, 28, 23, 30, 0, 0, ny)},
		{"New York 31 Jan 12:00 + 2 keeps 12:00 across daylight saving (16:00 UTC, not 17:00)",
			time.Date(2026, 1, 31, 12, 0, 0, 0, ny), 2, time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC)},
		{"nanoseconds are kept",
			time.Date(2026, 8, 31, 9, 15, 30, 123456789, ny), 1, time.Date(2026, 9, 30, 9, 15, 30, 123456789, ny)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AddMonths(tc.from, tc.n)
			assert.True(t, got.Equal(tc.want), "AddMonths(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
			assert.Equal(t, tc.from.Location(), got.Location(), "the result stays in t's location")
		})
	}
	got := utc(2026, 1, 31).AddDate(0, 1, 0)
	require.Equal(t, 3, got.Day(), "the standard library changed: AddDate(Jan 31, 1 month) = %v", got)
}

func TestAddMonthsReadsTheMonthInTheZoneItIsGiven(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	// 20:00 UTC on 30 April is 05:00 on 1 May in Tokyo: one month on is 30
	// May in UTC but 1 June in Tokyo, as membership and cashback ask for it.
	at := time.Date(2026, 4, 30, 20, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2026, 5, 30, 20, 0, 0, 0, time.UTC), AddMonths(at, 1))
	assert.Equal(t, time.Date(2026, 6, 1, 5, 0, 0, 0, tokyo), AddMonths(at.In(tokyo), 1))
	assert.Equal(t, time.Date(2026, 5, 31, 20, 0, 0, 0, time.UTC), AddMonths(at.In(tokyo), 1).UTC())
}
