package loyalty_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// zoned is an engine on a fresh memory store for a USD program in loc, with
// rules, its clock at start.
func zoned(t *testing.T, loc *time.Location, start time.Time, p *loyalty.Program) (*loyalty.Engine, *loyalty.ManualClock, *memory.Store) {
	t.Helper()
	p.Name, p.Currency, p.Location = "shop", "USD", loc
	clock := loyalty.NewManualClock(start)
	store := memory.New()
	e, err := loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	return e, clock, store
}

func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

func TestCalendarExpiryFallsAtMidnightInTheProgramsZone(t *testing.T) {
	la, akl := zone(t, "America/Los_Angeles"), zone(t, "Pacific/Auckland")
	for _, tc := range []struct {
		name    string
		loc     *time.Location
		policy  loyalty.ExpiryPolicy
		earned  time.Time
		expires time.Time
	}{
		// 20:00 on 31 January in Los Angeles is 04:00 on 1 February in UTC:
		// the points expire at the end of January there (08:00 UTC), not of February.
		{"end of month behind UTC", la, points.EndOfPeriodAfter(0, calendar.Month), utc(2026, 2, 1, 4, 0), utc(2026, 2, 1, 8, 0)},
		// 12:00 UTC on 31 January is 01:00 on 1 February in Auckland (NZDT,
		// +13): they expire at the end of February there.
		{"end of month ahead of UTC", akl, points.EndOfPeriodAfter(0, calendar.Month), utc(2026, 1, 31, 12, 0), utc(2026, 2, 28, 11, 0)},
		// Los Angeles moves to PDT (-7) on 8 March: 1 April begins at 07:00 UTC.
		{"end of month across a DST change", la, points.EndOfPeriodAfter(0, calendar.Month), utc(2026, 3, 5, 12, 0), utc(2026, 4, 1, 7, 0)},
		// Auckland leaves NZDT on 5 April, after the quarter ends at 00:00 NZDT.
		{"end of quarter ahead of UTC", akl, points.EndOfPeriodAfter(0, calendar.Quarter), utc(2026, 3, 10, 0, 0), utc(2026, 3, 31, 11, 0)},
		// 1 January 2027 begins at 08:00 UTC in Los Angeles.
		{"end of year behind UTC", la, points.EndOfPeriodAfter(0, calendar.Year), utc(2026, 12, 31, 20, 0), utc(2027, 1, 1, 8, 0)},
		// 10:00 PST on 1 March plus 30 days is 10:00 PDT on 31 March: 17:00 UTC, an hour earlier.
		{"after days keeps the wall clock across DST", la, points.AfterDays(30), utc(2026, 3, 1, 18, 0), utc(2026, 3, 31, 17, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e, clock, _ := zoned(t, tc.loc, tc.earned, &loyalty.Program{Expiry: tc.policy})
			_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
			require.NoError(t, err)
			_, err = e.Adjust(ctx, "credit", "ann", 100, "goodwill")
			require.NoError(t, err)
			st, err := e.Member(ctx, "ann")
			require.NoError(t, err)
			require.Equal(t, tc.expires, st.NextDue, "the lot expires at %v, want %v", st.NextDue, tc.expires)
			require.Equal(t, time.UTC, st.NextDue.Location())

			clock.Set(tc.expires.Add(-time.Microsecond))
			b, err := e.Balance(ctx, "ann")
			require.NoError(t, err)
			require.Equal(t, int64(100), b.Available, "a microsecond before its expiry")
			clock.Set(tc.expires)
			b, err = e.Balance(ctx, "ann")
			require.NoError(t, err)
			require.Equal(t, int64(0), b.Available, "at its expiry")
		})
	}
}

func TestBirthdayIsCelebratedOnTheDayInTheProgramsZone(t *testing.T) {
	ctx := context.Background()
	la, akl := zone(t, "America/Los_Angeles"), zone(t, "Pacific/Auckland")
	for _, tc := range []struct {
		name     string
		loc      *time.Location
		birthday time.Time
		at       time.Time
		want     int64
	}{
		// 12:00 UTC on 6 December is 01:00 on the 7th in Auckland. The date
		// of birth written in Auckland keeps its day once stored.
		{"ahead of UTC, UTC still says the 6th", akl, time.Date(1990, 12, 7, 0, 0, 0, 0, akl), utc(2026, 12, 6, 12, 0), 500},
		{"ahead of UTC, the 7th in UTC is the 8th there", akl, time.Date(1990, 12, 7, 0, 0, 0, 0, akl), utc(2026, 12, 7, 12, 0), 0},
		// 06:00 UTC on 7 December is 22:00 on the 6th in Los Angeles.
		{"behind UTC, a day early there", la, time.Date(1990, 12, 7, 0, 0, 0, 0, time.UTC), utc(2026, 12, 7, 6, 0), 0},
		{"behind UTC, UTC already says the 8th", la, time.Date(1990, 12, 7, 0, 0, 0, 0, time.UTC), utc(2026, 12, 8, 6, 0), 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &loyalty.Program{Rules: []loyalty.Rule{mustRule(t)(points.NewBirthday("birthday", 500))}}
			e, _, _ := zoned(t, tc.loc, tc.at, p)
			_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann", Birthday: tc.birthday})
			require.NoError(t, err)
			r, err := e.Act(ctx, "bday", &loyalty.Action{Kind: loyalty.ActionBirthday, MemberID: "ann"})
			require.NoError(t, err)
			require.Equal(t, tc.want, r.Points())
		})
	}
}

func TestEnrollKeepsTheDateOfBirthAsWritten(t *testing.T) {
	ctx := context.Background()
	akl := zone(t, "Pacific/Auckland")
	e, _, _ := zoned(t, nil, utc(2026, 1, 1, 0, 0), &loyalty.Program{})
	// Midnight on 7 December in Auckland is 11:00 on the 6th in UTC.
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann", Birthday: time.Date(1990, 12, 7, 0, 0, 0, 0, akl)})
	require.NoError(t, err)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, time.Date(1990, 12, 7, 0, 0, 0, 0, time.UTC), st.Member.Birthday)
	require.True(t, st.Member.HasBirthdayOn(time.Date(2026, 12, 7, 23, 0, 0, 0, akl)))
	require.False(t, st.Member.HasBirthdayOn(time.Date(2026, 12, 6, 23, 0, 0, 0, akl)))
}

func TestAnniversaryOfTheTwentyNinthOfFebruaryFallsOnTheTwentyEighthInOtherYears(t *testing.T) {
	m := loyalty.Member{ID: "ann", JoinedAt: utc(2024, 2, 29, 10, 0)}
	require.False(t, m.HasAnniversaryOn(utc(2024, 2, 29, 12, 0)), "the day of joining is no anniversary")
	require.True(t, m.HasAnniversaryOn(utc(2025, 2, 28, 12, 0)))
	require.False(t, m.HasAnniversaryOn(utc(2025, 3, 1, 12, 0)))
	require.True(t, m.HasAnniversaryOn(utc(2028, 2, 29, 12, 0)))
	require.False(t, m.HasAnniversaryOn(utc(2028, 2, 28, 12, 0)), "a leap year has its own 29 February")
	// Joined at 20:00 on 14 March in Los Angeles, which is the 15th in UTC.
	la := zone(t, "America/Los_Angeles")
	j := loyalty.Member{ID: "bob", JoinedAt: utc(2025, 3, 15, 3, 0)}
	require.True(t, j.HasAnniversaryOn(time.Date(2026, 3, 14, 9, 0, 0, 0, la)))
	require.False(t, j.HasAnniversaryOn(time.Date(2026, 3, 15, 9, 0, 0, 0, la)))
}

func TestProgramZoneIsUTCWhenUnset(t *testing.T) {
	require.Equal(t, time.UTC, (&loyalty.Program{}).Zone())
	require.Equal(t, time.UTC, (*loyalty.Program)(nil).Zone())
	la := zone(t, "America/Los_Angeles")
	require.Equal(t, la, (&loyalty.Program{Location: la}).Zone())
}

// A lot activating at T and another expiring at T: the settle activates
// first, then expires, whatever order the lots were earned in.
func TestSettleActivatesBeforeItExpiresAtTheSameInstant(t *testing.T) {
	ctx := context.Background()
	t0 := utc(2026, 3, 1, 12, 0)
	e, clock, _ := zoned(t, nil, t0, &loyalty.Program{PendingDays: 29, Expiry: points.AfterDays(30),
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}})
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	// Lot B: 100 spendable points expiring at t0 + 30 days.
	_, err = e.Adjust(ctx, "credit", "ann", 100, "goodwill")
	require.NoError(t, err)
	// Lot A, a day later: 50 points held for 29 days, so they activate at
	// t0 + 30 days, the instant B expires.
	clock.Set(t0.AddDate(0, 0, 1))
	o := orderOf(line("tee", "apparel", 1, "50.00"))
	o.MemberID, o.PlacedAt = "ann", clock.Now()
	_, err = e.Earn(ctx, "earn", o)
	require.NoError(t, err)

	clock.Set(t0.AddDate(0, 0, 30))
	r, err := e.Settle(ctx, "settle", "ann")
	require.NoError(t, err)
	var kinds []string
	for _, en := range r.Entries {
		kinds = append(kinds, string(en.Kind)+" "+en.Source)
	}
	require.Equal(t, []string{"activate hold", "expire expiry"}, kinds)
	require.Equal(t, int64(50), r.Entries[0].Amount)
	require.Equal(t, int64(-50), r.Entries[0].Pending)
	require.Equal(t, int64(-100), r.Entries[1].Amount)
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 50}, b)
}

// mustRule returns a function unwrapping a rule constructor's result.
func mustRule(t testing.TB) func(*points.Engagement, error) loyalty.Rule {
	return func(r *points.Engagement, err error) loyalty.Rule {
		t.Helper()
		require.NoError(t, err)
		return r
	}
}

func TestSettleWithNothingDueWritesNothingAndLeavesItsKeyUnused(t *testing.T) {
	ctx := context.Background()
	t0 := utc(2026, 3, 1, 12, 0)
	e, clock, store := zoned(t, nil, t0, &loyalty.Program{Expiry: points.AfterDays(30)})
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "credit", "ann", 100, "goodwill")
	require.NoError(t, err)
	before, err := e.Member(ctx, "ann")
	require.NoError(t, err)

	r, err := e.Settle(ctx, "settle", "ann")
	require.NoError(t, err)
	require.Empty(t, r.Entries)
	require.Equal(t, before.Version, r.Version, "the receipt is at the member's current version")
	_, err = store.Receipt(ctx, "settle")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "nothing stored under the key")
	after, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, before.Version, after.Version, "no write")

	// Once the lot expires the same key settles it.
	clock.Set(t0.AddDate(0, 0, 30))
	r, err = e.Settle(ctx, "settle", "ann")
	require.NoError(t, err)
	require.Len(t, r.Entries, 1)
	require.Equal(t, int64(-100), r.Entries[0].Amount)
}

func TestHeldPointsActivateAfterPendingDaysOfTheShopsCalendar(t *testing.T) {
	ctx := context.Background()
	la := zone(t, "America/Los_Angeles")
	// 12:00 PST on 7 March 2026 is 20:00 UTC; Los Angeles moves to PDT on 8
	// March, so one calendar day later is 12:00 PDT, 19:00 UTC: an hour
	// before 24 hours have passed.
	placed := utc(2026, 3, 7, 20, 0)
	e, clock, _ := zoned(t, la, placed, &loyalty.Program{PendingDays: 1,
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}})
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	o := orderOf(line("tee", "apparel", 1, "50.00"))
	o.MemberID, o.PlacedAt = "ann", placed
	_, err = e.Earn(ctx, "earn", o)
	require.NoError(t, err)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, utc(2026, 3, 8, 19, 0), st.NextDue, "held until 12:00 the next day in Los Angeles")

	clock.Set(utc(2026, 3, 8, 19, 0))
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 50}, b)
}
