package loyalty

import (
	"testing"

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
