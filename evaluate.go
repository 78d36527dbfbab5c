package loyalty

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Result is what an evaluation earns. It is computed the same way for a
// dry run (Engine.Estimate) and for the write (Engine.Earn).
type Result struct {
	// Awards are the whole units credited per account, in the order the
	// accounts first appeared in the effects. Never negative.
	Awards []Award
	// Counters are the new values of the counters the rules touched.
	Counters []Counter
	// Spends are the debits rules asked for (EffectSpend), in effect order.
	Spends []Award
	// Notices are what rules announced (EffectNotify), in effect order.
	Notices []Notice
	// Explanation says, per rule, why; its Points add up to each award.
	Explanation []Explanation
	// Lines is the order's earn basis per line (nil for other events).
	Lines []LineBasis
	// Value and Basis are the order's value after discounts and its earn basis,
	// in Scale units.
	Value, Basis int64
	Scale        int32
	// BelowMinimum is set when the order did not reach the program's minimum.
	BelowMinimum bool

	blk *resultBlock // the memory EvaluateInto reuses
}

// resultBlock holds a Result and the arrays a typical evaluation fills, so
// that evaluating an order is one allocation.
type resultBlock struct {
	res    Result
	expl   [12]Explanation
	awards [1]Award
	ints   [8]int64
	lines  [8]LineBasis
	// counters holds the Result's first counter, unless pooled: an Engine
	// keeps the Counters of a pooled block's Result after its release.
	counters [1]Counter
	pooled   bool
}

// scratch is the working memory of one evaluation, reused through a pool
// (as fmt reuses its printers). Between evaluations its effects buffer
// still holds the last evaluation's effects, which nothing reads.
type scratch struct {
	c       Context
	effects []Effect
	blk     resultBlock // the Result of an engine's evaluation, until release
}

var scratchPool = sync.Pool{New: func() any { return &scratch{effects: make([]Effect, 0, 32)} }}

// Award is what an evaluation credits to one account.
type Award struct {
	Account Account
	Amount  int64
	// Lines attributes Amount to the order lines (same order as Order.Lines);
	// Order is the part not tied to a line. Lines sum plus Order is Amount.
	Lines []int64
	Order int64
	// ExpiresAt is set on an award of an EffectEarn with its own expiry; such
	// an award is kept apart from the account's combined award.
	ExpiresAt time.Time
	// Rule and Note, on a spend or an award with its own expiry, say why.
	Rule, Note string
}

// Points returns what the result credits to PointsAccount.
func (r *Result) Points() int64 {
	for i := range r.Awards {
		if r.Awards[i].Account == PointsAccount {
			return r.Awards[i].Amount
		}
	}
	return 0
}

// Evaluate runs the program's rules for ev against the member's state at now
// and combines their effects. It is pure: the same inputs give the same
// Result. State must hold the member; it is not modified.
func (p *Program) Evaluate(st *State, ev Event, now time.Time) (*Result, error) {
	s := scratchPool.Get().(*scratch)
	res, err := p.evaluateWith(s, Context{Now: now, Program: p, State: st, Member: &st.Member, Event: ev}, new(resultBlock))
	scratchPool.Put(s)
	return res, err
}

// EvaluateInto is Evaluate writing into res and reusing the memory res
// holds from an earlier EvaluateInto, so that a loop quoting many carts (a
// product listing's "earn 120 points") does not allocate; it is how an
// Engine's writes evaluate. What res pointed to before (its Explanation,
// Awards, Lines) is overwritten: copy what must outlive the next call. On an
// error res is left empty.
func (p *Program) EvaluateInto(res *Result, st *State, ev Event, now time.Time) error {
	blk := res.blk
	if blk == nil {
		blk = new(resultBlock)
	} else {
		blk.res = Result{}
	}
	s := scratchPool.Get().(*scratch)
	r, err := p.evaluateWith(s, Context{Now: now, Program: p, State: st, Member: &st.Member, Event: ev}, blk)
	scratchPool.Put(s)
	if err != nil {
		*res = Result{blk: blk}
		return err
	}
	*res = *r
	res.blk = blk
	return nil
}

// evaluateIn evaluates c entirely in pooled memory, for the Engine, which
// copies what it keeps of the Result: the Result (but not the Counters,
// Notices and Spends it points to, which are allocated apart) is only valid
// until s.release().
func (p *Program) evaluateIn(c Context) (res *Result, s *scratch, err error) {
	s = scratchPool.Get().(*scratch)
	s.blk.pooled = true
	res, err = p.evaluateWith(s, c, &s.blk)
	return res, s, err
}

// release returns s to the pool. Only the block's Result is reset: the next
// evaluation overwrites whatever of the arrays it uses, and zeroing all of
// them (some 2 KB) on every write cost more than the strings they keep alive
// until then, or until the pool is emptied.
func (s *scratch) release() {
	s.blk.res = Result{}
	scratchPool.Put(s)
}

// evaluateWith evaluates c with s's effect buffer into blk.
func (p *Program) evaluateWith(s *scratch, c Context, blk *resultBlock) (*Result, error) {
	s.c = c
	res, err := p.evaluate(&s.c, &s.effects, blk)
	// The effects are left in the buffer (the next evaluation's appends
	// overwrite them whole): clearing them cost more than the strings and
	// rates they keep alive until then, or until the pool is emptied.
	s.effects = s.effects[:0]
	s.c = Context{}
	return res, err
}

// evaluate runs the rules on a context whose Now, Program, State, Member,
// Event (and, for a return, Return, OrderRecord and Returned) are set.
// effects is a reusable buffer for the rules' effects; the grown buffer is
// stored back through it, with what the rules filled. The
// Result is blk.res and owns everything it points to, blk included.
func (p *Program) evaluate(c *Context, effects *[]Effect, blk *resultBlock) (res *Result, err error) {
	res = &blk.res
	c.Lines = blk.lines[:0]
	if o, ok := c.Event.(*Order); ok {
		if err := p.orderBasis(c, o); err != nil {
			return nil, err
		}
		res.Lines, res.Value, res.Basis, res.Scale = c.Lines, c.Value, c.Basis, c.Scale
		if !p.Basis.MinimumOrder.IsZero() && c.Value < c.Units(p.Basis.MinimumOrder) {
			res.BelowMinimum = true
			res.Explanation = append(res.Explanation, Explanation{
				Rule: "minimum-order", Line: OrderLevel, Currency: p.Currency, Scale: c.Scale,
				Basis: c.Value, Note: "below the minimum order of " + p.Basis.MinimumOrder.String(),
			})
			return res, nil
		}
	} else if c.OrderRecord != nil {
		c.Scale = c.OrderRecord.Scale
	} else {
		c.Scale = p.MinorDigits()
	}
	buf, used, err := p.runRules(c, (*effects)[:0])
	if err != nil {
		// A rule panicked: the buffer is left as it was, whatever the rule
		// appended to a copy of it.
		return nil, err
	}
	*effects = buf[:used]
	if err := p.combine(c, buf, res, blk); err != nil {
		return nil, err
	}
	return res, nil
}

// orderBasis fills the context's per-line basis, choosing a scale at which
// every amount of the order is a whole number.
func (p *Program) orderBasis(c *Context, o *Order) error {
	if o.Currency != p.Currency {
		return fmt.Errorf("%w: order %s is in %s, program %q in %s", ErrCurrencyMismatch, o.ID, o.Currency, p.Name, p.Currency)
	}
	scale := p.MinorDigits()
	for try := 0; try < 2; try++ {
		ok, err := p.fillBasis(c, o, scale)
		if err != nil || ok {
			return err
		}
		scale = finestScale(o, scale)
	}
	return fmt.Errorf("%w: order %s amounts do not fit exact int64 arithmetic", ErrOverflow, o.ID)
}

// finestScale is the number of fractional digits that makes every amount of o whole.
func finestScale(o *Order, scale int32) int32 {
	up := func(d decimal.Decimal) {
		if e := -d.Exponent(); e > scale {
			scale = e
		}
	}
	for i := range o.Lines {
		up(o.Lines[i].UnitPrice)
		up(o.Lines[i].Discount)
	}
	up(o.Discount)
	up(o.Shipping)
	up(o.Tax)
	if scale > 18 {
		scale = 18
	}
	return scale
}

// fillBasis computes the basis at scale; ok is false when an amount is not
// whole at that scale or overflows.
func (p *Program) fillBasis(c *Context, o *Order, scale int32) (ok bool, err error) {
	lines := c.Lines[:0]
	if cap(lines) < len(o.Lines) {
		lines = make([]LineBasis, len(o.Lines))
	}
	lines = lines[:len(o.Lines)]
	var net [16]int64
	nets := net[:0]
	if len(o.Lines) > len(net) {
		nets = make([]int64, 0, len(o.Lines))
	}
	var total, gross int64
	excludes := len(p.Basis.ExcludeSKUs)+len(p.Basis.ExcludeCategories) > 0
	for i := range o.Lines {
		l := &o.Lines[i]
		price, ok1 := toMinor(l.UnitPrice, scale)
		disc, ok2 := toMinor(l.Discount, scale)
		if !ok1 || !ok2 {
			return false, nil
		}
		g, ok := mul64(price, l.Quantity)
		if !ok {
			return false, nil
		}
		if disc > g {
			return false, &ValidationError{Field: lineField(i, "discount"), Reason: "exceeds the line value", Kind: ErrInvalidAmount}
		}
		n := g - disc
		if total, ok = add64(total, n); !ok {
			return false, nil
		}
		gross += g
		nets = append(nets, n)
		lines[i] = LineBasis{SKU: l.SKU, Category: l.Category, Quantity: l.Quantity, Value: n, Excluded: excludes && p.excluded(l)}
		if p.Basis.BeforeDiscounts {
			lines[i].Basis = g
		}
	}
	orderDisc, ok1 := toMinor(o.Discount, scale)
	ship, ok2 := toMinor(o.Shipping, scale)
	tax, ok3 := toMinor(o.Tax, scale)
	if !ok1 || !ok2 || !ok3 {
		return false, nil
	}
	if orderDisc > total {
		return false, &ValidationError{Field: "order.discount", Reason: "exceeds the order value", Kind: ErrInvalidAmount}
	}
	var shareBuf [16]int64
	shares := shareBuf[:0]
	if orderDisc > 0 {
		shares = apportion(orderDisc, nets, shares)
	}
	var value, basis int64
	for i := range lines {
		if orderDisc > 0 {
			lines[i].Value -= shares[i]
		}
		if !p.Basis.BeforeDiscounts {
			lines[i].Basis = lines[i].Value
		}
		if lines[i].Excluded {
			lines[i].Basis = 0
		}
		value += lines[i].Value
		basis += lines[i].Basis
	}
	var extra int64
	if p.Basis.IncludeShipping {
		extra += ship
	}
	if p.Basis.IncludeTax {
		extra += tax
	}
	if extra < 0 || basis+extra < basis {
		return false, nil
	}
	c.Lines, c.Value, c.Basis, c.ExtraBasis, c.Scale, c.Order = lines, value, basis+extra, extra, scale, o
	return true, nil
}

func (p *Program) excluded(l *OrderLine) bool {
	for _, s := range p.Basis.ExcludeSKUs {
		if s == l.SKU {
			return true
		}
	}
	for _, s := range p.Basis.ExcludeCategories {
		if s == l.Category {
			return true
		}
	}
	return false
}

// runRules evaluates the rules in order, honouring Stop, and resolves
// exclusive rules: among the exclusive rules that earned, only the one with
// the highest priority keeps its effects, and likewise among those that
// multiplied; a losing rule loses all its effects (its counters too), as if
// it had not matched. used is how many effects the rules appended, kept or not.
//
// A rule that panics (in Evaluate, Name or Stacking) is recovered here: the
// error is a *RuleError naming it, and nothing the rules produced is kept.
// The deferred recover costs a few nanoseconds and no allocation.
func (p *Program) runRules(c *Context, effects []Effect) (kept []Effect, used int, err error) {
	ri := -1
	defer func() {
		if v := recover(); v != nil {
			kept, used, err = nil, 0, p.ruleError(ri, v)
		}
	}()
	type best struct{ rule, priority int }
	bestEarn, bestMul := best{-1, 0}, best{-1, 0}
	exclusive := false
	for i, r := range p.Rules {
		ri = i
		start := len(effects)
		effects = r.Evaluate(c, effects)
		if len(effects) == start {
			continue
		}
		name := r.Name()
		var st Stacking
		if s, ok := r.(Stacker); ok {
			st = s.Stacking()
		}
		for i := start; i < len(effects); i++ {
			e := &effects[i]
			e.Rule, e.rule = name, int32(ri)
			if e.Account == "" {
				e.Account = PointsAccount
			}
			if !st.Exclusive {
				continue
			}
			e.exclusive = true
			exclusive = true
			var b *best
			switch e.Kind {
			case EffectEarn:
				b = &bestEarn
			case EffectMultiply:
				b = &bestMul
			default:
				continue
			}
			if b.rule < 0 || st.Priority > b.priority {
				*b = best{ri, st.Priority}
			}
		}
		if st.Stop {
			break
		}
	}
	if !exclusive {
		return effects, len(effects), nil
	}
	lost := func(ri int) bool {
		for i := range effects {
			e := &effects[i]
			if int(e.rule) == ri && e.exclusive && (e.Kind == EffectEarn && ri != bestEarn.rule || e.Kind == EffectMultiply && ri != bestMul.rule) {
				return true
			}
		}
		return false
	}
	keep := effects[:0]
	lastRule, lastLost := -1, false
	for _, e := range effects {
		if int(e.rule) != lastRule {
			lastRule, lastLost = int(e.rule), e.exclusive && lost(int(e.rule))
		}
		if !lastLost {
			keep = append(keep, e)
		}
	}
	return keep, len(effects), nil
}

// ruleError is the error of rule ri panicking with v.
func (p *Program) ruleError(ri int, v any) error {
	e := &RuleError{Index: ri, Panic: v, Stack: debug.Stack()}
	if ri >= 0 && ri < len(p.Rules) {
		e.Rule = "rules[" + strconv.Itoa(ri) + "]"
		if name, err := ruleName(p.Rules[ri]); err == nil && name != "" {
			e.Rule = name
		}
	}
	return e
}

// combine turns effects into awards, per account.
func (p *Program) combine(c *Context, effects []Effect, res *Result, blk *resultBlock) error {
	var accBuf [2]Account
	accounts := accBuf[:0]
	// The common denominators of the accounts' int64 fast paths, gathered in
	// this one pass over the effects (see denom).
	var denBuf [2]denom
	dens := denBuf[:0]
	var d *denom // of the last effect's account
	counts := false
	for i := range effects {
		e := &effects[i]
		switch {
		case e.Kind == EffectEarn && e.Rate != nil && e.Basis > 0, e.Kind == EffectMultiply && e.Factor.den > 1:
			if d == nil || d.acct != e.Account {
				dens, d = denomFor(dens, e.Account)
			}
			if e.Rate == nil || e.Rate != d.last {
				d.add(e, c.Scale)
			}
		}
		switch {
		case e.Kind == EffectCount:
			counts = true
		case e.Kind == EffectEarn && !e.ExpiresAt.IsZero():
			if e.Points <= 0 || e.Rate != nil {
				return fmt.Errorf("%w: rule %s: an earning with its own expiry takes positive fixed points only", ErrInvalidAmount, e.Rule)
			}
			res.Awards = append(res.Awards, Award{Account: e.Account, Amount: e.Points, Order: e.Points, ExpiresAt: e.ExpiresAt, Rule: e.Rule, Note: e.Note})
			res.Explanation = append(res.Explanation, Explanation{Rule: e.Rule, Account: e.Account, Kind: EffectEarn, Line: OrderLevel, Note: e.Note, Points: e.Points})
			e.Kind = 0 // handled
		case e.Kind == EffectEarn && !containsAccount(accounts, e.Account):
			accounts = append(accounts, e.Account)
		case e.Kind == EffectSpend:
			if e.Points <= 0 {
				return fmt.Errorf("%w: rule %s spends %d", ErrInvalidAmount, e.Rule, e.Points)
			}
			res.Spends = append(res.Spends, Award{Account: e.Account, Amount: e.Points, Rule: e.Rule, Note: e.Note})
		case e.Kind == EffectRefuse:
			if e.Err != nil {
				return fmt.Errorf("%w: rule %s: %s: %w", ErrRefused, e.Rule, e.Note, e.Err)
			}
			return fmt.Errorf("%w: rule %s: %s", ErrRefused, e.Rule, e.Note)
		case e.Kind == EffectNotify:
			res.Notices = append(res.Notices, Notice{Rule: e.Rule, Kind: e.Counter, Detail: e.Note})
		}
	}
	if len(accounts) > 0 && res.Awards == nil {
		if len(accounts) <= len(blk.awards) && len(effects)+1 <= len(blk.expl) {
			res.Awards, res.Explanation = blk.awards[:0], blk.expl[:0]
		} else {
			res.Awards = make([]Award, 0, len(accounts))
			res.Explanation = make([]Explanation, 0, len(effects)+1)
		}
	}
	for _, a := range accounts {
		dAll, fast := int64(1), !combineExactOnly
		for i := range dens {
			if dens[i].acct == a {
				dAll, fast = dens[i].value()
			}
		}
		aw, err := p.combineAccount(c, effects, a, dAll, fast, res, blk)
		if err != nil {
			return err
		}
		res.Awards = append(res.Awards, aw)
	}
	if !counts {
		return nil
	}
	for i := range effects {
		e := &effects[i]
		if e.Kind != EffectCount {
			continue
		}
		delta := e.Value
		if e.CountEarned {
			delta = awardOf(res.Awards, e.Account)
		}
		idx := -1
		for j := range res.Counters {
			if res.Counters[j].Name == e.Counter {
				idx = j
			}
		}
		if idx < 0 {
			if res.Counters == nil && !blk.pooled {
				res.Counters = blk.counters[:0]
			}
			res.Counters = append(res.Counters, Counter{Name: e.Counter, Period: e.Period, Value: c.State.Counter(e.Counter, e.Period)})
			idx = len(res.Counters) - 1
		}
		cn := &res.Counters[idx]
		if cn.Period != e.Period {
			cn.Period, cn.Value = e.Period, 0
		}
		if e.Set {
			cn.Value = delta
		} else {
			v, ok := add64(cn.Value, delta)
			if !ok {
				return fmt.Errorf("%w: counter %s", ErrOverflow, e.Counter)
			}
			cn.Value = v
		}
	}
	return nil
}

func containsAccount(as []Account, a Account) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

func awardOf(aws []Award, a Account) int64 {
	for i := range aws {
		if aws[i].Account == a {
			return aws[i].Amount
		}
	}
	return 0
}

// combineAccount adds rate earnings per line, multiplies them by the line's
// and the order's multipliers, rounds (per line or per order), adds fixed
// bonuses and applies the lowest cap.
//
// When fast is set, dAll is the account's common denominator (see denom)
// and the int64 fast path is tried first.
func (p *Program) combineAccount(c *Context, effects []Effect, acct Account, dAll int64, fast bool, res *Result, blk *resultBlock) (Award, error) {
	n := len(c.Lines)
	slots := n + 1 // the last slot is the order level
	var curBuf [17]qty
	var fixedBuf, ptsBuf [17]int64
	var cur []qty
	var fixed, pts []int64
	if slots <= len(curBuf) {
		cur, fixed, pts = curBuf[:slots], fixedBuf[:slots], ptsBuf[:slots]
	} else {
		cur, fixed, pts = make([]qty, slots), make([]int64, slots), make([]int64, slots)
	}
	slot := func(line int) int {
		if line < 0 || line >= n {
			return n
		}
		return line
	}
	capAt, capped := int64(0), false
	capRule, capNote := "", ""
	explStart := len(res.Explanation)
	// The int64 fast path keeps every slot's rate earnings as a numerator over
	// one denominator D (qty{n, D}); it falls back to general qty arithmetic on
	// the first overflow, from the same exact values.
	// The ratio of the last rate seen: the rules of a program earn at few rates.
	var lastRate *Rate
	var rNum, rDen, rMul int64
	var rOK bool
	// The multipliers, found in the same pass, are applied after it.
	var multBuf [16]int
	mults := multBuf[:0]
	// Rate earnings and fixed bonuses, in effect order.
	for i := range effects {
		e := &effects[i]
		if e.Account != acct {
			continue
		}
		switch e.Kind {
		case EffectEarn:
			s := slot(e.Line)
			// Built in place: an Explanation is large and holds pointers.
			res.Explanation = append(res.Explanation, Explanation{})
			x := &res.Explanation[len(res.Explanation)-1]
			x.Rule, x.Account, x.Kind, x.Line, x.Note, x.Currency, x.Scale = e.Rule, acct, EffectEarn, e.Line, e.Note, p.Currency, c.Scale
			if e.Points != 0 {
				if e.Points < 0 {
					return Award{}, fmt.Errorf("%w: rule %s earned %d", ErrInvalidAmount, e.Rule, e.Points)
				}
				v, ok := add64(fixed[s], e.Points)
				if !ok {
					return Award{}, fmt.Errorf("%w: rule %s", ErrOverflow, e.Rule)
				}
				fixed[s] = v
				x.Points = e.Points
			}
			if e.Rate != nil && e.Basis > 0 {
				if e.Rate != lastRate {
					lastRate = e.Rate
					rNum, rDen, rOK = e.Rate.ratio(c.Scale)
					if fast {
						rMul = dAll / rDen // rOK: commonDen checked it
					}
				}
				x.Rate, x.Basis = e.Rate, e.Basis
				if fast {
					bn, ok1 := mul64(e.Basis, rNum)
					sn, ok2 := mul64(bn, rMul)
					v, ok3 := add64(cur[s].n, sn)
					if ok1 && ok2 && ok3 {
						cur[s] = qty{n: v, d: dAll}
						x.Points += roundFrac(bn, rDen, p.Rounding)
						continue
					}
					fast = false
				}
				var q qty
				if rOK {
					q = qInt(e.Basis).mul(rNum, rDen)
				} else {
					q = qtyOfRate(e.Basis, c.Scale, e.Rate)
				}
				cur[s] = cur[s].add(q)
				r, _ := q.round(p.Rounding)
				x.Points += r
			}
		case EffectCap:
			if !capped || e.Points < capAt {
				capAt, capped, capRule, capNote = e.Points, true, e.Rule, e.Note
			}
		case EffectMultiply:
			if e.Factor.den != 0 {
				mults = append(mults, i)
			}
		}
	}
	// Multipliers, in effect order, each explained by the extra it adds.
	for _, i := range mults {
		e := &effects[i]
		var extra qty
		lo, hi := 0, len(cur)
		if e.Line != OrderLevel {
			lo = slot(e.Line)
			hi = lo + 1
		}
		s := lo
		if fast {
			// Every numerator carries the factor e.Factor.den (commonDen put the
			// denominators of all the account's multipliers into D), so
			// cur × num / den is exact.
			var extraN int64
			for ; s < hi; s++ {
				v := cur[s].n
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
				nv, ok := mul64(w, e.Factor.num)
				if !ok {
					break
				}
				x, ok := add64(extraN, nv-v)
				if !ok {
					break
				}
				cur[s].n, extraN = nv, x
			}
			if s < hi {
				fast = false
			}
			if extraN != 0 {
				extra = qty{n: extraN, d: dAll}
			}
		}
		for ; s < hi; s++ {
			if cur[s].isZero() {
				continue
			}
			// The extra is cur × (num−den)/den: the same denominator as the new
			// cur, so the extras of lines earning at one rate add cheaply.
			extra = extra.add(cur[s].mul(e.Factor.num-e.Factor.den, e.Factor.den))
			cur[s] = cur[s].mul(e.Factor.num, e.Factor.den)
		}
		var r int64
		if extra.big == nil {
			r = roundFrac(extra.n, extra.den(), p.Rounding)
		} else {
			r, _ = extra.round(p.Rounding)
		}
		res.Explanation = append(res.Explanation, Explanation{})
		x := &res.Explanation[len(res.Explanation)-1]
		x.Rule, x.Account, x.Kind, x.Line, x.Note, x.Factor, x.Points = e.Rule, acct, EffectMultiply, e.Line, e.Note, e.Factor, r
	}
	// Rounding.
	var total int64
	switch p.RoundingScope {
	case RoundPerLine:
		for s := range cur {
			v, ok := cur[s].round(p.Rounding)
			if !ok {
				return Award{}, fmt.Errorf("%w: points of line %d", ErrOverflow, s)
			}
			pts[s] = v
			total += v
		}
	default:
		var sum qty
		best := n
		if fast {
			// Every slot is a numerator over dAll.
			var sn int64
			for s := range cur {
				v := cur[s].n
				if sn, fast = add64(sn, v); !fast || v < 0 {
					fast = false
					break
				}
				pts[s] = v / dAll // the floor, v being non-negative
				total += pts[s]
				if v != 0 && (best == n || pts[s] > pts[best]) {
					best = s
				}
			}
			if fast {
				sum = qty{n: sn, d: dAll}
			} else {
				total, best = 0, n
			}
		}
		for s := 0; s < len(cur) && !fast; s++ {
			sum = sum.add(cur[s])
			v, _ := cur[s].round(RoundFloor)
			pts[s] = v
			total += v
			if !cur[s].isZero() && (best == n || pts[s] > pts[best]) {
				best = s
			}
		}
		t, ok := sum.round(p.Rounding)
		if !ok {
			return Award{}, fmt.Errorf("%w: points of order", ErrOverflow)
		}
		pts[best] += t - total
		total = t
	}
	for s := range pts {
		v, ok := add64(pts[s], fixed[s])
		if !ok {
			return Award{}, fmt.Errorf("%w: points", ErrOverflow)
		}
		pts[s] = v
	}
	total = 0
	for _, v := range pts {
		var ok bool
		if total, ok = add64(total, v); !ok {
			return Award{}, fmt.Errorf("%w: points", ErrOverflow)
		}
	}
	// The explanation adds up: a rounding line takes up any difference.
	var explained int64
	for i := explStart; i < len(res.Explanation); i++ {
		explained += res.Explanation[i].Points
	}
	if d := total - explained; d != 0 {
		res.Explanation = append(res.Explanation, Explanation{Rule: "rounding", Account: acct, Line: OrderLevel, Points: d})
	}
	if capped && total > capAt {
		if capAt < 0 {
			capAt = 0
		}
		var wBuf [17]int64
		pts = apportion(capAt, append(wBuf[:0], pts...), pts)
		res.Explanation = append(res.Explanation, Explanation{Rule: capRule, Account: acct, Kind: EffectCap, Line: OrderLevel, Note: capNote, Points: capAt - total})
		total = capAt
	}
	aw := Award{Account: acct, Amount: total, Order: pts[n]}
	if n > 0 {
		if n <= len(blk.ints) && len(res.Awards) == 0 {
			aw.Lines = append(blk.ints[:0:n], pts[:n]...)
		} else {
			aw.Lines = append(make([]int64, 0, n), pts[:n]...)
		}
	}
	return aw, nil
}

// denom gathers the common denominator D of combineAccount's int64 fast
// path for one account: the lcm of the per-unit denominators of its rate
// earnings times the product of the denominators of its multipliers.
type denom struct {
	acct      Account
	lcm, prod int64
	last      *Rate // the last rate added: the rules of a program earn at few rates
	bad       bool  // a rate has no int64 ratio at the scale, or D overflowed
}

// denomFor returns the denom of account a in dens, adding it if missing.
func denomFor(dens []denom, a Account) ([]denom, *denom) {
	for i := range dens {
		if dens[i].acct == a {
			return dens, &dens[i]
		}
	}
	dens = append(dens, denom{acct: a, lcm: 1, prod: 1})
	return dens, &dens[len(dens)-1]
}

// add takes in an effect of d's account: a rate earning or a multiplier.
func (d *denom) add(e *Effect, scale int32) {
	if d.bad {
		return
	}
	switch {
	case e.Kind == EffectEarn && e.Rate != nil && e.Basis > 0:
		if e.Rate == d.last {
			return
		}
		d.last = e.Rate
		_, den, ok := e.Rate.ratio(scale)
		if !ok || den <= 0 {
			d.bad = true
			return
		}
		if d.lcm%den != 0 {
			if d.lcm, ok = mul64(d.lcm/gcd(d.lcm, den), den); !ok {
				d.bad = true
			}
		}
	case e.Kind == EffectMultiply && e.Factor.den > 1:
		var ok bool
		if d.prod, ok = mul64(d.prod, e.Factor.den); !ok {
			d.bad = true
		}
	}
}

// value returns D; ok is false when the account cannot take the fast path.
func (d *denom) value() (int64, bool) {
	if d.bad || combineExactOnly {
		return 0, false
	}
	return mul64(d.lcm, d.prod)
}

// combineExactOnly turns the int64 fast path of combineAccount off, for the
// tests that compare it with the general path.
var combineExactOnly bool

// qtyOfRate is the slow exact path of basis × rate when the rate's money
// does not fit int64 at the scale.
func qtyOfRate(basis int64, scale int32, r *Rate) qty {
	per := r.per.Shift(scale) // money per, in scale units, as a decimal
	num := decimal.New(basis, 0).Mul(decimal.New(r.points, 0))
	q := qty{}
	q.big = num.Rat()
	return qty{big: q.big.Quo(q.big, per.Rat())}
}
