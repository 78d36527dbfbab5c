package exact

import (
	"math"
	"math/big"
	"math/rand/v2"
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
		q := Frac(c.n, c.d)
		for mode, want := range map[Mode]int64{Floor: c.floor, HalfUp: c.halfUp, HalfEven: c.halfEven, Ceil: c.ceil} {
			got, ok := q.Round(mode)
			require.True(t, ok)
			require.Equal(t, want, got, "%d/%d mode %d", c.n, c.d, mode)
			// The math/big path must agree with the int64 path.
			bq := Q{big: new(big.Rat).SetFrac64(c.n, c.d)}
			bgot, ok := bq.Round(mode)
			require.True(t, ok)
			require.Equal(t, want, bgot, "big %d/%d mode %d", c.n, c.d, mode)
		}
	}
}

func TestExactArithmeticPromotesToBigInsteadOfOverflowing(t *testing.T) {
	q := Int(math.MaxInt64/2).Mul(3, 1) // overflows int64
	require.NotNil(t, q.big)
	q = q.Mul(1, 3)
	v, ok := q.Round(Floor)
	require.True(t, ok)
	require.Equal(t, int64(math.MaxInt64/2), v)

	huge := Int(math.MaxInt64).Add(Int(10))
	_, ok = huge.Round(Floor)
	require.False(t, ok, "a result beyond int64 must be reported, not wrapped")
}

func TestApportionSumsExactlyAndFavoursLargestRemainder(t *testing.T) {
	got := Apportion(100, []int64{1, 1, 1}, nil)
	require.Equal(t, []int64{34, 33, 33}, got)
	got = Apportion(10, []int64{5, 0, 15}, nil)
	require.Equal(t, []int64{3, 0, 7}, got) // 2.5 and 7.5: tie goes to the earlier
	got = Apportion(7, []int64{333, 333, 334}, nil)
	var sum int64
	for _, v := range got {
		sum += v
	}
	require.Equal(t, int64(7), sum)
}

// TestMul64AndAdd64MatchBigInt pins the overflow tests of Mul64 and Add64
// to math/big on the edges of int64 and on random operands of every magnitude.
func TestMul64AndAdd64MatchBigInt(t *testing.T) {
	edges := []int64{0, 1, -1, 2, -2, 3, 1 << 31, -1 << 31, 1<<31 - 1, 1 << 32, 3037000499, 3037000500, -3037000500,
		math.MaxInt64, math.MinInt64, math.MaxInt64 / 2, math.MinInt64 / 2, math.MinInt64/2 - 1, 1 << 62, -1 << 62}
	check := func(a, b int64) {
		want := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
		got, ok := Mul64(a, b)
		require.Equal(t, want.IsInt64(), ok, "%d × %d", a, b)
		if ok {
			require.Equal(t, want.Int64(), got, "%d × %d", a, b)
		}
		want.Add(big.NewInt(a), big.NewInt(b))
		got, ok = Add64(a, b)
		require.Equal(t, want.IsInt64(), ok, "%d + %d", a, b)
		if ok {
			require.Equal(t, want.Int64(), got, "%d + %d", a, b)
		}
	}
	for _, a := range edges {
		for _, b := range edges {
			check(a, b)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		a, b := r.Int64()>>r.IntN(64), r.Int64()>>r.IntN(64)
		if r.IntN(2) == 0 {
			a = -a
		}
		if r.IntN(2) == 0 {
			b = -b
		}
		check(a, b)
	}
}

func TestToMinorIsExactOrRefuses(t *testing.T) {
	for s, want := range map[string]int64{"19.99": 1999, "20": 2000, "0.1": 10, "-3.5": -350, "0": 0} {
		v, ok := ToMinor(decimal.RequireFromString(s), 2)
		require.True(t, ok, s)
		require.Equal(t, want, v, s)
	}
	for _, s := range []string{"0.001", "92233720368547758.08", "1e30"} {
		_, ok := ToMinor(decimal.RequireFromString(s), 2)
		require.False(t, ok, s)
	}
}
