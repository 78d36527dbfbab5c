package loyalty

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// Grants end their life here: a grant whose ExpiresAt has come while still
// open is marked GrantExpired by the periodic jobs (Engine.RunJobs, at
// StageExpire, after the lots), with −1 in RewardsAccount, in a write of its
// own.

// countReward moves RewardsAccount by delta, one entry e (its Kind, Source,
// Ref and Note set): +1 for a grant made or reopened, −1 for one used up,
// expired or voided. RewardsAccount counts grants: it has no lots, so no
// write loads a lot per coupon the member holds. A lot of it written before
// (a ledger from before rewards were counted) is drawn first when the plan
// has the lots, so that old ledgers lose theirs as their grants end.
func (p *plan) countReward(delta int64, e ledger.Entry) error {
	b := p.balance(ledger.RewardsAccount)
	if delta < 0 && b.Available+delta < 0 {
		return &InsufficientError{Account: ledger.RewardsAccount, Asked: -delta, Available: b.Available, Detail: "grant " + e.Ref}
	}
	if delta > 0 && b.Available > math.MaxInt64-delta {
		return fmt.Errorf("%w: %s balance of %d plus %d", ErrOverflow, ledger.RewardsAccount, b.Available, delta)
	}
	if delta < 0 && p.loaded {
		for i := range p.lots {
			if l := &p.lots[i]; l.Account == ledger.RewardsAccount && l.Remaining >= -delta && !l.Pending(p.now) {
				_, _, err := p.debit(ledger.RewardsAccount, -delta, l.ID, false, e)
				return err
			}
		}
	}
	b.Available += delta
	e.Account, e.Amount, e.Lot = ledger.RewardsAccount, delta, 0
	p.entry(e)
	return nil
}

// grantsDue reports whether an open grant of st has expired at now (st
// loaded with Query.Grants).
func grantsDue(st *State, now time.Time) bool {
	for i := range st.Grants {
		if grantExpired(&st.Grants[i], now) {
			return true
		}
	}
	return false
}

func grantExpired(g *ledger.Grant, now time.Time) bool {
	return g.Status == ledger.GrantOpen && !g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt)
}

// expireGrantsJob writes the expiry of member's open grants whose
// ExpiresAt has come, or nothing: errNothingDue when there are none.
func (e *Engine) expireGrantsJob(ctx context.Context, key, member string) (*Receipt, error) {
	fp := partsFingerprint("jobs-expire-grants", member)
	return e.write(ctx, key, fp, partFields("jobs-expire-grants", member), member, Query{Lots: true, Grants: true}, func(w writeTry, st *State, now time.Time) (*Change, error) {
		p := &plan{}
		p.init(st, now, key, fp, OpSettle, "", Query{Lots: true})
		p.settle()
		if err := p.expireGrants(); err != nil {
			return nil, err
		}
		ch := p.finish()
		if len(ch.Grants) == 0 {
			ch.release()
			return nil, errNothingDue
		}
		return ch, nil
	})
}

// expireGrants marks the open grants of the plan's state whose ExpiresAt
// has come as GrantExpired, each with −1 in RewardsAccount.
func (p *plan) expireGrants() error {
	for i := range p.st.Grants {
		g := p.st.Grants[i] // a copy: the State is read-only
		if !grantExpired(&g, p.now) {
			continue
		}
		g.Status = ledger.GrantExpired
		if err := p.countReward(-1, ledger.Entry{Kind: ledger.EntryExpire, Source: "expiry", Ref: g.ID, Note: g.Reward}); err != nil {
			return err
		}
		p.ch.Grants = append(p.ch.Grants, g)
		p.rcpt.Explanation = append(p.rcpt.Explanation, Explanation{Rule: "expiry", Kind: EffectGrant, Line: OrderLevel,
			Note: "reward " + g.Reward + " expired on " + g.ExpiresAt.Format(time.RFC3339)})
	}
	p.rcpt.Grants = p.ch.Grants
	return nil
}
