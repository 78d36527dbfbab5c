package tiers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/tiers"
)

func TestStandingInASummarySaysTierNextAndWhatToKeep(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 3, 1))
	h.enroll("m")
	h.buy("m", "1500.00")
	h.at(day(2027, 6, 1))
	h.buy("m", "600.00")

	s, err := h.Engine.Summary(h.Ctx, "m", nil)
	require.NoError(t, err)
	// Gold, kept through 2027 by 2026's spend; 600.00 spent in 2027, 900.00
	// more to keep Gold past the 2028 review, 4,400.00 more to Platinum.
	want := loyalty.Standing{
		Rule: "vip", Tier: "Gold", Level: 3, Next: "Platinum",
		Amount: 600_00, ToNext: 4400_00, AmountText: "600.00 USD", ToNextText: "4400.00 USD",
		KeepBy: midnight(2028, 1, 1), ToKeep: 900_00,
	}
	require.Equal(t, []loyalty.Standing{want}, s.Standings)
	// The same as the ladder's own Status and Progress.
	p := h.progress("m")
	assert.Equal(t, want.Tier, p.Tier, "progress %+v disagrees with the standing: tier", p)
	assert.Equal(t, want.ToNext, p.ToNext, "progress %+v disagrees with the standing: to next", p)
	assert.Equal(t, want.ToKeep, p.ToKeep, "progress %+v disagrees with the standing: to keep", p)
}
