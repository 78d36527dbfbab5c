package loyalty

import (
	"github.com/loyaltykit/loyalty/internal/exact"

	"github.com/shopspring/decimal"
)

// This file holds the two exact ratios effects carry: an earn Rate and a
// multiplier Factor.

// Rate is an earn rate: Points units of the account per Per of money
// ("5 points per 1.00"). Build it with NewRate; a Rate is immutable.
type Rate struct {
	points  int64
	per     decimal.Decimal
	perCoef int64 // per = perCoef × 10^perExp
	perExp  int32
}

// NewRate returns the rate of points per amount of money. It fails with
// ErrInvalidProgram for a non-positive points or amount.
func NewRate(points int64, per decimal.Decimal) (*Rate, error) {
	if points <= 0 {
		return nil, invalidProgram("rate.points", "must be positive")
	}
	if per.Sign() <= 0 {
		return nil, invalidProgram("rate.per", "must be positive")
	}
	if err := CheckAmount("per", per); err != nil {
		return nil, within("rate", err)
	}
	if per.NumDigits() > 18 {
		return nil, invalidProgram("rate.per", "has too many digits")
	}
	return &Rate{points: points, per: per, perCoef: per.CoefficientInt64(), perExp: per.Exponent()}, nil
}

// Points is the rate's numerator.
func (r *Rate) Points() int64 { return r.points }

// Per is the money the rate's points are earned on.
func (r *Rate) Per() decimal.Decimal { return r.per }

// String formats the rate as "5 per 1.00".
func (r *Rate) String() string { return itoa(r.points) + " per " + r.per.String() }

// ratio returns the rate per unit of 10^-scale currency as num/den.
func (r *Rate) ratio(scale int32) (num, den int64, ok bool) {
	// per in scale units = perCoef × 10^(perExp+scale)
	shift := r.perExp + scale
	switch {
	case shift >= 0:
		if shift > 18 {
			return 0, 0, false
		}
		d, ok := exact.Mul64(r.perCoef, exact.Pow10[shift])
		return r.points, d, ok
	default:
		if -shift > 18 {
			return 0, 0, false
		}
		n, ok := exact.Mul64(r.points, exact.Pow10[-shift])
		return n, r.perCoef, ok
	}
}

// Factor is an exact multiplier such as 2 or 1.5. Build it with NewFactor.
type Factor struct {
	num, den int64
}

// NewFactor returns the multiplier f. It fails with ErrInvalidProgram for a
// negative factor or one with more than 18 digits.
func NewFactor(f decimal.Decimal) (Factor, error) {
	if f.Sign() < 0 {
		return Factor{}, invalidProgram("factor", "is negative")
	}
	if err := CheckAmount("factor", f); err != nil {
		return Factor{}, within("multiplier", err)
	}
	if f.NumDigits() > 18 {
		return Factor{}, invalidProgram("factor", "has too many digits")
	}
	c, e := f.CoefficientInt64(), f.Exponent()
	if e >= 0 {
		if e > 18 {
			return Factor{}, invalidProgram("factor", "is too large")
		}
		n, ok := exact.Mul64(c, exact.Pow10[e])
		if !ok {
			return Factor{}, invalidProgram("factor", "is too large")
		}
		return Factor{n, 1}, nil
	}
	if -e > 18 {
		return Factor{}, invalidProgram("factor", "has too many digits")
	}
	n, d := c, exact.Pow10[-e]
	g := exact.GCD(n, d)
	return Factor{n / g, d / g}, nil
}

// IsZero reports whether f is the zero Factor (not set).
func (f Factor) IsZero() bool { return f.den == 0 }

// String formats the factor as a decimal ("1.5").
func (f Factor) String() string {
	if f.den == 0 {
		return "0"
	}
	return decimal.New(f.num, 0).DivRound(decimal.New(f.den, 0), 6).String()
}
