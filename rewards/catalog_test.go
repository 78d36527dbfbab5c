package rewards_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/rewards"
)

func TestBuySpendsPointsClaimsStockAndIssuesACouponInOneWrite(t *testing.T) {
	s := newShop(t)
	p, err := s.catalog.Buy(s.ctx, s.engine, "buy-1", "ann", "free-ship")
	require.NoError(t, err)

	assert.Equal(t, int64(1000-100), s.balance("ann"))
	assert.Equal(t, int64(1), s.rewardsHeld("ann"))
	left, err := s.catalog.StockLeft(s.ctx, s.engine, "free-ship")
	require.NoError(t, err)
	assert.Equal(t, int64(2-1), left)

	require.Len(t, p.Coupon.Code, 12)
	assert.Equal(t, "free-ship", p.Coupon.Reward)
	code, err := s.engine.Code(s.ctx, p.Coupon.Code)
	require.NoError(t, err)
	assert.Equal(t, ledger.Code{Code: p.Coupon.Code, Kind: rewards.CodeKind, Owner: "ann", Ref: p.Coupon.GrantID, MaxUses: 1, CreatedAt: monday}, code)
	require.Len(t, p.Receipt.Grants, 1)
	assert.Equal(t, []ledger.Claim{{Counter: "catalog/free-ship/stock", Amount: 1}}, p.Receipt.Claims)
}

func TestBuyOneCouponValidForItsDaysInTheProgramsZone(t *testing.T) {
	s := newShop(t)
	p, err := s.catalog.Buy(s.ctx, s.engine, "buy-1", "ann", "ten-off")
	require.NoError(t, err)
	assert.Equal(t, monday.AddDate(0, 0, 30), p.Coupon.ExpiresAt)
	assert.Equal(t, int64(800), s.balance("ann"))
}

func TestBuyIsRefusedWithTheReasonAndWritesNothing(t *testing.T) {
	s := newShop(t)
	s.enroll("vip", "vip")
	_, err := s.engine.Adjust(s.ctx, "drain-bob", "ann", -950, "test") // ann keeps 50
	require.NoError(t, err)

	for _, tc := range []struct {
		name, member, reward string
		reason               error
	}{
		{"unknown reward", "ann", "nope", rewards.ErrUnknownReward},
		{"not for sale", "ann", "gift", rewards.ErrNotForSale},
		{"not eligible", "ann", "vip-only", rewards.ErrNotEligible},
		{"not enough points", "ann", "ten-off", rewards.ErrInsufficientPoints},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.catalog.Buy(s.ctx, s.engine, "refused-"+tc.name, tc.member, tc.reward)
			require.ErrorIs(t, err, tc.reason)
			var re *rewards.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.reward, re.Reward)
			assert.Equal(t, int64(50), s.balance("ann"))
			assert.Equal(t, int64(0), s.rewardsHeld("ann"))
			view, err := s.store.ForProgram("shop")
			require.NoError(t, err)
			_, err = view.Receipt(s.ctx, "refused-"+tc.name)
			assert.ErrorIs(t, err, loyalty.ErrNotFound)
		})
	}
	_, err = s.catalog.Buy(s.ctx, s.engine, "vip-buys", "vip", "vip-only")
	require.NoError(t, err, "an eligible member buys it")
}

func TestBuyBeyondTheStockIsOutOfStockAndWritesNothing(t *testing.T) {
	s := newShop(t)
	s.enroll("bob")
	s.enroll("cy")
	_, err := s.catalog.Buy(s.ctx, s.engine, "b1", "ann", "free-ship")
	require.NoError(t, err)
	_, err = s.catalog.Buy(s.ctx, s.engine, "b2", "bob", "free-ship")
	require.NoError(t, err)
	_, err = s.catalog.Buy(s.ctx, s.engine, "b3", "cy", "free-ship")
	require.ErrorIs(t, err, rewards.ErrOutOfStock)
	var ce *loyalty.ClaimError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, int64(0), ce.Left)
	assert.Equal(t, int64(1000), s.balance("cy"))
	assert.Equal(t, int64(0), s.rewardsHeld("cy"))
}

func TestBuyIsLimitedPerMemberPerMonthInTheProgramsZone(t *testing.T) {
	s := newShop(t)
	for i, key := range []string{"m1", "m2"} {
		_, err := s.catalog.Buy(s.ctx, s.engine, key, "ann", "monthly")
		require.NoError(t, err, "purchase %d", i+1)
	}
	_, err := s.catalog.Buy(s.ctx, s.engine, "m3", "ann", "monthly")
	require.ErrorIs(t, err, rewards.ErrOverLimit)
	assert.Equal(t, int64(1000-2*10), s.balance("ann"))

	s.clock.Set(time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC))
	_, err = s.catalog.Buy(s.ctx, s.engine, "m4", "ann", "monthly")
	require.NoError(t, err, "a new month starts afresh")
	assert.Equal(t, int64(1000-3*10), s.balance("ann"))
}

func TestBuyOutsideTheRewardsWindowIsNotOffered(t *testing.T) {
	r := rewards.Reward{ID: "xmas", Kind: rewards.FreeShipping, Price: 10, From: monday.AddDate(0, 0, 1), Until: monday.AddDate(0, 0, 20)}
	cat, err := rewards.NewCatalog("catalog", "USD", nil, r)
	require.NoError(t, err)
	s := newShop(t)
	e := s.withCatalog(t, cat)
	_, err = cat.Buy(s.ctx, e, "early", "ann", "xmas")
	require.ErrorIs(t, err, rewards.ErrNotOffered)
	s.clock.Set(monday.AddDate(0, 0, 2))
	p, err := cat.Buy(s.ctx, e, "in-time", "ann", "xmas")
	require.NoError(t, err)
	assert.Equal(t, monday.AddDate(0, 0, 20), p.Coupon.ExpiresAt, "valid until the window closes")
}

func TestNewCatalogRefusesBadRewards(t *testing.T) {
	for name, r := range map[string]rewards.Reward{
		"percent over 100":     {ID: "x", Kind: rewards.PercentDiscount, Percent: dec("100.5")},
		"percent zero":         {ID: "x", Kind: rewards.PercentDiscount},
		"negative price":       {ID: "x", Kind: rewards.FreeShipping, Price: -1},
		"free product no sku":  {ID: "x", Kind: rewards.FreeProduct},
		"fixed without amount": {ID: "x", Kind: rewards.FixedDiscount},
		"unknown kind":         {ID: "x"},
		"empty id":             {Kind: rewards.FreeShipping},
		"negative stock":       {ID: "x", Kind: rewards.FreeShipping, Stock: -1},
		"empty window":         {ID: "x", Kind: rewards.FreeShipping, From: monday, Until: monday},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := rewards.NewCatalog("c", "USD", nil, r)
			require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
		})
	}
	_, err := rewards.NewCatalog("c", "USD", nil, rewards.Reward{ID: "x", Kind: rewards.FreeShipping}, rewards.Reward{ID: "x", Kind: rewards.FreeShipping})
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram, "two rewards of one ID")
	_, err = rewards.NewCatalog("c", "USD", nil, rewards.Reward{ID: "x", Kind: rewards.PercentDiscount, Percent: dec("100")})
	require.NoError(t, err, "100% is allowed")
}

func TestBuyReplayedReturnsTheSameCouponAndSpendsOnce(t *testing.T) {
	s := newShop(t)
	p1, err := s.catalog.Buy(s.ctx, s.engine, "buy-1", "ann", "ten-pct")
	require.NoError(t, err)
	p2, err := s.catalog.Buy(s.ctx, s.engine, "buy-1", "ann", "ten-pct")
	require.NoError(t, err)
	assert.Equal(t, p1.Coupon, p2.Coupon)
	assert.Equal(t, int64(700), s.balance("ann"))
	assert.True(t, !errors.Is(err, loyalty.ErrKeyReused))
}

// withCatalog is an engine of the shop's store and clock whose program sells cat.
func (s *shop) withCatalog(t testing.TB, cat *rewards.Catalog) *loyalty.Engine {
	p := s.engine.Program()
	p.Rules[1] = cat
	e, err := loyalty.NewEngine(p, s.store, &loyalty.EngineOptions{Clock: s.clock})
	require.NoError(t, err)
	require.NoError(t, cat.Setup(s.ctx, e))
	return e
}
