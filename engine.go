package loyalty

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Engine runs a Program against a Store: it loads a member's state,
// evaluates the rules, plans the ledger change in pure Go and commits it
// once. It is safe for concurrent use; concurrent writes to one member are
// serialised by the Store's version check and retried.
type Engine struct {
	program *Program
	store   Store
	clock   Clock
	retries int
	after   func(context.Context, *Receipt)
}

// EngineOptions tune an Engine. The zero value (or nil) uses the system
// clock and retries a conflicting write up to 100 times.
type EngineOptions struct {
	// Clock tells the time; inject a ManualClock in tests.
	Clock Clock
	// MaxRetries bounds how often a write is re-planned after ErrConflict.
	MaxRetries int
	// AfterCommit, when set, is called with the receipt of every write this
	// Engine committed (not for replays, not for writes that failed), after
	// the Store's commit returned: the place to send "welcome to Gold" from
	// Receipt.Notices. With a store view bound to a host transaction the host's
	// commit comes later; such hosts read the notices after their own commit.
	AfterCommit func(ctx context.Context, r *Receipt)
}

// NewEngine validates p and returns an Engine writing to s.
func NewEngine(p *Program, s Store, opts *EngineOptions) (*Engine, error) {
	if p == nil {
		return nil, invalidProgram("program", "is nil")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("loyalty: NewEngine needs a Store")
	}
	e := &Engine{program: p, store: s, clock: SystemClock{}, retries: 100}
	if opts != nil {
		if opts.Clock != nil {
			e.clock = opts.Clock
		}
		if opts.MaxRetries > 0 {
			e.retries = opts.MaxRetries
		}
		e.after = opts.AfterCommit
	}
	return e, nil
}

// WithStore returns a copy of e that writes to s, for example a store view
// bound to the host's own database transaction.
func (e *Engine) WithStore(s Store) *Engine {
	return &Engine{program: e.program, store: s, clock: e.clock, retries: e.retries, after: e.after}
}

// Now is the engine's current time: its Clock's reading in UTC, to the
// microsecond, as every write records it.
func (e *Engine) Now() time.Time { return e.now() }

// Program returns the engine's program.
func (e *Engine) Program() *Program { return e.program }

// now reads the clock once per write, in UTC to the microsecond, which is
// what every store keeps.
func (e *Engine) now() time.Time { return e.clock.Now().UTC().Truncate(time.Microsecond) }

// write loads, plans and commits, re-planning on ErrConflict. A planning
// error is checked against an earlier receipt of the same key, so a replay
// returns the first receipt even when the request would no longer plan.
func (e *Engine) write(ctx context.Context, key, fp, member string, q Query, planFn func(st *State, now time.Time) (*Change, error)) (*Receipt, error) {
	return e.writeOrCreate(ctx, key, fp, member, q, false, planFn)
}

// writeOrCreate is write; with create, a member that does not exist yet is
// planned from an empty State at version 0.
func (e *Engine) writeOrCreate(ctx context.Context, key, fp, member string, q Query, create bool, planFn func(st *State, now time.Time) (*Change, error)) (*Receipt, error) {
	if key == "" {
		return nil, ErrMissingKey
	}
	if member == "" {
		return nil, invalidEvent("member_id", "is empty")
	}
	for attempt := 0; ; attempt++ {
		now := e.now()
		q.Now = now
		st, err := e.store.Load(ctx, member, q)
		if create && errors.Is(err, ErrUnknownMember) {
			st, err = &State{}, nil
		}
		var ch *Change
		if err == nil {
			ch, err = planFn(st, now)
		}
		if errors.Is(err, errNeedLots) && !q.Lots {
			q.Lots = true // a rule spends: plan again with the lots to draw from
			attempt--
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			if r, rerr := e.replay(ctx, key, fp); rerr != nil || r != nil {
				if rerr != nil {
					return nil, rerr
				}
				return r, nil
			}
			return nil, err
		}
		r, err := e.store.Commit(ctx, ch)
		if errors.Is(err, ErrConflict) && attempt < e.retries {
			runtime.Gosched()
			continue
		}
		if err == nil && r == ch.Receipt && e.after != nil {
			e.after(ctx, r)
		}
		return r, err
	}
}

// replay returns the receipt committed under key, nil if none, or
// ErrKeyReused if it was for another request.
func (e *Engine) replay(ctx context.Context, key, fp string) (*Receipt, error) {
	r, err := e.store.Receipt(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case r.Fingerprint != fp:
		return nil, fmt.Errorf("%w: key %q", ErrKeyReused, key)
	}
	return r, nil
}

// Enroll adds a member. Signup rules (welcome points) run on enrolment as an
// ActionSignup at the enrolment time.
func (e *Engine) Enroll(ctx context.Context, key string, m Member) (*Receipt, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	fp := memberFingerprint(&m)
	return e.writeOrCreate(ctx, key, fp, m.ID, Query{}, true, func(st *State, now time.Time) (*Change, error) {
		if st.Version != 0 {
			return nil, fmt.Errorf("%w: member %s", ErrDuplicate, m.ID)
		}
		m := cloneMember(m)
		if m.JoinedAt.IsZero() {
			m.JoinedAt = now
		}
		m.JoinedAt = m.JoinedAt.UTC().Truncate(time.Microsecond)
		m.Birthday = m.Birthday.UTC().Truncate(time.Microsecond)
		st.Member = m
		p := &plan{}
		if err := e.planAction(p, st, &Action{Kind: ActionSignup, MemberID: m.ID, At: m.JoinedAt, Ref: m.ID}, now, key, fp, OpEnroll); err != nil {
			return nil, err
		}
		p.ch.Member = &m
		return p.finish(), nil
	})
}

// Earn records an order and credits what the program's rules award for it.
func (e *Engine) Earn(ctx context.Context, key string, o *Order) (*Receipt, error) {
	if err := e.checkOrder(o); err != nil {
		return nil, err
	}
	fp := orderFingerprint(o)
	return e.write(ctx, key, fp, o.MemberID, Query{Orders: []string{o.ID}}, func(st *State, now time.Time) (*Change, error) {
		p := &plan{}
		if err := e.planEarn(p, st, o, now, key, fp); err != nil {
			return nil, err
		}
		return p.finish(), nil
	})
}

// Estimate is a dry run of Earn: what the order would earn now, with the
// explanation, through the same evaluation; nothing is written.
func (e *Engine) Estimate(ctx context.Context, o *Order) (*Result, error) {
	if err := e.checkOrder(o); err != nil {
		return nil, err
	}
	now := e.now()
	st, err := e.store.Load(ctx, o.MemberID, Query{})
	if err != nil {
		return nil, err
	}
	return e.program.Evaluate(st, o, now)
}

func (e *Engine) checkOrder(o *Order) error {
	if o == nil {
		return invalidEvent("order", "is nil")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if o.Currency != e.program.Currency {
		return fmt.Errorf("%w: order %s is in %s, the program in %s", ErrCurrencyMismatch, o.ID, o.Currency, e.program.Currency)
	}
	return nil
}

// planEarn plans into p (a zero plan) the earn of order o.
func (e *Engine) planEarn(p *plan, st *State, o *Order, now time.Time, key, fp string) error {
	if len(st.Orders) > 0 {
		return fmt.Errorf("%w: order %s", ErrDuplicate, o.ID)
	}
	res, scr, err := e.program.evaluateIn(Context{Now: now, Program: e.program, State: st, Member: &st.Member, Event: o})
	defer scr.release()
	if err != nil {
		return err
	}
	p.initEarn(st, now, key, fp, o.ID, len(res.Explanation))
	p.settle()
	rec := OrderRecord{ID: o.ID, MemberID: o.MemberID, Currency: o.Currency, PlacedAt: o.PlacedAt.UTC().Truncate(time.Microsecond),
		Scale: res.Scale, Value: res.Value}
	if n := len(res.Lines); n <= cap(p.lines) {
		rec.Lines = p.lines[:n:n]
	} else {
		rec.Lines = make([]RecordedLine, n)
	}
	for i, l := range res.Lines {
		rec.Lines[i] = RecordedLine{SKU: l.SKU, Quantity: l.Quantity, Value: l.Value}
	}
	for _, aw := range res.Awards {
		if aw.Amount <= 0 {
			continue
		}
		if !aw.ExpiresAt.IsZero() {
			if _, err := p.credit(aw.Account, aw.Amount, EntryEarn, time.Time{}, aw.ExpiresAt, Entry{Source: aw.Rule, Ref: o.ID, Note: aw.Note}); err != nil {
				return err
			}
			continue
		}
		var hold, expires time.Time
		if aw.Account == PointsAccount {
			if e.program.PendingDays > 0 {
				hold = now.AddDate(0, 0, e.program.PendingDays)
			}
			expires = e.expiry(now)
		}
		// The entry says the effective rate; the receipt under the entry's key
		// holds the rule-by-rule explanation (see Engine.Statement).
		lot, err := p.credit(aw.Account, aw.Amount, EntryEarn, hold, expires, Entry{Source: "order", Ref: o.ID,
			Rate: rateWords(aw.Amount, res.Basis, res.Scale, o.Currency)})
		if err != nil {
			return err
		}
		if aw.Account == PointsAccount {
			rec.Points, rec.OrderPoints, rec.Lot = aw.Amount, aw.Order, lot
			for i, v := range aw.Lines {
				rec.Lines[i].Points = v
			}
		} else {
			if rec.Extra == nil {
				rec.Extra = make(map[Account]int64)
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
	return nil
}

func (e *Engine) expiry(earned time.Time) time.Time {
	if e.program.Expiry == nil {
		return time.Time{}
	}
	return e.program.Expiry.ExpiresAt(earned)
}

// Act records an engagement action (a review, a visit, a custom action) and
// credits what the rules award for it.
func (e *Engine) Act(ctx context.Context, key string, a *Action) (*Receipt, error) {
	if a == nil {
		return nil, invalidEvent("action", "is nil")
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	fp := actionFingerprint(a)
	return e.write(ctx, key, fp, a.MemberID, Query{}, func(st *State, now time.Time) (*Change, error) {
		p := &plan{}
		if err := e.planAction(p, st, a, now, key, fp, OpAct); err != nil {
			return nil, err
		}
		return p.finish(), nil
	})
}

// planAction plans into p (a zero plan) the credits of action a.
func (e *Engine) planAction(p *plan, st *State, a *Action, now time.Time, key, fp string, op Operation) error {
	res, scr, err := e.program.evaluateIn(Context{Now: now, Program: e.program, State: st, Member: &st.Member, Event: a})
	defer scr.release()
	if err != nil {
		return err
	}
	p.init(st, now, key, fp, op, a.Ref, Query{})
	p.settle()
	for _, aw := range res.Awards {
		if aw.Amount <= 0 {
			continue
		}
		expires, note := aw.ExpiresAt, aw.Note
		if expires.IsZero() && aw.Account == PointsAccount {
			expires = e.expiry(now)
		}
		if _, err := p.credit(aw.Account, aw.Amount, EntryEarn, time.Time{}, expires, Entry{Source: string(a.Kind), Ref: a.Ref, Note: note}); err != nil {
			return err
		}
	}
	if err := applySpends(p, res, a.Ref); err != nil {
		return err
	}
	p.ch.Counters = res.Counters
	p.rcpt.Explanation, p.rcpt.Notices = slices.Clone(res.Explanation), res.Notices
	return nil
}

// applySpends debits what the rules asked to spend; an account holding less
// fails the whole write.
func applySpends(p *plan, res *Result, ref string) error {
	if len(res.Spends) > 0 && !p.loaded {
		return errNeedLots
	}
	for _, sp := range res.Spends {
		if have := p.spendable(sp.Account); have < sp.Amount {
			return fmt.Errorf("%w: rule %s spends %d of %s, spendable %d", ErrInsufficientPoints, sp.Rule, sp.Amount, sp.Account, have)
		}
		if _, short := p.debit(sp.Account, sp.Amount, 0, false, Entry{Kind: EntryRedeem, Source: sp.Rule, Ref: ref, Note: sp.Note}); short > 0 {
			return fmt.Errorf("%w: rule %s spends %d of %s, the lots hold %d less", ErrInsufficientPoints, sp.Rule, sp.Amount, sp.Account, short)
		}
	}
	return nil
}

// errNeedLots asks write to plan again with the member's lots loaded.
var errNeedLots = errors.New("loyalty: plan needs the member's lots")

// Return reverses what an earlier order earned, in proportion to the value
// returned and at the rate recorded when it earned. Points still held are
// voided; points already spent follow the program's ClawbackPolicy. Repeated
// partial returns never reverse more than the order earned.
func (e *Engine) Return(ctx context.Context, key string, r *Return) (*Receipt, error) {
	if r == nil {
		return nil, invalidEvent("return", "is nil")
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return e.write(ctx, key, returnFingerprint(r), r.MemberID, Query{Lots: true, Orders: []string{r.OrderID}}, func(st *State, now time.Time) (*Change, error) {
		return e.planReturn(st, r, now, key)
	})
}

func (e *Engine) planReturn(st *State, r *Return, now time.Time, key string) (*Change, error) {
	if len(st.Orders) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrUnknownOrder, r.OrderID)
	}
	rec := cloneOrder(st.Orders[0])
	if slices.Contains(rec.Returns, r.ID) {
		return nil, fmt.Errorf("%w: return %s", ErrDuplicate, r.ID)
	}
	var returned int64 // cumulative value returned, in rec.Scale units
	if len(r.Lines) > 0 {
		if rec.ByAmount {
			return nil, invalidEvent("return.lines", "order "+rec.ID+" was already returned by amount")
		}
		for i, rl := range r.Lines {
			left := rl.Quantity
			for j := range rec.Lines {
				l := &rec.Lines[j]
				if l.SKU != rl.SKU || left == 0 {
					continue
				}
				take := min(l.Quantity-l.Returned, left)
				l.Returned += take
				left -= take
			}
			if left > 0 {
				return nil, &ValidationError{Field: "return.lines[" + strconv.Itoa(i) + "]", Reason: "returns more of " + rl.SKU + " than order " + rec.ID + " bought", Kind: ErrReturnExceedsOrder}
			}
		}
		for _, l := range rec.Lines {
			returned += mulDiv(l.Value, l.Returned, l.Quantity)
		}
	} else {
		if rec.ReturnedValue > 0 && !rec.ByAmount {
			return nil, invalidEvent("return.amount", "order "+rec.ID+" was already returned by line")
		}
		amt, ok := toMinor(r.Amount, rec.Scale)
		if !ok {
			return nil, &ValidationError{Field: "return.amount", Reason: "has finer fractions than the order's amounts", Kind: ErrInvalidAmount}
		}
		returned = rec.ReturnedValue + amt
		if returned > rec.Value {
			return nil, &ValidationError{Field: "return.amount", Reason: "with earlier returns exceeds the value of order " + rec.ID, Kind: ErrReturnExceedsOrder}
		}
		rec.ByAmount = true
	}
	// Rules see the return (to reduce qualifying spend, to notify) with the
	// order as it was before it.
	res, scr, err := e.program.evaluateIn(Context{Now: now, Program: e.program, State: st, Member: &st.Member, Event: r,
		Return: r, OrderRecord: &st.Orders[0], Returned: returned - st.Orders[0].ReturnedValue})
	defer scr.release()
	if err != nil {
		return nil, err
	}
	rec.ReturnedValue = returned
	rec.Returns = append(rec.Returns, r.ID)

	p := &plan{}
	p.init(st, now, key, returnFingerprint(r), OpReturn, r.ID, Query{Lots: true})
	p.settle()
	// Points: per line at the points each line earned, plus order-level points
	// in proportion to the value returned.
	var target int64
	if rec.ByAmount {
		target = proportion(rec.Points, returned, rec.Value)
	} else {
		for _, l := range rec.Lines {
			target += mulDiv(l.Points, l.Returned, l.Quantity)
		}
		target += proportion(rec.OrderPoints, returned, rec.Value)
	}
	if delta := target - rec.Reversed; delta > 0 {
		rec.Reversed = target
		forgiven := e.takeBack(p, PointsAccount, delta, rec.Lot, r, rec)
		p.rcpt.Forgiven = forgiven
	}
	// Other accounts (cashback, pledges) in proportion to value.
	for _, a := range slices.Sorted(maps.Keys(rec.Extra)) {
		target := proportion(rec.Extra[a], returned, rec.Value)
		if delta := target - rec.ExtraReversed[a]; delta > 0 {
			if rec.ExtraReversed == nil {
				rec.ExtraReversed = make(map[Account]int64)
			}
			rec.ExtraReversed[a] = target
			e.takeBack(p, a, delta, 0, r, rec)
		}
	}
	p.ch.Orders = append(p.ch.Orders, rec)
	p.ch.Counters = res.Counters
	p.rcpt.Explanation, p.rcpt.Notices = slices.Clone(res.Explanation), res.Notices
	return p.finish(), nil
}

// takeBack removes delta of what order rec earned into account a: from the
// order's lot while it is held (a void), otherwise from the balance,
// following the clawback policy. It returns what was forgiven.
func (e *Engine) takeBack(p *plan, a Account, delta, lotID int64, r *Return, rec OrderRecord) int64 {
	note := "return " + r.ID + " of order " + rec.ID
	if i := p.lotIndex(lotID); i >= 0 && p.lots[i].Pending(p.now) && p.lots[i].Remaining > 0 {
		l := &p.lots[i]
		v := min(delta, l.Remaining)
		l.Remaining -= v
		p.touch(i)
		p.balance(a).Pending -= v
		p.entry(Entry{Account: a, Kind: EntryVoid, Pending: -v, Source: "return", Ref: rec.ID, Lot: l.ID, Note: note})
		delta -= v
	}
	if delta == 0 {
		return 0
	}
	_, short := p.debit(a, delta, lotID, e.program.Clawback == AllowNegative, Entry{Kind: EntryReverse, Source: "return", Ref: rec.ID, Note: note})
	if e.program.Clawback == AllowNegative {
		return 0
	}
	return short
}

// proportion is floor(total × part / whole), zero when whole is zero.
func proportion(total, part, whole int64) int64 {
	if whole <= 0 || total <= 0 || part <= 0 {
		return 0
	}
	return mulDiv(total, min(part, whole), whole)
}

// Redemption asks to spend points at checkout on an order.
type Redemption struct {
	ID       string
	MemberID string
	OrderID  string
	// Total is the order total the redemption is taken off.
	Total Money
	// Points to redeem; zero redeems the most the cart allows.
	Points int64
	// Account to spend; empty is PointsAccount. Another account (store credit)
	// counts minor units of the program's currency and is redeemed one unit
	// for one unit, up to the order total, without the points policy.
	Account Account
}

func (r *Redemption) validate() error {
	switch {
	case r.ID == "":
		return invalidEvent("redemption.id", "is empty")
	case r.MemberID == "":
		return invalidEvent("redemption.member_id", "is empty")
	case r.Points < 0:
		return &ValidationError{Field: "redemption.points", Reason: "is negative", Kind: ErrInvalidAmount}
	case r.Total.Amount.Sign() <= 0:
		return &ValidationError{Field: "redemption.total", Reason: "must be positive", Kind: ErrInvalidAmount}
	}
	return nil
}

// QuoteRedemption says how many points this cart may redeem and for how
// much, planned by the same code as Redeem; nothing is written.
func (e *Engine) QuoteRedemption(ctx context.Context, memberID string, total Money, points int64) (Quote, error) {
	r := Redemption{ID: "quote", MemberID: memberID, Total: total, Points: points}
	if err := r.validate(); err != nil {
		return Quote{}, err
	}
	now := e.now()
	st, err := e.store.Load(ctx, memberID, Query{Lots: true})
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
	return e.write(ctx, key, fp, r.MemberID, Query{Lots: true, Redemptions: []string{r.ID}}, func(st *State, now time.Time) (*Change, error) {
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
	if pol == nil && (r.Account == "" || r.Account == PointsAccount) {
		return nil, Quote{}, ErrRedemptionDisabled
	}
	if r.Total.Currency != e.program.Currency {
		return nil, Quote{}, fmt.Errorf("%w: total in %s, program in %s", ErrCurrencyMismatch, r.Total.Currency, e.program.Currency)
	}
	acct := r.Account
	if acct == "" {
		acct = PointsAccount
	}
	p := &plan{}
	p.init(st, now, key, fp, OpRedeem, r.ID, Query{Lots: true})
	p.settle()
	var q Quote
	var err error
	if acct == PointsAccount {
		q, err = pol.Quote(p.spendable(acct), r.Total, r.Points)
	} else {
		q, err = creditQuote(p.spendable(acct), r.Total, r.Points)
	}
	if err != nil {
		return nil, Quote{}, err
	}
	if key == "" { // a quote
		return nil, q, nil
	}
	if q.Points <= 0 {
		return nil, q, fmt.Errorf("%w: nothing to redeem", ErrInsufficientPoints)
	}
	note := redemptionNote(r.OrderID, q.Value)
	draws, short := p.debit(acct, q.Points, 0, false, Entry{Kind: EntryRedeem, Source: "checkout", Ref: r.ID, Note: note})
	if short > 0 { // the policy saw more than the lots hold: never overspend
		return nil, q, fmt.Errorf("%w: %d short", ErrInsufficientPoints, short)
	}
	rec := RedemptionRecord{ID: r.ID, MemberID: r.MemberID, OrderID: r.OrderID, Account: acct, Points: q.Points, Value: q.Value, Draws: draws, At: now}
	p.ch.Redemptions = append(p.ch.Redemptions, rec)
	p.rcpt.Redemption = &p.ch.Redemptions[len(p.ch.Redemptions)-1]
	return p.finish(), q, nil
}

// CancelRedemption rolls back a redemption (the order was cancelled): its
// points come back with the expiry they had; points whose expiry has passed
// since expire again at once.
func (e *Engine) CancelRedemption(ctx context.Context, key, memberID, redemptionID string) (*Receipt, error) {
	if redemptionID == "" {
		return nil, invalidEvent("redemption_id", "is empty")
	}
	fp := fingerprint("cancel", memberID, redemptionID)
	return e.write(ctx, key, fp, memberID, Query{Lots: true, Redemptions: []string{redemptionID}}, func(st *State, now time.Time) (*Change, error) {
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
			if _, err := p.credit(rec.Account, d.Amount, EntryRestore, time.Time{}, d.ExpiresAt, Entry{Source: "cancel", Ref: redemptionID, Note: "redemption " + redemptionID + " cancelled"}); err != nil {
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
// an operator's decision; note says why and is required. A debit may not
// exceed the spendable balance.
func (e *Engine) Adjust(ctx context.Context, key, memberID string, points int64, note string) (*Receipt, error) {
	if points == 0 {
		return nil, &ValidationError{Field: "points", Reason: "is zero", Kind: ErrInvalidAmount}
	}
	if strings.TrimSpace(note) == "" {
		return nil, invalidEvent("note", "an adjustment needs a reason")
	}
	fp := fingerprint("adjust", memberID, strconv.FormatInt(points, 10), note)
	return e.write(ctx, key, fp, memberID, Query{Lots: points < 0}, func(st *State, now time.Time) (*Change, error) {
		p := &plan{}
		p.init(st, now, key, fp, OpAdjust, "", Query{Lots: points < 0})
		p.settle()
		if points > 0 {
			if _, err := p.credit(PointsAccount, points, EntryAdjust, time.Time{}, e.expiry(now), Entry{Source: "operator", Note: note}); err != nil {
				return nil, err
			}
		} else {
			if p.spendable(PointsAccount) < -points {
				return nil, fmt.Errorf("%w: debit of %d, spendable %d", ErrInsufficientPoints, -points, p.spendable(PointsAccount))
			}
			p.debit(PointsAccount, -points, 0, false, Entry{Kind: EntryAdjust, Source: "operator", Note: note})
		}
		return p.finish(), nil
	})
}

// Settle activates held points whose return window is over and expires lots
// whose expiry has come, as one write. Every other write settles the member
// first too; Settle is for a periodic job.
func (e *Engine) Settle(ctx context.Context, key, memberID string) (*Receipt, error) {
	fp := fingerprint("settle", memberID)
	return e.write(ctx, key, fp, memberID, Query{Lots: true}, func(st *State, now time.Time) (*Change, error) {
		p := &plan{}
		p.init(st, now, key, fp, OpSettle, "", Query{Lots: true})
		p.settle()
		return p.finish(), nil
	})
}

// Balance returns a member's points balance now. It reads the maintained
// balance (O(1) in the member's history); only when a lot is due to activate
// or expire does it read the open lots to settle them in memory.
func (e *Engine) Balance(ctx context.Context, memberID string) (Balance, error) {
	return e.AccountBalance(ctx, memberID, PointsAccount)
}

// AccountBalance is Balance for any account.
func (e *Engine) AccountBalance(ctx context.Context, memberID string, a Account) (Balance, error) {
	now := e.now()
	st, err := e.store.Load(ctx, memberID, Query{Now: now})
	if err != nil {
		return Balance{}, err
	}
	if st.Lots == nil {
		return st.Balance(a), nil
	}
	p := &plan{}
	p.init(st, now, "", "", OpSettle, "", Query{Lots: true})
	p.settle()
	return *p.balance(a), nil
}

// History returns up to limit of a member's entries after cursor after (the
// zero EntryID for the first page), oldest first.
func (e *Engine) History(ctx context.Context, memberID string, after EntryID, limit int) ([]Entry, error) {
	if limit <= 0 {
		limit = 100
	}
	return e.store.History(ctx, memberID, after, limit)
}

// Member returns a member's profile and state (balances, counters).
func (e *Engine) Member(ctx context.Context, memberID string) (*State, error) {
	return e.store.Load(ctx, memberID, Query{})
}

// --- words

// rateWords is the effective rate of an earning: "137 on 27.48 USD".
func rateWords(points, basis int64, scale int32, c Currency) string {
	var buf [64]byte
	b := strconv.AppendInt(buf[:0], points, 10)
	b = append(b, " on "...)
	b = appendUnits(b, basis, scale, c.MinorDigits())
	b = append(b, ' ')
	b = append(b, c...)
	return string(b)
}

// appendUnits formats units of 10^-scale with at least digits decimals.
func appendUnits(b []byte, units int64, scale, digits int32) []byte {
	if units < 0 {
		b = append(b, '-')
		units = -units
	}
	show := max(scale, digits)
	for s := scale; s < show; s++ {
		units *= 10
	}
	var tmp [24]byte
	d := strconv.AppendInt(tmp[:0], units, 10)
	for int32(len(d)) <= show {
		d = append([]byte{'0'}, d...)
	}
	cut := len(d) - int(show)
	b = append(b, d[:cut]...)
	if show > 0 {
		b = append(b, '.')
		b = append(b, d[cut:]...)
	}
	return b
}

func cloneMember(m Member) Member {
	m.Segments = slices.Clone(m.Segments)
	m.Attributes = maps.Clone(m.Attributes)
	return m
}

func cloneOrder(r OrderRecord) OrderRecord {
	r.Lines = slices.Clone(r.Lines)
	r.Returns = slices.Clone(r.Returns)
	r.Extra = maps.Clone(r.Extra)
	r.ExtraReversed = maps.Clone(r.ExtraReversed)
	return r
}

// redemptionNote is "order 1002: 15.00 USD off", formatted without decimal
// arithmetic when the value is whole minor units.
func redemptionNote(orderID string, v Money) string {
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

// creditQuote redeems a money account (minor units) one for one, up to the
// order total.
func creditQuote(available int64, total Money, want int64) (Quote, error) {
	limit, ok := total.Minor()
	if !ok {
		limit = total.Amount.Shift(total.Currency.MinorDigits()).IntPart()
	}
	most := max(0, min(available, limit))
	q := Quote{MaxPoints: most, MaxValue: MinorUnits(most, total.Currency)}
	switch {
	case want == 0:
		want = most
	case want > available:
		return q, fmt.Errorf("%w: %d wanted, %d available", ErrInsufficientPoints, want, available)
	case want > limit:
		return q, fmt.Errorf("%w: %d wanted on an order of %s", ErrAboveCap, want, total)
	}
	q.Points, q.Value = want, MinorUnits(want, total.Currency)
	return q, nil
}
