package tiers

import (
	"time"

	"github.com/loyaltykit/loyalty"
)

var _ loyalty.StandingRule = (*Ladder)(nil)

// Standing implements loyalty.StandingRule, for Engine.Summary: the
// member's tier, the tier above and what is still needed to reach it, and
// when the tier is next judged with what is needed to keep it, as Status and
// Progress say them. It always reports true: a member without a tier stands
// at level 0.
func (l *Ladder) Standing(st *loyalty.State, now time.Time) (loyalty.Standing, bool) {
	pr := l.Progress(st, now)
	s := loyalty.Standing{
		Rule: l.name, Tier: pr.Tier, Level: l.Level(pr.Tier), Next: pr.Next,
		Amount: pr.Amount, ToNext: pr.ToNext,
		AmountText: l.Amount(pr.Amount), ToNextText: l.Amount(pr.ToNext),
		KeepBy: pr.KeepBy, ToKeep: pr.ToKeep,
	}
	return s, true
}
