package rewards_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/rewards"
)

func (s *shop) buy(key, member, reward string) string {
	s.t.Helper()
	p, err := s.catalog.Buy(s.ctx, s.engine, key, member, reward)
	require.NoError(s.t, err)
	return p.Coupon.Code
}

func amounts(d rewards.Discount) map[string]string {
	m := map[string]string{}
	for _, l := range d.Lines {
		m[l.SKU] = l.Amount.StringFixed(2)
	}
	return m
}

func TestCheckSpreadsAFixedDiscountOverTheLinesInProportion(t *testing.T) {
	s := newShop(t)
	code := s.buy("b", "ann", "ten-off")
	ds, err := s.catalog.Check(s.ctx, s.engine, cart("o1", "ann", code))
	require.NoError(t, err)
	require.Len(t, ds, 1)
	// 10.00 over 60.00: tee 20 → 3.33, socks 6 → 1.00, cap 14 → 2.33, belt 15 → 2.50, pin 5 → 0.83 (9.99), the cent left to the first line
	assert.Equal(t, map[string]string{"tee": "3.34", "socks": "1.00", "cap": "2.33", "belt": "2.50", "pin": "0.83"}, amounts(ds[0]))
	assert.Equal(t, "10", ds[0].Total.String())
}

func TestCheckTakesAPercentageOffCappedAtItsMaximum(t *testing.T) {
	s := newShop(t)
	code := s.buy("b", "ann", "ten-pct")
	ds, err := s.catalog.Check(s.ctx, s.engine, cart("o1", "ann", code))
	require.NoError(t, err)
	assert.Equal(t, "6", ds[0].Total.String()) // 10% of 60.00, under the 15.00 maximum
	assert.Equal(t, map[string]string{"tee": "2.00", "socks": "0.60", "cap": "1.40", "belt": "1.50", "pin": "0.50"}, amounts(ds[0]))

	big := cart("o2", "ann", code)
	big.Lines[0].Quantity = 100 // 1000.00 of tees: 10% would be 104.00
	ds, err = s.catalog.Check(s.ctx, s.engine, big)
	require.NoError(t, err)
	assert.Equal(t, "15", ds[0].Total.String())
}

func TestCheckMakesTheFreeProductFreeAndShippingFree(t *testing.T) {
	s := newShop(t)
	socks := s.buy("b1", "ann", "free-socks")
	ship := s.buy("b2", "ann", "free-ship")
	o := cart("o1", "ann", socks, ship)
	ds, err := s.catalog.Check(s.ctx, s.engine, o)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	require.Len(t, ds[0].Lines, 1)
	assert.Equal(t, map[string]string{"socks": "2.00"}, amounts(ds[0]))
	assert.Equal(t, int64(1), ds[0].Lines[0].FreeQuantity)
	assert.Equal(t, 1, ds[0].Lines[0].Line)
	assert.Equal(t, "5", ds[1].Shipping.String())
	for i := range ds {
		ds[i].Apply(o)
	}
	assert.Equal(t, "2", o.Lines[1].Discount.String())
	assert.Equal(t, "0", o.Shipping.String())
}

func TestCheckRefusesCouponsThatCannotBeUsed(t *testing.T) {
	s := newShop(t)
	s.enroll("bob")
	tenOff := s.buy("b1", "ann", "ten-off")
	socks := s.buy("b2", "ann", "free-socks")
	vip := s.buy("b3", "ann", "ten-pct")
	_, err := s.engine.UseCode(s.ctx, ledger.CodeUse{Code: vip, Void: true})
	require.NoError(t, err)

	small := cart("small", "ann", tenOff)
	small.Lines = small.Lines[:1] // 20.00, below the 30.00 minimum
	noSocks := cart("nosocks", "ann", socks)
	noSocks.Lines = noSocks.Lines[2:]
	eur := cart("eur", "ann", tenOff)
	eur.Currency = "EUR"

	for name, tc := range map[string]struct {
		o      *loyalty.Order
		reason error
	}{
		"unknown":        {cart("x", "ann", "NOSUCHCODE"), loyalty.ErrUnknownCode},
		"another's":      {cart("x", "bob", tenOff), rewards.ErrNotYours},
		"void":           {cart("x", "ann", vip), loyalty.ErrCodeVoid},
		"below minimum":  {small, rewards.ErrBelowMinimum},
		"product absent": {noSocks, rewards.ErrProductNotInCart},
		"currency":       {eur, rewards.ErrWrongCurrency},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.catalog.Check(s.ctx, s.engine, tc.o)
			require.ErrorIs(t, err, tc.reason)
			var re *rewards.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.o.Codes[0], re.Code)
		})
	}

	s.clock.Set(monday.AddDate(0, 0, 30))
	_, err = s.catalog.Check(s.ctx, s.engine, cart("late", "ann", tenOff))
	require.ErrorIs(t, err, rewards.ErrExpired)
}

func TestEarnUsesTheCouponWithTheOrdersEarnAndOnlyOnce(t *testing.T) {
	s := newShop(t)
	code := s.buy("b", "ann", "ten-off")
	o := cart("o1", "ann", code)
	ds, err := s.catalog.Check(s.ctx, s.engine, o)
	require.NoError(t, err)
	ds[0].Apply(o)

	r, err := s.engine.Earn(s.ctx, "earn-o1", o)
	require.NoError(t, err)
	assert.Equal(t, int64(800+50), s.balance("ann"), "1 point per 1.00 of the 50.00 paid after the coupon")
	assert.Equal(t, int64(0), s.rewardsHeld("ann"), "the coupon's grant is used")
	require.Len(t, r.Grants, 1)
	assert.Equal(t, ledger.GrantUsed, r.Grants[0].Status)
	assert.Equal(t, int64(1), r.Grants[0].Uses)
	c, err := s.engine.Code(s.ctx, code)
	require.NoError(t, err)
	assert.Equal(t, int64(1), c.Uses)

	_, err = s.catalog.Check(s.ctx, s.engine, cart("o2", "ann", code))
	require.ErrorIs(t, err, loyalty.ErrCodeUsedUp)
	_, err = s.engine.Earn(s.ctx, "earn-o2", cart("o2", "ann", code))
	require.ErrorIs(t, err, loyalty.ErrCodeUsedUp, "the write refuses it too")
	require.ErrorIs(t, err, loyalty.ErrRefused)
	assert.Equal(t, int64(850), s.balance("ann"), "the refused order earned nothing")

	r2, err := s.engine.Earn(s.ctx, "earn-o1", o)
	require.NoError(t, err, "a replay")
	assert.True(t, r2.Replayed)
}

func TestEarnRefusesACouponBelowItsMinimumAndWritesNothing(t *testing.T) {
	s := newShop(t)
	code := s.buy("b", "ann", "ten-off")
	o := cart("o1", "ann", code)
	o.Lines = o.Lines[:1]
	_, err := s.engine.Earn(s.ctx, "earn-o1", o)
	require.ErrorIs(t, err, rewards.ErrBelowMinimum)
	assert.Equal(t, int64(800), s.balance("ann"))
	assert.Equal(t, int64(1), s.rewardsHeld("ann"))
	c, err := s.engine.Code(s.ctx, code)
	require.NoError(t, err)
	assert.Equal(t, int64(0), c.Uses)
}

func TestPreviewOfAnOrderWithACouponPlansItsUse(t *testing.T) {
	s := newShop(t)
	code := s.buy("b", "ann", "ten-off")
	ch, err := s.engine.Preview(s.ctx, "earn-o1", cart("o1", "ann", code))
	require.NoError(t, err)
	assert.Equal(t, []ledger.CodeUse{{Code: code, Uses: 1}}, ch.CodeUses)
	c, err := s.engine.Code(s.ctx, code)
	require.NoError(t, err)
	assert.Equal(t, int64(0), c.Uses, "a preview writes nothing")
}

func TestMintedCodesAreUniqueTransferableAndUsedOnceByWhoeverPresentsOne(t *testing.T) {
	s := newShop(t)
	s.enroll("bob")
	codes, err := s.catalog.Mint(s.ctx, s.engine, rand.New(rand.NewChaCha8([32]byte{3})), "ten-off", 100)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, c := range codes {
		require.Len(t, c, 12)
		require.False(t, seen[c])
		seen[c] = true
	}
	o := cart("o1", "bob", codes[0])
	ds, err := s.catalog.Check(s.ctx, s.engine, o)
	require.NoError(t, err)
	assert.Equal(t, "ten-off", ds[0].Reward)
	ds[0].Apply(o)
	_, err = s.engine.Earn(s.ctx, "o1", o)
	require.NoError(t, err)
	assert.Equal(t, int64(1000+50), s.balance("bob"))
	_, err = s.engine.Earn(s.ctx, "o2", cart("o2", "ann", codes[0]))
	require.ErrorIs(t, err, loyalty.ErrCodeUsedUp)
	assert.Equal(t, int64(1000), s.balance("ann"))
}

func TestAnOrdersCodesArePartOfItsRequest(t *testing.T) {
	s := newShop(t)
	a := s.buy("b1", "ann", "ten-off")
	b := s.buy("b2", "ann", "free-ship")
	_, err := s.engine.Earn(s.ctx, "o1", cart("o1", "ann", a))
	require.NoError(t, err)
	_, err = s.engine.Earn(s.ctx, "o1", cart("o1", "ann", b))
	require.ErrorIs(t, err, loyalty.ErrKeyReused, "the same key with another code is another request")
	_, err = s.engine.Earn(s.ctx, "o1", cart("o1", "ann"))
	require.ErrorIs(t, err, loyalty.ErrKeyReused, "and without the code too")
	c, err := s.engine.Code(s.ctx, b)
	require.NoError(t, err)
	assert.Equal(t, int64(0), c.Uses)
}

func TestAnOrderMayNotPresentACodeTwice(t *testing.T) {
	s := newShop(t)
	a := s.buy("b1", "ann", "ten-off")
	_, err := s.engine.Earn(s.ctx, "o1", cart("o1", "ann", a, a))
	require.ErrorIs(t, err, loyalty.ErrInvalidCode)
}
