package cashback_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAccrualPeriodsFollowTheProgramsZone(t *testing.T) {
	for _, tc := range []struct {
		zone    string
		at      time.Time
		account ledger.Account
	}{
		// 12:00 UTC on 31 December is 01:00 on 1 January in Auckland.
		{"Pacific/Auckland", time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), "cashback:2027-Q1"},
		// 06:00 UTC on 1 January is 22:00 on 31 December in Los Angeles.
		{"America/Los_Angeles", time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC), "cashback:2026-Q4"},
	} {
		p := quarterly(t, loyalty.ClampAtZero, 0)
		p.Location = loyaltytest.Zone(t, tc.zone)
		f := newFixture(t, p, tc.at)
		f.enroll("ann")
		f.buy("ann", "a1", "400.00")
		f.wantBalance("ann", tc.account, 800)
	}
}

func TestPayoutPeriodEndsAtMidnightInTheProgramsZone(t *testing.T) {
	la := loyaltytest.Zone(t, "America/Los_Angeles")
	p := quarterly(t, loyalty.ClampAtZero, 0)
	p.Location = la
	f := newFixture(t, p, time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC))
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")

	// 07:00 UTC on 1 January is 23:00 on 31 December there: Q4 still runs,
	// and the last period over is Q3.
	f.Clock.Set(time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC))
	_, err := cashback.Payout(f.Ctx, f.Engine, f.store, "2026-Q4", nil)
	require.ErrorIs(t, err, cashback.ErrPeriodNotOver, "Payout of Q4 before it ends in Los Angeles")
	rep := f.payout("")
	require.Equal(t, "2026-Q3", rep.Period, "Payout of the last period over: %+v", rep)
	require.Zero(t, rep.Paid, "Payout of the last period over pays nobody: %+v", rep)
	f.wantBalance("ann", q4, 800)

	// 08:00 UTC is midnight there (PST, -8).
	f.Clock.Set(time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC))
	rep = f.payout("")
	require.Equal(t, "2026-Q4", rep.Period, "Payout at midnight in Los Angeles: %+v", rep)
	require.Equal(t, 1, rep.Paid, "Payout at midnight in Los Angeles: %+v", rep)
	require.Equal(t, "8", amount(rep.Amount), "Payout at midnight in Los Angeles: %+v", rep)
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.wantBalance("ann", q4, 0)
}

func TestScheduleInCountsInTheGivenZoneUnlessItHasItsOwn(t *testing.T) {
	akl := loyaltytest.Zone(t, "Pacific/Auckland")
	at := time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC) // 1 January in Auckland
	s := &cashback.Schedule{Every: calendar.Quarter}
	assert.Equal(t, "2027-Q1", s.In(akl).Key(at), "key in Auckland")
	assert.Equal(t, "2026-Q4", s.Key(at), "key without a zone: the UTC quarter")
	own := &cashback.Schedule{Every: calendar.Quarter, Location: time.UTC}
	assert.Equal(t, "2026-Q4", own.In(akl).Key(at), "a schedule's own Location is not overridden")
}
