package loyalty

import (
	"cmp"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// settle activates the loaded lots whose hold is over and expires those whose
// expiry is not after now, in the order they fell due. At one instant every
// activation comes before any expiry: a lot activating at T and another
// expiring at T write the activation first, and held points that activate
// when their own expiry comes repay a negative balance before what is left
// expires. A lot that expired while held, its hold now over too, is
// activated, then expired.
func (p *plan) settle() { p.settleDue(true) }

// settleDue is settle; without expire it only activates (the first step of
// the periodic jobs, Engine.RunJobs), leaving expiries for a later write.
func (p *plan) settleDue(expire bool) {
	if !p.loaded {
		return
	}
	// One event per activation and per expiry due, in the order they fell
	// due: by instant, activations first, then by lot.
	type event struct {
		at     time.Time
		expire bool
		lot    int
	}
	var buf [8]event
	due := buf[:0]
	for i := range p.lots {
		l := &p.lots[i]
		if l.Remaining == 0 {
			continue
		}
		activates := !l.ActivatesAt.IsZero() && !p.now.Before(l.ActivatesAt)
		if activates {
			due = append(due, event{at: l.ActivatesAt, lot: i})
		}
		if expire && l.Expired(p.now) {
			at := l.ExpiresAt
			if activates && at.Before(l.ActivatesAt) {
				at = l.ActivatesAt // activated first, then expired
			}
			due = append(due, event{at: at, expire: true, lot: i})
		}
	}
	slices.SortFunc(due, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.expire != b.expire {
			if a.expire {
				return 1
			}
			return -1
		}
		return cmp.Compare(p.lots[a.lot].ID, p.lots[b.lot].ID)
	})
	for _, ev := range due {
		i := ev.lot
		l := &p.lots[i]
		b := p.balance(l.Account)
		if !ev.expire {
			r := l.Remaining
			p.entryAt(ledger.Entry{Account: l.Account, Kind: ledger.EntryActivate, Amount: r, Pending: -r, Source: "hold", Ref: l.Ref, Lot: l.ID, Note: "return window over"}, tookEffect(ev.at, l))
			b.Pending -= r
			b.Available += r
			l.ActivatesAt = time.Time{}
			l.Remaining = r - repay(b, r)
			p.touch(i)
			continue
		}
		if l.Remaining > 0 {
			r := l.Remaining
			e := ledger.Entry{Account: l.Account, Kind: ledger.EntryExpire, Source: "expiry", Ref: l.Ref, Lot: l.ID, Note: "expired " + l.ExpiresAt.Format(time.DateOnly)}
			if l.Pending(p.now) { // expired while still held
				e.Pending = -r
				b.Pending -= r
			} else {
				e.Amount = -r
				b.Available -= r
			}
			p.entryAt(e, tookEffect(ev.at, l))
			l.Remaining = 0
			p.touch(i)
		}
	}
}

// tookEffect is when an activation or expiry due at due took effect: then,
// or when lot l came into being if that was later (points restored by a
// cancellation after their expiry expire at once). Entries of the settling
// write record it as their time, not the time of the write, so a statement
// lists an activation on the day the hold ended; their IDs keep the order
// they were written in.
func tookEffect(due time.Time, l *ledger.Lot) time.Time {
	if due.Before(l.EarnedAt) {
		return l.EarnedAt
	}
	return due
}

// entryAt is entry for an entry that took effect at at (not after p.now).
func (p *plan) entryAt(e ledger.Entry, at time.Time) {
	p.entry(e)
	if at.Before(p.now) {
		p.ch.Entries[len(p.ch.Entries)-1].At = at
	}
}

// repay reports how much of a fresh credit of amount goes to paying back a
// negative balance: the part of amount that the balance was short, before
// the credit was added to b.Available.
func repay(b *ledger.Balance, amount int64) int64 {
	before := b.Available - amount
	if before >= 0 {
		return 0
	}
	return min(-before, amount)
}

// lotDue is when a lot next needs attention: activation while held, else expiry.
func lotDue(l *ledger.Lot) time.Time {
	if !l.ActivatesAt.IsZero() {
		return l.ActivatesAt
	}
	return l.ExpiresAt
}
