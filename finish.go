package loyalty

import "github.com/loyaltykit/loyalty/ledger"

// Finisher is implemented by rules that act on what an evaluation earned:
// a tier ladder counts the points an order finally earned toward the tier
// and raises the member on that order, without running the program again.
//
// Finish is the step after combining. It runs once the effects of every
// rule are combined into the Result, for each rule of the program that
// implements Finisher, in program order (also when a Stop skipped the
// rule's Evaluate: what it sees is what the order earned, whichever rules
// earned it). It reads c and res, which it must not modify, and appends
// effects of kinds EffectCount and EffectNotify only: what was earned is
// settled, and any other kind fails the evaluation with ErrInvalidProgram.
// Its counters and notices join res as the rules' own do (a count adds to
// one of the rules' counts, a Set replaces it). Like Rule.Evaluate it must
// be pure; a Finish that panics fails the evaluation with a *RuleError.
type Finisher interface {
	Finish(c *Input, res *Result, effects []Effect) []Effect
}

// finish runs the Finisher rules of p on the combined res and applies what
// they append: counters through count, notices in order. buf is the
// evaluation's reusable effect buffer, free again once combined; the grown
// buffer is stored back through it.
func (p *Program) finish(c *Input, buf *[]Effect, res *Result, blk *resultBlock) (err error) {
	effects := *buf
	defer func() { *buf = effects[:0] }()
	ri := -1
	defer func() {
		if v := recover(); v != nil {
			err = p.ruleError(ri, v)
		}
	}()
	for i, r := range p.Rules {
		f, ok := r.(Finisher)
		if !ok {
			continue
		}
		ri = i
		effects = f.Finish(c, res, effects[:0])
		if len(effects) == 0 {
			continue
		}
		name := r.Name()
		counts := false
		for j := range effects {
			e := &effects[j]
			e.Rule, e.rule = name, int32(i)
			if e.Account == "" {
				e.Account = ledger.PointsAccount
			}
			switch e.Kind {
			case EffectCount:
				counts = true
			case EffectNotify:
				res.Notices = append(res.Notices, e.noticeOf(name))
			default:
				return invalidProgram("rules["+itoa(int64(i))+"]", "rule "+name+": Finish may only count and notify")
			}
		}
		if counts {
			if err := p.count(c, effects, res, blk); err != nil {
				return err
			}
		}
	}
	return nil
}
