// Package exact is the exact arithmetic of evaluation: int64 operations that
// report overflow instead of wrapping, and Q, a rational of int64 that is
// promoted to math/big when a result would leave int64. Points are never
// computed through floating point.
//
// The small functions (Mul64, Add64, Frac, Q.Num, Q.Den, RoundFrac's floor
// case) inline into their callers; the hot path of an evaluation pays no call
// for crossing the package boundary.
package exact

import (
	"cmp"
	"math"
	"math/big"
	"math/bits"
)

// Mode is a rounding mode. Its values are those of loyalty.Rounding, in the
// same order, so that a Rounding converts to a Mode.
type Mode uint8

// The rounding modes.
const (
	Floor    Mode = iota // toward negative infinity
	HalfUp               // to nearest, a half away from zero
	HalfEven             // to nearest, a half to the even neighbour
	Ceil                 // toward positive infinity
)

// Mul64 returns a×b; ok is false when the product overflows int64. It is
// branch-free and small enough to inline: the signed 128-bit product's high
// word must be the sign extension of its low word.
func Mul64(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	hi -= uint64(a>>63) & uint64(b) // the unsigned product of a negative a counts b 2⁶⁴ times too many
	hi -= uint64(b>>63) & uint64(a)
	return int64(lo), hi == uint64(int64(lo)>>63)
}

// Add64 returns a+b; ok is false when the sum overflows int64, which is
// when its sign differs from both operands'.
func Add64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a^s)&(b^s) >= 0
}

// Abs64 returns |a| (math.MinInt64 stays itself).
func Abs64(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

// GCD returns the greatest common divisor of |a| and |b|, and 1 when both
// are 0, so that dividing by it is always safe.
func GCD(a, b int64) int64 {
	a, b = Abs64(a), Abs64(b)
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return 1
	}
	return a
}

// Q is an exact rational with a non-negative denominator; the zero value is
// 0. It holds an int64 numerator and denominator until a result would leave
// int64, and a *big.Rat from then on. Values are immutable: operations
// return new values.
type Q struct {
	n, d int64
	big  *big.Rat
}

// Int is the integer n.
func Int(n int64) Q { return Q{n: n, d: 1} }

// Frac is n/d, for a d > 0; it is not reduced.
func Frac(n, d int64) Q { return Q{n: n, d: d} }

// FromRat is the value of r, which Q then owns.
func FromRat(r *big.Rat) Q { return Q{big: r} }

// IsBig reports whether q has left int64 and is held by math/big.
func (q Q) IsBig() bool { return q.big != nil }

// Num is q's int64 numerator over Den, for a q that is not IsBig.
func (q Q) Num() int64 { return q.n }

// Rat returns q as a *big.Rat, which the caller must not modify.
func (q Q) Rat() *big.Rat {
	if q.big != nil {
		return q.big
	}
	d := q.d
	if d == 0 {
		d = 1
	}
	return new(big.Rat).SetFrac(big.NewInt(q.n), big.NewInt(d))
}

// Den is q's int64 denominator (1 for the zero value), for a q that is not
// IsBig.
func (q Q) Den() int64 {
	if q.d == 0 {
		return 1
	}
	return q.d
}

// IsZero reports whether q is 0.
func (q Q) IsZero() bool {
	if q.big != nil {
		return q.big.Sign() == 0
	}
	return q.n == 0
}

// Add returns q+o.
func (q Q) Add(o Q) Q {
	if q.big == nil && q.n == 0 {
		return o
	}
	if q.big == nil && o.big == nil {
		qd, od := q.Den(), o.Den()
		if qd == od {
			if s, ok := Add64(q.n, o.n); ok {
				return Q{n: s, d: qd}
			}
		} else if qd > od && qd%od == 0 { // one denominator divides the other: no growth
			if b, ok := Mul64(o.n, qd/od); ok {
				if s, ok := Add64(q.n, b); ok {
					return Q{n: s, d: qd}
				}
			}
		} else if od > qd && od%qd == 0 {
			if a, ok := Mul64(q.n, od/qd); ok {
				if s, ok := Add64(a, o.n); ok {
					return Q{n: s, d: od}
				}
			}
		}
		if qd != od {
			a, ok1 := Mul64(q.n, od)
			b, ok2 := Mul64(o.n, qd)
			d, ok3 := Mul64(qd, od)
			if ok1 && ok2 && ok3 {
				if s, ok := Add64(a, b); ok {
					if Abs64(s) > 1<<40 || d > 1<<40 {
						return reduce(s, d)
					}
					return Q{n: s, d: d}
				}
			}
		}
	}
	return Q{big: new(big.Rat).Add(q.Rat(), o.Rat())}
}

// Sub returns q−o.
func (q Q) Sub(o Q) Q { return q.Add(o.Neg()) }

// Neg returns −q.
func (q Q) Neg() Q {
	if q.big != nil {
		return Q{big: new(big.Rat).Neg(q.big)}
	}
	if q.n == math.MinInt64 {
		return Q{big: new(big.Rat).Neg(q.Rat())}
	}
	return Q{n: -q.n, d: q.Den()}
}

// Mul returns q×n/d, for a d > 0.
func (q Q) Mul(n, d int64) Q {
	if q.big == nil {
		a, ok1 := Mul64(q.n, n)
		b, ok2 := Mul64(q.Den(), d)
		if ok1 && ok2 {
			if Abs64(a) > 1<<40 || b > 1<<40 {
				return reduce(a, b)
			}
			return Q{n: a, d: b}
		}
		// Try reducing before giving up on int64.
		g1, g2 := GCD(q.n, d), GCD(n, q.Den())
		a, ok1 = Mul64(q.n/g1, n/g2)
		b, ok2 = Mul64(q.Den()/g2, d/g1)
		if ok1 && ok2 {
			return Q{n: a, d: b}
		}
	}
	return Q{big: new(big.Rat).Mul(q.Rat(), new(big.Rat).SetFrac(big.NewInt(n), big.NewInt(d)))}
}

func reduce(n, d int64) Q {
	g := GCD(n, d)
	return Q{n: n / g, d: d / g}
}

// Cmp returns -1, 0 or +1 as q is below, equal to or above o.
func (q Q) Cmp(o Q) int {
	if q.big == nil && o.big == nil {
		a, ok1 := Mul64(q.n, o.Den())
		b, ok2 := Mul64(o.n, q.Den())
		if ok1 && ok2 {
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
	}
	return q.Rat().Cmp(o.Rat())
}

// Round returns q rounded to an integer with mode m. ok is false when the
// result does not fit an int64.
func (q Q) Round(m Mode) (int64, bool) {
	if q.big == nil {
		d := q.Den()
		quo, rem := q.n/d, q.n%d
		if rem == 0 {
			return quo, true
		}
		// Make quo the floor and rem non-negative.
		if rem < 0 {
			quo--
			rem += d
		}
		switch m {
		case Ceil:
			return quo + 1, true
		case HalfUp, HalfEven:
			twice := 2 * rem // rem < d ≤ MaxInt64; use unsigned compare to be safe
			switch c := cmp.Compare(uint64(twice), uint64(d)); {
			case rem > math.MaxInt64/2:
				return quo + 1, true
			case c > 0:
				return quo + 1, true
			case c < 0:
				return quo, true
			case m == HalfUp:
				// half rounds away from zero
				if quo >= 0 {
					return quo + 1, true
				}
				return quo, true
			default:
				if quo%2 != 0 {
					return quo + 1, true
				}
				return quo, true
			}
		default:
			return quo, true
		}
	}
	num, den := q.big.Num(), q.big.Denom()
	quo, rem := new(big.Int), new(big.Int)
	quo.DivMod(num, den, rem) // Euclidean: rem ≥ 0, quo is the floor
	if rem.Sign() != 0 {
		switch m {
		case Ceil:
			quo.Add(quo, big.NewInt(1))
		case HalfUp, HalfEven:
			c := new(big.Int).Lsh(rem, 1).Cmp(den)
			if c > 0 || c == 0 && (m == HalfUp && quo.Sign() >= 0 || m == HalfEven && quo.Bit(0) == 1) {
				quo.Add(quo, big.NewInt(1))
			}
		}
	}
	if !quo.IsInt64() {
		return 0, false
	}
	return quo.Int64(), true
}

// RoundFrac is Frac(n, d).Round(m) for a d > 0, with floor, the default
// mode, of a non-negative n done inline.
func RoundFrac(n, d int64, m Mode) int64 {
	if m == Floor && n >= 0 {
		return n / d
	}
	r, _ := Frac(n, d).Round(m)
	return r
}

// Apportion splits total (≥ 0) over non-negative weights by largest
// remainder, so the parts sum to total exactly; ties go to the earlier weight.
func Apportion(total int64, weights []int64, out []int64) []int64 {
	out = out[:0]
	var sum int64
	for _, w := range weights {
		sum += w
		out = append(out, 0)
	}
	if sum <= 0 || total <= 0 {
		return out
	}
	var remsBuf [16]int64
	rems := remsBuf[:0]
	if len(weights) > len(remsBuf) {
		rems = make([]int64, 0, len(weights))
	}
	var given int64
	for i, w := range weights {
		q, r := mulDivRem(total, w, sum)
		out[i] = q
		rems = append(rems, r)
		given += q
	}
	for left := total - given; left > 0; left-- {
		best := -1
		for i, r := range rems {
			if weights[i] > 0 && (best < 0 || r > rems[best]) {
				best = i
			}
		}
		out[best]++
		rems[best] = -1
	}
	return out
}

// mulDivRem returns floor(a*b/c) and the remainder, for non-negative a, b
// with a*b/c fitting an int64, and positive c.
func mulDivRem(a, b, c int64) (int64, int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, r := bits.Div64(hi%uint64(c), lo, uint64(c))
	return int64(q), int64(r)
}

// MulDiv returns floor(a×b/c) for non-negative a, b ≤ c and positive c.
func MulDiv(a, b, c int64) int64 {
	q, _ := mulDivRem(a, b, c)
	return q
}
