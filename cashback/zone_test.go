package cashback_test

import (
	"errors"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/loyaltytest"
)

func TestAccrualPeriodsFollowTheProgramsZone(t *testing.T) {
	for _, tc := range []struct {
		zone    string
		at      time.Time
		account loyalty.Account
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
	f.clock.Set(time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC))
	if _, err := cashback.Payout(ctx, f.e, f.store, "2026-Q4", nil); !errors.Is(err, cashback.ErrPeriodNotOver) {
		t.Fatalf("Payout of Q4 before it ends in Los Angeles: %v, want ErrPeriodNotOver", err)
	}
	if rep := f.payout(""); rep.Period != "2026-Q3" || rep.Paid != 0 {
		t.Fatalf("Payout of the last period over: %+v, want 2026-Q3 paying nobody", rep)
	}
	f.wantBalance("ann", q4, 800)

	// 08:00 UTC is midnight there (PST, -8).
	f.clock.Set(time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC))
	if rep := f.payout(""); rep.Period != "2026-Q4" || rep.Paid != 1 || !rep.Amount.Amount.Equal(dec("8")) {
		t.Fatalf("Payout at midnight in Los Angeles: %+v, want 2026-Q4 paying 8.00", rep)
	}
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.wantBalance("ann", q4, 0)
}

func TestScheduleInCountsInTheGivenZoneUnlessItHasItsOwn(t *testing.T) {
	akl := loyaltytest.Zone(t, "Pacific/Auckland")
	at := time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC) // 1 January in Auckland
	s := &cashback.Schedule{Every: cashback.Quarterly}
	if got := s.In(akl).Key(at); got != "2027-Q1" {
		t.Errorf("key in Auckland %q, want 2027-Q1", got)
	}
	if got := s.Key(at); got != "2026-Q4" {
		t.Errorf("key without a zone %q, want the UTC quarter 2026-Q4", got)
	}
	own := &cashback.Schedule{Every: cashback.Quarterly, Location: time.UTC}
	if got := own.In(akl).Key(at); got != "2026-Q4" {
		t.Errorf("a schedule's own Location was overridden: %q", got)
	}
}
