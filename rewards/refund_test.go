package rewards_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
	"github.com/loyaltykit/loyalty/storage/memory"
)

func TestRefundGivesThePointsAndTheStockBackAndVoidsTheCoupon(t *testing.T) {
	s := newShop(t)
	p, err := s.catalog.Buy(s.ctx, s.engine, "buy-1", "ann", "free-ship") // 100 points, stock 2
	require.NoError(t, err)
	left, err := s.catalog.StockLeft(s.ctx, s.engine, "free-ship")
	require.NoError(t, err)
	require.Equal(t, int64(1), left)
	require.Equal(t, int64(900), s.balance("ann"))

	r, err := s.catalog.Refund(s.ctx, s.engine, "refund-1", "ann", p.Coupon.GrantID)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), s.balance("ann"))
	assert.Equal(t, int64(0), s.rewardsHeld("ann"))
	left, err = s.catalog.StockLeft(s.ctx, s.engine, "free-ship")
	require.NoError(t, err)
	assert.Equal(t, int64(2), left)
	require.Len(t, r.Grants, 1)
	assert.Equal(t, ledger.GrantVoid, r.Grants[0].Status)
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
	assert.Equal(t, int64(1000), s.balance("ann"))
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

func TestRefundReturnsThePointsWithTheExpiryTheyHad(t *testing.T) {
	ctx := context.Background()
	cat := testCatalog(t)
	rate, err := points.NewRate("base", 1, dec("1"))
	require.NoError(t, err)
	p := &loyalty.Program{ID: "shop", Name: "shop", Currency: "USD", Expiry: points.AfterDays(90), Rules: []loyalty.Rule{rate, cat}}
	clock := loyalty.NewManualClock(monday)
	st := memory.New()
	e, err := loyalty.NewEngine(p, st, &loyalty.EngineOptions{Clock: clock, Random: rand.NewChaCha8([32]byte{7})})
	require.NoError(t, err)
	require.NoError(t, cat.Setup(ctx, e))
	_, err = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	// 150 points expiring 90 days after monday, then 150 expiring 10 days later
	_, err = e.Earn(ctx, "earn-1", shoes("o1", "ann", monday, "150"))
	require.NoError(t, err)
	clock.Advance(10 * 24 * time.Hour)
	_, err = e.Earn(ctx, "earn-2", shoes("o2", "ann", clock.Now(), "150"))
	require.NoError(t, err)

	bought, err := cat.Buy(ctx, e, "buy-1", "ann", "ten-pct") // 300: both lots
	require.NoError(t, err)
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(0), b.Available)

	_, err = cat.Refund(ctx, e, "refund-1", "ann", bought.Coupon.GrantID)
	require.NoError(t, err)
	v, err := st.ForProgram("shop")
	require.NoError(t, err)
	state, err := v.Load(ctx, "ann", loyalty.Query{Lots: true})
	require.NoError(t, err)
	got := map[string]int64{}
	for _, l := range state.Lots {
		if l.Account == ledger.PointsAccount {
			got[l.ExpiresAt.Format(time.DateOnly)] += l.Remaining
		}
	}
	assert.Equal(t, map[string]int64{"2027-03-07": 150, "2027-03-17": 150}, got)

	// the first lot's day passes: its refunded points expire as they would have
	clock.Set(time.Date(2027, time.March, 8, 0, 0, 0, 0, time.UTC))
	b, err = e.Balance(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(150), b.Available)
}

func TestRefundGivesBackThePurchaseLimitOfItsMonth(t *testing.T) {
	s := newShop(t) // "monthly": 10 points, twice a month
	first := s.buy("buy-1", "ann", "monthly")
	s.buy("buy-2", "ann", "monthly")
	_, err := s.catalog.Buy(s.ctx, s.engine, "buy-3", "ann", "monthly")
	require.ErrorIs(t, err, rewards.ErrOverLimit)

	rc, err := s.catalog.Refund(s.ctx, s.engine, "refund-1", "ann", s.grantOf("ann", first).ID)
	require.NoError(t, err)
	st, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Counter("catalog/monthly/month", "2026-12"), "2 bought, 1 refunded")
	assert.Equal(t, int64(1), rc.Version-st.Version+1, "the refund is the member's last write")
	assert.Equal(t, int64(1000-10), s.balance("ann"), "1000 - 2×10 + 10 refunded")

	_, err = s.catalog.Buy(s.ctx, s.engine, "buy-3", "ann", "monthly")
	require.NoError(t, err, "the refunded purchase no longer counts")
	_, err = s.catalog.Buy(s.ctx, s.engine, "buy-4", "ann", "monthly")
	require.ErrorIs(t, err, rewards.ErrOverLimit)
	assert.Equal(t, int64(1000-20), s.balance("ann"))
}

func TestRefundInALaterMonthLeavesThatMonthsLimitAlone(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland") // UTC+13 in December
	require.NoError(t, err)
	s := newShopIn(t, auckland, testCatalog(t))
	// 31 December 2026, 10:30 UTC is 23:30 in Auckland: December's limit.
	s.clock.Set(time.Date(2026, time.December, 31, 10, 30, 0, 0, time.UTC))
	dec1 := s.buy("buy-1", "ann", "monthly")
	st, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	require.Equal(t, int64(1), st.Counter("catalog/monthly/month", "2026-12"))

	// Half an hour later, 11:00 UTC, it is 1 January 2027, 00:00 in Auckland.
	s.clock.Set(time.Date(2026, time.December, 31, 11, 0, 0, 0, time.UTC))
	s.buy("buy-2", "ann", "monthly")
	s.buy("buy-3", "ann", "monthly")
	_, err = s.catalog.Refund(s.ctx, s.engine, "refund-1", "ann", s.grantOf("ann", dec1).ID)
	require.NoError(t, err)
	st, err = s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	assert.Equal(t, int64(2), st.Counter("catalog/monthly/month", "2027-01"), "January keeps both of its purchases")
	_, err = s.catalog.Buy(s.ctx, s.engine, "buy-4", "ann", "monthly")
	assert.ErrorIs(t, err, rewards.ErrOverLimit)
}
