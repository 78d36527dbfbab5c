package charity

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// Impact is what was given to causes over a period: a member's impact
// statement (ImpactOf) or a shop's per-cause totals (Totals).
//
// It is read from the ledger's entries in the pledge accounts, dated by the
// write that made them: a pledge counts in the period its order was
// recorded, a return's reduction in the period the return was recorded.
// Totals of a period that has ended never change, which is what lets a shop
// prove a donation.
type Impact struct {
	// MemberID is the member of a statement, empty for Totals.
	MemberID string
	// From and To bound the period: entries at or after From and before To.
	// A zero bound is open.
	From, To time.Time
	// Causes has one line per cause given to in the period, declared causes
	// first in the order the program declares them.
	Causes []CauseImpact
	// Total is the net given to all causes.
	Total money.Money
}

// CauseImpact is what one cause received.
type CauseImpact struct {
	Cause Cause
	// Members is how many members gave (1 on a member's statement).
	Members int
	// Orders is how many orders pledged.
	Orders int
	// Purchases is what orders pledged, Donations what members gave in
	// points (as money), Returned what returns took back; Net is
	// Purchases + Donations − Returned.
	Purchases, Donations, Returned, Net money.Money
}

type tally struct {
	purchases, donations, returned int64
	orders, members                int
}

// ImpactOf returns member's impact statement for entries in [from, to).
func ImpactOf(ctx context.Context, e *loyalty.Engine, memberID string, from, to time.Time) (*Impact, error) {
	t := make(map[string]*tally)
	if err := scan(ctx, e, memberID, from, to, t); err != nil {
		return nil, err
	}
	imp := impact(e.Program(), t, from, to)
	imp.MemberID = memberID
	return imp, nil
}

// Totals returns what every member that members lists gave, per cause, for
// entries in [from, to). It reads every member's history once.
func Totals(ctx context.Context, e *loyalty.Engine, members loyalty.MemberLister, from, to time.Time) (*Impact, error) {
	const page = 500
	t := make(map[string]*tally)
	after := ""
	for {
		ids, err := members.Members(ctx, after, page)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if err := scan(ctx, e, id, from, to, t); err != nil {
				return nil, err
			}
		}
		if len(ids) < page {
			return impact(e.Program(), t, from, to), nil
		}
		after = ids[len(ids)-1]
	}
}

// scan adds member's pledge entries in [from, to) to t.
func scan(ctx context.Context, e *loyalty.Engine, memberID string, from, to time.Time, t map[string]*tally) error {
	const page = 500
	prefix := string(PledgeAccount) + ":"
	mine := make(map[string]*tally)
	orders := make(map[string]map[string]bool)
	var after ledger.EntryID
	for {
		entries, err := e.History(ctx, memberID, after, page)
		if err != nil {
			return err
		}
		for i := range entries {
			en := &entries[i]
			if !strings.HasPrefix(string(en.Account), prefix) || en.At.Before(from) || !to.IsZero() && !en.At.Before(to) {
				continue
			}
			cause := string(en.Account[len(prefix):])
			x := mine[cause]
			if x == nil {
				x = &tally{}
				mine[cause] = x
				orders[cause] = make(map[string]bool)
			}
			switch {
			case en.Kind == ledger.EntryEarn && en.Source == SourcePurchase:
				x.purchases += en.Amount
				orders[cause][en.Ref] = true
			case en.Kind == ledger.EntryEarn:
				// SourceDonation, or a host's own credit to the pledge.
				x.donations += en.Amount
			case en.Kind == ledger.EntryReverse:
				// SourceReturn.
				x.returned -= en.Amount
			}
		}
		if len(entries) < page {
			break
		}
		after = entries[len(entries)-1].ID
	}
	for cause, x := range mine {
		y := t[cause]
		if y == nil {
			y = &tally{}
			t[cause] = y
		}
		y.purchases += x.purchases
		y.donations += x.donations
		y.returned += x.returned
		y.orders += len(orders[cause])
		y.members++
	}
	return nil
}

// declared returns the causes the program's charity rules declare, in order.
func declared(p *loyalty.Program) []Cause {
	var out []Cause
	add := func(cs []Cause) {
		for _, c := range cs {
			if !slices.ContainsFunc(out, func(d Cause) bool { return d.ID == c.ID }) {
				out = append(out, c)
			}
		}
	}
	for _, r := range p.Rules {
		switch r := r.(type) {
		case *Pledge:
			add(r.causes.List)
		case *Donation:
			add(r.causes.List)
		}
	}
	return out
}

func impact(p *loyalty.Program, t map[string]*tally, from, to time.Time) *Impact {
	cur := p.Currency
	m := func(v int64) money.Money { return money.MinorUnits(v, cur) }
	imp := &Impact{From: from, To: to}
	var total int64
	line := func(c Cause, x *tally) {
		net := x.purchases + x.donations - x.returned
		total += net
		imp.Causes = append(imp.Causes, CauseImpact{Cause: c, Members: x.members, Orders: x.orders,
			Purchases: m(x.purchases), Donations: m(x.donations), Returned: m(x.returned), Net: m(net)})
	}
	known := declared(p)
	for _, c := range known {
		if x := t[c.ID]; x != nil {
			line(c, x)
		}
	}
	var other []string
	for id := range t {
		if !slices.ContainsFunc(known, func(c Cause) bool { return c.ID == id }) {
			other = append(other, id)
		}
	}
	slices.Sort(other)
	for _, id := range other {
		line(Cause{ID: id}, t[id])
	}
	imp.Total = m(total)
	return imp
}
