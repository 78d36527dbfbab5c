package loyalty_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// dayCoupon grants on every order a coupon with a code that expires a day
// after the order is recorded.
var dayCoupon = rule{name: "day-coupon", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if _, ok := c.Event.(*loyalty.Order); !ok {
		return out
	}
	return append(out, loyalty.GrantReward(ledger.Grant{Reward: "day-off", ExpiresAt: c.Now.Add(24 * time.Hour)}, &loyalty.CodeFormat{Kind: "coupon"}))
}}

func rewardsHeld(t *testing.T, e *loyalty.Engine, member string) int64 {
	t.Helper()
	b, err := e.AccountBalance(context.Background(), member, ledger.RewardsAccount)
	require.NoError(t, err)
	return b.Available
}

func TestRunJobsExpiresAnOpenGrantOnceItsExpiryHasCome(t *testing.T) {
	ctx := context.Background()
	clock := loyalty.NewManualClock(now)
	p := &loyalty.Program{ID: "shop", Name: "shop", Currency: "USD", Rules: []loyalty.Rule{dayCoupon}}
	e2, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	_, err = e2.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	r, err := e2.Earn(ctx, "earn-1", tenDollars("ann", "o1"))
	require.NoError(t, err)
	require.Len(t, r.Grants, 1)
	require.Equal(t, int64(1), rewardsHeld(t, e2, "ann"))

	clock.Set(now.Add(24*time.Hour - time.Second))
	rep, err := e2.RunJobs(ctx, nil, nil)
	require.NoError(t, err)
	assert.Zero(t, rep.Jobs["expire-grants"])

	clock.Set(now.Add(24 * time.Hour))
	rep, err = e2.RunJobs(ctx, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Jobs["expire-grants"])
	assert.Equal(t, int64(0), rewardsHeld(t, e2, "ann"))
	h, err := e2.HistoryBefore(ctx, "ann", ledger.EntryID{}, 1)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, ledger.EntryExpire, h[0].Kind)
	assert.Equal(t, ledger.RewardsAccount, h[0].Account)
	assert.Equal(t, int64(-1), h[0].Amount)
	assert.Equal(t, r.Grants[0].ID, h[0].Ref)

	rep, err = e2.RunJobs(ctx, nil, nil)
	require.NoError(t, err)
	assert.Zero(t, rep.Written, "nothing left to expire")
}

func TestRefundGrantVoidsTheGrantAndItsCodeOnce(t *testing.T) {
	ctx := context.Background()
	e := sharedEngine(t, memory.New(), "", couponOnEveryOrder(""))
	_, err := e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	r, err := e.Earn(ctx, "earn-1", tenDollars("ann", "o1"))
	require.NoError(t, err)
	g := r.Grants[0]

	_, err = e.RefundGrant(ctx, "refund-0", "ann", g.ID, ledger.Claim{Counter: "stock", Amount: 0})
	assert.ErrorIs(t, err, loyalty.ErrInvalidClaim)
	_, err = e.RefundGrant(ctx, "refund-0", "ann", "no-such-grant")
	assert.ErrorIs(t, err, loyalty.ErrUnknownGrant)
	_, err = e.RefundGrant(ctx, "refund-0", "bob", g.ID)
	assert.Error(t, err, "bob holds nothing")
	require.Equal(t, int64(1), rewardsHeld(t, e, "ann"))

	rf, err := e.RefundGrant(ctx, "refund-1", "ann", g.ID)
	require.NoError(t, err)
	require.Len(t, rf.Grants, 1)
	assert.Equal(t, ledger.GrantVoid, rf.Grants[0].Status)
	assert.Equal(t, int64(0), rewardsHeld(t, e, "ann"))
	c, err := e.Code(ctx, g.Code)
	require.NoError(t, err)
	assert.True(t, c.Void)

	_, err = e.RefundGrant(ctx, "refund-2", "ann", g.ID)
	assert.ErrorIs(t, err, loyalty.ErrGrantNotOpen)
	assert.Equal(t, int64(0), rewardsHeld(t, e, "ann"))
}

func TestSettleExpiresAnOpenGrantOnceItsExpiryHasCome(t *testing.T) {
	ctx := context.Background()
	clock := loyalty.NewManualClock(now)
	p := &loyalty.Program{ID: "shop", Name: "shop", Currency: "USD", Rules: []loyalty.Rule{dayCoupon}}
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	_, err = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Earn(ctx, "earn-1", tenDollars("ann", "o1"))
	require.NoError(t, err)
	clock.Set(now.Add(24 * time.Hour))
	r, err := e.Settle(ctx, "settle-1", "ann")
	require.NoError(t, err)
	require.Len(t, r.Grants, 1)
	assert.Equal(t, ledger.GrantExpired, r.Grants[0].Status)
	assert.Equal(t, int64(0), rewardsHeld(t, e, "ann"))
}
