package loyalty

import "github.com/loyaltykit/loyalty/ledger"

// RedemptionRule is implemented by rules that take part in every
// redemption Engine.Redeem writes (and Engine.Quote quotes), so that a
// program enforces its conditions whichever way the host redeems: package
// partners refuses a redemption at an unknown partner, and claims the
// partner's shared counter so that a suspended partner's is refused.
//
// Redemption returns an error to refuse r, and nothing is written; the
// error is returned as it is (wrap a sentinel to make it checkable). Else
// it returns claims on shared counters to commit with the redemption, all
// or nothing: one past its counter's limit refuses the write with a
// *ClaimError wrapping ErrLimitReached, and nothing is written. A quote
// runs the check but makes no claim. Like Rule.Evaluate it must be pure; a
// Redemption that panics refuses r with a *RuleError.
type RedemptionRule interface {
	Redemption(r *Redemption) ([]ledger.Claim, error)
}

// redemptionClaims runs the program's RedemptionRules on r, in program
// order, appending their claims to claims.
func (p *Program) redemptionClaims(r *Redemption, claims []ledger.Claim) (out []ledger.Claim, err error) {
	ri := -1
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, p.ruleError(ri, v)
		}
	}()
	for i, rule := range p.Rules {
		rr, ok := rule.(RedemptionRule)
		if !ok {
			continue
		}
		ri = i
		cs, err := rr.Redemption(r)
		if err != nil {
			return nil, err
		}
		claims = append(claims, cs...)
	}
	return claims, nil
}
