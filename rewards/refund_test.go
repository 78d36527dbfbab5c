package rewards_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/rewards"
)

func TestRefundGivesTheStockBackAndVoidsTheCoupon(t *testing.T) {
	s := newShop(t)
	p, err := s.catalog.Buy(s.ctx, s.engine, "buy-1", "ann", "free-ship") // 100 points, stock 2
	require.NoError(t, err)
	left, err := s.catalog.StockLeft(s.ctx, s.engine, "free-ship")
	require.NoError(t, err)
	require.Equal(t, int64(1), left)
	require.Equal(t, int64(900), s.balance("ann"))

	r, err := s.catalog.Refund(s.ctx, s.engine, "refund-1", "ann", p.Coupon.GrantID)
	require.NoError(t, err)
	assert.Equal(t, int64(0), s.rewardsHeld("ann"))
	left, err = s.catalog.StockLeft(s.ctx, s.engine, "free-ship")
	require.NoError(t, err)
	assert.Equal(t, int64(2), left)
	require.Len(t, r.Grants, 1)
	assert.Equal(t, loyalty.GrantVoid, r.Grants[0].Status)
	assert.Empty(t, s.coupons("ann"))
	_, err = s.catalog.Check(s.ctx, s.engine, cart("o1", "ann", p.Coupon.Code))
	assert.ErrorIs(t, err, loyalty.ErrCodeVoid)

	again, err := s.catalog.Refund(s.ctx, s.engine, "refund-1", "ann", p.Coupon.GrantID)
	require.NoError(t, err, "a replay of the key")
	assert.Equal(t, r.Version, again.Version)
	_, err = s.catalog.Refund(s.ctx, s.engine, "refund-2", "ann", p.Coupon.GrantID)
	assert.ErrorIs(t, err, loyalty.ErrGrantNotOpen)
	_, err = s.catalog.Refund(s.ctx, s.engine, "refund-3", "ann", "no-such-grant")
	assert.ErrorIs(t, err, loyalty.ErrUnknownGrant)
}

func TestRefundOfAUsedCouponIsRefused(t *testing.T) {
	s := newShop(t)
	p, err := s.catalog.Buy(s.ctx, s.engine, "buy-1", "ann", "ten-pct")
	require.NoError(t, err)
	s.earn(cart("o1", "ann", p.Coupon.Code))
	before := s.balance("ann")
	_, err = s.catalog.Refund(s.ctx, s.engine, "refund-1", "ann", p.Coupon.GrantID)
	var re *rewards.Error
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, loyalty.ErrGrantNotOpen)
	assert.Equal(t, before, s.balance("ann"))
}
