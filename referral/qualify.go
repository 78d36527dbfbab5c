package referral

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// Outcome is what a friend's order did to their referral.
type Outcome struct {
	Friend, Referrer string
	// Qualified is set when the order qualified the referral (this order,
	// or a retry of it).
	Qualified bool
	// Reason says where the referral stands: ReasonPending (rewards
	// written, held for the return window), ReasonPendingReview, or why it
	// did not qualify or was not rewarded (ReasonNotFirst, ReasonCapMonth,
	// ReasonBudget, ...); Detail says it in words.
	Reason Reason
	Detail string
	// Refusal is the typed reason a qualified referral was not rewarded
	// (a *CapError, ErrBudgetSpent), nil otherwise.
	Refusal error
	// Order is the receipt of the friend's order in the referral program;
	// ReferrerReward and FriendReward those of the rewards' points (in
	// Config.CreditTo's ledger when set), nil when none. ReferrerRecord is
	// the referrer's write in the referral program that decided the reward
	// (caps, budget, a promotion's notice); without CreditTo it is
	// ReferrerReward.
	Order, ReferrerReward, FriendReward, ReferrerRecord *loyalty.Receipt
}

// OnOrder records an order of a referred friend and, when it qualifies
// (the friend's first order, of at least MinOrder, within QualifyDays of
// signup), writes the referrer's reward (ReferrerPoints) and the friend's
// second reward (FriendPoints), both held for ReturnDays from the order's
// PlacedAt (loyalty.Program.PendingDays), unless the referral waits for
// review (Approve releases them). A member who was not referred is
// ErrNotReferred, writing nothing. Any order ID the host uses works: the
// referral program records its own IDs made from it (see orderID), and
// the order's codes (coupons of the shop) are not looked at.
//
// With Config.CreditTo the rewards are points of that program's ledger,
// held there; the referral program's ledger records the referrer's in
// CreditedPoints, beside the caps that decided it.
//
// The friend's order, the referrer's reward (with CreditTo: its record
// here, then its credit there) and the friend's reward are writes to two
// members (and two programs), each keyed from the order's ID: calling
// OnOrder again with the same order (after a crash, a timeout) writes
// whichever is missing, never one twice, and returns the same outcome.
//
// Caps and the budget are decided in the referrer's write: a reward over
// the referrer's monthly or lifetime cap is recorded with zero points and
// the reason (Outcome.Refusal a *CapError); one over the campaign's budget
// writes nothing for the referrer (ErrBudgetSpent). The host calls OnOrder
// for the friend's orders beside the points program's Earn.
func (p *Program) OnOrder(ctx context.Context, o *loyalty.Order) (*Outcome, error) {
	if o == nil {
		return nil, &loyalty.ValidationError{Field: "order", Reason: "is nil", Kind: loyalty.ErrInvalidEvent}
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	referrer, st, err := p.referrerOf(ctx, o.MemberID)
	if err != nil {
		return nil, err
	}
	fo := p.recorded(tagFriend, o, o.MemberID)
	r, err := p.engine.Earn(ctx, "referral/order/"+o.ID, fo)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Friend: o.MemberID, Referrer: referrer, Order: r, Reason: ReasonNotFirst, Detail: p.detail(ReasonNotFirst, o)}
	after, err := p.engine.Member(ctx, o.MemberID)
	if err != nil {
		return nil, err
	}
	if v := after.Counter(ctrOrders, fo.ID); v > 0 && v < int64(len(reasonCodes)) {
		out.Reason = reasonCodes[v]
		out.Detail = p.detail(out.Reason, o)
	}
	if out.Reason != ReasonQualified {
		return out, nil
	}
	out.Qualified = true
	if err := p.putIndex(ctx, ledger.Code{Code: p.index("q", o.MemberID), Kind: kindQualified, Owner: o.MemberID, Ref: o.ID,
		CreatedAt: o.PlacedAt.UTC().Truncate(time.Microsecond)}); err != nil {
		return nil, err
	}
	switch st.Counter(ctrReview, "") {
	case reviewPending:
		out.Reason, out.Detail = ReasonPendingReview, "waiting for review before the rewards are released"
		return out, nil
	case reviewRejected:
		out.Reason, out.Detail = ReasonRejected, "the referral was rejected on review"
		return out, nil
	}
	return out, p.release(ctx, out, o.ID, o.PlacedAt, o.Currency)
}

// referrerOf is the referrer of friend and the friend's state, or
// ErrNotReferred.
func (p *Program) referrerOf(ctx context.Context, friend string) (string, *loyalty.State, error) {
	st, err := p.engine.Member(ctx, friend)
	if errors.Is(err, loyalty.ErrUnknownMember) {
		return "", nil, fmt.Errorf("%w: %s", ErrNotReferred, friend)
	}
	if err != nil {
		return "", nil, err
	}
	ref := st.Member.Attributes[attrReferrer]
	if ref == "" {
		return "", nil, fmt.Errorf("%w: %s", ErrNotReferred, friend)
	}
	return ref, st, nil
}

// recorded is host order o as the referral program records it for tag:
// its ID made by orderID, member's, without the codes (the shop's
// coupons, which the referral program does not hold).
func (p *Program) recorded(tag string, o *loyalty.Order, member string) *loyalty.Order {
	c := *o
	c.ID, c.MemberID, c.Codes = p.orderID(tag, o.ID), member, nil
	return &c
}

// reward is the synthetic order of a reward keyed from the friend's order:
// one line (SKU "referral", the friend in Category) worth 1.00, placed when
// the friend's order was, so its hold runs from the order's placing.
func (p *Program) reward(tag, orderID, member, friend string, placed time.Time, cur money.Currency) *loyalty.Order {
	return &loyalty.Order{ID: p.orderID(tag, orderID), MemberID: member, PlacedAt: placed, Currency: cur,
		Lines: []loyalty.OrderLine{{SKU: "referral", Category: friend, Quantity: 1, UnitPrice: decimal.NewFromInt(1)}}}
}

// release writes the referrer's and the friend's rewards of the friend's
// qualifying order, each once.
func (p *Program) release(ctx context.Context, out *Outcome, orderID string, placed time.Time, cur money.Currency) error {
	friend := out.Friend
	if err := p.enroll(ctx, out.Referrer); err != nil {
		return err
	}
	ro := p.reward(tagReferrer, orderID, out.Referrer, friend, placed, cur)
	rr, err := p.engine.Earn(ctx, "referral/reward/"+orderID, ro)
	if errors.Is(err, loyalty.ErrUnknownCounter) && p.cfg.Budget > 0 {
		// The campaign's first reward defines its budget.
		if err := p.engine.SetLimit(ctx, budgetCounter, p.cfg.Budget); err != nil {
			return err
		}
		rr, err = p.engine.Earn(ctx, "referral/reward/"+orderID, ro)
	}
	var ce *loyalty.ClaimError
	switch {
	case errors.As(err, &ce) && ce.Counter == budgetCounter:
		out.Reason, out.Detail, out.Refusal = ReasonBudget, "the campaign's budget of "+itoa(p.cfg.Budget)+" rewarded referrals is spent", ErrBudgetSpent
		return p.putIndex(ctx, ledger.Code{Code: p.index("o", friend), Kind: kindOutcome, Owner: friend, Ref: string(ReasonBudget)})
	case err != nil:
		return err
	}
	out.ReferrerRecord = rr
	if !p.credits() {
		out.ReferrerReward = rr
	}
	out.Reason, out.Detail = ReasonPending, "rewards held until the return window of order "+orderID+" passes"
	for _, n := range rr.Notices {
		if n.Kind == NoticeCapped {
			out.Reason, out.Detail = Reason(n.To), n.Detail
			ce := &CapError{Referrer: out.Referrer, Cap: p.cfg.LifetimeCap}
			if out.Reason == ReasonCapMonth {
				ce.Period, ce.Cap = p.month(placed), p.cfg.MonthlyCap
			}
			ce.Rewarded = ce.Cap
			out.Refusal = ce
			if err := p.putIndex(ctx, ledger.Code{Code: p.index("o", friend), Kind: kindOutcome, Owner: friend, Ref: string(out.Reason)}); err != nil {
				return err
			}
		}
	}
	if out.Refusal != nil {
		return nil
	}
	if p.credits() && p.cfg.ReferrerPoints > 0 {
		// The record above decided the reward; its credit is a second
		// write, keyed from the order in CreditTo's ledger: a crash between
		// the two is completed by the retry, never written twice.
		cr, err := p.earnCredit(ctx, p.creditKey("reward", orderID), ro)
		if err != nil {
			return err
		}
		out.ReferrerReward = cr
	}
	if p.cfg.FriendPoints > 0 {
		fo := p.reward(tagFriendRwd, orderID, friend, out.Referrer, placed, cur)
		var fr *loyalty.Receipt
		var err error
		if p.credits() {
			fr, err = p.earnCredit(ctx, p.creditKey("friend-reward", orderID), fo)
		} else {
			fr, err = p.engine.Earn(ctx, "referral/friend-reward/"+orderID, fo)
		}
		if err != nil {
			return err
		}
		out.FriendReward = fr
	}
	return nil
}

// Approve releases the rewards of a referral that waits for review: when
// the friend's order qualified already they are written now (held for the
// rest of the order's return window), else when it qualifies. Reject
// refuses them for good. Both are ErrNotPending for a referral not waiting,
// ErrNotReferred for a member not referred, writing nothing.
func (p *Program) Approve(ctx context.Context, friend string) (*Outcome, error) {
	return p.review(ctx, friend, "approve")
}

// Reject refuses the rewards of a referral that waits for review; see Approve.
func (p *Program) Reject(ctx context.Context, friend string) (*Outcome, error) {
	return p.review(ctx, friend, "reject")
}

func (p *Program) review(ctx context.Context, friend, decision string) (*Outcome, error) {
	if err := checkMember("friend", friend); err != nil {
		return nil, err
	}
	referrer, st, err := p.referrerOf(ctx, friend)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Friend: friend, Referrer: referrer, Reason: ReasonSignedUp}
	if v := st.Counter(ctrReview, ""); v != reviewPending && !(decision == "approve" && v == reviewApproved) && !(decision == "reject" && v == reviewRejected) {
		return nil, fmt.Errorf("%w: %s", ErrNotPending, friend)
	}
	_, err = p.engine.Act(ctx, "referral/review/"+friend, &loyalty.Action{Kind: actReview, MemberID: friend, At: st.Member.JoinedAt, Ref: decision,
		Data: map[string]string{"decision": decision}})
	if errors.Is(err, loyalty.ErrKeyReused) {
		return nil, fmt.Errorf("%w: %s was decided already", ErrNotPending, friend)
	}
	if err != nil && !errors.Is(err, ErrNotPending) {
		return nil, err
	}
	if decision == "reject" {
		out.Reason = ReasonRejected
		return out, nil
	}
	q, ok, err := p.lookup(ctx, p.index("q", friend))
	if err != nil || !ok {
		return out, err
	}
	out.Qualified = true
	return out, p.release(ctx, out, q.Ref, q.CreatedAt, p.cfg.Currency)
}

// OnReturn records a return of a referred friend's order and, when the
// order is the one that qualified the referral and the return (of any part
// of it) comes within ReturnDays of its placing, voids the rewards it
// released in whole (their points
// are still held, so they are voided, not clawed back); a return after the
// window keeps them. It also reverses an ambassador's commission on the
// order in proportion to what was returned (see Commission). Each write is
// keyed from the return: calling it again is safe. A member neither
// referred nor buying on an ambassador's code is ErrNotReferred.
func (p *Program) OnReturn(ctx context.Context, r *loyalty.Return) (voided bool, err error) {
	if r == nil {
		return false, &loyalty.ValidationError{Field: "return", Reason: "is nil", Kind: loyalty.ErrInvalidEvent}
	}
	if err := r.Validate(); err != nil {
		return false, err
	}
	sale, isSale, err := p.lookup(ctx, p.saleIndex(r.OrderID))
	if err != nil {
		return false, err
	}
	if isSale {
		cr := *r
		cr.OrderID, cr.MemberID = p.orderID(tagCommission, r.OrderID), sale.Owner
		if _, err := p.engine.Return(ctx, "referral/commission-return/"+r.OrderID+"/"+r.ID, &cr); err != nil {
			return false, err
		}
		if p.creditsCommission() {
			if _, err := p.credit.Return(ctx, p.creditKey("commission-return", r.OrderID+"/"+r.ID), &cr); err != nil {
				return false, fmt.Errorf("referral: reversing commission in program %s: %w", p.credit.Program().ProgramID(), err)
			}
		}
	}
	referrer, _, err := p.referrerOf(ctx, r.MemberID)
	if err != nil {
		if isSale && errors.Is(err, ErrNotReferred) {
			return false, nil
		}
		return false, err
	}
	fr := *r
	fr.OrderID = p.orderID(tagFriend, r.OrderID)
	if _, err := p.engine.Return(ctx, "referral/return/"+r.OrderID+"/"+r.ID, &fr); err != nil && !errors.Is(err, loyalty.ErrUnknownOrder) {
		return false, err
	}
	q, ok, err := p.lookup(ctx, p.index("q", r.MemberID))
	if err != nil || !ok || q.Ref != r.OrderID {
		return false, err
	}
	end := q.CreatedAt.In(p.zone).AddDate(0, 0, p.cfg.ReturnDays)
	if !r.ReturnedAt.Before(end) {
		return false, nil
	}
	void := func(e *loyalty.Engine, tag, member, key string) error {
		_, err := e.Return(ctx, key, &loyalty.Return{ID: voidReturn, OrderID: p.orderID(tag, r.OrderID), MemberID: member, ReturnedAt: r.ReturnedAt,
			Lines: []loyalty.ReturnLine{{SKU: "referral", Quantity: 1}}})
		if errors.Is(err, loyalty.ErrUnknownOrder) || errors.Is(err, loyalty.ErrDuplicate) {
			return nil // never rewarded (review, budget), or voided by an earlier return
		}
		var rx *loyalty.ReturnExceedsError
		if errors.As(err, &rx) {
			return nil
		}
		return err
	}
	// The record first (it gives the caps and the budget back), then the
	// credits: each keyed from the order, so a retry completes the rest.
	if err := void(p.engine, tagReferrer, referrer, "referral/void/"+r.OrderID); err != nil {
		return false, err
	}
	rewards := p.engine
	if p.credits() {
		rewards = p.credit
		if err := void(p.credit, tagReferrer, referrer, p.creditKey("void", r.OrderID)); err != nil {
			return false, err
		}
	}
	key := "referral/friend-void/" + r.OrderID
	if p.credits() {
		key = p.creditKey("friend-void", r.OrderID)
	}
	if err := void(rewards, tagFriendRwd, r.MemberID, key); err != nil {
		return false, err
	}
	return true, nil
}
