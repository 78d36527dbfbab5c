package loyalty

import (
	"fmt"

	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/loyaltykit/loyalty/ledger"

	"github.com/shopspring/decimal"
)

// combine turns effects into awards, per account.
func (p *Program) combine(c *Input, effects []Effect, res *Result, blk *resultBlock) error {
	var accBuf [2]ledger.Account
	accounts := accBuf[:0]
	// The common denominators of the accounts' int64 fast paths, gathered in
	// this one pass over the effects (see denom).
	var denBuf [2]denom
	dens := denBuf[:0]
	var d *denom // of the last effect's account
	counts := false
	// What the accounts' explanations can hold at most, for a Result the
	// caller keeps: one line per earning and multiplier, and per account
	// one for a cap and one for rounding (see combineAccount).
	nExpl, nCaps := 0, 0
	for i := range effects {
		e := &effects[i]
		switch e.Kind {
		case EffectEarn, EffectMultiply:
			nExpl++
		case EffectCap:
			nCaps++
		}
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
			res.Notices = append(res.Notices, e.noticeOf(e.Rule))
		case e.Kind == EffectClaim, e.Kind == EffectGrant, e.Kind == EffectUse:
			if err := checkShared(e); err != nil {
				return err
			}
			if res.Shared == nil {
				res.Shared = blk.shared[:0]
			}
			res.Shared = append(res.Shared, *e)
		}
	}
	if len(accounts) > 0 && res.Awards == nil {
		switch {
		case blk.kept:
			// The caller keeps the Result (evaluateKept): the Explanation
			// is allocated here, at the most it can hold, rather than copied
			// out of the block afterwards. The awards are small and copied.
			res.Explanation = make([]Explanation, 0, nExpl+min(nCaps, len(accounts))+len(accounts))
			if len(accounts) <= len(blk.awards) {
				res.Awards = blk.awards[:0]
			} else {
				res.Awards = make([]Award, 0, len(accounts))
			}
		case len(accounts) <= len(blk.awards) && len(effects)+1 <= len(blk.expl):
			res.Awards, res.Explanation = blk.awards[:0], blk.expl[:0]
		default:
			res.Awards = make([]Award, 0, len(accounts))
			res.Explanation = make([]Explanation, 0, len(effects)+1)
		}
	}
	for _, a := range accounts {
		dAll, fast := int64(1), false
		for i := range dens {
			if dens[i].acct == a {
				dAll, fast = dens[i].value()
			}
		}
		fast = fast && !blk.exact
		aw, err := p.combineAccount(c, effects, a, dAll, fast, res, blk)
		if err != nil {
			return err
		}
		res.Awards = append(res.Awards, aw)
	}
	if !counts {
		return nil
	}
	return p.count(c, effects, res, blk)
}

// count applies the EffectCount effects of effects to res.Counters, after
// the awards (CountEarned counts what an account finally earned). The
// combining step and the step after it (Finisher) both count through it.
func (p *Program) count(c *Input, effects []Effect, res *Result, blk *resultBlock) error {
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
			res.Counters = append(res.Counters, ledger.Counter{Name: e.Counter, PeriodKey: e.PeriodKey, Value: c.State.Counter(e.Counter, e.PeriodKey)})
			idx = len(res.Counters) - 1
		}
		cn := &res.Counters[idx]
		if cn.PeriodKey != e.PeriodKey {
			cn.PeriodKey, cn.Value = e.PeriodKey, 0
		}
		if e.Set {
			cn.Value = delta
		} else {
			v, ok := exact.Add64(cn.Value, delta)
			if !ok {
				return fmt.Errorf("%w: counter %s", ErrOverflow, e.Counter)
			}
			cn.Value = v
		}
	}
	return nil
}

func containsAccount(as []ledger.Account, a ledger.Account) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

func awardOf(aws []Award, a ledger.Account) int64 {
	for i := range aws {
		if aws[i].Account == a {
			return aws[i].Amount
		}
	}
	return 0
}

// denom gathers the common denominator D of combineAccount's int64 fast
// path for one account: the lcm of the per-unit denominators of its rate
// earnings times the product of the denominators of its multipliers.
type denom struct {
	acct      ledger.Account
	lcm, prod int64
	last      *Rate // the last rate added: the rules of a program earn at few rates
	bad       bool  // a rate has no int64 ratio at the scale, or D overflowed
}

// denomFor returns the denom of account a in dens, adding it if missing.
func denomFor(dens []denom, a ledger.Account) ([]denom, *denom) {
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
			if d.lcm, ok = exact.Mul64(d.lcm/exact.GCD(d.lcm, den), den); !ok {
				d.bad = true
			}
		}
	case e.Kind == EffectMultiply && e.Factor.den > 1:
		var ok bool
		if d.prod, ok = exact.Mul64(d.prod, e.Factor.den); !ok {
			d.bad = true
		}
	}
}

// value returns D; ok is false when the account cannot take the fast path.
func (d *denom) value() (int64, bool) {
	if d.bad {
		return 0, false
	}
	return exact.Mul64(d.lcm, d.prod)
}

// qtyOfRate is the slow exact path of basis × rate when the rate's money
// does not fit int64 at the scale.
func qtyOfRate(basis int64, scale int32, r *Rate) exact.Q {
	per := r.per.Shift(scale) // money per, in scale units, as a decimal
	num := decimal.New(basis, 0).Mul(decimal.New(r.points, 0))
	q := num.Rat()
	return exact.FromRat(q.Quo(q, per.Rat()))
}
