package referral_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/referral"
)

func ambassadorConfig() referral.Config {
	cfg := config()
	cfg.Ambassador = referral.Ambassador{AfterReferrals: 2, Commission: dec("10"), Payable: true, Perks: []string{"free-shipping", "early-access"}}
	return cfg
}

func TestAmbassadorByRuleAfterTwoRewardedReferrals(t *testing.T) {
	f := newFixture(t, ambassadorConfig())
	code := f.code(t, "ann")
	for i, fr := range []string{"bob", "cat"} {
		f.signup(t, fr, code)
		out, err := f.p.OnOrder(ctx, order("o-"+fr, fr, start, "60"))
		require.NoError(t, err)
		ok, err := f.p.IsAmbassador(ctx, "ann")
		require.NoError(t, err)
		assert.Equal(t, i == 1, ok, "after %d rewarded referrals", i+1)
		if i == 1 {
			require.Len(t, out.ReferrerReward.Notices, 1)
			assert.Equal(t, referral.NoticeAmbassador, out.ReferrerReward.Notices[0].Kind)
		}
	}
	perks, err := f.p.Perks(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, []string{"free-shipping", "early-access"}, perks)
	none, err := f.p.Perks(ctx, "bob")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestCommissionOnAttributedOrdersReversedOnReturns(t *testing.T) {
	f := newFixture(t, ambassadorConfig())
	code := f.code(t, "ann")
	_, err := f.p.Commission(ctx, code, order("s1", "zoe", start, "80.00"))
	assert.ErrorIs(t, err, referral.ErrNotAmbassador, "not yet an ambassador")

	_, err = f.p.Promote(ctx, "promote-ann", "ann", "top creator")
	require.NoError(t, err)
	for _, o := range []*loyalty.Order{order("s1", "zoe", start, "80.00"), order("s2", "yan", start, "45.50"), order("s3", "xia", start, "120.00")} {
		_, err := f.p.Commission(ctx, code, o)
		require.NoError(t, err)
	}
	// 10% of 80.00 + 45.50 + 120.00 = 8.00 + 4.55 + 12.00 = 24.55.
	b, err := f.p.Engine().AccountBalance(ctx, "ann", referral.Payable)
	require.NoError(t, err)
	assert.Equal(t, int64(2455), b.Available)

	// Half of s3 comes back: 6.00 of commission is reversed.
	_, err = f.p.OnReturn(ctx, &loyalty.Return{ID: "r1", OrderID: "s3", MemberID: "xia", ReturnedAt: start, Amount: dec("60.00")})
	require.NoError(t, err)
	b, err = f.p.Engine().AccountBalance(ctx, "ann", referral.Payable)
	require.NoError(t, err)
	assert.Equal(t, int64(1855), b.Available)

	_, err = f.p.PayOut(ctx, "payout-2026-12", "ann", 1000)
	require.NoError(t, err)
	_, err = f.p.PayOut(ctx, "payout-too-much", "ann", 5000)
	var ie *loyalty.InsufficientError
	assert.True(t, errors.As(err, &ie), "%v", err)

	s, err := f.p.AmbassadorStatement(ctx, "ann", start.AddDate(0, 0, -1), start.AddDate(0, 1, 0))
	require.NoError(t, err)
	assert.Equal(t, []string{"s1", "s2", "s3"}, s.Orders)
	assert.Equal(t, int64(2455), s.Earned)
	assert.Equal(t, int64(600), s.Reversed)
	assert.Equal(t, int64(1000), s.Paid)
	assert.Equal(t, int64(855), s.Balance)

	// Refusals write nothing.
	_, err = f.p.Commission(ctx, code, order("s4", "ann", start, "10"))
	var fe *referral.FraudError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, referral.CheckSelfBuy, fe.Check)
	_, err = f.p.Commission(ctx, code, order("s1", "zoe", start.Add(-time.Minute), "80.00"))
	assert.Error(t, err, "an order attributed before")
	_, err = f.p.Promote(ctx, "promote-bea", "bea", "staff pick")
	require.NoError(t, err)
	_, err = f.p.Commission(ctx, f.code(t, "bea"), order("s1", "zoe", start, "80.00"))
	assert.ErrorIs(t, err, loyalty.ErrDuplicate, "s1 is ann's")
	_, err = f.p.Commission(ctx, "NOSUCH99", order("s5", "zoe", start, "10"))
	assert.ErrorIs(t, err, loyalty.ErrUnknownCode)
	b, err = f.p.Engine().AccountBalance(ctx, "ann", referral.Payable)
	require.NoError(t, err)
	assert.Equal(t, int64(855), b.Available)
}

// Any host order ID works for a commission, one too long to keep in the
// recorded ID included: the statement names the host's IDs.
func TestCommissionOnHostOrderIDsOfAnyShape(t *testing.T) {
	f := newFixture(t, ambassadorConfig())
	code := f.code(t, "ann")
	_, err := f.p.Promote(ctx, "promote-ann", "ann", "by hand")
	require.NoError(t, err)
	long := strings.Repeat("L", loyalty.MaxIDLength)
	for _, id := range []string{"referral~ac~S-1", "ac:S-1", long} {
		_, err := f.p.Commission(ctx, code, order(id, "zoe", start, "10.00"))
		require.NoError(t, err, id[:min(len(id), 20)])
	}
	_, err = f.p.OnReturn(ctx, &loyalty.Return{ID: "R", OrderID: long, MemberID: "zoe", ReturnedAt: start, Amount: dec("10.00")})
	require.NoError(t, err)
	s, err := f.p.AmbassadorStatement(ctx, "ann", start.AddDate(0, 0, -1), start.AddDate(0, 0, 1))
	require.NoError(t, err)
	assert.Equal(t, []string{"referral~ac~S-1", "ac:S-1", long}, s.Orders)
	assert.Equal(t, int64(300), s.Earned)
	assert.Equal(t, int64(100), s.Reversed, "the long one's commission reversed")
}
