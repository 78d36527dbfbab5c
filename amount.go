package loyalty

import (
	"math/big"

	"github.com/shopspring/decimal"
)

// The bound of every decimal amount the library accepts (CheckAmount):
// below 10^maxAmountDigits in magnitude, with at most maxAmountFraction
// fractional digits that are not trailing zeros, written with at most
// maxWrittenFraction fractional digits in all.
const (
	// maxAmountDigits bounds the integer part of an amount: |amount| < 10^18,
	// about what an int64 holds. Arithmetic on amounts within the bound is
	// still checked: a sum or a count of minor units that leaves int64 is
	// refused with ErrOverflow too.
	maxAmountDigits = 18
	// maxAmountFraction is the most fractional digits an amount may have
	// once its trailing zeros are dropped.
	maxAmountFraction = 18
	// maxWrittenFraction bounds the exponent looked at: "1.000…0" with more
	// fractional digits than this is refused even when they are zeros.
	maxWrittenFraction = 36
)

// amountBounds[i] is ±10^maxAmountDigits written with exponent
// i-maxWrittenFraction, so that CheckAmount compares an amount with its
// bound at the amount's own exponent, which costs no rescaling and no
// allocation.
var amountBounds = func() (b [maxWrittenFraction + maxAmountDigits + 1][2]decimal.Decimal) {
	for i := range b {
		e := int32(i - maxWrittenFraction)
		c := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(maxAmountDigits-e)), nil)
		b[i][0] = decimal.NewFromBigInt(c, e)
		b[i][1] = decimal.NewFromBigInt(new(big.Int).Neg(c), e)
	}
	return b
}()

// CheckAmount reports whether d is an amount the ledger can hold: its
// magnitude below 10^18 and at most 18 fractional digits once trailing
// zeros are dropped ("19.990" has two). The error is a *ValidationError
// naming field that unwraps to ErrOverflow. It
// decides from the exponent before any arithmetic, so 1e10000000 or
// 1e-10000000 is refused at once; every decimal input of the library (order
// prices, discounts, shipping and tax, return amounts, redemption totals,
// rates, factors, thresholds and policy values) passes it first.
func CheckAmount(field string, d decimal.Decimal) error {
	if d.IsZero() {
		return nil
	}
	e := d.Exponent()
	if e > maxAmountDigits {
		return &ValidationError{Field: field, Reason: "is at least 10^" + itoa(int64(e)) + ", the ledger holds less than 10^" + itoa(maxAmountDigits), Kind: ErrOverflow}
	}
	if e < -maxWrittenFraction {
		return &ValidationError{Field: field, Reason: "has " + itoa(-int64(e)) + " fractional digits, the ledger holds " + itoa(maxAmountFraction), Kind: ErrOverflow}
	}
	b := &amountBounds[e+maxWrittenFraction]
	if d.Cmp(b[0]) >= 0 || d.Cmp(b[1]) <= 0 {
		return &ValidationError{Field: field, Reason: "is not less than 10^" + itoa(maxAmountDigits) + " in magnitude", Kind: ErrOverflow}
	}
	if e < -maxAmountFraction {
		// The rare amount written with more fractional digits: they must be
		// trailing zeros.
		_, r := new(big.Int).QuoRem(d.Coefficient(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-maxAmountFraction-e)), nil), new(big.Int))
		if r.Sign() != 0 {
			return &ValidationError{Field: field, Reason: "has more than " + itoa(maxAmountFraction) + " fractional digits", Kind: ErrOverflow}
		}
	}
	return nil
}
