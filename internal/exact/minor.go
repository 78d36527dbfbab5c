package exact

import (
	"math"

	"github.com/shopspring/decimal"
)

// Pow10 holds 10^0 .. 10^18.
var Pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// ToMinor converts d to an integer count of 10^-digits units without
// allocating. ok is false when d has more fractional digits than that or the
// result does not fit an int64; callers then take the exact slow path.
func ToMinor(d decimal.Decimal, digits int32) (int64, bool) {
	if d.IsZero() { // most discounts, shipping and taxes: no digits to look at
		return 0, true
	}
	if d.NumDigits() > 18 {
		return 0, false
	}
	c := d.CoefficientInt64()
	shift := d.Exponent() + digits
	switch {
	case shift == 0:
		return c, true
	case shift > 0:
		if shift > 18 {
			return 0, c == 0
		}
		p := Pow10[shift]
		if c > math.MaxInt64/p || c < math.MinInt64/p {
			return 0, false
		}
		return c * p, true
	default:
		if -shift > 18 {
			return 0, c == 0
		}
		p := Pow10[-shift]
		if c%p != 0 {
			return 0, false
		}
		return c / p, true
	}
}
