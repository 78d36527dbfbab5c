package economics_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/economics"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
)

// TestComputeCountsMembersPerTierAtThePeriodsEnd: a lifetime spend ladder
// (Silver from 100.00, Gold from 500.00); over the quarter ann spends
// 600.00 (Gold), bob 150.00 (Silver), cid 20.00 (no tier); dan joins in
// April and spends 700.00, after the period. At the end of March: one
// Silver, one Gold, on every adapter; the series' last month says the same.
func TestComputeCountsMembersPerTierAtThePeriodsEnd(t *testing.T) {
	ctx := context.Background()
	d := decimal.RequireFromString
	ladder, err := tiers.NewLadder("vip", tiers.Spend("USD"), tiers.Lifetime, []tiers.Tier{
		{Name: "Silver", Threshold: d("100")}, {Name: "Gold", Threshold: d("500")}}, nil)
	require.NoError(t, err)
	rate, err := points.NewRate("base", 1, decimal.NewFromInt(1))
	require.NoError(t, err)
	o := &economics.Options{Currency: "USD", Interval: calendar.Month, Tiers: []loyalty.StandingRule{ladder}}
	for name, s := range adaptertest.Stores(t) {
		prog := &loyalty.Program{Name: "vip", Currency: "USD", Rules: []loyalty.Rule{ladder, rate}}
		clock := loyalty.NewManualClock(day(1, 5))
		e, err := loyalty.NewEngine(prog, s, &loyalty.EngineOptions{Clock: clock})
		require.NoError(t, err)
		for _, m := range []string{"ann", "bob", "cid"} {
			_, err := e.Enroll(ctx, "enrol-"+m, loyalty.Member{ID: m, JoinedAt: day(1, 5)})
			require.NoError(t, err, name)
		}
		buy := func(member, id, total string, at time.Time) {
			t.Helper()
			clock.Set(at)
			_, err := e.Earn(ctx, "o-"+id, order(member, id, total, at))
			require.NoError(t, err, name)
		}
		buy("ann", "1", "300.00", day(1, 10))
		buy("ann", "2", "300.00", day(2, 10))
		buy("bob", "3", "150.00", day(3, 1))
		buy("cid", "4", "20.00", day(3, 2))
		clock.Set(day(4, 3))
		_, err = e.Enroll(ctx, "enrol-dan", loyalty.Member{ID: "dan", JoinedAt: day(4, 3)})
		require.NoError(t, err, name)
		buy("dan", "5", "700.00", day(4, 4))

		r, err := economics.Compute(ctx, s, quarter(), o)
		require.NoError(t, err, name)
		want := []economics.TierCount{{Rule: "vip", Level: 1, Tier: "Silver", Members: 1}, {Rule: "vip", Level: 2, Tier: "Gold", Members: 1}}
		assert.Equal(t, want, r.Total.Tiers, name)
		require.Len(t, r.Series, 3, name)
		assert.Equal(t, want, r.Series[2].Tiers, name)
		assert.Nil(t, r.Series[0].Tiers, name)

		// Up to now dan counts, in Gold.
		now := economics.Period{Start: quarter().Start, End: day(4, 5)}
		got, err := economics.Tiers(ctx, s, o.Tiers, now.End)
		require.NoError(t, err, name)
		assert.Equal(t, []economics.TierCount{{Rule: "vip", Level: 1, Tier: "Silver", Members: 1}, {Rule: "vip", Level: 2, Tier: "Gold", Members: 2}}, got, name)
	}
}

func TestComputeRefusesANilLadderWithNoReport(t *testing.T) {
	s := memory.New()
	buildLedger(t, s)
	o := opts()
	o.Tiers = []loyalty.StandingRule{nil}
	r, err := economics.Compute(context.Background(), s, quarter(), o)
	require.ErrorIs(t, err, economics.ErrInvalidInput)
	var ie *economics.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "tiers", ie.Field)
	assert.Nil(t, r)
}
