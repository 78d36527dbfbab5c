package loyalty_test

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
)

// checkoutPolicy is 100 points = 1.00 USD, at least 500 points, in hundreds,
// at most half of the order.
var checkoutPolicy = points.Redemption{
	Points: 100, Value: money.MinorUnits(1_00, "USD"),
	Minimum: 500, Increment: 100, MaxPercent: decimal.NewFromInt(50),
}

// redeemHarness has ann with 3456 spendable points.
func redeemHarness(t *testing.T) *loyaltytest.Harness {
	t.Helper()
	h := loyaltytest.New(t, &loyalty.Program{Name: "p", Currency: "USD", Redemption: checkoutPolicy}, nil)
	h.Enroll("ann")
	h.Adjust("grant", "ann", 3456, "opening balance")
	return h
}

// usdOf is s in USD, for the tests that build an engine of their own.
func usdOf(s string) money.Money { return money.New(decimal.RequireFromString(s), "USD") }

func TestRedeemUpToClampsToBalanceCapAndIncrement(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cart      string
		upTo      int64
		applied   int64
		value     string
		maxPoints int64
	}{
		{"under every limit: all of it", "80.00", 2000, 2000, "20.00", 3400},
		{"not a multiple of the increment: rounded down", "80.00", 2050, 2000, "20.00", 3400},
		{"more than the balance: the balance in hundreds", "80.00", 9000, 3400, "34.00", 3400},
		{"more than half of 20.00: the cap", "20.00", 3000, 1000, "10.00", 1000},
		{"exactly the minimum", "80.00", 500, 500, "5.00", 3400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := redeemHarness(t)
			r := loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "1001", Total: h.Money(tc.cart), Points: tc.upTo, UpTo: true}
			q, err := h.Engine.Quote(h.Ctx, r)
			require.NoError(t, err)
			require.Equal(t, tc.applied, q.Points)
			require.Equal(t, tc.value, q.Value.Amount.StringFixed(2))
			require.Equal(t, tc.maxPoints, q.MaxPoints)
			require.NoError(t, q.Reason)

			rc := h.Redeem("redeem", r)
			require.Equal(t, tc.applied, rc.Redemption.Points, "the receipt says what was applied")
			require.Equal(t, tc.value, rc.Redemption.Value.Amount.StringFixed(2))
			require.Equal(t, -tc.applied, rc.Points())
			h.AssertBalance("ann", 3456-tc.applied, 0)
		})
	}
}

func TestRedeemUpToThatAllowsNothingSaysWhyAndWritesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cart   string
		upTo   int64
		reason error
		max    int64
		says   string
	}{
		// Up to 400 points: below the minimum of 500, though the cart allows 3400.
		{"a limit below the minimum", "80.00", 400, loyalty.ErrBelowMinimum, 3400, "up to 400 points"},
		// Half of 8.00 is 4.00, 400 points: below the minimum.
		{"a cart whose cap is below the minimum", "8.00", 2000, loyalty.ErrBelowMinimum, 0, "minimum of 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := redeemHarness(t)
			r := loyalty.Redemption{ID: "r1", MemberID: "ann", Total: h.Money(tc.cart), Points: tc.upTo, UpTo: true}
			q, err := h.Engine.Quote(h.Ctx, r)
			require.NoError(t, err, "a quote of nothing is not an error: its Reason says why")
			require.Equal(t, int64(0), q.Points)
			require.Equal(t, tc.max, q.MaxPoints)
			require.ErrorIs(t, q.Reason, tc.reason)
			require.True(t, strings.Contains(q.Reason.Error(), tc.says), q.Reason.Error())

			_, err = h.Engine.Redeem(h.Ctx, "redeem", r)
			require.ErrorIs(t, err, tc.reason)
			h.AssertBalance("ann", 3456, 0)
			// Only the opening adjustment.
			h.AssertEntries("ann", loyaltytest.Entry{Kind: ledger.EntryAdjust, Amount: 3456})
		})
	}
}

func TestRedeemExactStillRefusesWhatMayNotBeRedeemed(t *testing.T) {
	h := redeemHarness(t)
	_, err := h.Engine.Redeem(h.Ctx, "redeem", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: h.Money("80.00"), Points: 2050})
	require.ErrorIs(t, err, loyalty.ErrNotIncrement)
	// The quote of the same request says the most the cart allows.
	q, err := h.Engine.QuoteRedemption(h.Ctx, "ann", h.Money("80.00"), 400)
	require.ErrorIs(t, err, loyalty.ErrBelowMinimum)
	require.Equal(t, err, q.Reason)
	require.Equal(t, int64(0), q.Points)
	require.Equal(t, int64(3400), q.MaxPoints)
	require.Equal(t, "34.00", q.MaxValue.Amount.StringFixed(2))
}

func TestRedeemWithNothingAllowedReturnsTheQuotesReason(t *testing.T) {
	h := loyaltytest.New(t, &loyalty.Program{Name: "p", Currency: "USD", Redemption: checkoutPolicy}, nil)
	h.Enroll("bob")
	h.Adjust("grant", "bob", 450, "opening balance")
	q, err := h.Engine.QuoteRedemption(h.Ctx, "bob", h.Money("80.00"), 0)
	require.NoError(t, err)
	require.Equal(t, int64(0), q.MaxPoints)
	require.ErrorIs(t, q.Reason, loyalty.ErrInsufficientPoints)
	require.Contains(t, q.Reason.Error(), "450 points available, redeeming takes at least 500")
	_, err = h.Engine.Redeem(h.Ctx, "redeem", loyalty.Redemption{ID: "r1", MemberID: "bob", Total: h.Money("80.00")})
	require.ErrorIs(t, err, loyalty.ErrInsufficientPoints)
	require.Contains(t, err.Error(), "at least 500")
}

func TestRedeemUpToAndExactAreDifferentRequestsUnderOneKey(t *testing.T) {
	h := redeemHarness(t)
	r := loyalty.Redemption{ID: "r1", MemberID: "ann", Total: h.Money("80.00"), Points: 2000}
	h.Redeem("redeem", r)
	r.UpTo = true
	_, err := h.Engine.Redeem(h.Ctx, "redeem", r)
	require.ErrorIs(t, err, loyalty.ErrKeyReused)
	// A replay of the up-to request under its own key returns its first receipt.
	r.ID = "r2"
	first := h.Redeem("redeem-2", r)
	again := h.Redeem("redeem-2", r)
	require.Equal(t, first.Redemption.Points, again.Redemption.Points)
	require.Equal(t, int64(1400), first.Redemption.Points, "1456 left, in hundreds")
}

func TestQuoteUpToOfEmptyStoreCreditSaysWhy(t *testing.T) {
	const credit ledger.Account = "credit"
	h := loyaltytest.New(t, &loyalty.Program{Name: "p", Currency: "USD", Redemption: checkoutPolicy, Rules: []loyalty.Rule{storeCredit{credit}}}, nil)
	h.Enroll("ann")
	// No store credit: nothing, and why.
	q, err := h.Engine.Quote(h.Ctx, loyalty.Redemption{MemberID: "ann", Total: h.Money("12.34"), Points: 5000, UpTo: true, Account: credit})
	require.NoError(t, err)
	require.Equal(t, int64(0), q.Points)
	require.ErrorIs(t, q.Reason, loyalty.ErrInsufficientPoints)
}
