package rewards_test

import (
	"context"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
)

// couponLife runs a coupon's life on store: bought, used at checkout, given
// back by the order's full return (the order record keeps its codes), used
// again; another bought and refunded; a third expired by RunJobs.
func couponLife(t *testing.T, store loyalty.Store) {
	ctx := context.Background()
	cat, err := rewards.NewCatalog("catalog", "USD", &rewards.Options{GiveBack: rewards.GiveBackOnFullReturn}, catalogRewards()...)
	require.NoError(t, err)
	rate, err := points.NewRate("base", 1, dec("1"))
	require.NoError(t, err)
	p := &loyalty.Program{ID: "shop", Name: "shop", Currency: "USD", Rules: []loyalty.Rule{rate, cat}}
	clock := loyalty.NewManualClock(monday)
	e, err := loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: clock, Random: mrand.NewChaCha8([32]byte{7})})
	require.NoError(t, err)
	require.NoError(t, cat.Setup(ctx, e))
	_, err = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "adjust-ann", "ann", 1000, "opening balance")
	require.NoError(t, err)
	held := func() int64 {
		b, err := e.AccountBalance(ctx, "ann", ledger.RewardsAccount)
		require.NoError(t, err)
		return b.Available
	}

	pct, err := cat.Buy(ctx, e, "buy-1", "ann", "ten-pct")
	require.NoError(t, err)
	o := cart("o1", "ann", pct.Coupon.Code)
	_, err = e.Earn(ctx, "earn-o1", o)
	require.NoError(t, err)
	require.Equal(t, int64(0), held())
	_, err = e.Return(ctx, "return-o1", returnOf("", "r1", "o1", allLines(o)...))
	require.NoError(t, err)
	assert.Equal(t, int64(1), held(), "the coupon is given back")
	_, err = e.Earn(ctx, "earn-o2", cart("o2", "ann", pct.Coupon.Code))
	require.NoError(t, err, "and used again")
	assert.Equal(t, int64(0), held())

	ship, err := cat.Buy(ctx, e, "buy-2", "ann", "free-ship")
	require.NoError(t, err)
	_, err = cat.Refund(ctx, e, "refund-2", "ann", ship.Coupon.GrantID)
	require.NoError(t, err)
	left, err := cat.StockLeft(ctx, e, "free-ship")
	require.NoError(t, err)
	assert.Equal(t, int64(2), left)
	assert.Equal(t, int64(0), held())

	_, err = cat.Buy(ctx, e, "buy-3", "ann", "ten-off") // valid 30 days
	require.NoError(t, err)
	require.Equal(t, int64(1), held())
	clock.Advance(31 * 24 * time.Hour)
	rep, err := e.RunJobs(ctx, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Jobs["expire-grants"])
	assert.Equal(t, int64(0), held())
}

func TestCouponLifeOnSQLite(t *testing.T) {
	couponLife(t, adaptertest.SQLite(t))
}

// TestCouponLifeOnPostgres needs LOYALTY_POSTGRES_DSN; it works in a schema
// of its own, dropped at the end.
func TestCouponLifeOnPostgres(t *testing.T) {
	couponLife(t, adaptertest.PostgresOrSkip(t))
}
