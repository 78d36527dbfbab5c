package tiers_test

import (
	"context"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
)

// zonedEngine runs a USD program of l in loc on a memory store.
func zonedEngine(t *testing.T, l *tiers.Ladder, loc *time.Location, clock *loyalty.ManualClock) *loyalty.Engine {
	t.Helper()
	p := &loyalty.Program{Name: "shop", Currency: "USD", Location: loc, Rules: []loyalty.Rule{l}}
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Enroll(context.Background(), "enroll", loyalty.Member{ID: "m"}); err != nil {
		t.Fatal(err)
	}
	return e
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
			clock := loyalty.NewManualClock(tc.at)
			e := zonedEngine(t, spendLadder(t, tc.window, nil), loyaltytest.Zone(t, tc.zone), clock)
			o := &loyalty.Order{ID: "o1", MemberID: "m", PlacedAt: tc.at, Currency: "USD",
				Lines: []loyalty.OrderLine{{SKU: "sku", Quantity: 1, UnitPrice: dec("100.00")}}}
			if _, err := e.Earn(context.Background(), "earn", o); err != nil {
				t.Fatal(err)
			}
			st, err := e.Member(context.Background(), "m")
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := counter(st, tc.counter); !ok || c.PeriodKey != tc.period || c.Value != 10000 {
				t.Fatalf("counter %s = %+v (%v), want %s at 10000", tc.counter, c, ok, tc.period)
			}
		})
	}
}

func TestNextReviewFallsAtMidnightInTheZoneOfNow(t *testing.T) {
	akl := loyaltytest.Zone(t, "Pacific/Auckland")
	l := spendLadder(t, tiers.Lifetime, nil)
	// 1 January 2027 begins at 11:00 UTC on 31 December in Auckland (NZDT, +13).
	got := l.NextReview(time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC).In(akl))
	if want := time.Date(2026, 12, 31, 11, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("next review %v, want %v", got.UTC(), want)
	}
}

func TestLadderIsDueForAReviewOnItsReviewDateInTheProgramsZone(t *testing.T) {
	akl := loyaltytest.Zone(t, "Pacific/Auckland")
	l := spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.ToQualified})
	clock := loyalty.NewManualClock(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
	e := zonedEngine(t, l, akl, clock)
	o := &loyalty.Order{ID: "o1", MemberID: "m", PlacedAt: clock.Now(), Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "sku", Quantity: 1, UnitPrice: dec("1600.00")}}}
	if _, err := e.Earn(context.Background(), "earn", o); err != nil {
		t.Fatal(err)
	}
	st, err := e.Member(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	due := func(now time.Time, stage loyalty.JobStage) []loyalty.Job {
		return l.Due(&loyalty.Input{Now: now, Program: e.Program(), State: st, Member: &st.Member}, stage, nil)
	}
	// 10:30 UTC on 31 December 2026 is still the 31st in Auckland.
	if jobs := due(time.Date(2026, 12, 31, 10, 30, 0, 0, time.UTC), loyalty.StageReview); len(jobs) != 0 {
		t.Fatalf("due before the review date: %+v", jobs)
	}
	jobs := due(time.Date(2026, 12, 31, 11, 30, 0, 0, time.UTC), loyalty.StageReview)
	if len(jobs) != 1 || jobs[0].Name != "tier-review/vip" || jobs[0].Action.Kind != tiers.ActionTierReview ||
		jobs[0].Action.Data[tiers.DataLadder] != "vip" || jobs[0].Action.Ref != "tier review 2027-01-01" {
		t.Fatalf("jobs on 1 January in Auckland: %+v, want one review of vip", jobs)
	}
	if jobs := due(time.Date(2026, 12, 31, 11, 30, 0, 0, time.UTC), loyalty.StageGrant); len(jobs) != 0 {
		t.Fatalf("a review at the grant stage: %+v", jobs)
	}
}
