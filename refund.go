package loyalty

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// Errors of a refund, checked with errors.Is.
var (
	// ErrUnknownGrant: the member holds no grant of that ID.
	ErrUnknownGrant = errors.New("loyalty: unknown grant")
	// ErrGrantNotOpen: the grant was used (in part or whole), voided or
	// expired, and cannot be refunded.
	ErrGrantNotOpen = errors.New("loyalty: grant is not open")
)

// RefundGrant refunds member's open, unused grant id under idempotency key
// key, in one write: the grant becomes GrantVoid (−1 in RewardsAccount),
// its code is voided, what paid for it (Grant.Paid) comes back to account
// PaidFrom with the expiry each lot had (points whose expiry has passed
// since expire again at once), and the claims of release are given back
// (the reward's stock: Claim.Release is implied). A grant that is not the
// member's is ErrUnknownGrant, one used, void or expired ErrGrantNotOpen;
// both write nothing. A grant nothing paid for (a rule's gift) is voided and
// its claims released only. The request the key stands for is the member
// and the grant: a replay returns the first receipt whatever release it
// passes. RefundGrantWith also takes the member's counters down.
func (e *Engine) RefundGrant(ctx context.Context, key, memberID, id string, release ...ledger.Claim) (*Receipt, error) {
	return e.RefundGrantWith(ctx, key, memberID, id, GrantRefund{Release: release})
}

// GrantRefund is what a refund gives back besides the grant and what paid
// for it.
type GrantRefund struct {
	// Release are claims on shared counters given back (a reward's stock, a
	// campaign's budget in the period it was claimed in).
	Release []ledger.Claim
	// Uncount are member counters taken down: each Value (positive) comes
	// off the member's counter Name when it is still in PeriodKey (a limit
	// of the month the reward was bought in), never below zero; a counter
	// that has moved on to a later period is left as it is.
	Uncount []ledger.Counter
}

// RefundGrantWith is RefundGrant that also takes down the member counters
// of r.Uncount (the purchase limits the grant counted) in the same write. A
// counter with an empty or invalid Name or PeriodKey, or a Value that is
// not positive, is a *ValidationError (ErrInvalidID, ErrInvalidAmount) and
// writes nothing.
func (e *Engine) RefundGrantWith(ctx context.Context, key, memberID, id string, r GrantRefund) (*Receipt, error) {
	if err := checkRequiredID("grant_id", id); err != nil {
		return nil, err
	}
	release := r.Release
	for _, c := range r.Uncount {
		if err := CheckID("uncount.name", c.Name); err != nil || c.Name == "" {
			return nil, &ValidationError{Field: "uncount.name", Reason: "is empty or invalid", Kind: ErrInvalidID}
		}
		if err := CheckID("uncount.period_key", c.PeriodKey); err != nil {
			return nil, err
		}
		if c.Value <= 0 {
			return nil, &ValidationError{Field: "uncount.value", Reason: "is " + itoa(c.Value) + ", not positive", Kind: ErrInvalidAmount}
		}
	}
	parts := []string{memberID, id}
	for i := range release {
		c := &release[i]
		if err := CheckID("release.counter", c.Counter); err != nil || c.Counter == "" {
			return nil, &ValidationError{Field: "release.counter", Reason: "is empty or invalid", Kind: ErrInvalidID}
		}
		if err := CheckID("release.period_key", c.PeriodKey); err != nil {
			return nil, err
		}
		if c.Amount <= 0 {
			return nil, &ClaimError{Counter: c.Counter, PeriodKey: c.PeriodKey, Asked: c.Amount, Err: ErrInvalidClaim}
		}
	}
	// The request is the member and the grant: release follows from the
	// grant's reward (the caller derives it), so a replay of the key returns
	// the first receipt whatever it passes.
	fp := partsFingerprint("refund-grant", parts...)
	q := Query{Lots: true, GrantIDs: []string{id}}
	return e.write(ctx, key, fp, partFields("refund-grant", parts...), memberID, q, func(w writeTry, st *State, now time.Time) (*Change, error) {
		var g ledger.Grant
		found := false
		for i := range st.Grants {
			if st.Grants[i].ID == id && st.Grants[i].MemberID == memberID {
				g, found = st.Grants[i], true
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: %s of member %s", ErrUnknownGrant, id, memberID)
		}
		if g.Status != ledger.GrantOpen || g.Uses > 0 {
			return nil, fmt.Errorf("%w: grant %s is %s (%d uses)", ErrGrantNotOpen, id, g.Status, g.Uses)
		}
		if len(release) > 0 || g.Code != "" {
			if _, err := e.shared(); err != nil {
				return nil, err
			}
		}
		p := &plan{}
		p.init(st, now, key, fp, OpCancel, id, Query{Lots: true})
		p.settle()
		note := "refund of reward " + g.Reward
		for _, d := range g.Paid {
			if _, err := p.credit(g.PaidFrom, d.Amount, ledger.EntryRestore, time.Time{}, d.ExpiresAt, ledger.Entry{Source: "refund", Ref: id, Note: note}); err != nil {
				return nil, err
			}
		}
		p.settle() // restored points whose expiry has passed expire now
		if err := p.countReward(-1, ledger.Entry{Kind: ledger.EntryVoid, Source: "refund", Ref: id, Note: g.Reward}); err != nil {
			return nil, err
		}
		g.Status = ledger.GrantVoid
		g.Paid = append([]ledger.Draw(nil), g.Paid...)
		p.ch.Grants = append(p.ch.Grants, g)
		if g.Code != "" {
			p.ch.CodeUses = append(p.ch.CodeUses, ledger.CodeUse{Code: g.Code, Void: true})
		}
		for _, c := range release {
			c.Release = true
			p.ch.Claims = p.claim(c)
		}
		for _, u := range r.Uncount {
			p.ch.Counters = uncount(p.ch.Counters, st, u)
		}
		p.rcpt.Grants, p.rcpt.Claims = p.ch.Grants, p.ch.Claims
		p.rcpt.Explanation = append(p.rcpt.Explanation, Explanation{Rule: "refund", Kind: EffectGrant, Line: OrderLevel, Note: note + " (grant " + id + ")"})
		return p.finish(), nil
	})
}

// paidDraws is what one rule's spend drew in a write, for the grant of the
// same rule it pays for (a reward bought with points).
type paidDraws struct {
	rule    string
	account ledger.Account
	draws   []ledger.Draw
	taken   bool
}

// paidBy returns what the spend of rule in the plan's write drew, once: the
// first grant of the rule is the one it paid for.
func (p *plan) paidBy(rule string) (ledger.Account, []ledger.Draw) {
	for i := range p.paid {
		if pd := &p.paid[i]; pd.rule == rule && !pd.taken {
			pd.taken = true
			return pd.account, pd.draws
		}
	}
	return "", nil
}

// uncount appends to counters the value of u's counter once u.Value came
// off it, when the member's counter (st, or an earlier uncount of the same
// write) is still in u.PeriodKey; it never goes below zero.
func uncount(counters []ledger.Counter, st *State, u ledger.Counter) []ledger.Counter {
	for i := range counters {
		if c := &counters[i]; c.Name == u.Name {
			if c.PeriodKey == u.PeriodKey {
				c.Value = max(c.Value-u.Value, 0)
			}
			return counters
		}
	}
	for _, c := range st.Counters {
		if c.Name == u.Name {
			if c.PeriodKey != u.PeriodKey || c.Value == 0 {
				return counters
			}
			return append(counters, ledger.Counter{Name: c.Name, PeriodKey: c.PeriodKey, Value: max(c.Value-u.Value, 0)})
		}
	}
	return counters
}
