package loyalty

import (
	"math"
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func TestRoundingModesOnHalvesAndNegatives(t *testing.T) {
	cases := []struct {
		n, d                          int64
		floor, halfUp, halfEven, ceil int64
	}{
		{5, 2, 2, 3, 2, 3},       // 2.5
		{7, 2, 3, 4, 4, 4},       // 3.5
		{-5, 2, -3, -3, -2, -2},  // -2.5: half-up rounds away from zero
		{10, 3, 3, 3, 3, 4},      // 3.33
		{20, 3, 6, 7, 7, 7},      // 6.67
		{6, 3, 2, 2, 2, 2},       // exact
		{-10, 3, -4, -3, -3, -3}, // -3.33
	}
	for _, c := range cases {
		q := qFrac(c.n, c.d)
		for mode, want := range map[Rounding]int64{RoundFloor: c.floor, RoundHalfUp: c.halfUp, RoundHalfEven: c.halfEven, RoundCeil: c.ceil} {
			got, ok := q.round(mode)
			require.True(t, ok)
			require.Equal(t, want, got, "%d/%d mode %d", c.n, c.d, mode)
			// The math/big path must agree with the int64 path.
			bq := qty{big: new(big.Rat).SetFrac64(c.n, c.d)}
			bgot, ok := bq.round(mode)
			require.True(t, ok)
			require.Equal(t, want, bgot, "big %d/%d mode %d", c.n, c.d, mode)
		}
	}
}

func TestExactArithmeticPromotesToBigInsteadOfOverflowing(t *testing.T) {
	q := qInt(math.MaxInt64/2).mul(3, 1) // overflows int64
	require.NotNil(t, q.big)
	q = q.mul(1, 3)
	v, ok := q.round(RoundFloor)
	require.True(t, ok)
	require.Equal(t, int64(math.MaxInt64/2), v)

	huge := qInt(math.MaxInt64).add(qInt(10))
	_, ok = huge.round(RoundFloor)
	require.False(t, ok, "a result beyond int64 must be reported, not wrapped")
}

func TestApportionSumsExactlyAndFavoursLargestRemainder(t *testing.T) {
	got := apportion(100, []int64{1, 1, 1}, nil)
	require.Equal(t, []int64{34, 33, 33}, got)
	got = apportion(10, []int64{5, 0, 15}, nil)
	require.Equal(t, []int64{3, 0, 7}, got) // 2.5 and 7.5: tie goes to the earlier
	got = apportion(7, []int64{333, 333, 334}, nil)
	var sum int64
	for _, v := range got {
		sum += v
	}
	require.Equal(t, int64(7), sum)
}

func TestToMinorIsExactOrRefuses(t *testing.T) {
	for s, want := range map[string]int64{"19.99": 1999, "20": 2000, "0.1": 10, "-3.5": -350, "0": 0} {
		v, ok := toMinor(decimal.RequireFromString(s), 2)
		require.True(t, ok, s)
		require.Equal(t, want, v, s)
	}
	for _, s := range []string{"0.001", "92233720368547758.08", "1e30"} {
		_, ok := toMinor(decimal.RequireFromString(s), 2)
		require.False(t, ok, s)
	}
}

func TestFingerprintIgnoresTrailingZerosButNotValues(t *testing.T) {
	o := &Order{ID: "o", MemberID: "m", Currency: "USD", Lines: []OrderLine{{SKU: "a", Quantity: 1, UnitPrice: decimal.RequireFromString("1.50")}}}
	a := orderFingerprint(o)
	o.Lines[0].UnitPrice = decimal.RequireFromString("1.5")
	require.Equal(t, a, orderFingerprint(o))
	o.Lines[0].UnitPrice = decimal.RequireFromString("1.51")
	require.NotEqual(t, a, orderFingerprint(o))
	require.Len(t, a, 32)
}
