package rewards_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/rewards"
)

func TestRunJobsExpiresACouponOnceItsDaysArePast(t *testing.T) {
	s := newShop(t)
	code := s.buy("buy-1", "ann", "ten-off") // valid 30 days: until 6 January 2027, 12:00 UTC
	s.buy("buy-2", "ann", "ten-pct")         // no expiry
	require.Equal(t, int64(2), s.rewardsHeld("ann"))

	s.clock.Set(time.Date(2027, time.January, 6, 11, 59, 0, 0, time.UTC))
	rep := s.runJobs()
	assert.Zero(t, rep.Jobs["expire-grants"], "a minute before its expiry")
	assert.Len(t, s.coupons("ann"), 2)

	s.clock.Set(time.Date(2027, time.January, 6, 12, 0, 0, 0, time.UTC))
	rep = s.runJobs()
	assert.Equal(t, 1, rep.Jobs["expire-grants"])
	assert.Equal(t, int64(1), s.rewardsHeld("ann"), "−1 for the expired coupon")
	left := s.coupons("ann")
	require.Len(t, left, 1)
	assert.Equal(t, "ten-pct", left[0].Reward)
	c, err := s.engine.Code(s.ctx, code)
	require.NoError(t, err)
	st, err := s.load("ann", loyalty.Query{GrantIDs: []string{c.Ref}})
	require.NoError(t, err)
	assert.Equal(t, ledger.GrantExpired, st.Grants[0].Status)

	rep = s.runJobs()
	assert.Zero(t, rep.Jobs["expire-grants"], "nothing left to expire")
	assert.Equal(t, int64(1), s.rewardsHeld("ann"))

	_, err = s.catalog.Check(s.ctx, s.engine, cart("o1", "ann", code))
	assert.ErrorIs(t, err, rewards.ErrExpired)
}
