package rewards_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/rewards"
)

func TestTheHostMovesAnExternalRewardsFulfilmentOn(t *testing.T) {
	s := newShop(t)
	s.enroll("vic", "vip")
	p, err := s.catalog.Buy(s.ctx, s.engine, "buy-1", "vic", "vip-only")
	require.NoError(t, err)
	id := p.Coupon.GrantID
	require.NotEmpty(t, id)
	assert.Empty(t, p.Coupon.Code, "an external reward has no code")

	st, err := s.engine.Member(s.ctx, "vic")
	require.NoError(t, err)
	assert.Equal(t, rewards.FulfilRequested, s.catalog.Fulfilment(st, id))

	r, err := s.catalog.SetFulfilment(s.ctx, s.engine, "ship-1", "vic", id, rewards.FulfilShipped)
	require.NoError(t, err)
	require.Len(t, r.Notices, 1)
	assert.Equal(t, rewards.NoticeFulfilment, r.Notices[0].Kind)
	assert.Equal(t, []string{"requested", "shipped"}, []string{r.Notices[0].From, r.Notices[0].To})
	_, err = s.catalog.SetFulfilment(s.ctx, s.engine, "ship-2", "vic", id, rewards.FulfilDelivered)
	require.NoError(t, err)
	st, err = s.engine.Member(s.ctx, "vic")
	require.NoError(t, err)
	assert.Equal(t, rewards.FulfilDelivered, s.catalog.Fulfilment(st, id))
	assert.Equal(t, int64(2), st.Counter("catalog/fulfilment/"+id, "delivered"), "two changes")

	version := st.Version
	_, err = s.catalog.SetFulfilment(s.ctx, s.engine, "bad-1", "vic", id, "")
	assert.ErrorIs(t, err, rewards.ErrInvalidStatus)
	_, err = s.catalog.SetFulfilment(s.ctx, s.engine, "bad-2", "vic", id, "a/b")
	assert.ErrorIs(t, err, rewards.ErrInvalidStatus)
	_, err = s.catalog.SetFulfilment(s.ctx, s.engine, "bad-3", "vic", "no-such-grant", rewards.FulfilShipped)
	assert.ErrorIs(t, err, rewards.ErrUnknownReward)
	code := s.buy("buy-2", "ann", "ten-pct")
	c, err := s.engine.Code(s.ctx, code)
	require.NoError(t, err)
	_, err = s.catalog.SetFulfilment(s.ctx, s.engine, "bad-4", "ann", c.Ref, rewards.FulfilShipped)
	assert.ErrorIs(t, err, rewards.ErrNotExternal)
	_, err = s.engine.Act(s.ctx, "bad-5", &loyalty.Action{Kind: rewards.ActionFulfil, MemberID: "vic", Ref: id})
	assert.ErrorIs(t, err, rewards.ErrInvalidStatus, "an action without a status is refused by the rule")
	st, err = s.engine.Member(s.ctx, "vic")
	require.NoError(t, err)
	assert.Equal(t, version, st.Version, "refusals write nothing")
}
