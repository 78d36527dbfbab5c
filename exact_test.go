package loyalty

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func TestFingerprintIgnoresTrailingZerosButNotValues(t *testing.T) {
	o := &Order{ID: "o", MemberID: "m", Currency: "USD", Lines: []OrderLine{{SKU: "a", Quantity: 1, UnitPrice: decimal.RequireFromString("1.50")}}}
	a := orderFingerprint(o)
	o.Lines[0].UnitPrice = decimal.RequireFromString("1.5")
	require.Equal(t, a, orderFingerprint(o))
	o.Lines[0].UnitPrice = decimal.RequireFromString("1.51")
	require.NotEqual(t, a, orderFingerprint(o))
	require.Len(t, a, 32)
}

// TestRoundingConvertsToTheExactModeOfTheSameName pins the conversion
// exact.Mode(p.Rounding) that combining relies on.
func TestRoundingConvertsToTheExactModeOfTheSameName(t *testing.T) {
	require.Equal(t, exact.Floor, exact.Mode(RoundFloor))
	require.Equal(t, exact.HalfUp, exact.Mode(RoundHalfUp))
	require.Equal(t, exact.HalfEven, exact.Mode(RoundHalfEven))
	require.Equal(t, exact.Ceil, exact.Mode(RoundCeil))
}

func TestTheZeroTimeAndTheLastInstantOfYear9999AreWithinBounds(t *testing.T) {
	for _, at := range []time.Time{{}, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)} {
		require.NoError(t, checkTime("t", at), "%v", at)
	}
	for _, at := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)} {
		require.ErrorIs(t, checkTime("t", at), ErrInvalidEvent, "%v is accepted", at)
	}
}
