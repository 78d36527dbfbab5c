package loyalty

import (
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 currency code such as "USD" or "EUR".
type Currency string

// minorDigits lists the currencies whose minor unit is not two decimal digits.
// Every other well-formed code is taken to have two.
var minorDigits = map[Currency]int32{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// Validate reports whether c looks like an ISO 4217 code: three upper-case letters.
func (c Currency) Validate() error {
	if len(c) != 3 {
		return fmt.Errorf("%w: %q is not a three-letter ISO 4217 code", ErrInvalidCurrency, string(c))
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return fmt.Errorf("%w: %q is not a three-letter ISO 4217 code", ErrInvalidCurrency, string(c))
		}
	}
	return nil
}

// MinorDigits is the number of decimal digits of the currency's minor unit:
// 2 for USD (cents), 0 for JPY, 3 for KWD.
func (c Currency) MinorDigits() int32 {
	if d, ok := minorDigits[c]; ok {
		return d
	}
	return 2
}

// Money is an exact amount in a currency. The zero value is zero in no
// currency. Amounts are decimal.Decimal, never floating point.
type Money struct {
	Amount   decimal.Decimal
	Currency Currency
}

// NewMoney returns amount in currency c.
func NewMoney(amount decimal.Decimal, c Currency) Money { return Money{Amount: amount, Currency: c} }

// ParseMoney parses a decimal string such as "19.99" in currency c.
func ParseMoney(amount string, c Currency) (Money, error) {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return Money{}, fmt.Errorf("%w: %q is not a decimal amount", ErrInvalidAmount, amount)
	}
	return Money{Amount: d, Currency: c}, nil
}

// MinorUnits returns units of the currency's minor unit (cents for USD) as Money.
func MinorUnits(units int64, c Currency) Money {
	return Money{Amount: decimal.New(units, -c.MinorDigits()), Currency: c}
}

// Minor returns m in whole minor units (cents for USD). ok is false when m has
// a fraction of a minor unit or does not fit an int64.
func (m Money) Minor() (units int64, ok bool) {
	return toMinor(m.Amount, m.Currency.MinorDigits())
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount.IsZero() }

// String formats m as "19.99 USD", with the currency's minor digits.
func (m Money) String() string {
	return m.Amount.StringFixed(m.Currency.MinorDigits()) + " " + string(m.Currency)
}

// pow10 holds 10^0 .. 10^18.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// toMinor converts d to an integer count of 10^-digits units without
// allocating. ok is false when d has more fractional digits than that or the
// result does not fit an int64; callers then take the exact slow path.
func toMinor(d decimal.Decimal, digits int32) (int64, bool) {
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
		p := pow10[shift]
		if c > math.MaxInt64/p || c < math.MinInt64/p {
			return 0, false
		}
		return c * p, true
	default:
		if -shift > 18 {
			return 0, c == 0
		}
		p := pow10[-shift]
		if c%p != 0 {
			return 0, false
		}
		return c / p, true
	}
}
