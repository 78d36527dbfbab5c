package loyalty

import (
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// Result is what an evaluation earns. It is computed the same way for a
// dry run (Engine.Estimate) and for the write (Engine.Earn).
type Result struct {
	// Awards are the whole units credited per account, in the order the
	// accounts first appeared in the effects. Never negative.
	Awards []Award
	// Counters are the new values of the counters the rules touched.
	Counters []ledger.Counter
	// Spends are the debits rules asked for (EffectSpend), in effect order.
	Spends []Award
	// Notices are what rules announced (EffectNotify), in effect order.
	Notices []Notice
	// Shared are the claims on shared counters and the grants the rules
	// asked for (EffectClaim, EffectGrant), in effect order, as asked: the
	// Engine sizes "up to" claims and leaves out grants whose stock is gone
	// when it plans the write (Engine.Preview shows the outcome).
	Shared []Effect
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
	counters [1]ledger.Counter
	// shared holds the first claim or grant: an Engine plans them before
	// the release.
	shared [1]Effect
	pooled bool
	// exact turns combine's int64 fast path off, so that every account
	// takes the general exact path: the test that compares the two
	// evaluates into such a block (evaluateExact).
	exact bool
	// kept is set while evaluating for a caller that keeps the Result
	// (evaluateKept): the order's lines, the first award's Lines and the
	// Explanation are then written into memory of their own (keptLines,
	// keptInts, a fresh Explanation) rather than into the block's arrays,
	// so that the copy the caller keeps need not copy them again.
	kept      bool
	keptLines []LineBasis
	keptInts  []int64
}

// scratch is the working memory of one evaluation, reused through a pool
// (as fmt reuses its printers). Between evaluations its effects buffer
// still holds the last evaluation's effects, which nothing reads.
type scratch struct {
	c       Input
	effects []Effect
	blk     resultBlock // the Result of an engine's evaluation, until release
	// src and rnd are the rules' random stream (Input.Rand), seeded per
	// evaluation and lazily (see stream).
	src stream
	rnd *rand.Rand
}

var scratchPool = sync.Pool{New: func() any { return newScratch() }}

func newScratch() *scratch {
	s := &scratch{effects: make([]Effect, 0, 32)}
	s.rnd = rand.New(&s.src)
	return s
}

// Award is what an evaluation credits to one account.
type Award struct {
	Account ledger.Account
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
		if r.Awards[i].Account == ledger.PointsAccount {
			return r.Awards[i].Amount
		}
	}
	return 0
}

// Evaluate runs the program's rules for ev against the member's state at now
// and combines their effects. It is pure: the same inputs give the same
// Result. State must hold the member; it is not modified.
func (p *Program) Evaluate(st *State, ev Event, now time.Time) (*Result, error) {
	return p.evaluateKept(randSeed{program: p.ProgramID()}, Input{Now: now, Program: p, State: st, Member: &st.Member, Event: ev})
}

// evaluateKept evaluates c in pooled memory and returns a Result the
// caller keeps, sharing no memory with the pool, for Evaluate and
// Engine.Estimate. The bytes allocated, zeroed and scanned are what such an
// evaluation costs beyond the arithmetic, so what it keeps is sized to what
// it holds: the Result, its first award and counter, an order's lines and
// the first award's per-line points are one allocation (newKept), sized to
// the order's lines, and the Explanation is allocated by combine at the
// size the block would have used. Only what did land in the block's arrays
// is copied (detached).
func (p *Program) evaluateKept(rs randSeed, c Input) (*Result, error) {
	var k *keptResult
	s := scratchPool.Get().(*scratch)
	blk := &s.blk
	blk.pooled = false // the copy takes the counters too
	blk.kept = true
	if o, ok := c.Event.(*Order); ok {
		k, blk.keptLines, blk.keptInts = newKept(len(o.Lines))
	} else {
		k = new(keptResult)
	}
	res, err := p.evaluateWith(s, rs, c, blk)
	if err == nil {
		res = res.detached(k, blk)
	}
	blk.kept, blk.keptLines, blk.keptInts = false, nil, nil
	s.release()
	return res, err
}

// keptResult holds a detached Result, its first award and first counter.
type keptResult struct {
	res      Result
	awards   [1]Award
	counters [1]ledger.Counter
}

// keptWith is a keptResult allocated with room for an order's lines: its
// LineBasis (array L) and the per-line points of its first award (array I).
type keptWith[L, I any] struct {
	keptResult
	lines L
	ints  I
}

// newKept allocates a keptResult together with room for an order of n
// lines, in one allocation of the exact size. Beyond 8 lines (or for none)
// the keptResult comes alone and the lines are allocated where they are
// filled.
func newKept(n int) (*keptResult, []LineBasis, []int64) {
	switch n {
	case 1:
		k := new(keptWith[[1]LineBasis, [1]int64])
		return &k.keptResult, k.lines[:0], k.ints[:0]
	case 2:
		k := new(keptWith[[2]LineBasis, [2]int64])
		return &k.keptResult, k.lines[:0], k.ints[:0]
	case 3:
		k := new(keptWith[[3]LineBasis, [3]int64])
		return &k.keptResult, k.lines[:0], k.ints[:0]
	case 4:
		k := new(keptWith[[4]LineBasis, [4]int64])
		return &k.keptResult, k.lines[:0], k.ints[:0]
	case 5:
		k := new(keptWith[[5]LineBasis, [5]int64])
		return &k.keptResult, k.lines[:0], k.ints[:0]
	case 6:
		k := new(keptWith[[6]LineBasis, [6]int64])
		return &k.keptResult, k.lines[:0], k.ints[:0]
	case 7:
		k := new(keptWith[[7]LineBasis, [7]int64])
		return &k.keptResult, k.lines[:0], k.ints[:0]
	case 8:
		k := new(keptWith[[8]LineBasis, [8]int64])
		return &k.keptResult, k.lines[:0], k.ints[:0]
	}
	return new(keptResult), nil, nil
}

// detached returns r, evaluated into blk, as k's Result, sharing no memory
// with blk: what lives in blk's arrays (Awards and the first award's Lines,
// Counters, Shared, and Lines or Explanation if not evaluated as kept) is
// copied to the size it holds, the first award and counter into k; the rest
// (the kept lines and points, a fresh Explanation, Spends, Notices) was
// allocated apart and is kept as it is.
func (r *Result) detached(k *keptResult, blk *resultBlock) *Result {
	out := &k.res
	*out = *r
	out.blk = nil
	if len(r.Awards) <= len(k.awards) && r.Awards != nil {
		out.Awards = append(k.awards[:0:len(r.Awards)], r.Awards...)
	} else {
		out.Awards = slices.Clone(r.Awards)
	}
	n := 0
	for i := range out.Awards {
		if a := &out.Awards[i]; inBlock(a.Lines, blk.ints[:]) {
			n += len(a.Lines)
		}
	}
	if n > 0 {
		ints := make([]int64, 0, n)
		for i := range out.Awards {
			if a := &out.Awards[i]; inBlock(a.Lines, blk.ints[:]) {
				start := len(ints)
				ints = append(ints, a.Lines...)
				a.Lines = ints[start:len(ints):len(ints)]
			}
		}
	}
	if inBlock(r.Explanation, blk.expl[:]) {
		out.Explanation = slices.Clone(r.Explanation)
	}
	if inBlock(r.Lines, blk.lines[:]) {
		out.Lines = slices.Clone(r.Lines)
	}
	out.Shared = slices.Clone(r.Shared)
	if len(r.Counters) <= len(k.counters) && r.Counters != nil {
		out.Counters = append(k.counters[:0:len(r.Counters)], r.Counters...)
	} else {
		out.Counters = slices.Clone(r.Counters)
	}
	return out
}

// inBlock reports whether s begins in arr, an array of a resultBlock (the
// Result's slices that use one begin at its first element).
func inBlock[T any](s, arr []T) bool {
	if cap(s) == 0 {
		return false
	}
	p := &s[:1][0]
	for i := range arr {
		if p == &arr[i] {
			return true
		}
	}
	return false
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
	r, err := p.evaluateWith(s, randSeed{program: p.ProgramID()}, Input{Now: now, Program: p, State: st, Member: &st.Member, Event: ev}, blk)
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
// until s.release(). The rules draw from the stream rs names.
func (p *Program) evaluateIn(rs randSeed, c Input) (res *Result, s *scratch, err error) {
	s = scratchPool.Get().(*scratch)
	s.blk.pooled = true
	res, err = p.evaluateWith(s, rs, c, &s.blk)
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

// evaluateWith evaluates c with s's effect buffer into blk, the rules
// drawing from the stream rs names (Evaluate, made without an Engine, gives
// them the stream of the zero seed).
func (p *Program) evaluateWith(s *scratch, rs randSeed, c Input, blk *resultBlock) (*Result, error) {
	s.c = c
	s.src.reset(rs.seed, rulesDomain, rs.program, rs.key, 0)
	s.c.Rand = s.rnd
	res, err := p.evaluate(&s.c, &s.effects, blk)
	// The effects are left in the buffer (the next evaluation's appends
	// overwrite them whole): clearing them cost more than the strings and
	// rates they keep alive until then, or until the pool is emptied.
	s.effects = s.effects[:0]
	s.c = Input{}
	return res, err
}

// evaluate runs the rules on a context whose Now, Program, State, Member,
// Event (and, for a return, Return, OrderRecord and Returned) are set.
// effects is a reusable buffer for the rules' effects; the grown buffer is
// stored back through it, with what the rules filled. The
// Result is blk.res and owns everything it points to, blk included.
func (p *Program) evaluate(c *Input, effects *[]Effect, blk *resultBlock) (res *Result, err error) {
	res = &blk.res
	c.Lines = blk.lines[:0]
	if blk.kept && blk.keptLines != nil {
		c.Lines = blk.keptLines // else (no line, or beyond 8) as for any block
	}
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
	// The step after combining: rules that act on what was earned (Finisher).
	if err := p.finish(c, effects, res, blk); err != nil {
		return nil, err
	}
	return res, nil
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
func (p *Program) runRules(c *Input, effects []Effect) (kept []Effect, used int, err error) {
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
				e.Account = ledger.PointsAccount
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
