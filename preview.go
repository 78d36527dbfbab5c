package loyalty

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// Preview is a dry run of the whole write an event would make now, under
// idempotency key key: it loads the member, evaluates the rules and plans
// the change through the same code as Earn, Act and Return (points, lots
// drawn, pending holds, counters, grants, claims sized to what the shared
// counters have left, codes), and commits nothing. A checkout page shows
// exactly what an order will do; the Receipt in the change is the receipt
// the write would return.
//
// ev is an *Order (as Earn), an *Action (as Act) or a *Return (as Return);
// Redeem runs no rules and is previewed by Quote. key picks the random
// streams (see EngineOptions.Random): the write with the same key, event,
// clock reading and state makes the same change, codes and draws included,
// unless another write changed the member or took from a shared counter
// in between. Preview does not look the key up: it plans as if the key
// were new.
//
// The Change returned is the caller's: it shares no memory with the Engine
// or the store. Its Version is the member version it was planned from.
func (e *Engine) Preview(ctx context.Context, key string, ev Event) (*Change, error) {
	if key == "" {
		return nil, ErrMissingKey
	}
	if err := CheckKey("key", key); err != nil {
		return nil, err
	}
	var (
		member string
		q      Query
		planFn func(w writeTry, st *State, now time.Time) (*Change, error)
	)
	switch v := ev.(type) {
	case *Order:
		if err := e.checkOrder(v); err != nil {
			return nil, err
		}
		fp, _ := orderPrints(v)
		var codes []ledger.Code
		q = Query{Orders: []string{v.ID}}
		if len(v.Codes) > 0 {
			var err error
			if codes, q.GrantIDs, err = e.orderCodes(ctx, v); err != nil {
				return nil, err
			}
		}
		member, planFn = v.MemberID, e.earnPlan(v, codes, key, fp)
	case *Action:
		if v == nil {
			return nil, invalidEvent("action", "is nil")
		}
		if err := v.Validate(); err != nil {
			return nil, err
		}
		member, planFn = v.MemberID, e.actPlan(v, key, actionFingerprint(v))
	case *Return:
		if v == nil {
			return nil, invalidEvent("return", "is nil")
		}
		if err := v.Validate(); err != nil {
			return nil, err
		}
		member, q = v.MemberID, Query{Lots: true, Orders: []string{v.OrderID}}
		planFn = func(w writeTry, st *State, now time.Time) (*Change, error) { return e.planReturn(w, st, v, now, key) }
	default:
		return nil, invalidEvent("event", "Preview plans an *Order, an *Action or a *Return")
	}
	if err := checkRequiredID("member_id", member); err != nil {
		return nil, err
	}
	w := writeTry{ctx: ctx}
	for {
		now := e.now()
		q.Now = now
		st, err := e.store.Load(ctx, member, q)
		if err != nil {
			return nil, err
		}
		ch, err := planFn(w, st, now)
		if errors.Is(err, errNeedLots) && !q.Lots {
			q.Lots = true
			continue
		}
		if err != nil {
			return nil, err
		}
		out := cloneChange(ch)
		ch.release()
		return out, nil
	}
}

// cloneChange is a deep copy of c, outside any pooled memory.
func cloneChange(c *Change) *Change {
	out := *c
	out.blk = nil
	if c.Member != nil {
		m := cloneMember(*c.Member)
		out.Member = &m
	}
	out.Entries = slices.Clone(c.Entries)
	out.Lots = slices.Clone(c.Lots)
	out.Balances = slices.Clone(c.Balances)
	out.Counters = slices.Clone(c.Counters)
	out.Orders = slices.Clone(c.Orders)
	for i := range out.Orders {
		out.Orders[i] = cloneOrder(out.Orders[i])
	}
	out.Redemptions = slices.Clone(c.Redemptions)
	for i := range out.Redemptions {
		out.Redemptions[i].Draws = slices.Clone(out.Redemptions[i].Draws)
	}
	out.Grants = slices.Clone(c.Grants)
	out.Claims = slices.Clone(c.Claims)
	out.Codes = slices.Clone(c.Codes)
	out.CodeUses = slices.Clone(c.CodeUses)
	if c.Receipt != nil {
		r := *c.Receipt
		r.Entries, r.Balances = out.Entries, out.Balances
		r.Explanation = slices.Clone(r.Explanation)
		r.Notices = slices.Clone(r.Notices)
		r.Grants, r.Claims = out.Grants, out.Claims
		if r.Redemption != nil {
			rr := *r.Redemption
			rr.Draws = slices.Clone(rr.Draws)
			r.Redemption = &rr
		}
		out.Receipt = &r
	}
	return &out
}
