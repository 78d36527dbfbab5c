package loyalty

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// Earn records an order and credits what the program's rules award for it.
//
// The order's points are held and expire from when it was placed
// (Order.PlacedAt; zero means now), not from when the Engine processes it:
// an order queued for a day earns the hold and the expiry it would have
// earned at once, and a retry earns the same. An order placed up to
// MaxClockSkew in the future counts as placed now; one placed later is
// refused with ErrInvalidEvent (a *ValidationError on order.placed_at),
// writing nothing. An order placed more than MaxOrderAge ago, or whose
// points would have expired already by the time it is processed, earns as
// if placed now: a fresh hold and expiry, never points that arrive expired.
// The rules still judge the order at the engine's time (Input.Now); a rule
// that counts by the order's date reads Order.PlacedAt.
func (e *Engine) Earn(ctx context.Context, key string, o *Order) (*Receipt, error) {
	if err := e.checkOrder(o); err != nil {
		return nil, err
	}
	fp, fields := orderPrints(o)
	q := Query{Orders: []string{o.ID}}
	var codes []ledger.Code
	if len(o.Codes) > 0 {
		var err error
		if codes, q.GrantIDs, err = e.orderCodes(ctx, o); err != nil {
			return nil, err
		}
	}
	return e.write(ctx, key, fp, fields, o.MemberID, q, e.earnPlan(o, codes, key, fp))
}

// earnPlan plans Earn's change, for the write and for Preview; codes are
// the order's codes as looked up (see orderCodes).
func (e *Engine) earnPlan(o *Order, codes []ledger.Code, key, fp string) func(w writeTry, st *State, now time.Time) (*Change, error) {
	return func(w writeTry, st *State, now time.Time) (*Change, error) {
		p := &plan{}
		if err := e.planEarn(w, p, st, o, codes, now, key, fp); err != nil {
			return nil, err
		}
		return p.finish(), nil
	}
}

// Estimate is a dry run of Earn: what the order would earn now, with the
// explanation, through the same evaluation; nothing is written.
func (e *Engine) Estimate(ctx context.Context, o *Order) (*Result, error) {
	if err := e.checkOrder(o); err != nil {
		return nil, err
	}
	now := e.now()
	if _, err := placedAt(o, now); err != nil {
		return nil, err
	}
	st, err := e.store.Load(ctx, o.MemberID, Query{})
	if err != nil {
		return nil, err
	}
	in := Input{Now: now, Program: e.program, State: st, Member: &st.Member, Event: o}
	if err := e.fillShared(ctx, &in); err != nil {
		return nil, err
	}
	return e.program.evaluateKept(e.rs(""), in)
}

// fillShared sets in.Shared for a program with SharedReader rules (and does
// nothing for others). It inlines, and in's address goes no further: the
// Input of a write stays on the stack.
func (e *Engine) fillShared(ctx context.Context, in *Input) (err error) {
	if len(e.readers) > 0 {
		in.Shared, err = e.readShared(ctx, *in)
	}
	return err
}

// readShared reads the shared counters the program's SharedReader rules
// name for in, for Input.Shared; a counter the program does not define is
// left out (the rule's claim of it fails the write with ErrUnknownCounter).
// It is called (through fillShared) only for a program with such rules,
// and takes in by value so that the caller's Input stays on the stack.
func (e *Engine) readShared(ctx context.Context, in Input) ([]ledger.SharedCounter, error) {
	var names []ledger.SharedCounter
	for _, r := range e.readers {
		names = r.SharedReads(&in, names)
	}
	if len(names) == 0 {
		return nil, nil
	}
	ss, err := e.shared()
	if err != nil {
		return nil, err
	}
	read := names[:0]
	for _, n := range names {
		if findShared(read, n.Name, n.PeriodKey) >= 0 {
			continue // two rules read one counter
		}
		sc, err := ss.SharedCounter(ctx, n.Name, n.PeriodKey)
		if errors.Is(err, ErrUnknownCounter) {
			continue
		}
		if err != nil {
			return nil, err
		}
		sc.Name, sc.PeriodKey = n.Name, n.PeriodKey
		read = append(read, sc)
	}
	return read, nil
}

// MaxOrderAge is how long before the Engine's time an order may have been
// placed (Order.PlacedAt) and still be held and expire from that time: 90
// days, longer than the usual return window and any queue a shop drains. An
// older order (an import of past orders, say) is held and expires from when
// the Engine processes it, so its points are neither spendable at once nor
// backdated into windows long over.
const MaxOrderAge = 90 * 24 * time.Hour

// MaxClockSkew is how far after the Engine's time an order may say it was
// placed: the host's clock and the Engine's may differ by that much, and
// such an order counts as placed now. An order placed later than that is
// refused: its hold and expiry would run from a time that has not come.
const MaxClockSkew = 5 * time.Minute

// placedAt is when order o took effect for its hold and expiry: its
// PlacedAt, or now when that is zero, within MaxClockSkew after now or more
// than MaxOrderAge before it. An order placed further in the future is a
// *ValidationError.
func placedAt(o *Order, now time.Time) (time.Time, error) {
	at := o.PlacedAt.UTC().Truncate(time.Microsecond)
	switch {
	case at.After(now.Add(MaxClockSkew)):
		return time.Time{}, invalidEvent("order.placed_at", "is "+at.Format(time.RFC3339)+", more than "+MaxClockSkew.String()+" after the engine's time "+now.Format(time.RFC3339))
	case at.IsZero() || at.After(now) || now.Sub(at) > MaxOrderAge:
		return now, nil
	}
	return at, nil
}

func (e *Engine) checkOrder(o *Order) error {
	if o == nil {
		return invalidEvent("order", "is nil")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if !e.program.accepts(o.Currency) {
		return fmt.Errorf("%w: order %s is in %q, neither an active ISO 4217 code nor a unit of program %q", money.ErrInvalidCurrency, o.ID, string(o.Currency), e.program.Name)
	}
	if o.Currency != e.program.Currency {
		return fmt.Errorf("%w: order %s is in %s, the program in %s", ErrCurrencyMismatch, o.ID, o.Currency, e.program.Currency)
	}
	return nil
}

// planEarn plans into p (a zero plan) the earn of order o.
func (e *Engine) planEarn(w writeTry, p *plan, st *State, o *Order, codes []ledger.Code, now time.Time, key, fp string) error {
	if len(st.Orders) > 0 {
		return fmt.Errorf("%w: order %s", ErrDuplicate, o.ID)
	}
	placed, err := placedAt(o, now)
	if err != nil {
		return err
	}
	in := Input{Now: now, Program: e.program, State: st, Member: &st.Member, Event: o, Codes: codes}
	if err := e.fillShared(w.ctx, &in); err != nil {
		return err
	}
	res, scr, err := e.program.evaluateIn(e.rs(key), in)
	defer scr.release()
	if err != nil {
		return err
	}
	p.initEarn(st, now, key, fp, o.ID, len(res.Explanation))
	p.read = in.Shared
	p.settle()
	// An order without a PlacedAt was placed when the Engine earned it: its
	// record says that time, not the zero date.
	recorded := o.PlacedAt.UTC().Truncate(time.Microsecond)
	if o.PlacedAt.IsZero() {
		recorded = now
	}
	rec := ledger.OrderRecord{ID: o.ID, MemberID: o.MemberID, Currency: o.Currency, PlacedAt: recorded,
		Scale: res.Scale, Value: res.Value}
	if n := len(res.Lines); n <= cap(p.lines) {
		rec.Lines = p.lines[:n:n]
	} else {
		rec.Lines = make([]ledger.RecordedLine, n)
	}
	for i, l := range res.Lines {
		rec.Lines[i] = ledger.RecordedLine{SKU: l.SKU, Quantity: l.Quantity, Value: l.Value}
	}
	for _, aw := range res.Awards {
		if aw.Amount <= 0 {
			continue
		}
		if !aw.ExpiresAt.IsZero() {
			if _, err := p.credit(aw.Account, aw.Amount, ledger.EntryEarn, time.Time{}, aw.ExpiresAt, ledger.Entry{Source: aw.Rule, Ref: o.ID, Note: aw.Note}); err != nil {
				return err
			}
			continue
		}
		var hold, expires time.Time
		if aw.Account == ledger.PointsAccount {
			if e.program.PendingDays > 0 {
				hold = placed.In(e.program.Zone()).AddDate(0, 0, e.program.PendingDays).UTC()
			}
			if expires = e.expiry(placed); !expires.IsZero() && !expires.After(now) {
				expires = e.expiry(now) // expired before it was processed: as if placed now
			}
		}
		// The entry says the effective rate; the receipt under the entry's key
		// holds the rule-by-rule explanation (see Engine.Statement).
		lot, err := p.credit(aw.Account, aw.Amount, ledger.EntryEarn, hold, expires, ledger.Entry{Source: "order", Ref: o.ID,
			Rate: rateWords(aw.Amount, res.Basis, res.Scale, o.Currency)})
		if err != nil {
			return err
		}
		if aw.Account == ledger.PointsAccount {
			rec.Points, rec.OrderPoints, rec.Lot = aw.Amount, aw.Order, lot
			for i, v := range aw.Lines {
				rec.Lines[i].Points = v
			}
		} else {
			if rec.Extra == nil {
				rec.Extra = make(map[ledger.Account]int64)
			}
			rec.Extra[aw.Account] = aw.Amount
		}
	}
	if err := applySpends(p, res, o.ID); err != nil {
		return err
	}
	p.ch.Orders = append(p.ch.Orders, rec)
	p.ch.Counters = res.Counters
	p.rcpt.Explanation, p.rcpt.Notices = p.explanation(res.Explanation), res.Notices
	return e.planShared(w, p, res.Shared, o.ID)
}

// expiry is when a lot earned at earned expires under the program's policy:
// the policy sees the earned time in the program's zone, so a calendar
// expiry (end of month, quarter, year) falls at midnight there, and the
// result is kept in UTC to the microsecond, as every store keeps it.
func (e *Engine) expiry(earned time.Time) time.Time {
	if e.program.Expiry == nil {
		return time.Time{}
	}
	t := e.program.Expiry.ExpiresAt(earned.In(e.program.Zone()))
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// ActionRule is implemented by rules that react to actions of one kind
// (points.Engagement, cashback.PayoutRule). Engine.Act records an action of
// a kind such a rule declares even when no rule gives anything this time (a
// review over its limit, a payout with nothing accrued): its receipt is
// stored under the key. A host that records plain actions no rule rewards
// declares their kinds with a rule of its own.
type ActionRule interface {
	Rule
	// Kind is the kind of action the rule reacts to.
	Kind() ActionKind
}

// Act records an engagement action (a review, a visit, a custom action) and
// credits what the rules award for it. An action no rule reacted to, of a
// kind no ActionRule declares, is refused with ErrUnknownAction, writing
// nothing.
func (e *Engine) Act(ctx context.Context, key string, a *Action) (*Receipt, error) {
	if a == nil {
		return nil, invalidEvent("action", "is nil")
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	fp, fields := actionPrints(a)
	// An action a rule spends on loads the lots at once, not after a first
	// plan asked for them (see Spender).
	return e.write(ctx, key, fp, fields, a.MemberID, Query{Lots: e.program.spendsOn(a.Kind)}, e.actPlan(a, key, fp))
}

// actPlan plans Act's change, for the write and for Preview.
func (e *Engine) actPlan(a *Action, key, fp string) func(w writeTry, st *State, now time.Time) (*Change, error) {
	return func(w writeTry, st *State, now time.Time) (*Change, error) {
		p := &plan{}
		reacted, err := e.planAction(w, p, st, a, now, key, fp, OpAct)
		if err != nil {
			return nil, err
		}
		if !reacted && !e.declares(a.Kind) {
			return nil, fmt.Errorf("%w: kind %q", ErrUnknownAction, string(a.Kind))
		}
		return p.finish(), nil
	}
}

// declares reports whether an ActionRule of the program reacts to kind.
func (e *Engine) declares(kind ActionKind) bool {
	for _, r := range e.program.Rules {
		if ar, ok := r.(ActionRule); ok && safeKind(ar) == kind {
			return true
		}
	}
	return false
}

// safeKind is ar.Kind(), or "" when it panics.
func safeKind(ar ActionRule) (k ActionKind) {
	defer func() {
		if recover() != nil {
			k = ""
		}
	}()
	return ar.Kind()
}

// planAction plans into p (a zero plan) the credits of action a, and reports
// whether a rule reacted to it.
func (e *Engine) planAction(w writeTry, p *plan, st *State, a *Action, now time.Time, key, fp string, op Operation) (bool, error) {
	in := Input{Now: now, Program: e.program, State: st, Member: &st.Member, Event: a}
	if err := e.fillShared(w.ctx, &in); err != nil {
		return false, err
	}
	res, scr, err := e.program.evaluateIn(e.rs(key), in)
	defer scr.release()
	if err != nil {
		return false, err
	}
	reacted := len(res.Awards) > 0 || len(res.Spends) > 0 || len(res.Counters) > 0 || len(res.Notices) > 0 || len(res.Explanation) > 0 || len(res.Shared) > 0
	if len(res.Spends) > 0 || len(res.Shared) > 0 {
		p.initSpending(st, now, key, fp, op, a.Ref)
	} else {
		p.init(st, now, key, fp, op, a.Ref, Query{})
	}
	p.read = in.Shared
	p.settle()
	for _, aw := range res.Awards {
		if aw.Amount <= 0 {
			continue
		}
		expires, note := aw.ExpiresAt, aw.Note
		if expires.IsZero() && aw.Account == ledger.PointsAccount {
			expires = e.expiry(now)
		}
		if _, err := p.credit(aw.Account, aw.Amount, ledger.EntryEarn, time.Time{}, expires, ledger.Entry{Source: string(a.Kind), Ref: a.Ref, Note: note}); err != nil {
			return false, err
		}
	}
	if err := applySpends(p, res, a.Ref); err != nil {
		return false, err
	}
	p.ch.Counters = res.Counters
	p.rcpt.Explanation, p.rcpt.Notices = p.explanation(res.Explanation), res.Notices
	return reacted, e.planShared(w, p, res.Shared, a.Ref)
}

// applySpends debits what the rules asked to spend; an account holding less
// fails the whole write.
func applySpends(p *plan, res *Result, ref string) error {
	if len(res.Spends) > 0 && !p.loaded {
		return errNeedLots
	}
	for _, sp := range res.Spends {
		if have := p.spendable(sp.Account); have < sp.Amount {
			return &InsufficientError{Account: sp.Account, Asked: sp.Amount, Available: have, Detail: "rule " + sp.Rule + " spends"}
		}
		draws, short, err := p.debit(sp.Account, sp.Amount, 0, false, ledger.Entry{Kind: ledger.EntryRedeem, Source: sp.Rule, Ref: ref, Note: sp.Note})
		if err != nil {
			return err
		} else if short > 0 {
			return &InsufficientError{Account: sp.Account, Asked: sp.Amount, Available: sp.Amount - short, Detail: "rule " + sp.Rule + " spends; the lots hold less"}
		}
		p.paid = append(p.paid, paidDraws{rule: sp.Rule, account: sp.Account, draws: draws})
	}
	return nil
}

// errNeedLots asks write to plan again with the member's lots loaded.
var errNeedLots = errors.New("loyalty: plan needs the member's lots")

// Return reverses what an earlier order earned, in proportion to the value
// returned and at the rate recorded when it earned. Points still held are
