package loyalty

import (
	"math"
	"math/big"
	"math/bits"
)

// This file holds the exact arithmetic of evaluation: rationals of int64 in
// the hot path, promoted to math/big when a product would overflow. Points
// are never computed through floating point.

// mul64 returns a×b; ok is false when the product overflows int64. It is
// branch-free and small enough to inline: the signed 128-bit product's high
// word must be the sign extension of its low word.
func mul64(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	hi -= uint64(a>>63) & uint64(b) // the unsigned product of a negative a counts b 2⁶⁴ times too many
	hi -= uint64(b>>63) & uint64(a)
	return int64(lo), hi == uint64(int64(lo)>>63)
}

// add64 returns a+b; ok is false when the sum overflows int64, which is
// when its sign differs from both operands'.
func add64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a^s)&(b^s) >= 0
}

func abs64(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

func gcd(a, b int64) int64 {
	a, b = abs64(a), abs64(b)
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return 1
	}
	return a
}

// qty is an exact non-negative-denominator rational. The zero value is 0.
// big is set once the value left int64.
type qty struct {
	n, d int64
	big  *big.Rat
}

func qInt(n int64) qty { return qty{n: n, d: 1} }

func qFrac(n, d int64) qty { return qty{n: n, d: d} }

func (q qty) rat() *big.Rat {
	if q.big != nil {
		return q.big
	}
	d := q.d
	if d == 0 {
		d = 1
	}
	return new(big.Rat).SetFrac(big.NewInt(q.n), big.NewInt(d))
}

func (q qty) den() int64 {
	if q.d == 0 {
		return 1
	}
	return q.d
}

func (q qty) isZero() bool {
	if q.big != nil {
		return q.big.Sign() == 0
	}
	return q.n == 0
}

func (q qty) add(o qty) qty {
	if q.big == nil && q.n == 0 {
		return o
	}
	if q.big == nil && o.big == nil {
		qd, od := q.den(), o.den()
		if qd == od {
			if s, ok := add64(q.n, o.n); ok {
				return qty{n: s, d: qd}
			}
		} else if qd > od && qd%od == 0 { // one denominator divides the other: no growth
			if b, ok := mul64(o.n, qd/od); ok {
				if s, ok := add64(q.n, b); ok {
					return qty{n: s, d: qd}
				}
			}
		} else if od > qd && od%qd == 0 {
			if a, ok := mul64(q.n, od/qd); ok {
				if s, ok := add64(a, o.n); ok {
					return qty{n: s, d: od}
				}
			}
		}
		if qd != od {
			a, ok1 := mul64(q.n, od)
			b, ok2 := mul64(o.n, qd)
			d, ok3 := mul64(qd, od)
			if ok1 && ok2 && ok3 {
				if s, ok := add64(a, b); ok {
					if abs64(s) > 1<<40 || d > 1<<40 {
						return reduce(s, d)
					}
					return qty{n: s, d: d}
				}
			}
		}
	}
	return qty{big: new(big.Rat).Add(q.rat(), o.rat())}
}

func (q qty) sub(o qty) qty { return q.add(o.neg()) }

func (q qty) neg() qty {
	if q.big != nil {
		return qty{big: new(big.Rat).Neg(q.big)}
	}
	if q.n == math.MinInt64 {
		return qty{big: new(big.Rat).Neg(q.rat())}
	}
	return qty{n: -q.n, d: q.den()}
}

func (q qty) mul(n, d int64) qty {
	if q.big == nil {
		a, ok1 := mul64(q.n, n)
		b, ok2 := mul64(q.den(), d)
		if ok1 && ok2 {
			if abs64(a) > 1<<40 || b > 1<<40 {
				return reduce(a, b)
			}
			return qty{n: a, d: b}
		}
		// Try reducing before giving up on int64.
		g1, g2 := gcd(q.n, d), gcd(n, q.den())
		a, ok1 = mul64(q.n/g1, n/g2)
		b, ok2 = mul64(q.den()/g2, d/g1)
		if ok1 && ok2 {
			return qty{n: a, d: b}
		}
	}
	return qty{big: new(big.Rat).Mul(q.rat(), new(big.Rat).SetFrac(big.NewInt(n), big.NewInt(d)))}
}

func reduce(n, d int64) qty {
	g := gcd(n, d)
	return qty{n: n / g, d: d / g}
}

func (q qty) cmp(o qty) int {
	if q.big == nil && o.big == nil {
		a, ok1 := mul64(q.n, o.den())
		b, ok2 := mul64(o.n, q.den())
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
	return q.rat().Cmp(o.rat())
}

// round returns q rounded to an integer with mode m. ok is false when the
// result does not fit an int64.
func (q qty) round(m Rounding) (int64, bool) {
	if q.big == nil {
		d := q.den()
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
		case RoundCeil:
			return quo + 1, true
		case RoundHalfUp, RoundHalfEven:
			twice := 2 * rem // rem < d ≤ MaxInt64; use unsigned compare to be safe
			switch c := cmpU(uint64(twice), uint64(d)); {
			case rem > math.MaxInt64/2:
				return quo + 1, true
			case c > 0:
				return quo + 1, true
			case c < 0:
				return quo, true
			case m == RoundHalfUp:
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
		case RoundCeil:
			quo.Add(quo, big.NewInt(1))
		case RoundHalfUp, RoundHalfEven:
			c := new(big.Int).Lsh(rem, 1).Cmp(den)
			if c > 0 || c == 0 && (m == RoundHalfUp && quo.Sign() >= 0 || m == RoundHalfEven && quo.Bit(0) == 1) {
				quo.Add(quo, big.NewInt(1))
			}
		}
	}
	if !quo.IsInt64() {
		return 0, false
	}
	return quo.Int64(), true
}

// roundFrac is qFrac(n, d).round(m) for a d > 0, with floor, the default
// mode, of a non-negative n done inline.
func roundFrac(n, d int64, m Rounding) int64 {
	if m == RoundFloor && n >= 0 {
		return n / d
	}
	r, _ := qFrac(n, d).round(m)
	return r
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// apportion splits total (≥ 0) over non-negative weights by largest
// remainder, so the parts sum to total exactly; ties go to the earlier weight.
func apportion(total int64, weights []int64, out []int64) []int64 {
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

// mulDiv returns floor(a×b/c) for non-negative a, b ≤ c and positive c.
func mulDiv(a, b, c int64) int64 {
	q, _ := mulDivRem(a, b, c)
	return q
}
