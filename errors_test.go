package loyalty_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// refusalEngine runs 1 point per 1.00 with checkout redemption of 100
// points = 1.00 USD, at least 500 points, in hundreds, at most half of the
// order. Ann holds 700 points and order o1 (2 tees at 10.00, 1 cap at 5.00).
func refusalEngine(t *testing.T) *loyalty.Engine {
	t.Helper()
	ctx := context.Background()
	rate, err := points.NewRate("base", 1, decimal.NewFromInt(1))
	require.NoError(t, err)
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{rate}, Redemption: points.Redemption{
		Points: 100, Value: money.MinorUnits(1_00, "USD"),
		Minimum: 500, Increment: 100, MaxPercent: decimal.NewFromInt(50),
	}}
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))})
	require.NoError(t, err)
	_, err = e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "grant", "ann", 675, "opening balance")
	require.NoError(t, err)
	r, err := e.Earn(ctx, "o1", &loyalty.Order{ID: "o1", MemberID: "ann", Currency: "USD", Lines: []loyalty.OrderLine{
		{SKU: "tee", Quantity: 2, UnitPrice: decimal.RequireFromString("10.00")},
		{SKU: "cap", Quantity: 1, UnitPrice: decimal.RequireFromString("5.00")},
	}})
	require.NoError(t, err)
	require.Equal(t, int64(25), r.Points()) // 25.00 × 1
	return e
}

func TestRedeemingMoreThanTheBalanceIsAnInsufficientErrorWithAskedAndAvailable(t *testing.T) {
	e := refusalEngine(t)
	_, err := e.Redeem(context.Background(), "r1", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: usdOf("100.00"), Points: 900})
	require.ErrorIs(t, err, loyalty.ErrInsufficientPoints)
	var ie *loyalty.InsufficientError
	require.True(t, errors.As(err, &ie), "%v", err)
	require.Equal(t, loyalty.InsufficientError{Account: ledger.PointsAccount, Asked: 900, Available: 700}, *ie)
	require.Equal(t, "loyalty: insufficient points: 900 asked of points, 700 available", err.Error())
	var ve *loyalty.ValidationError
	require.False(t, errors.As(err, &ve), "a refusal is not malformed input")
}

func TestAnOperatorDebitBeyondTheBalanceSaysHowMuchWasAvailable(t *testing.T) {
	e := refusalEngine(t)
	_, err := e.Adjust(context.Background(), "debit", "ann", -701, "correction")
	var ie *loyalty.InsufficientError
	require.True(t, errors.As(err, &ie), "%v", err)
	require.Equal(t, int64(701), ie.Asked)
	require.Equal(t, int64(700), ie.Available)
	require.ErrorIs(t, err, loyalty.ErrInsufficientPoints)
}

func TestARedemptionOutsideThePolicyCarriesItsMinimumIncrementAndMost(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cart  string
		asked int64
		kind  error
		most  int64
	}{
		// Half of 100.00 is 50.00 = 5000 points; the balance 700 bounds it.
		{"below the minimum", "100.00", 400, loyalty.ErrBelowMinimum, 700},
		{"not in hundreds", "100.00", 650, loyalty.ErrNotIncrement, 700},
		// Half of 12.00 is 6.00 = 600 points.
		{"above half of the cart", "12.00", 700, loyalty.ErrAboveCap, 600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := refusalEngine(t)
			_, err := e.Redeem(context.Background(), "r1", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: usdOf(tc.cart), Points: tc.asked})
			require.ErrorIs(t, err, tc.kind)
			var le *loyalty.RedemptionLimitError
			require.True(t, errors.As(err, &le), "%v", err)
			require.Equal(t, tc.asked, le.Asked)
			require.Equal(t, int64(500), le.Minimum)
			require.Equal(t, int64(100), le.Increment)
			require.Equal(t, tc.most, le.Most)
			var ve *loyalty.ValidationError
			require.False(t, errors.As(err, &ve), "a refusal is not malformed input")
		})
	}
}

func TestAQuoteOfASmallCartSaysTheMostItAllowsIsBelowTheMinimum(t *testing.T) {
	e := refusalEngine(t)
	// Half of 8.00 is 4.00 = 400 points, below the minimum of 500.
	q, err := e.Quote(context.Background(), loyalty.Redemption{ID: "r1", MemberID: "ann", Total: usdOf("8.00")})
	require.NoError(t, err)
	require.ErrorIs(t, q.Reason, loyalty.ErrBelowMinimum)
	var le *loyalty.RedemptionLimitError
	require.True(t, errors.As(q.Reason, &le), "%v", q.Reason)
	require.Equal(t, loyalty.RedemptionLimitError{Err: loyalty.ErrBelowMinimum, Minimum: 500, Increment: 100, Most: 400, Detail: le.Detail}, *le)
}

func TestAReturnOfMoreThanTheOrderHasLeftIsARefusalNotAValidationError(t *testing.T) {
	ctx := context.Background()
	e := refusalEngine(t)
	_, err := e.Return(ctx, "ret1", &loyalty.Return{ID: "ret1", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "tee", Quantity: 1}}})
	require.NoError(t, err)

	_, err = e.Return(ctx, "ret2", &loyalty.Return{ID: "ret2", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "cap", Quantity: 1}, {SKU: "tee", Quantity: 2}}})
	require.ErrorIs(t, err, loyalty.ErrReturnExceedsOrder)
	var ve *loyalty.ValidationError
	require.False(t, errors.As(err, &ve), "a host mapping validation errors to 400 must not see this one")
	var re *loyalty.ReturnExceedsError
	require.True(t, errors.As(err, &re), "%v", err)
	require.Equal(t, "o1", re.Order)
	require.Equal(t, 1, re.Line)
	require.Equal(t, "tee", re.SKU)
	require.Equal(t, "2", re.Asked.String())
	require.Equal(t, "1", re.Remaining.String(), "one of the two tees was returned already")
	require.Equal(t, "loyalty: return exceeds what was bought: order o1, SKU tee: 2 asked, 1 remaining", err.Error())
}

func TestAReturnOfMoreValueThanTheOrderHasLeftSaysWhatRemains(t *testing.T) {
	ctx := context.Background()
	e := refusalEngine(t)
	_, err := e.Return(ctx, "ret1", &loyalty.Return{ID: "ret1", OrderID: "o1", MemberID: "ann", Amount: decimal.RequireFromString("20.00")})
	require.NoError(t, err)
	_, err = e.Return(ctx, "ret2", &loyalty.Return{ID: "ret2", OrderID: "o1", MemberID: "ann", Amount: decimal.RequireFromString("5.01")})
	var re *loyalty.ReturnExceedsError
	require.True(t, errors.As(err, &re), "%v", err)
	require.Equal(t, loyalty.OrderLevel, re.Line)
	require.Equal(t, "5.01", re.Asked.String())
	require.Equal(t, "5", re.Remaining.String(), "25.00 bought, 20.00 returned")
	var ve *loyalty.ValidationError
	require.False(t, errors.As(err, &ve))
}

func TestMalformedInputIsAValidationErrorAndAnUnknownOrderIsNot(t *testing.T) {
	ctx := context.Background()
	e := refusalEngine(t)
	_, err := e.Return(ctx, "ret1", &loyalty.Return{ID: "", OrderID: "o1", MemberID: "ann", Amount: decimal.NewFromInt(1)})
	var ve *loyalty.ValidationError
	require.True(t, errors.As(err, &ve), "%v", err)
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)

	_, err = e.Return(ctx, "ret2", &loyalty.Return{ID: "ret2", OrderID: "nope", MemberID: "ann", Amount: decimal.NewFromInt(1)})
	require.ErrorIs(t, err, loyalty.ErrUnknownOrder)
	require.False(t, errors.As(err, &ve), "the ledger refuses an unknown order; the input is well formed")
}
