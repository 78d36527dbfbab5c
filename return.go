package loyalty

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/loyaltykit/loyalty/ledger"

	"github.com/shopspring/decimal"
)

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
	q := Query{Lots: true, Orders: []string{r.OrderID}}
	// The grants of the coupons the order used are loaded with it, so a
	// rule may give them back (GiveBackCode): they are read from the
	// record first (an order's codes never change once it earned; the
	// write's own Load reports a missing member or order).
	if pre, err := e.store.Load(ctx, r.MemberID, Query{Orders: q.Orders}); err == nil && len(pre.Orders) == 1 {
		q.GrantIDs = orderGrants(&pre.Orders[0])
	}
	return e.write(ctx, key, returnFingerprint(r), returnFields(r), r.MemberID, q, func(w writeTry, st *State, now time.Time) (*Change, error) {
		return e.planReturn(w, st, r, now, key)
	})
}

func (e *Engine) planReturn(w writeTry, st *State, r *Return, now time.Time, key string) (*Change, error) {
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
				return nil, &ReturnExceedsError{Order: rec.ID, Line: i, SKU: rl.SKU, Asked: decimal.NewFromInt(rl.Quantity), Remaining: decimal.NewFromInt(rl.Quantity - left)}
			}
		}
		for _, l := range rec.Lines {
			returned += exact.MulDiv(l.Value, l.Returned, l.Quantity)
		}
	} else {
		if rec.ReturnedValue > 0 && !rec.ByAmount {
			return nil, invalidEvent("return.amount", "order "+rec.ID+" was already returned by line")
		}
		amt, ok := exact.ToMinor(r.Amount, rec.Scale)
		if !ok {
			if r.Amount.Shift(rec.Scale).IsInteger() { // whole at the scale: too large
				return nil, &ReturnExceedsError{Order: rec.ID, Line: OrderLevel, Asked: r.Amount, Remaining: decimal.New(rec.Value-rec.ReturnedValue, -rec.Scale)}
			}
			return nil, &ValidationError{Field: "return.amount", Reason: "has finer fractions than the order's amounts", Kind: ErrInvalidAmount}
		}
		var ok2 bool
		if returned, ok2 = exact.Add64(rec.ReturnedValue, amt); !ok2 {
			return nil, &ValidationError{Field: "return.amount", Reason: "with earlier returns does not fit an int64", Kind: ErrOverflow}
		}
		if returned > rec.Value {
			return nil, &ReturnExceedsError{Order: rec.ID, Line: OrderLevel, Asked: r.Amount, Remaining: decimal.New(rec.Value-rec.ReturnedValue, -rec.Scale)}
		}
		rec.ByAmount = true
	}
	// Rules see the return (to reduce qualifying spend, to notify) with the
	// order as it was before it.
	res, scr, err := e.program.evaluateIn(e.rs(key), Input{Now: now, Program: e.program, State: st, Member: &st.Member, Event: r,
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
			target += exact.MulDiv(l.Points, l.Returned, l.Quantity)
		}
		target += proportion(rec.OrderPoints, returned, rec.Value)
	}
	if delta := target - rec.Reversed; delta > 0 {
		rec.Reversed = target
		forgiven, err := e.takeBack(p, ledger.PointsAccount, delta, rec.Lot, r, rec)
		if err != nil {
			return nil, err
		}
		p.rcpt.Forgiven = forgiven
	}
	// Other accounts (cashback, pledges) in proportion to value.
	for _, a := range slices.Sorted(maps.Keys(rec.Extra)) {
		target := proportion(rec.Extra[a], returned, rec.Value)
		if delta := target - rec.ExtraReversed[a]; delta > 0 {
			if rec.ExtraReversed == nil {
				rec.ExtraReversed = make(map[ledger.Account]int64)
			}
			rec.ExtraReversed[a] = target
			if _, err := e.takeBack(p, a, delta, 0, r, rec); err != nil {
				return nil, err
			}
		}
	}
	p.ch.Orders = append(p.ch.Orders, rec)
	p.ch.Counters = res.Counters
	p.rcpt.Explanation, p.rcpt.Notices = slices.Clone(res.Explanation), res.Notices
	if err := e.planShared(w, p, res.Shared, r.ID); err != nil {
		return nil, err
	}
	return p.finish(), nil
}

// takeBack removes delta of what order rec earned into account a: from the
// order's lot while it is held (a void), otherwise from the balance,
// following the clawback policy. It returns what was forgiven.
func (e *Engine) takeBack(p *plan, a ledger.Account, delta, lotID int64, r *Return, rec ledger.OrderRecord) (int64, error) {
	note := "return " + r.ID + " of order " + rec.ID
	if i := p.lotIndex(lotID); i >= 0 && p.lots[i].Pending(p.now) && p.lots[i].Remaining > 0 {
		l := &p.lots[i]
		v := min(delta, l.Remaining)
		l.Remaining -= v
		p.touch(i)
		p.balance(a).Pending -= v
		p.entry(ledger.Entry{Account: a, Kind: ledger.EntryVoid, Pending: -v, Source: "return", Ref: rec.ID, Lot: l.ID, Note: note})
		delta -= v
	}
	if delta == 0 {
		return 0, nil
	}
	_, short, err := p.debit(a, delta, lotID, e.program.Clawback == AllowNegative, ledger.Entry{Kind: ledger.EntryReverse, Source: "return", Ref: rec.ID, Note: note})
	if err != nil || e.program.Clawback == AllowNegative {
		return 0, err
	}
	return short, nil
}

// proportion is floor(total × part / whole), zero when whole is zero.
func proportion(total, part, whole int64) int64 {
	if whole <= 0 || total <= 0 || part <= 0 {
		return 0
	}
	return exact.MulDiv(total, min(part, whole), whole)
}
