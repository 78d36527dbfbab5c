package tiers_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/tiers"
)

// A calendar-year ladder reviews on 1 January of the program's zone, which
// starts at 11:00 UTC on 31 December in Auckland and at 08:00 UTC on
// 1 January in Los Angeles; a ladder with a Location of its own reviews in
// it whatever the program's zone; a quarterly one on the 1st of January,
// April, July and October only.
func TestLadderMayBeDueOnlyOnItsReviewDatesInItsZone(t *testing.T) {
	akl, la := loyaltytest.Zone(t, "Pacific/Auckland"), loyaltytest.Zone(t, "America/Los_Angeles")
	yearly := spendLadder(t, tiers.CalendarYear, nil)
	quarterly := spendLadder(t, tiers.CalendarYear, &tiers.Options{Reviews: tiers.Schedule{Months: 3}})
	inLA := spendLadder(t, tiers.CalendarYear, &tiers.Options{Location: la})
	prog := func(loc *time.Location) *loyalty.Program {
		return &loyalty.Program{Name: "shop", Currency: "USD", Location: loc}
	}
	utc := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name   string
		ladder *tiers.Ladder
		zone   *time.Location
		at     time.Time
		due    bool
	}{
		{"Auckland, 23:59 on 31 December", yearly, akl, utc(2026, 12, 31, 10, 59), false},
		{"Auckland, midnight on 1 January", yearly, akl, utc(2026, 12, 31, 11, 0), true},
		{"Auckland, 23:59 on 1 January", yearly, akl, utc(2027, 1, 1, 10, 59), true},
		{"Auckland, 2 January", yearly, akl, utc(2027, 1, 1, 11, 0), false},
		{"Los Angeles, 23:59 on 31 December", yearly, la, utc(2027, 1, 1, 7, 59), false},
		{"Los Angeles, midnight on 1 January", yearly, la, utc(2027, 1, 1, 8, 0), true},
		{"Los Angeles, 23:59 on 1 January", yearly, la, utc(2027, 1, 2, 7, 59), true},
		{"UTC, 1 January", yearly, nil, utc(2027, 1, 1, 0, 0), true},
		{"UTC, 1 April, yearly", yearly, nil, utc(2027, 4, 1, 12, 0), false},
		{"UTC, 1 April, quarterly", quarterly, nil, utc(2027, 4, 1, 12, 0), true},
		{"UTC, 2 April, quarterly", quarterly, nil, utc(2027, 4, 2, 0, 0), false},
		{"UTC, 1 May, quarterly", quarterly, nil, utc(2027, 5, 1, 12, 0), false},
		{"the ladder's own zone over the program's", inLA, akl, utc(2027, 1, 1, 8, 0), true},
		{"the ladder's own zone, still 31 December there", inLA, akl, utc(2027, 1, 1, 7, 59), false},
	} {
		assert.Equal(t, tc.due, tc.ladder.MayBeDue(prog(tc.zone), tc.at), "%s: MayBeDue at %s", tc.name, tc.at)
	}
}
