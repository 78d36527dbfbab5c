package tiers_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/tiers"
)

// zoned runs a USD program of l alone in loc, on a fresh memory store with
// the clock at start, and enrolls member "m".
func zoned(t *testing.T, l *tiers.Ladder, loc *time.Location, start time.Time) *loyaltytest.Harness {
	t.Helper()
	p := &loyalty.Program{Name: "shop", Currency: "USD", Location: loc, Rules: []loyalty.Rule{l}}
	h := loyaltytest.New(t, p, &loyaltytest.Options{Start: start})
	h.Enroll("m")
	return h
}

func TestWindowsCountInTheProgramsZone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		zone    string
		window  tiers.Window
		at      time.Time
		counter string
		period  string
	}{
		// 12:00 UTC on 31 December is 01:00 on 1 January in Auckland.
		{"year ahead of UTC", "Pacific/Auckland", tiers.CalendarYear, time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), "vip:y1", "2027"},
		// 05:00 UTC on 1 January is 21:00 on 31 December in Los Angeles.
		{"year behind UTC", "America/Los_Angeles", tiers.CalendarYear, time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC), "vip:y0", "2026"},
		// Los Angeles leaves PDT at 09:00 UTC on 1 November: 07:30 UTC is
		// already November there, 06:30 UTC still October.
		{"month across a DST change", "America/Los_Angeles", tiers.Rolling12Months, time.Date(2026, 11, 1, 7, 30, 0, 0, time.UTC), "vip:m12", "2026-11"},
		{"month before a DST change", "America/Los_Angeles", tiers.Rolling12Months, time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), "vip:m11", "2026-10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := zoned(t, spendLadder(t, tc.window, nil), loyaltytest.Zone(t, tc.zone), tc.at)
			h.Earn("earn", loyaltytest.Order("m", "o1").Line("sku", "100.00", 1).Build()) // placed at tc.at
			st, err := h.Engine.Member(h.Ctx, "m")
			require.NoError(t, err)
			assertCounter(t, st.Counters, tc.counter, tc.period, 10000)
		})
	}
}

func TestNextReviewFallsAtMidnightInTheZoneOfNow(t *testing.T) {
	akl := loyaltytest.Zone(t, "Pacific/Auckland")
	l := spendLadder(t, tiers.Lifetime, nil)
	// 1 January 2027 begins at 11:00 UTC on 31 December in Auckland (NZDT, +13).
	got := l.NextReview(time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC).In(akl))
	assert.WithinDuration(t, time.Date(2026, 12, 31, 11, 0, 0, 0, time.UTC), got, 0, "next review")
}

func TestLadderIsDueForAReviewOnItsReviewDateInTheProgramsZone(t *testing.T) {
	akl := loyaltytest.Zone(t, "Pacific/Auckland")
	l := spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.ToQualified})
	h := zoned(t, l, akl, midnight(2025, 3, 1))
	h.Earn("earn", loyaltytest.Order("m", "o1").Line("sku", "1600.00", 1).Build())
	st, err := h.Engine.Member(h.Ctx, "m")
	require.NoError(t, err)
	due := func(now time.Time, stage loyalty.JobStage) []loyalty.Job {
		return l.Due(&loyalty.Input{Now: now, Program: h.Program, State: st, Member: &st.Member}, stage, nil)
	}
	// 10:30 UTC on 31 December 2026 is still the 31st in Auckland.
	assert.Empty(t, due(time.Date(2026, 12, 31, 10, 30, 0, 0, time.UTC), loyalty.StageReview), "due before the review date")
	jobs := due(time.Date(2026, 12, 31, 11, 30, 0, 0, time.UTC), loyalty.StageReview)
	require.Len(t, jobs, 1, "jobs on 1 January in Auckland: %+v, want one review of vip", jobs)
	j := jobs[0]
	assert.Equal(t, "tier-review/vip", j.Name, "job %+v", j)
	assert.Equal(t, tiers.ActionTierReview, j.Action.Kind, "job %+v", j)
	assert.Equal(t, "vip", j.Action.Data[tiers.DataLadder], "job %+v", j)
	assert.Equal(t, "tier review 2027-01-01", j.Action.Ref, "job %+v", j)
	assert.Empty(t, due(time.Date(2026, 12, 31, 11, 30, 0, 0, time.UTC), loyalty.StageGrant), "a review at the grant stage")
}
