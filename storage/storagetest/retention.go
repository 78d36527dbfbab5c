package storagetest

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
)

// scribbler is a Store that, once Commit returns, overwrites everything the
// Change it was given points to, save the Receipt: what the Engine does
// when it reuses a change's memory for its next write. A store that kept a
// slice of the change, instead of a copy, then holds the scribbles.
type scribbler struct{ loyalty.Store }

func (s scribbler) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	r, err := s.Store.Commit(ctx, c)
	scribbleChange(c)
	return r, err
}

func scribbleChange(c *loyalty.Change) {
	if c.Member != nil {
		for i := range c.Member.Segments {
			c.Member.Segments[i] = "x"
		}
		for k := range c.Member.Attributes {
			c.Member.Attributes[k] = "x"
		}
	}
	for i := range c.Entries {
		c.Entries[i].Amount, c.Entries[i].Note, c.Entries[i].Source, c.Entries[i].Ref = 999, "x", "x", "x"
	}
	for i := range c.Lots {
		c.Lots[i].Remaining, c.Lots[i].Ref = 999, "x"
	}
	for i := range c.Balances {
		c.Balances[i].Available, c.Balances[i].Pending = 999, 999
	}
	for i := range c.Counters {
		c.Counters[i].Value = 999
	}
	for i := range c.Orders {
		o := &c.Orders[i]
		for j := range o.Lines {
			o.Lines[j].Points, o.Lines[j].SKU = 999, "x"
		}
		for j := range o.Returns {
			o.Returns[j] = "x"
		}
	}
	for i := range c.Redemptions {
		for j := range c.Redemptions[i].Draws {
			c.Redemptions[i].Draws[j].Amount = 999
		}
	}
}

// testKeepsNothingOfTheChange runs the same writes on two fresh stores, one
// behind a scribbler, and asks both to return the same ledger: a store
// keeps copies of what a Change holds, never the Change's own memory, which
// the Engine reuses (see loyalty.Store's Commit).
func testKeepsNothingOfTheChange(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	run := func(wrap bool) string {
		h := newHarness(t, newStore)
		var s loyalty.Store = h.store
		if wrap {
			s = scribbler{h.store}
		}
		e, err := loyalty.NewEngine(Program(), s, &loyalty.EngineOptions{Clock: h.clock})
		require.NoError(t, err)
		_, err = e.Enroll(h.ctx, "k0", loyalty.Member{ID: "ann", Segments: []string{"staff"}, Attributes: map[string]string{"tier": "gold"}})
		require.NoError(t, err)
		_, err = e.Earn(h.ctx, "k1", order("o1", "ann", "10.00", "2.50"))
		require.NoError(t, err)
		_, err = e.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(50_00, "USD"), Points: 30})
		require.NoError(t, err)
		_, err = e.Return(h.ctx, "k3", &loyalty.Return{ID: "ret1", OrderID: "o1", MemberID: "ann", Amount: decimal.RequireFromString("2.50")})
		require.NoError(t, err)
		_, err = e.Earn(h.ctx, "k4", order("o2", "ann", "7.00"))
		require.NoError(t, err)
		h.check("ann")
		require.Equal(t, int64(140), h.balance("ann").Available, "125 earned, 30 redeemed, 25 returned, 70 earned")
		return h.snapshot("ann", "k0", "k1", "k2", "k3", "k4")
	}
	require.Equal(t, run(false), run(true), "the store kept memory of a Change it committed: changing it after Commit changed what the store returns")
}
