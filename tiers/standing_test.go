package tiers_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/tiers"
)

func TestStandingInASummarySaysTierNextAndWhatToKeep(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 3, 1))
	h.enroll("m")
	h.buy("m", "1500.00")
	h.at(day(2027, 6, 1))
	h.buy("m", "600.00")

	s, err := h.engine.Summary(h.ctx, "m", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Gold, kept through 2027 by 2026's spend; 600.00 spent in 2027, 900.00
	// more to keep Gold past the 2028 review, 4,400.00 more to Platinum.
	want := loyalty.Standing{
		Rule: "vip", Tier: "Gold", Level: 3, Next: "Platinum",
		Amount: 600_00, ToNext: 4400_00, AmountText: "600.00 USD", ToNextText: "4400.00 USD",
		KeepBy: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), ToKeep: 900_00,
	}
	if len(s.Standings) != 1 || s.Standings[0] != want {
		t.Fatalf("standings %+v\nwant %+v", s.Standings, want)
	}
	// The same as the ladder's own Status and Progress.
	if p := h.progress("m"); p.Tier != want.Tier || p.ToNext != want.ToNext || p.ToKeep != want.ToKeep {
		t.Fatalf("progress %+v disagrees with the standing", p)
	}
}
