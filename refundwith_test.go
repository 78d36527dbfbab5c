package loyalty_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// countedCoupon grants a coupon on every order and counts it in "coupons"
// in period "2026-11".
var countedCoupon = rule{name: "counted-coupon", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if _, ok := c.Event.(*loyalty.Order); !ok {
		return out
	}
	return append(out, loyalty.GrantReward(ledger.Grant{Reward: "coupon"}, nil), loyalty.Count("coupons", "2026-11", 1))
}}

func TestRefundGrantWithTakesTheMembersCountersDownInTheirPeriodOnly(t *testing.T) {
	ctx := context.Background()
	p := &loyalty.Program{ID: "shop", Name: "shop", Currency: "USD", Rules: []loyalty.Rule{countedCoupon}}
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(now)})
	require.NoError(t, err)
	_, err = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	var grants []string
	for _, id := range []string{"o1", "o2"} {
		r, err := e.Earn(ctx, "earn-"+id, tenDollars("ann", id))
		require.NoError(t, err)
		grants = append(grants, r.Grants[0].ID)
	}
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(2), st.Counter("coupons", "2026-11"))

	// Refused, nothing written: a value that is not positive, an empty name.
	for _, bad := range []ledger.Counter{{Name: "coupons", PeriodKey: "2026-11"}, {Name: "coupons", PeriodKey: "2026-11", Value: -1}, {PeriodKey: "2026-11", Value: 1}} {
		_, err := e.RefundGrantWith(ctx, "refund-bad", "ann", grants[0], loyalty.GrantRefund{Uncount: []ledger.Counter{bad}})
		var ve *loyalty.ValidationError
		require.ErrorAs(t, err, &ve, "%+v", bad)
	}
	after, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, st.Version, after.Version)

	// Another period than the counter's: left alone; its own: 2 - 5 stops at 0.
	_, err = e.RefundGrantWith(ctx, "refund-1", "ann", grants[0], loyalty.GrantRefund{Uncount: []ledger.Counter{{Name: "coupons", PeriodKey: "2026-10", Value: 1}}})
	require.NoError(t, err)
	st, err = e.Member(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(2), st.Counter("coupons", "2026-11"))
	_, err = e.RefundGrantWith(ctx, "refund-2", "ann", grants[1], loyalty.GrantRefund{Uncount: []ledger.Counter{{Name: "coupons", PeriodKey: "2026-11", Value: 5}}})
	require.NoError(t, err)
	st, err = e.Member(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(0), st.Counter("coupons", "2026-11"))
}
