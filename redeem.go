package loyalty

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// RedeemableRule is implemented by rules that credit an account a member
// spends at checkout one minor unit for one (store credit:
// cashback.Percentage, cashback.Stepped and cashback.PayoutRule declare
// their Credit account). Engine.Redeem and Engine.Quote spend PointsAccount
// and the accounts the program's rules declare, and refuse every other
// account with ErrNotRedeemable.
type RedeemableRule interface {
	Rule
	// Redeemable names the accounts Redemption.Account may name.
	Redeemable() []ledger.Account
}

// Redemption asks to spend points at checkout on an order.
//
// Scope of its identifiers (today one store holds one program):
//   - ID is unique per member: a second redemption with the same ID for
//     the same member is ErrDuplicate; another member may use the same ID.
//   - OrderID is a reference, recorded with the redemption and in its
//     entry's note ("order 1002: 15.00 USD off"). It is not checked against
//     the orders the ledger has earned on: checkout redeems before the order
//     is paid, and Earn records it after, so the order is usually not in the
//     ledger yet. Several redemptions may name one order; each is capped by
//     the policy on its own Total. A host that allows one redemption per
//     order derives ID from the order ("order-1002"), so a second one is
//     ErrDuplicate.
//   - The idempotency key of Redeem, like every key, is unique in the whole
//     store, across members: a key another member's write used is
//     ErrKeyReused. Derive keys from the host's own server-side IDs (with the
//     member in them), never from a value a client chose.
type Redemption struct {
	ID       string
	MemberID string
	OrderID  string
	// Total is the order total the redemption is taken off.
	Total money.Money
	// Points to redeem; zero redeems the most the cart allows. Without UpTo
	// a positive Points is exact: the redemption fails when those points
	// may not be redeemed (ErrInsufficientPoints, ErrBelowMinimum,
	// ErrNotIncrement, ErrAboveCap).
	Points int64
	// UpTo redeems as much as allowed, up to Points: what the spendable
	// balance, the order cap, the increment and the minimum allow, never
	// more than Points. The receipt's Redemption record (and the Quote) says
	// the points and value applied. It fails, writing nothing, only when
	// nothing at all may be redeemed, with the Quote's Reason. With Points
	// zero it is the most the cart allows, as without UpTo.
	UpTo bool
	// Account to spend; empty is PointsAccount. Another account (store credit)
	// counts minor units of the program's currency and is redeemed one unit
	// for one unit, up to the order total, without the points policy.
	Account ledger.Account
}

// validate checks the redemption's shape: IDs and the account pass CheckID,
// the total is positive and within CheckAmount, the points not negative.
func (r *Redemption) validate() error {
	if err := checkRequiredID("redemption.id", r.ID); err != nil {
		return err
	}
	if err := checkRequiredID("redemption.member_id", r.MemberID); err != nil {
		return err
	}
	if err := CheckID("redemption.order_id", r.OrderID); err != nil {
		return err
	}
	if err := CheckID("redemption.account", string(r.Account)); err != nil {
		return err
	}
	switch {
	case r.Points < 0:
		return &ValidationError{Field: "redemption.points", Reason: "is negative", Kind: ErrInvalidAmount}
	case r.Total.Amount.Sign() <= 0:
		return &ValidationError{Field: "redemption.total", Reason: "must be positive", Kind: ErrInvalidAmount}
	}
	return CheckAmount("redemption.total", r.Total.Amount)
}

// QuoteRedemption says how many points this cart may redeem and for how
// much, planned by the same code as Redeem; nothing is written. points > 0
// quotes exactly that many; zero quotes the most. Quote also quotes the up-to
// mode and store-credit accounts.
func (e *Engine) QuoteRedemption(ctx context.Context, memberID string, total money.Money, points int64) (Quote, error) {
	return e.Quote(ctx, Redemption{MemberID: memberID, Total: total, Points: points})
}

// Quote says what Redeem(r) would redeem now, planned by the same code;
// nothing is written and r.ID may be empty. When nothing may be redeemed the
// quote's Reason says why, and MaxPoints and MaxValue say the most this
// cart allows. An exact request (r.Points > 0 without r.UpTo) that may not
// be redeemed returns the quote with its Reason as the error.
func (e *Engine) Quote(ctx context.Context, r Redemption) (Quote, error) {
	if r.ID == "" {
		r.ID = "quote"
	}
	if err := r.validate(); err != nil {
		return Quote{}, err
	}
	now := e.now()
	st, err := e.store.Load(ctx, r.MemberID, Query{Lots: true})
	if err != nil {
		return Quote{}, err
	}
	_, q, err := e.planRedeem(st, &r, now, "", "")
	return q, err
}

// Redeem spends points at checkout, drawing the earliest-expiring lots
// first. The receipt's Redemption says how much money the points took off.
func (e *Engine) Redeem(ctx context.Context, key string, r Redemption) (*Receipt, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	fp := redemptionFingerprint(&r)
	if r.UpTo { // a fingerprint of its own; exact redemptions keep theirs
		fp = partsFingerprint(fp, "up-to")
	}
	return e.write(ctx, key, fp, redemptionFields(&r), r.MemberID, Query{Lots: true, Redemptions: []string{r.ID}}, func(w writeTry, st *State, now time.Time) (*Change, error) {
		if len(st.Redemptions) > 0 {
			return nil, fmt.Errorf("%w: redemption %s", ErrDuplicate, r.ID)
		}
		ch, _, err := e.planRedeem(st, &r, now, key, fp)
		return ch, err
	})
}

// planRedeem plans redemption r under key and fingerprint fp; with an empty
// key it only quotes.
func (e *Engine) planRedeem(st *State, r *Redemption, now time.Time, key, fp string) (*Change, Quote, error) {
	pol := e.program.Redemption
	if pol == nil && (r.Account == "" || r.Account == ledger.PointsAccount) {
		return nil, Quote{}, ErrRedemptionDisabled
	}
	if r.Total.Currency != e.program.Currency {
		return nil, Quote{}, fmt.Errorf("%w: total in %s, program in %s", ErrCurrencyMismatch, r.Total.Currency, e.program.Currency)
	}
	claims, err := e.program.redemptionClaims(r, nil) // the program's own conditions (RedemptionRule)
	if err != nil {
		return nil, Quote{}, err
	}
	acct := r.Account
	if acct == "" {
		acct = ledger.PointsAccount
	}
	if acct != ledger.PointsAccount && !e.redeemable(acct) {
		return nil, Quote{}, fmt.Errorf("%w: %q is not points and no rule of program %q declares it store credit", ErrNotRedeemable, string(acct), e.program.Name)
	}
	p := &plan{}
	p.init(st, now, key, fp, OpRedeem, r.ID, Query{Lots: true})
	p.settle()
	quote := func(available, want int64) (Quote, error) {
		if acct == ledger.PointsAccount {
			return pol.Quote(available, r.Total, want)
		}
		return creditQuote(acct, available, r.Total, e.program.MinorDigits(), want)
	}
	avail := p.spendable(acct)
	var q Quote
	if r.UpTo && r.Points > 0 {
		q, err = upTo(quote, avail, r.Points)
	} else {
		q, err = quote(avail, r.Points)
	}
	if err != nil {
		return nil, q, err
	}
	if key == "" { // a quote
		return nil, q, nil
	}
	if q.Points <= 0 {
		if q.Reason != nil {
			return nil, q, q.Reason
		}
		return nil, q, &InsufficientError{Account: acct, Available: avail, Detail: "nothing to redeem"}
	}
	note := redemptionNote(r.OrderID, q.Value)
	draws, short, err := p.debit(acct, q.Points, 0, false, ledger.Entry{Kind: ledger.EntryRedeem, Source: "checkout", Ref: r.ID, Note: note})
	if err != nil {
		return nil, q, err
	}
	if short > 0 { // the policy saw more than the lots hold: never overspend
		return nil, q, &InsufficientError{Account: acct, Asked: q.Points, Available: q.Points - short}
	}
	for _, c := range claims {
		p.ch.Claims = p.claim(c)
	}
	if len(claims) > 0 {
		p.rcpt.Claims = p.ch.Claims
	}
	rec := ledger.RedemptionRecord{ID: r.ID, MemberID: r.MemberID, OrderID: r.OrderID, Account: acct, Points: q.Points, Value: q.Value, Draws: draws, At: now}
	p.ch.Redemptions = append(p.ch.Redemptions, rec)
	p.rcpt.Redemption = &p.ch.Redemptions[len(p.ch.Redemptions)-1]
	return p.finish(), q, nil
}

// redeemable reports whether a RedeemableRule of the program declares a.
func (e *Engine) redeemable(a ledger.Account) bool {
	for _, r := range e.program.Rules {
		if rr, ok := r.(RedeemableRule); ok && slices.Contains(safeRedeemable(rr), a) {
			return true
		}
	}
	return false
}

// safeRedeemable is rr.Redeemable(), or nil when it panics.
func safeRedeemable(rr RedeemableRule) (as []ledger.Account) {
	defer func() {
		if recover() != nil {
			as = nil
		}
	}()
	return rr.Redeemable()
}

// CancelRedemption rolls back a redemption (the order was cancelled): its
// points come back with the expiry they had; points whose expiry has passed
// since expire again at once.
func (e *Engine) CancelRedemption(ctx context.Context, key, memberID, redemptionID string) (*Receipt, error) {
	if err := checkRequiredID("redemption_id", redemptionID); err != nil {
		return nil, err
	}
	fp := partsFingerprint("cancel", memberID, redemptionID)
	return e.write(ctx, key, fp, partFields("cancel", memberID, redemptionID), memberID, Query{Lots: true, Redemptions: []string{redemptionID}}, func(w writeTry, st *State, now time.Time) (*Change, error) {
		if len(st.Redemptions) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrUnknownRedemption, redemptionID)
		}
		rec := st.Redemptions[0]
		if rec.Cancelled {
			return nil, fmt.Errorf("%w: %s", ErrAlreadyCancelled, redemptionID)
		}
		rec.Cancelled = true
		p := &plan{}
		p.init(st, now, key, fp, OpCancel, redemptionID, Query{Lots: true})
		p.settle()
		for _, d := range rec.Draws {
			if _, err := p.credit(rec.Account, d.Amount, ledger.EntryRestore, time.Time{}, d.ExpiresAt, ledger.Entry{Source: "cancel", Ref: redemptionID, Note: "redemption " + redemptionID + " cancelled"}); err != nil {
				return nil, err
			}
		}
		p.settle() // restored points whose expiry has passed expire now
		p.ch.Redemptions = append(p.ch.Redemptions, rec)
		p.rcpt.Redemption = &p.ch.Redemptions[len(p.ch.Redemptions)-1]
		return p.finish(), nil
	})
}

// Adjust credits (points > 0) or debits (points < 0) a member's points by

// redemptionNote is "order 1002: 15.00 USD off", formatted without decimal
// arithmetic when the value is whole minor units.
func redemptionNote(orderID string, v money.Money) string {
	var buf [96]byte
	b := buf[:0]
	if orderID != "" {
		b = append(b, "order "...)
		b = append(b, orderID...)
		b = append(b, ": "...)
	}
	if units, ok := v.Minor(); ok {
		d := v.Currency.MinorDigits()
		b = appendUnits(b, units, d, d)
		b = append(b, ' ')
		b = append(b, v.Currency...)
	} else {
		b = append(b, v.String()...)
	}
	b = append(b, " off"...)
	return string(b)
}

// upTo quotes the most that may be redeemed, up to n points: the most with
// the balance clamped to n, which every policy's "most" mode already
// bounds by the cap, the increment and the minimum. MaxPoints and MaxValue
// stay the most the cart allows with the whole balance.
func upTo(quote func(available, want int64) (Quote, error), available, n int64) (Quote, error) {
	q, err := quote(available, 0)
	if err != nil || n >= q.MaxPoints {
		return q, err
	}
	u, err := quote(min(available, n), 0)
	if err != nil {
		return q, err
	}
	q.Points, q.Value, q.Reason = u.Points, u.Value, nil
	if u.Points <= 0 {
		le := &RedemptionLimitError{Err: ErrBelowMinimum, Asked: n, Increment: 1, Most: q.MaxPoints,
			Detail: "up to " + strconv.FormatInt(n, 10) + " points is less than the least one redemption may take (this cart allows up to " + strconv.FormatInt(q.MaxPoints, 10) + ")"}
		var why *RedemptionLimitError
		if errors.As(u.Reason, &why) { // the policy's own limits
			le.Minimum, le.Increment = why.Minimum, why.Increment
		}
		q.Reason = le
	}
	return q, nil
}

// creditQuote redeems a money account (minor units, digits of them to the
// unit) one for one, up to the order total.
func creditQuote(acct ledger.Account, available int64, total money.Money, digits int32, want int64) (Quote, error) {
	limit, ok := exact.ToMinor(total.Amount, digits)
	if !ok {
		// A fraction of a minor unit is not taken off; a total past int64
		// minor units (CheckAmount bounds it) limits nothing.
		t := total.Amount.Shift(digits).Floor()
		if limit = math.MaxInt64; t.LessThan(decimal.New(math.MaxInt64, 0)) {
			limit = t.IntPart()
		}
	}
	units := func(n int64) money.Money {
		return money.Money{Amount: decimal.New(n, -digits), Currency: total.Currency}
	}
	most := max(0, min(available, limit))
	q := Quote{MaxPoints: most, MaxValue: units(most), Value: units(0)}
	var err error
	switch {
	case want == 0:
		switch {
		case available <= 0:
			q.Reason = &InsufficientError{Account: acct, Available: available, Detail: "no credit available"}
		case limit <= 0:
			q.Reason = &RedemptionLimitError{Err: ErrAboveCap, Increment: 1, Detail: "an order of " + total.String() + " takes off less than one minor unit"}
		}
		want = most
	case want > available:
		err = &InsufficientError{Account: acct, Asked: want, Available: available}
	case want > limit:
		err = &RedemptionLimitError{Err: ErrAboveCap, Asked: want, Increment: 1, Most: most, Detail: strconv.FormatInt(want, 10) + " wanted on an order of " + total.String()}
	}
	if err != nil {
		q.Reason = err
		return q, err
	}
	q.Points, q.Value = want, units(want)
	return q, nil
}
