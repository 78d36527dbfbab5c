package rewards_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// written is what a refused write must leave as it was: each member's
// version, balances, counters, grants and entries, the stock left and the
// uses of every code.
type written struct {
	versions, entries map[string]int
	balances          map[string][]ledger.Balance
	counters          map[string][]ledger.Counter
	grants            map[string][]ledger.Grant
	stock             int64
	uses              map[string]int64
}

func (s *shop) written(codes ...string) written {
	s.t.Helper()
	w := written{versions: map[string]int{}, entries: map[string]int{}, balances: map[string][]ledger.Balance{},
		counters: map[string][]ledger.Counter{}, grants: map[string][]ledger.Grant{}, uses: map[string]int64{}}
	for _, id := range []string{"ann", "bob"} {
		st, err := s.load(id, loyalty.Query{Grants: true})
		require.NoError(s.t, err)
		w.versions[id], w.balances[id], w.counters[id], w.grants[id] = int(st.Version), st.Balances, st.Counters, st.Grants
		es, err := s.engine.History(s.ctx, id, ledger.EntryID{}, 1000)
		require.NoError(s.t, err)
		w.entries[id] = len(es)
	}
	left, err := s.catalog.StockLeft(s.ctx, s.engine, "free-ship")
	require.NoError(s.t, err)
	w.stock = left
	for _, c := range codes {
		if code, err := s.engine.Code(s.ctx, c); err == nil {
			w.uses[c] = code.Uses
		}
	}
	return w
}

// TestEveryBadInputIsATypedErrorAndWritesNothing walks the list of
// bad input: each is refused with a typed error naming the reason, at the
// checkout's check and in the write, and leaves every balance, entry,
// counter, grant, stock and code use as it was.
func TestEveryBadInputIsATypedErrorAndWritesNothing(t *testing.T) {
	s := newShop(t)
	s.enroll("bob")
	tenOff := s.buy("b1", "ann", "ten-off") // 10.00 off from 30.00, valid 30 days
	socks := s.buy("b2", "ann", "free-socks")
	voided := s.buy("b3", "ann", "ten-pct")
	_, err := s.engine.UseCode(s.ctx, ledger.CodeUse{Code: voided, Void: true})
	require.NoError(t, err)
	usedUp := s.buy("b4", "ann", "ten-pct")
	s.earn(cart("used", "ann", usedUp))
	s.buy("b5", "bob", "free-ship")
	s.buy("b6", "bob", "free-ship") // the stock of 2 is gone
	s.buy("b7", "ann", "monthly")
	s.buy("b8", "ann", "monthly") // twice a month
	codes := []string{tenOff, socks, voided, usedUp}
	_, err = s.engine.Adjust(s.ctx, "top-up-ann", "ann", 1000, "top up")
	require.NoError(t, err)
	_, err = s.engine.Adjust(s.ctx, "drain-bob", "bob", -750, "drain")
	require.NoError(t, err)
	require.Equal(t, int64(50), s.balance("bob"))

	small := cart("small", "ann", tenOff)
	small.Lines = small.Lines[:1] // 20.00, below the 30.00 minimum
	noSocks := cart("nosocks", "ann", socks)
	noSocks.Lines = noSocks.Lines[2:]

	checkout := []struct {
		name   string
		o      *loyalty.Order
		reason error
	}{
		{"unknown code", cart("x1", "ann", "NOSUCHCODE"), loyalty.ErrUnknownCode},
		{"voided code", cart("x2", "ann", voided), loyalty.ErrCodeVoid},
		{"used-up code", cart("x3", "ann", usedUp), loyalty.ErrCodeUsedUp},
		{"another member's code", cart("x4", "bob", tenOff), rewards.ErrNotYours},
		{"order below the minimum", small, rewards.ErrBelowMinimum},
		{"free product not in the cart", noSocks, rewards.ErrProductNotInCart},
	}
	check := func(name string, o *loyalty.Order, reason error) {
		t.Run(name, func(t *testing.T) {
			before := s.written(codes...)
			_, err := s.catalog.Check(s.ctx, s.engine, o)
			require.ErrorIs(t, err, reason)
			var re *rewards.Error
			require.ErrorAs(t, err, &re, "the checkout's check names the code")
			assert.Equal(t, o.Codes[0], re.Code)

			_, err = s.engine.Earn(s.ctx, "earn-"+o.ID, o)
			require.ErrorIs(t, err, reason, "the write refuses it too")
			assert.Equal(t, before, s.written(codes...), "nothing written")
		})
	}
	for _, tc := range checkout {
		check(tc.name, tc.o, tc.reason)
	}

	purchases := []struct {
		name, member, reward string
		reason               error
	}{
		{"unknown reward", "ann", "no-such-reward", rewards.ErrUnknownReward},
		{"out of stock", "ann", "free-ship", rewards.ErrOutOfStock},
		{"over its limit", "ann", "monthly", rewards.ErrOverLimit},
		{"not eligible", "bob", "vip-only", rewards.ErrNotEligible},
		{"not enough points", "bob", "ten-pct", rewards.ErrInsufficientPoints},
		{"not sold for points", "ann", "gift", rewards.ErrNotForSale},
	}
	for _, tc := range purchases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.written(codes...)
			_, err := s.catalog.Buy(s.ctx, s.engine, "buy-"+tc.name, tc.member, tc.reward)
			require.ErrorIs(t, err, tc.reason)
			var re *rewards.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.reward, re.Reward)
			assert.Equal(t, before, s.written(codes...), "nothing written")
		})
	}

	// Expired: 30 days after the purchase, in the write as at the check.
	s.clock.Set(monday.AddDate(0, 0, 30))
	check("expired code", cart("x5", "ann", tenOff), rewards.ErrExpired)
}

func TestRewardsThatCannotBeSoldAreRefusedWhenTheCatalogIsBuilt(t *testing.T) {
	for name, r := range map[string]rewards.Reward{
		"a percentage over 100": {ID: "r", Kind: rewards.PercentDiscount, Price: 10, Percent: dec("100.5")},
		"a negative price":      {ID: "r", Kind: rewards.FixedDiscount, Price: -1, Amount: dec("5")},
		"a negative amount":     {ID: "r", Kind: rewards.FixedDiscount, Price: 10, Amount: dec("-5")},
		"a free product no SKU": {ID: "r", Kind: rewards.FreeProduct, Price: 10},
	} {
		_, err := rewards.NewCatalog("catalog", "USD", nil, r)
		var ve *loyalty.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}
}

func TestACatalogInAnotherCurrencyThanTheProgramsSellsNothing(t *testing.T) {
	ctx := context.Background()
	cat, err := rewards.NewCatalog("catalog", "EUR", nil, catalogRewards()...)
	require.NoError(t, err)
	rate, err := points.NewRate("base", 1, dec("1"))
	require.NoError(t, err)
	p := &loyalty.Program{ID: "shop", Name: "shop", Currency: "USD", Rules: []loyalty.Rule{rate, cat}}
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(monday), Random: rand.NewChaCha8([32]byte{7})})
	require.NoError(t, err)
	require.NoError(t, cat.Setup(ctx, e))
	_, err = e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "adjust", "ann", 1000, "opening balance")
	require.NoError(t, err)

	_, err = cat.Buy(ctx, e, "buy", "ann", "ten-off")
	var re *rewards.Error
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, rewards.ErrWrongCurrency)
	assert.Equal(t, "the catalog is in EUR, the program in USD", re.Detail)
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(1000), b.Available)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(2), st.Version, "enrolment and the opening balance only")
}
