package referral_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/referral"
)

func TestQualifyingOrderRewardsBothHeldForTheReturnWindow(t *testing.T) {
	f := newFixture(t, config())
	f.signup(t, "bob", f.code(t, "ann"))
	f.clock.Advance(48 * time.Hour)
	placed := f.clock.Now()
	out, err := f.p.OnOrder(ctx, order("o1", "bob", placed, "80.00"))
	require.NoError(t, err)
	assert.True(t, out.Qualified)
	assert.Equal(t, referral.ReasonPending, out.Reason)
	assert.NoError(t, out.Refusal)
	assert.Equal(t, "ann", out.Referrer)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Pending: 500}, f.balance(t, "ann"), "500 held for ann")
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100, Pending: 200}, f.balance(t, "bob"), "100 welcome + 200 held")

	// A retry writes nothing more.
	again, err := f.p.OnOrder(ctx, order("o1", "bob", placed, "80.00"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, again.Reason)
	assert.Equal(t, int64(500), f.balance(t, "ann").Pending)

	// The second order does not qualify again.
	second, err := f.p.OnOrder(ctx, order("o2", "bob", placed, "90.00"))
	require.NoError(t, err)
	assert.False(t, second.Qualified)
	assert.Equal(t, referral.ReasonNotFirst, second.Reason)

	// Fourteen days after the order the hold is over.
	f.clock.Set(placed.AddDate(0, 0, 14))
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 500}, f.balance(t, "ann"))
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 300}, f.balance(t, "bob"))
}

func TestReturnInTheWindowVoidsTheRewards(t *testing.T) {
	f := newFixture(t, config())
	f.signup(t, "bob", f.code(t, "ann"))
	placed := f.clock.Now()
	_, err := f.p.OnOrder(ctx, order("o1", "bob", placed, "80.00"))
	require.NoError(t, err)
	f.clock.Advance(5 * 24 * time.Hour)
	ret := &loyalty.Return{ID: "r1", OrderID: "o1", MemberID: "bob", ReturnedAt: f.clock.Now(), Amount: dec("80.00")}
	voided, err := f.p.OnReturn(ctx, ret)
	require.NoError(t, err)
	assert.True(t, voided)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, f.balance(t, "ann"), "ann's 500 voided")
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100}, f.balance(t, "bob"), "bob keeps the welcome, loses the 200")
	voided, err = f.p.OnReturn(ctx, ret)
	require.NoError(t, err, "a retried return is safe")
	assert.True(t, voided)
	assert.Equal(t, int64(0), f.balance(t, "ann").Available+f.balance(t, "ann").Pending)
}

func TestReturnAfterTheWindowKeepsTheRewards(t *testing.T) {
	f := newFixture(t, config())
	f.signup(t, "bob", f.code(t, "ann"))
	placed := f.clock.Now()
	_, err := f.p.OnOrder(ctx, order("o1", "bob", placed, "80.00"))
	require.NoError(t, err)
	f.clock.Set(placed.AddDate(0, 0, 15))
	voided, err := f.p.OnReturn(ctx, &loyalty.Return{ID: "r1", OrderID: "o1", MemberID: "bob", ReturnedAt: f.clock.Now(), Amount: dec("80.00")})
	require.NoError(t, err)
	assert.False(t, voided)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 500}, f.balance(t, "ann"))
}

func TestOrdersThatDoNotQualify(t *testing.T) {
	f := newFixture(t, config())
	code := f.code(t, "ann")
	f.signup(t, "bob", code)
	f.signup(t, "cat", code)
	out, err := f.p.OnOrder(ctx, order("o1", "bob", f.clock.Now(), "49.99"))
	require.NoError(t, err)
	assert.False(t, out.Qualified)
	assert.Equal(t, referral.ReasonBelowMinimum, out.Reason)
	assert.Equal(t, "order o1 is below the minimum of 50", out.Detail)
	// bob's first order did not qualify, so no later order does.
	out, err = f.p.OnOrder(ctx, order("o2", "bob", f.clock.Now(), "60"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonNotFirst, out.Reason)

	f.clock.Advance(31 * 24 * time.Hour)
	out, err = f.p.OnOrder(ctx, order("o3", "cat", f.clock.Now(), "60"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonTooLate, out.Reason)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, f.balance(t, "ann"), "nothing for ann")

	_, err = f.p.OnOrder(ctx, order("o4", "stranger", f.clock.Now(), "60"))
	assert.ErrorIs(t, err, referral.ErrNotReferred)
	_, err = f.p.OnOrder(ctx, order("o5", "bob", f.clock.Now(), "60"))
	require.NoError(t, err)
	_, err = f.p.OnOrder(ctx, &loyalty.Order{ID: "o6", MemberID: "bob", Currency: "USD"})
	assert.ErrorIs(t, err, loyalty.ErrInvalidEvent, "an order without lines")
}

// Host order IDs are never recorded as they are: one shaped like the
// package's own (the "referral~" prefix that used to be reserved, "rr:")
// qualifies, rewards and is returned like any other.
func TestHostOrderIDsShapedLikeThePackagesWork(t *testing.T) {
	for _, id := range []string{"referral~rr~B-1", "rr:B-1", "o:B-1~0000000000000000", strings.Repeat("x", loyalty.MaxIDLength)} {
		f := newFixture(t, config())
		code := f.code(t, "ann")
		f.signup(t, "bob", code)
		f.signup(t, "cat", code)
		out, err := f.p.OnOrder(ctx, order(id, "bob", start, "80"))
		require.NoError(t, err, id[:min(len(id), 24)])
		assert.Equal(t, referral.ReasonPending, out.Reason)
		assert.Equal(t, int64(500), f.balance(t, "ann").Pending)
		// The same host ID for another friend's order is the host's own
		// business: it is recorded apart from bob's and from ann's reward.
		out, err = f.p.OnOrder(ctx, order("B-1", "cat", start, "80"))
		require.NoError(t, err)
		assert.Equal(t, referral.ReasonPending, out.Reason)
		assert.Equal(t, int64(1000), f.balance(t, "ann").Pending)
		voided, err := f.p.OnReturn(ctx, &loyalty.Return{ID: "r1", OrderID: id, MemberID: "bob", ReturnedAt: start.Add(time.Hour), Amount: dec("80")})
		require.NoError(t, err)
		assert.True(t, voided)
		assert.Equal(t, int64(500), f.balance(t, "ann").Pending, "bob's reward voided, cat's kept")
		s, err := f.p.Statement(ctx, "ann")
		require.NoError(t, err)
		require.Len(t, s.Lines, 2)
		assert.Equal(t, referral.ReasonReturned, s.Lines[0].Status)
		assert.Equal(t, id, s.Lines[0].Order)
		assert.Equal(t, referral.ReasonPending, s.Lines[1].Status)
	}
}

func TestPendingReviewHoldsRewardsUntilApproved(t *testing.T) {
	f := newFixture(t, config())
	code := f.code(t, "ann")
	_, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code, JoinedAt: start, Review: true})
	require.NoError(t, err)
	_, err = f.p.Attribute(ctx, referral.Signup{Friend: "cat", Code: code, JoinedAt: start, Review: true})
	require.NoError(t, err)
	out, err := f.p.OnOrder(ctx, order("o1", "bob", start, "80"))
	require.NoError(t, err)
	assert.True(t, out.Qualified)
	assert.Equal(t, referral.ReasonPendingReview, out.Reason)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, f.balance(t, "ann"), "nothing released before review")

	out, err = f.p.Approve(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason)
	assert.Equal(t, int64(500), f.balance(t, "ann").Pending)
	_, err = f.p.Approve(ctx, "bob")
	require.NoError(t, err, "approving again is a retry")
	assert.Equal(t, int64(500), f.balance(t, "ann").Pending)

	out, err = f.p.Reject(ctx, "cat")
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonRejected, out.Reason)
	out, err = f.p.OnOrder(ctx, order("o2", "cat", start, "80"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonRejected, out.Reason)
	assert.Equal(t, int64(500), f.balance(t, "ann").Pending, "cat's order rewards nothing")
	_, err = f.p.Approve(ctx, "cat")
	assert.ErrorIs(t, err, referral.ErrNotPending)
	f.signup(t, "dan", code)
	_, err = f.p.Approve(ctx, "dan")
	assert.ErrorIs(t, err, referral.ErrNotPending)
}

func TestCapsPerMonthAndLifetime(t *testing.T) {
	cfg := config()
	cfg.MonthlyCap, cfg.LifetimeCap, cfg.QualifyDays = 3, 4, 60
	f := newFixture(t, cfg)
	code := f.code(t, "ann")
	friends := []string{"b1", "b2", "b3", "b4", "b5", "b6"}
	for _, fr := range friends {
		f.signup(t, fr, code)
	}
	for i, fr := range friends[:4] {
		out, err := f.p.OnOrder(ctx, order("o-"+fr, fr, start.Add(-time.Duration(i)*time.Minute), "60"))
		require.NoError(t, err)
		if i < 3 {
			assert.Equal(t, referral.ReasonPending, out.Reason, fr)
			continue
		}
		assert.Equal(t, referral.ReasonCapMonth, out.Reason)
		var ce *referral.CapError
		require.True(t, errors.As(out.Refusal, &ce))
		assert.Equal(t, "2026-12", ce.Period)
		assert.Equal(t, int64(3), ce.Cap)
		assert.ErrorIs(t, out.Refusal, referral.ErrCapReached)
	}
	assert.Equal(t, int64(1500), f.balance(t, "ann").Pending, "three rewarded in December")
	assert.Equal(t, int64(0), f.balance(t, "b4").Pending, "no friend reward when the referrer's is capped")

	// January: the monthly cap starts afresh, the lifetime cap of 4 stops the second.
	jan := time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC)
	f.clock.Set(jan)
	out, err := f.p.OnOrder(ctx, order("o-b5", "b5", jan, "60"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason)
	out, err = f.p.OnOrder(ctx, order("o-b6", "b6", jan, "60"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonCapLifetime, out.Reason)
}

func TestCampaignBudget(t *testing.T) {
	cfg := config()
	cfg.Budget = 2
	f := newFixture(t, cfg)
	for i, ref := range []string{"ann", "bob", "cat"} {
		fr := "friend-" + ref
		f.signup(t, fr, f.code(t, ref))
		out, err := f.p.OnOrder(ctx, order("o"+fr, fr, start, "60"))
		require.NoError(t, err)
		if i < 2 {
			assert.Equal(t, referral.ReasonPending, out.Reason)
			continue
		}
		assert.Equal(t, referral.ReasonBudget, out.Reason)
		assert.ErrorIs(t, out.Refusal, referral.ErrBudgetSpent)
	}
	assert.Equal(t, int64(0), f.balance(t, "cat").Pending)
	sc, err := f.p.Engine().SharedCounter(ctx, "referral.budget", "")
	require.NoError(t, err)
	assert.Equal(t, int64(2), sc.Claimed)

	// A reward voided by a return gives its unit back: the next one is paid.
	_, err = f.p.OnReturn(ctx, &loyalty.Return{ID: "r", OrderID: "ofriend-ann", MemberID: "friend-ann", ReturnedAt: start, Amount: dec("60")})
	require.NoError(t, err)
	sc, err = f.p.Engine().SharedCounter(ctx, "referral.budget", "")
	require.NoError(t, err)
	assert.Equal(t, int64(1), sc.Claimed)
	f.signup(t, "friend-dan", f.code(t, "dan"))
	out, err := f.p.OnOrder(ctx, order("ofriend-dan", "friend-dan", start, "60"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason)
}

func TestApprovedBeforeTheOrderRewardsWhenItQualifies(t *testing.T) {
	f := newFixture(t, config())
	_, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: f.code(t, "ann"), JoinedAt: start, Review: true})
	require.NoError(t, err)
	out, err := f.p.Approve(ctx, "bob")
	require.NoError(t, err)
	assert.False(t, out.Qualified)
	assert.Equal(t, referral.ReasonSignedUp, out.Reason)
	out, err = f.p.OnOrder(ctx, order("o1", "bob", start, "80"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason)
	assert.Equal(t, int64(500), f.balance(t, "ann").Pending)
}

func TestCommissionAsStoreCredit(t *testing.T) {
	cfg := ambassadorConfig()
	cfg.Ambassador.Payable = false
	f := newFixture(t, cfg)
	code := f.code(t, "ann")
	_, err := f.p.Promote(ctx, "promote-ann", "ann", "by hand")
	require.NoError(t, err)
	_, err = f.p.Commission(ctx, code, order("s1", "zoe", start, "33.33"))
	require.NoError(t, err)
	b, err := f.p.Engine().AccountBalance(ctx, "ann", referral.StoreCredit)
	require.NoError(t, err)
	assert.Equal(t, int64(333), b.Available, "10% of 33.33 is 3.333, rounded to 3.33")
	_, err = f.p.PayOut(ctx, "payout", "ann", 100)
	assert.Error(t, err, "store credit is not paid out")
}
