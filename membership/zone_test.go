package membership_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty/membership"
)

// Behind UTC: a month paid on 15 February 10:00 in Los Angeles (PST,
// UTC−8) ends on 15 March 10:00 there, which is PDT (UTC−7): 17:00 UTC, an
// hour before a month counted in UTC would end.
func TestBenefitsStopAtTheLocalEndBehindUTC(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	f := newFixture(t, la, 0)
	f.clock.Set(time.Date(2026, 2, 15, 18, 0, 0, 0, time.UTC)) // 10:00 PST
	_, err = f.pay(t, "pay-1", "monthly", "5.00")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 3, 15, 17, 0, 0, 0, time.UTC), f.state(t).End)
	f.clock.Set(time.Date(2026, 3, 15, 16, 59, 59, 0, time.UTC))
	require.Equal(t, int64(20), f.earn(t, "o1"))
	f.clock.Set(time.Date(2026, 3, 15, 17, 0, 0, 0, time.UTC))
	require.Equal(t, membership.Lapsed, f.state(t).Status)
	require.Equal(t, int64(10), f.earn(t, "o2"), "lapsed at 10:00 PDT though 18:00 UTC is an hour away")
}

// Ahead of UTC: paid on 31 January 08:00 in Tokyo (30 January 23:00 UTC),
// a month ends on 28 February 08:00 there (27 February 23:00 UTC), not on
// 28 February 23:00 UTC as a month counted from 30 January UTC would.
func TestBenefitsStopAtTheLocalEndAheadOfUTC(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	f := newFixture(t, tokyo, 2)
	f.clock.Set(time.Date(2026, 1, 30, 23, 0, 0, 0, time.UTC))
	_, err = f.pay(t, "pay-1", "monthly", "5.00")
	require.NoError(t, err)
	s := f.state(t)
	require.Equal(t, time.Date(2026, 2, 27, 23, 0, 0, 0, time.UTC), s.End)
	require.Equal(t, time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), s.GraceEnd, "two days of grace: 2 March 08:00 in Tokyo")
	f.clock.Set(time.Date(2026, 3, 1, 22, 59, 0, 0, time.UTC))
	require.Equal(t, int64(20), f.earn(t, "o1"), "in grace")
	f.clock.Set(time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC))
	require.Equal(t, int64(10), f.earn(t, "o2"), "lapsed at 08:00 in Tokyo")
}
