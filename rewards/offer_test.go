package rewards_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/rewards"
)

// testOffers are the offers of most tests: shoes buyers get double points,
// lapsed members a bonus, big spenders a coupon, VIPs a coupon.
func testOffers() []rewards.Offer {
	return []rewards.Offer{
		{ID: "shoes-2x", Name: "Double points on shoes", Multiplier: dec("2"), Category: "shoes",
			Targets: []rewards.Target{rewards.BoughtCategory{Category: "shoes", WithinDays: 30, MinOrders: 2}}},
		{ID: "come-back", Name: "150 points to come back", Bonus: 150,
			Targets: []rewards.Target{rewards.NoOrderFor{Days: 30}}},
		{ID: "big-spender", Name: "10% off for big spenders", Reward: "ten-pct",
			Targets: []rewards.Target{rewards.SpentThisYear{Amount: dec("100")}}},
		{ID: "vip-gift", Name: "A gift for VIPs", Reward: "gift",
			Targets: []rewards.Target{rewards.InSegment{"vip"}}},
	}
}

func newOfferShop(t *testing.T, offers ...rewards.Offer) (*shop, *rewards.Offers) {
	t.Helper()
	cat := testCatalog(t)
	of, err := rewards.NewOffers("offers", cat, offers...)
	require.NoError(t, err)
	return newShopIn(t, nil, cat, of), of
}

// shoes is a one-line order of member: a pair of shoes at price, in category shoes.
func shoes(id, member string, at time.Time, price string) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, PlacedAt: at, Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "runner", Category: "shoes", Quantity: 1, UnitPrice: dec(price)}}}
}

func (s *shop) earn(o *loyalty.Order) *loyalty.Receipt {
	s.t.Helper()
	r, err := s.engine.Earn(s.ctx, "earn-"+o.ID, o)
	require.NoError(s.t, err)
	return r
}

func offerIDs(es []rewards.Eligible) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Offer)
	}
	return out
}

func TestOffersListTheCategoryAMemberBuysOftenWithWhy(t *testing.T) {
	s, of := newOfferShop(t, testOffers()...)
	list, err := of.List(s.ctx, s.engine, "ann")
	require.NoError(t, err)
	assert.Empty(t, list, "a new member bought nothing, ordered 0 days ago (joined today), spent 0")

	s.earn(shoes("o1", "ann", monday, "40"))
	list, err = of.List(s.ctx, s.engine, "ann")
	require.NoError(t, err)
	assert.Empty(t, list, "one shoes order of the two the offer asks")

	s.clock.Advance(24 * time.Hour)
	s.earn(shoes("o2", "ann", monday.Add(24*time.Hour), "50"))
	list, err = of.List(s.ctx, s.engine, "ann")
	require.NoError(t, err)
	require.Equal(t, []string{"shoes-2x"}, offerIDs(list))
	assert.Equal(t, rewards.OfferMultiplier, list[0].Kind)
	assert.Equal(t, []string{"bought shoes in 2 orders this year, last on 2026-12-08"}, list[0].Why)

	// 31 days after the last shoes order the category offer lapses and the
	// come-back offer holds.
	s.clock.Advance(31 * 24 * time.Hour)
	list, err = of.List(s.ctx, s.engine, "ann")
	require.NoError(t, err)
	require.Equal(t, []string{"come-back"}, offerIDs(list))
	assert.Equal(t, []string{"no order for 31 days"}, list[0].Why)
}

func TestOffersListIsTheSameForTheSameStateAndClock(t *testing.T) {
	s, of := newOfferShop(t, testOffers()...)
	s.enroll("vic", "vip")
	s.earn(shoes("o1", "vic", monday, "60"))
	s.earn(shoes("o2", "vic", monday, "60"))
	a, err := of.List(s.ctx, s.engine, "vic")
	require.NoError(t, err)
	b, err := of.List(s.ctx, s.engine, "vic")
	require.NoError(t, err)
	require.Equal(t, a, b)
	assert.Equal(t, []string{"shoes-2x", "big-spender", "vip-gift"}, offerIDs(a), "in the rule's order")
	assert.Equal(t, []string{"spent 120.00 this year"}, a[1].Why)
	assert.Equal(t, []string{"in segment vip"}, a[2].Why)
}

func TestOfferMultiplierDoublesTheCategoryLinesOfTheNextOrderOnce(t *testing.T) {
	s, _ := newOfferShop(t, testOffers()...)
	s.earn(shoes("o1", "ann", monday, "40"))
	s.earn(shoes("o2", "ann", monday, "50"))
	before := s.balance("ann")
	o := shoes("o3", "ann", monday, "30")
	o.Lines = append(o.Lines, loyalty.OrderLine{SKU: "tee", Category: "tops", Quantity: 1, UnitPrice: dec("10")})
	r := s.earn(o)
	// 30.00 of shoes at 1 per 1.00 × 2 = 60, 10.00 of tops = 10
	assert.Equal(t, int64(70), r.Points())
	assert.Equal(t, before+70, s.balance("ann"))

	r = s.earn(shoes("o4", "ann", monday, "30"))
	assert.Equal(t, int64(30), r.Points(), "the offer is given once")
}

func TestOfferBonusRewardsALapsedMembersNextOrder(t *testing.T) {
	s, of := newOfferShop(t, testOffers()...)
	s.earn(shoes("o1", "ann", monday, "20"))
	s.clock.Advance(30 * 24 * time.Hour)
	r := s.earn(shoes("o2", "ann", s.clock.Now(), "20"))
	assert.Equal(t, int64(20+150), r.Points())
	list, err := of.List(s.ctx, s.engine, "ann")
	require.NoError(t, err)
	assert.Empty(t, list, "the bonus is had; the order is today")
}

func TestOfferCouponIsClaimedOnceByAnEligibleMember(t *testing.T) {
	s, of := newOfferShop(t, testOffers()...)
	_, _, err := of.Claim(s.ctx, s.engine, "claim-1", "ann", "big-spender")
	var re *rewards.Error
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, rewards.ErrNotEligible)
	assert.Equal(t, "spent 0.00 this year", re.Detail)
	assert.Empty(t, s.coupons("ann"), "a refusal writes nothing")

	s.earn(shoes("o1", "ann", monday, "120"))
	c, _, err := of.Claim(s.ctx, s.engine, "claim-2", "ann", "big-spender")
	require.NoError(t, err)
	require.NotNil(t, c)
	assert.Equal(t, "ten-pct", c.Reward)
	assert.Len(t, s.coupons("ann"), 1)
	assert.Equal(t, int64(1), s.rewardsHeld("ann"))

	_, _, err = of.Claim(s.ctx, s.engine, "claim-3", "ann", "big-spender")
	assert.ErrorIs(t, err, rewards.ErrOverLimit)
	_, _, err = of.Claim(s.ctx, s.engine, "claim-4", "ann", "shoes-2x")
	assert.ErrorIs(t, err, rewards.ErrNotOffered)
	_, _, err = of.Claim(s.ctx, s.engine, "claim-5", "ann", "nope")
	assert.ErrorIs(t, err, rewards.ErrUnknownOffer)
	assert.Len(t, s.coupons("ann"), 1)
}

func TestOfferSpendLessReturnsThisYear(t *testing.T) {
	s, of := newOfferShop(t, testOffers()...)
	s.earn(shoes("o1", "ann", monday, "120"))
	_, err := s.engine.Return(s.ctx, "return-o1", &loyalty.Return{ID: "r1", OrderID: "o1", MemberID: "ann", ReturnedAt: monday,
		Lines: []loyalty.ReturnLine{{SKU: "runner", Quantity: 1}}})
	require.NoError(t, err)
	in := s.input("ann")
	h := of.History(in)
	assert.Equal(t, "0", h.SpentThisYear().String())
	n, last, ok := h.OrdersIn("shoes")
	assert.True(t, ok)
	assert.Equal(t, int64(1), n, "a returned order was still bought")
	assert.Equal(t, "2026-12-07", last.Format(time.DateOnly))
}

func TestOfferTargetsOfTheHost(t *testing.T) {
	gold := rewards.TargetFunc(func(h *rewards.History) (bool, string) {
		if h.In.Member.Attributes["tier"] == "gold" {
			return true, "tier gold"
		}
		return false, "not gold"
	})
	s, of := newOfferShop(t, rewards.Offer{ID: "gold-bonus", Bonus: 50, Targets: []rewards.Target{gold, rewards.HasAttribute{Key: "tier", Value: "gold"}}})
	_, err := s.engine.Enroll(s.ctx, "enroll-gil", loyalty.Member{ID: "gil", Attributes: map[string]string{"tier": "gold"}})
	require.NoError(t, err)
	list, err := of.List(s.ctx, s.engine, "gil")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, []string{"tier gold", "tier is gold"}, list[0].Why)
	list, err = of.List(s.ctx, s.engine, "ann")
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestNewOffersRefusesBadOffers(t *testing.T) {
	cat := testCatalog(t)
	for name, o := range map[string]rewards.Offer{
		"nothing":         {ID: "a"},
		"two things":      {ID: "a", Bonus: 5, Reward: "gift"},
		"negative bonus":  {ID: "a", Bonus: -5},
		"negative factor": {ID: "a", Multiplier: dec("-2")},
		"unknown reward":  {ID: "a", Reward: "nope"},
		"no id":           {Bonus: 5},
		"empty window":    {ID: "a", Bonus: 5, From: monday, Until: monday},
		"nil target":      {ID: "a", Bonus: 5, Targets: []rewards.Target{nil}},
	} {
		_, err := rewards.NewOffers("offers", cat, o)
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}
	_, err := rewards.NewOffers("offers", nil, rewards.Offer{ID: "a", Reward: "gift"})
	assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "a coupon offer without a catalog")
	_, err = rewards.NewOffers("offers", cat, rewards.Offer{ID: "a", Bonus: 1}, rewards.Offer{ID: "a", Bonus: 2})
	assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "one ID twice")
}

// input is the rule input of member's state now.
func (s *shop) input(member string) *loyalty.Input {
	s.t.Helper()
	st, err := s.engine.Member(s.ctx, member)
	require.NoError(s.t, err)
	return &loyalty.Input{Now: s.engine.Now(), Program: s.engine.Program(), State: st, Member: &st.Member}
}

// manyOffers are n offers over 20 categories, every tenth a coupon, with
// history, segment and spend targets.
func manyOffers(n int) []rewards.Offer {
	out := make([]rewards.Offer, n)
	for i := range out {
		cat := fmt.Sprintf("cat-%02d", i%20)
		o := rewards.Offer{ID: fmt.Sprintf("offer-%04d", i), Name: "offer", Bonus: int64(10 + i)}
		switch i % 4 {
		case 0:
			o.Targets = []rewards.Target{rewards.BoughtCategory{Category: cat, WithinDays: 60, MinOrders: 1}}
		case 1:
			o.Targets = []rewards.Target{rewards.NoOrderFor{Days: 10 + i%50}}
		case 2:
			o.Targets = []rewards.Target{rewards.SpentThisYear{Amount: dec(fmt.Sprint(50 + i%200))}, rewards.InSegment{"vip"}}
		case 3:
			o.Targets = []rewards.Target{rewards.HasAttribute{Key: "tier", Value: "gold"}, rewards.BoughtCategory{Category: cat}}
		}
		if i%10 == 0 {
			o.Bonus, o.Reward = 0, "gift"
		}
		out[i] = o
	}
	return out
}

func BenchmarkListOffers(b *testing.B) {
	cat := testCatalog(b)
	of, err := rewards.NewOffers("offers", cat, manyOffers(1000)...)
	require.NoError(b, err)
	s := newShopIn(b, nil, cat, of)
	s.enroll("vic", "vip")
	for i := range 10 { // 10 orders over 20 categories, two lines each
		o := shoes(fmt.Sprint("o", i), "vic", monday, "30")
		o.Lines[0].Category = fmt.Sprintf("cat-%02d", i)
		o.Lines = append(o.Lines, loyalty.OrderLine{SKU: "x", Category: fmt.Sprintf("cat-%02d", i+10), Quantity: 1, UnitPrice: dec("5")})
		s.earn(o)
	}
	in := s.input("vic")
	var out []rewards.Eligible
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out = of.Eligible(in, out[:0])
	}
	b.StopTimer()
	b.ReportMetric(float64(len(out)), "eligible")
}
