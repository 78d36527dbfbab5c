package rewards_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/rewards"
)

// newGiveBackShop is the test shop whose catalog gives coupons back as gb says.
func newGiveBackShop(t *testing.T, gb rewards.GiveBack) *shop {
	t.Helper()
	cat, err := rewards.NewCatalog("catalog", "USD", &rewards.Options{GiveBack: gb}, catalogRewards()...)
	require.NoError(t, err)
	return newShopIn(t, nil, cat)
}

// grantOf returns member's grant of code, whatever its status.
func (s *shop) grantOf(member, code string) ledger.Grant {
	s.t.Helper()
	c, err := s.engine.Code(s.ctx, code)
	require.NoError(s.t, err)
	st, err := s.load(member, loyalty.Query{GrantIDs: []string{c.Ref}})
	require.NoError(s.t, err)
	require.Len(s.t, st.Grants, 1)
	return st.Grants[0]
}

// load loads member from the program's view of the store.
func (s *shop) load(member string, q loyalty.Query) (*loyalty.State, error) {
	v, err := s.store.ForProgram(s.engine.Program().ID)
	require.NoError(s.t, err)
	return v.Load(s.ctx, member, q)
}

func returnOf(key, id, order string, lines ...loyalty.ReturnLine) *loyalty.Return {
	return &loyalty.Return{ID: id, OrderID: order, MemberID: "ann", ReturnedAt: monday, Lines: lines}
}

func allLines(o *loyalty.Order) []loyalty.ReturnLine {
	var out []loyalty.ReturnLine
	for _, l := range o.Lines {
		out = append(out, loyalty.ReturnLine{SKU: l.SKU, Quantity: l.Quantity})
	}
	return out
}

func TestAFullyReturnedOrderGivesItsSingleUseCouponBack(t *testing.T) {
	s := newGiveBackShop(t, rewards.GiveBackOnFullReturn)
	code := s.buy("buy-1", "ann", "ten-pct")
	o := cart("o1", "ann", code)
	s.earn(o)
	assert.Equal(t, ledger.GrantUsed, s.grantOf("ann", code).Status)
	assert.Equal(t, int64(0), s.rewardsHeld("ann"))
	st, err := s.load("ann", loyalty.Query{Orders: []string{"o1"}})
	require.NoError(t, err)
	g := s.grantOf("ann", code)
	assert.Equal(t, []ledger.OrderCode{{Code: code, Grant: g.ID}}, st.Orders[0].Codes, "the record knows the code it used")

	// one line back: the order is not all returned, the coupon stays used
	_, err = s.engine.Return(s.ctx, "ret-1", returnOf("ret-1", "r1", "o1", loyalty.ReturnLine{SKU: "tee", Quantity: 2}))
	require.NoError(t, err)
	assert.Equal(t, ledger.GrantUsed, s.grantOf("ann", code).Status)

	// the rest back: the coupon is open again, its use given back
	rest := allLines(o)[1:]
	r, err := s.engine.Return(s.ctx, "ret-2", returnOf("ret-2", "r2", "o1", rest...))
	require.NoError(t, err)
	g = s.grantOf("ann", code)
	assert.Equal(t, ledger.GrantOpen, g.Status)
	assert.Equal(t, int64(0), g.Uses)
	assert.Equal(t, int64(1), s.rewardsHeld("ann"))
	c, err := s.engine.Code(s.ctx, code)
	require.NoError(t, err)
	assert.Equal(t, int64(0), c.Uses)
	require.Len(t, r.Grants, 1)
	st, err = s.load("ann", loyalty.Query{Orders: []string{"o1"}})
	require.NoError(t, err)
	assert.True(t, st.Orders[0].Codes[0].GivenBack)

	// and it is used again on the next order
	s.earn(cart("o2", "ann", code))
	assert.Equal(t, ledger.GrantUsed, s.grantOf("ann", code).Status)
	assert.Equal(t, int64(0), s.rewardsHeld("ann"))
}

func TestAReturnGivesNoCouponBackByDefault(t *testing.T) {
	s := newGiveBackShop(t, rewards.GiveBackNever)
	code := s.buy("buy-1", "ann", "ten-pct")
	o := cart("o1", "ann", code)
	s.earn(o)
	_, err := s.engine.Return(s.ctx, "ret-1", returnOf("ret-1", "r1", "o1", allLines(o)...))
	require.NoError(t, err)
	assert.Equal(t, ledger.GrantUsed, s.grantOf("ann", code).Status)
	assert.Equal(t, int64(0), s.rewardsHeld("ann"))
}

func TestAnyReturnGivesTheCouponBackOnce(t *testing.T) {
	s := newGiveBackShop(t, rewards.GiveBackOnAnyReturn)
	code := s.buy("buy-1", "ann", "ten-pct")
	o := cart("o1", "ann", code)
	s.earn(o)
	_, err := s.engine.Return(s.ctx, "ret-1", returnOf("ret-1", "r1", "o1", loyalty.ReturnLine{SKU: "tee", Quantity: 1}))
	require.NoError(t, err)
	assert.Equal(t, ledger.GrantOpen, s.grantOf("ann", code).Status)
	s.earn(cart("o2", "ann", code)) // used again elsewhere
	_, err = s.engine.Return(s.ctx, "ret-2", returnOf("ret-2", "r2", "o1", loyalty.ReturnLine{SKU: "tee", Quantity: 1}))
	require.NoError(t, err)
	assert.Equal(t, ledger.GrantUsed, s.grantOf("ann", code).Status, "o1 gave its use back already; o2's use stays")
	assert.Equal(t, int64(0), s.rewardsHeld("ann"))
}
