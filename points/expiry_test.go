package points_test

import (
	"testing"
	"time"
	_ "time/tzdata" // America/New_York for the daylight-saving test

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	_ loyalty.ExpiryPolicy = points.Never{}
	_ loyalty.ExpiryPolicy = points.AfterDays(30)
	_ loyalty.ExpiryPolicy = points.EndOfPeriodAfter(1, calendar.Month)
)

func TestEndOfMonthAfterOneMonthOfJanuary31ExpiresOnMarch1NotApril1(t *testing.T) {
	policy := points.EndOfPeriodAfter(1, calendar.Month)
	for _, year := range []int{2026, 2024} { // 28 and 29 February
		earned := time.Date(year, 1, 31, 15, 0, 0, 0, time.UTC)
		want := time.Date(year, 3, 1, 0, 0, 0, 0, time.UTC)
		got := policy.ExpiresAt(earned)
		assert.True(t, got.Equal(want), "earned %s: expires %s, want %s (the end of February)", earned.Format(time.DateOnly), got, want)
	}
}

func TestEndOfPeriodAfterExpiresAtTheStartOfTheFollowingPeriod(t *testing.T) {
	for _, tc := range []struct {
		policy points.EndOfPeriod
		earned time.Time
		want   time.Time
	}{
		// 30 November + 3 months = 28 February: the end of Q1 is 1 April.
		{points.EndOfPeriodAfter(3, calendar.Quarter), time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)},
		// The end of the year earned in.
		{points.EndOfPeriodAfter(0, calendar.Year), time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		// 12 months later, then to the end of that year.
		{points.EndOfPeriodAfter(12, calendar.Year), time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)},
		// The end of the month earned in.
		{points.EndOfPeriodAfter(0, calendar.Month), time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		// 31 August + 6 months = 28 February: end of February.
		{points.EndOfPeriodAfter(6, calendar.Month), time.Date(2026, 8, 31, 9, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got := tc.policy.ExpiresAt(tc.earned)
		assert.True(t, got.Equal(tc.want), "%+v of %s: expires %s, want %s", tc.policy, tc.earned, got, tc.want)
	}
}

func TestEndOfPeriodIsMidnightInTheEarnedTimesLocation(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	earned := time.Date(2026, 1, 31, 22, 0, 0, 0, est) // already 1 February in UTC
	got := points.EndOfPeriodAfter(1, calendar.Month).ExpiresAt(earned)
	want := time.Date(2026, 3, 1, 0, 0, 0, 0, est)
	assert.True(t, got.Equal(want), "expires %s, want %s", got, want)
}

func TestAfterDaysKeepsTheWallClockAcrossDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	earned := time.Date(2026, 3, 7, 10, 0, 0, 0, ny) // DST starts on 8 March 2026
	got := points.AfterDays(1).ExpiresAt(earned)
	want := time.Date(2026, 3, 8, 10, 0, 0, 0, ny)
	assert.True(t, got.Equal(want), "expires %s, want %s", got, want)
	assert.Equal(t, 23*time.Hour, got.Sub(earned), "a DST day lasts 23h")
}

func TestLotExpiresExactlyAtItsExpiryInstant(t *testing.T) {
	earned := time.Date(2026, 1, 31, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		policy loyalty.ExpiryPolicy
		want   time.Time
	}{
		{"after 30 days", points.AfterDays(30), time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)},
		{"end of month after 1", points.EndOfPeriodAfter(1, calendar.Month), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	} {
		lot := ledger.Lot{Remaining: 100, EarnedAt: earned, ExpiresAt: tc.policy.ExpiresAt(earned)}
		assert.True(t, lot.ExpiresAt.Equal(tc.want), "%s: expires %s, want %s", tc.name, lot.ExpiresAt, tc.want)
		assert.False(t, lot.Expired(tc.want.Add(-time.Nanosecond)), "%s: expired a nanosecond before its expiry", tc.name)
		assert.True(t, lot.Expired(tc.want), "%s: not expired at its expiry instant", tc.name)
	}
}

func TestNeverExpires(t *testing.T) {
	earned := time.Date(2026, 1, 31, 15, 0, 0, 0, time.UTC)
	lot := ledger.Lot{Remaining: 100, EarnedAt: earned, ExpiresAt: points.Never{}.ExpiresAt(earned)}
	assert.True(t, lot.ExpiresAt.IsZero(), "a Never lot expires at %s", lot.ExpiresAt)
	assert.False(t, lot.Expired(earned.AddDate(100, 0, 0)), "a Never lot expired after 100 years")
}

func TestExpiryPoliciesRejectNegativesAndPeriodsTheyCannotEnd(t *testing.T) {
	for name, err := range map[string]error{
		"negative days":     points.AfterDays(-1).Validate(),
		"zero days":         points.AfterDays(0).Validate(),
		"negative months":   points.EndOfPeriodAfter(-1, calendar.Month).Validate(),
		"end of a day":      points.EndOfPeriodAfter(1, calendar.Day).Validate(),
		"end of a lifetime": points.EndOfPeriodAfter(1, calendar.Lifetime).Validate(),
	} {
		t.Run(name, func(t *testing.T) { assert.ErrorIs(t, err, loyalty.ErrInvalidProgram) })
	}
	for _, ok := range []interface{ Validate() error }{points.AfterDays(1), points.EndOfPeriodAfter(0, calendar.Year), points.EndOfPeriodAfter(3, calendar.Quarter)} {
		assert.NoError(t, ok.Validate(), "%+v", ok)
	}
	p := &loyalty.Program{Name: "p", Currency: "USD", Expiry: points.AfterDays(-5)}
	assert.ErrorIs(t, p.Validate(), loyalty.ErrInvalidProgram)
}
