package loyalty

import (
	"fmt"

	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/loyaltykit/loyalty/ledger"
)

// combineAccount adds rate earnings per line, multiplies them by the line's
// and the order's multipliers, rounds (per line or per order), adds fixed
// bonuses and applies the lowest cap, explaining each step in res; the
// steps are accountSum's methods, in this order.
//
// When fast is set, dAll is the account's common denominator (see denom)
// and the int64 fast path is tried first.
func (p *Program) combineAccount(c *Input, effects []Effect, acct ledger.Account, dAll int64, fast bool, res *Result, blk *resultBlock) (Award, error) {
	n := len(c.Lines)
	slots := n + 1 // the last slot is the order level
	var curBuf [17]exact.Q
	var fixedBuf, ptsBuf [17]int64
	s := accountSum{n: n, dAll: dAll, fast: fast}
	var lc lowestCap
	if slots <= len(curBuf) {
		s.cur, s.fixed, s.pts = curBuf[:slots], fixedBuf[:slots], ptsBuf[:slots]
	} else {
		s.cur, s.fixed, s.pts = make([]exact.Q, slots), make([]int64, slots), make([]int64, slots)
	}
	explStart := len(res.Explanation)
	var multBuf [16]int
	mults, err := s.earn(p, c, res, acct, effects, multBuf[:0], &lc)
	if err != nil {
		return Award{}, err
	}
	for _, i := range mults {
		s.multiply(p, res, acct, &effects[i])
	}
	if err := s.round(p); err != nil {
		return Award{}, err
	}
	total, err := s.addFixed()
	if err != nil {
		return Award{}, err
	}
	explainRounding(res, acct, explStart, total)
	total = s.applyCap(res, acct, &lc, total)
	aw := Award{Account: acct, Amount: total, Order: s.pts[n]}
	if n > 0 {
		if blk.kept && n <= cap(blk.keptInts) && len(res.Awards) == 0 {
			aw.Lines = append(blk.keptInts[:0:n], s.pts[:n]...)
		} else if n <= len(blk.ints) && len(res.Awards) == 0 {
			aw.Lines = append(blk.ints[:0:n], s.pts[:n]...)
		} else {
			aw.Lines = append(make([]int64, 0, n), s.pts[:n]...)
		}
	}
	return aw, nil
}

// accountSum is what combineAccount works on for one account: per slot (each
// order line, then the order level) the exact rate earnings so far (cur),
// the fixed points (fixed) and, once rounded, the whole points (pts).
//
// The int64 fast path (fast) keeps every slot's rate earnings as a numerator
// over one denominator dAll (exact.Frac(n, dAll)); it falls back to general exact.Q
// arithmetic on the first overflow, from the same exact values.
//
// It holds no text: what the steps write into the explanation comes in
// their parameters, so that its buffers can stay on combineAccount's stack.
type accountSum struct {
	n          int // order lines; slot n is the order level
	cur        []exact.Q
	fixed, pts []int64
	dAll       int64
	fast       bool
}

// lowestCap is the lowest cap among an account's effects.
type lowestCap struct {
	at         int64
	set        bool
	rule, note string
}

// slot is the slot of an effect on line.
func (s *accountSum) slot(line int) int {
	if line < 0 || line >= s.n {
		return s.n
	}
	return line
}

// earn takes in the account's rate earnings and fixed bonuses, in effect
// order, each explained, and its lowest cap; it appends to mults the
// indexes of its multipliers, which apply after every earning.
func (s *accountSum) earn(p *Program, c *Input, res *Result, acct ledger.Account, effects []Effect, mults []int, lc *lowestCap) ([]int, error) {
	// The ratio of the last rate seen: the rules of a program earn at few rates.
	var lastRate *Rate
	var rNum, rDen, rMul int64
	var rOK bool
	for i := range effects {
		e := &effects[i]
		if e.Account != acct {
			continue
		}
		switch e.Kind {
		case EffectEarn:
			sl := s.slot(e.Line)
			// Built in place: an Explanation is large and holds pointers.
			res.Explanation = append(res.Explanation, Explanation{})
			x := &res.Explanation[len(res.Explanation)-1]
			x.Rule, x.Account, x.Kind, x.Line, x.Note, x.Currency, x.Scale = e.Rule, acct, EffectEarn, e.Line, e.Note, p.Currency, c.Scale
			if e.Points != 0 {
				if e.Points < 0 {
					return nil, fmt.Errorf("%w: rule %s earned %d", ErrInvalidAmount, e.Rule, e.Points)
				}
				v, ok := exact.Add64(s.fixed[sl], e.Points)
				if !ok {
					return nil, fmt.Errorf("%w: rule %s", ErrOverflow, e.Rule)
				}
				s.fixed[sl] = v
				x.Points = e.Points
			}
			if e.Rate != nil && e.Basis > 0 {
				if e.Rate != lastRate {
					lastRate = e.Rate
					rNum, rDen, rOK = e.Rate.ratio(c.Scale)
					if s.fast {
						rMul = s.dAll / rDen // rOK: commonDen checked it
					}
				}
				x.Rate, x.Basis = e.Rate, e.Basis
				if s.fast {
					bn, ok1 := exact.Mul64(e.Basis, rNum)
					sn, ok2 := exact.Mul64(bn, rMul)
					v, ok3 := exact.Add64(s.cur[sl].Num(), sn)
					if ok1 && ok2 && ok3 {
						s.cur[sl] = exact.Frac(v, s.dAll)
						x.Points += exact.RoundFrac(bn, rDen, exact.Mode(p.Rounding))
						continue
					}
					s.fast = false
				}
				var q exact.Q
				if rOK {
					q = exact.Int(e.Basis).Mul(rNum, rDen)
				} else {
					q = qtyOfRate(e.Basis, c.Scale, e.Rate)
				}
				s.cur[sl] = s.cur[sl].Add(q)
				r, _ := q.Round(exact.Mode(p.Rounding))
				x.Points += r
			}
		case EffectCap:
			if !lc.set || e.Points < lc.at {
				*lc = lowestCap{at: e.Points, set: true, rule: e.Rule, note: e.Note}
			}
		case EffectMultiply:
			if e.Factor.den != 0 {
				mults = append(mults, i)
			}
		}
	}
	return mults, nil
}

// multiply applies multiplier e to its line (or to every slot), explained
// by the extra it adds.
func (s *accountSum) multiply(p *Program, res *Result, acct ledger.Account, e *Effect) {
	cur := s.cur
	var extra exact.Q
	lo, hi := 0, len(cur)
	if e.Line != OrderLevel {
		lo = s.slot(e.Line)
		hi = lo + 1
	}
	sl := lo
	if s.fast {
		// Every numerator carries the factor e.Factor.den (commonDen put the
		// denominators of all the account's multipliers into D), so
		// cur × num / den is exact.
		var extraN int64
		for ; sl < hi; sl++ {
			v := cur[sl].Num()
			if v == 0 {
				continue
			}
			w := v
			if e.Factor.den != 1 {
				if v%e.Factor.den != 0 { // cannot happen; stay exact regardless
					break
				}
				w = v / e.Factor.den
			}
			nv, ok := exact.Mul64(w, e.Factor.num)
			if !ok {
				break
			}
			x, ok := exact.Add64(extraN, nv-v)
			if !ok {
				break
			}
			cur[sl], extraN = exact.Frac(nv, s.dAll), x
		}
		if sl < hi {
			s.fast = false
		}
		if extraN != 0 {
			extra = exact.Frac(extraN, s.dAll)
		}
	}
	for ; sl < hi; sl++ {
		if cur[sl].IsZero() {
			continue
		}
		// The extra is cur × (num−den)/den: the same denominator as the new
		// cur, so the extras of lines earning at one rate add cheaply.
		extra = extra.Add(cur[sl].Mul(e.Factor.num-e.Factor.den, e.Factor.den))
		cur[sl] = cur[sl].Mul(e.Factor.num, e.Factor.den)
	}
	var r int64
	if !extra.IsBig() {
		r = exact.RoundFrac(extra.Num(), extra.Den(), exact.Mode(p.Rounding))
	} else {
		r, _ = extra.Round(exact.Mode(p.Rounding))
	}
	res.Explanation = append(res.Explanation, Explanation{})
	x := &res.Explanation[len(res.Explanation)-1]
	x.Rule, x.Account, x.Kind, x.Line, x.Note, x.Factor, x.Points = e.Rule, acct, EffectMultiply, e.Line, e.Note, e.Factor, r
}

// round sets pts to the whole points of the rate earnings: each slot
// rounded (RoundPerLine), or the order's sum rounded once and the floors of
// the slots topped up on the largest.
func (s *accountSum) round(p *Program) error {
	cur, pts, n := s.cur, s.pts, s.n
	if p.RoundingScope == RoundPerLine {
		for sl := range cur {
			v, ok := cur[sl].Round(exact.Mode(p.Rounding))
			if !ok {
				return fmt.Errorf("%w: points of line %d", ErrOverflow, sl)
			}
			pts[sl] = v
		}
		return nil
	}
	var sum exact.Q
	var total int64
	best := n
	fast := s.fast
	if fast {
		// Every slot is a numerator over dAll.
		var sn int64
		for sl := range cur {
			v := cur[sl].Num()
			if sn, fast = exact.Add64(sn, v); !fast || v < 0 {
				fast = false
				break
			}
			pts[sl] = v / s.dAll // the floor, v being non-negative
			total += pts[sl]
			if v != 0 && (best == n || pts[sl] > pts[best]) {
				best = sl
			}
		}
		if fast {
			sum = exact.Frac(sn, s.dAll)
		} else {
			total, best = 0, n
		}
	}
	for sl := 0; sl < len(cur) && !fast; sl++ {
		sum = sum.Add(cur[sl])
		v, _ := cur[sl].Round(exact.Floor)
		pts[sl] = v
		total += v
		if !cur[sl].IsZero() && (best == n || pts[sl] > pts[best]) {
			best = sl
		}
	}
	t, ok := sum.Round(exact.Mode(p.Rounding))
	if !ok {
		return fmt.Errorf("%w: points of order", ErrOverflow)
	}
	pts[best] += t - total
	return nil
}

// addFixed adds the fixed bonuses to pts and returns the account's total.
func (s *accountSum) addFixed() (int64, error) {
	var total int64
	for sl := range s.pts {
		v, ok := exact.Add64(s.pts[sl], s.fixed[sl])
		if !ok {
			return 0, fmt.Errorf("%w: points", ErrOverflow)
		}
		s.pts[sl] = v
		if total, ok = exact.Add64(total, v); !ok {
			return 0, fmt.Errorf("%w: points", ErrOverflow)
		}
	}
	return total, nil
}

// explainRounding makes the account's explanation (from res.Explanation[from])
// add up to total: a rounding line takes up any difference.
func explainRounding(res *Result, acct ledger.Account, from int, total int64) {
	var explained int64
	for i := from; i < len(res.Explanation); i++ {
		explained += res.Explanation[i].Points
	}
	if d := total - explained; d != 0 {
		res.Explanation = append(res.Explanation, Explanation{Rule: "rounding", Account: acct, Line: OrderLevel, Points: d})
	}
}

// applyCap lowers a total above the lowest cap to it, apportioning the cut
// over the slots, explained; it returns the total after.
func (s *accountSum) applyCap(res *Result, acct ledger.Account, lc *lowestCap, total int64) int64 {
	if !lc.set || total <= lc.at {
		return total
	}
	capAt := max(lc.at, 0)
	var wBuf [17]int64
	exact.Apportion(capAt, append(wBuf[:0], s.pts...), s.pts) // in place: as long as the weights
	res.Explanation = append(res.Explanation, Explanation{Rule: lc.rule, Account: acct, Kind: EffectCap, Line: OrderLevel, Note: lc.note, Points: capAt - total})
	return capAt
}
