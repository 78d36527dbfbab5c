package referral_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/referral"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
)

// The referral program beside a points program on one SQLite database:
// its writes never change the points program's ledger of the same member.
func TestReferralBesidePointsOnSQLite(t *testing.T) {
	besidePoints(t, adaptertest.SQLite(t))
}

// The rewards credited to the points program on SQLite: held, voided by a
// return in the window, both there.
func TestRewardsCreditedToPointsOnSQLite(t *testing.T) {
	creditedAndVoided(t, newShopOn(t, config(), adaptertest.SQLite(t)))
}

func besidePoints(t *testing.T, store loyalty.Store) {
	clock := loyalty.NewManualClock(start)
	rate, err := points.NewRate("base", 1, dec("1"))
	require.NoError(t, err)
	shop, err := loyalty.NewEngine(&loyalty.Program{ID: "points", Name: "shop", Currency: "USD", Rules: []loyalty.Rule{rate}}, store,
		&loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	cfg := config()
	cfg.Velocity = referral.Velocity{Max: 1, Per: calendar.Hour}
	p, err := referral.New(cfg, store, &loyalty.EngineOptions{Clock: clock, Random: bytes.NewReader(make([]byte, 32))})
	require.NoError(t, err)

	for _, m := range []string{"ann", "bob"} {
		_, err := shop.Enroll(ctx, "enroll/"+m, loyalty.Member{ID: m})
		require.NoError(t, err)
	}
	code, err := p.CodeFor(ctx, "ann")
	require.NoError(t, err)
	_, err = p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code.Code, JoinedAt: start})
	require.NoError(t, err)
	_, err = p.Attribute(ctx, referral.Signup{Friend: "cat", Code: code.Code, JoinedAt: start})
	assert.ErrorIs(t, err, referral.ErrVelocity, "one signup an hour")

	o := order("o1", "bob", start, "80")
	_, err = shop.Earn(ctx, "earn/o1", o)
	require.NoError(t, err)
	out, err := p.OnOrder(ctx, o)
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason)

	ref, err := p.Engine().Balance(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(500), ref.Pending)
	pts, err := shop.Balance(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 80}, pts, "bob's shop points are the points program's alone")
	annShop, err := shop.Balance(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(0), annShop.Available+annShop.Pending)

	clock.Advance(3 * 24 * time.Hour)
	voided, err := p.OnReturn(ctx, &loyalty.Return{ID: "r1", OrderID: "o1", MemberID: "bob", ReturnedAt: clock.Now(), Amount: dec("10")})
	require.NoError(t, err)
	assert.True(t, voided, "a part returned in the window voids the reward")
	ref, err = p.Engine().Balance(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(0), ref.Pending+ref.Available)
}
