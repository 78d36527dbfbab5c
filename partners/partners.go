package partners

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage"
)

// Errors, checked with errors.Is.
var (
	ErrUnknownPartner = errors.New("partners: unknown partner")
	ErrSuspended      = errors.New("partners: partner is suspended")
	ErrPeriodOpen     = errors.New("partners: period has not ended")
)

// Partner is one merchant of the coalition.
type Partner struct {
	ID                string
	CostPerPoint      decimal.Decimal // paid by the partner per point issued
	ReimbursePerPoint decimal.Decimal // paid to the partner per point redeemed
	Prepaid           bool
	// Threshold alerts: for a prepaid partner when its deposit left falls
	// below it, for a postpaid one when the net it owes rises above it.
	Threshold decimal.Decimal
}

// Coalition is the partners of one program; a loyalty.Rule (add it to
// Program.Rules) that refuses orders of unknown partners and claims the
// partner's counter on every earn. Build it with New.
type Coalition struct {
	name     string
	currency money.Currency
	partners []Partner
}

type invalidError struct{ reason string }

func (e *invalidError) Error() string { return "partners: invalid program: " + e.reason }
func (e *invalidError) Unwrap() error { return loyalty.ErrInvalidProgram }

// New returns the coalition name of partners, settled in currency. A
// negative cost, reimbursement or threshold, or an empty, duplicate or
// colon-holding ID wraps loyalty.ErrInvalidProgram.
func New(name string, currency money.Currency, partners []Partner) (*Coalition, error) {
	c := &Coalition{name: name, currency: currency, partners: slices.Clone(partners)}
	return c, c.Validate()
}

// Validate checks the coalition, for Program.Validate.
func (c *Coalition) Validate() error {
	if c.name == "" || loyalty.CheckID("name", c.name) != nil {
		return &invalidError{"coalition name is empty or invalid"}
	}
	if err := c.currency.Validate(); err != nil {
		return err
	}
	for i, p := range c.partners {
		switch {
		case p.ID == "" || strings.Contains(p.ID, ":") || loyalty.CheckID("partner.id", p.ID) != nil:
			return &invalidError{"partner " + p.ID + ": ID is empty, invalid or holds a colon"}
		case slices.ContainsFunc(c.partners[:i], func(q Partner) bool { return q.ID == p.ID }):
			return &invalidError{"partner " + p.ID + " is a duplicate"}
		case p.CostPerPoint.Sign() < 0 || p.ReimbursePerPoint.Sign() < 0 || p.Threshold.Sign() < 0:
			return &invalidError{"partner " + p.ID + ": a cost, reimbursement or threshold is negative"}
		}
	}
	return nil
}

func (c *Coalition) Name() string        { return c.name }
func (c *Coalition) ProgramType() string { return "coalition" }

// PartnerOf is the partner an order or redemption ID names ("bookshop" of
// "bookshop:1001"), "" when it names none.
func PartnerOf(id string) string { return ledger.RefPrefix(id) }

func (c *Coalition) partner(id string) (*Partner, bool) {
	for i := range c.partners {
		if c.partners[i].ID == id {
			return &c.partners[i], true
		}
	}
	return nil, false
}

// Counter is the shared counter of partner id's earns.
func Counter(id string) string { return "partners/" + id }

// Evaluate refuses an order of no known partner and claims one earn of the
// partner's counter (refused with loyalty.ErrLimitReached once suspended).
func (c *Coalition) Evaluate(in *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	o, ok := in.Event.(*loyalty.Order)
	if !ok {
		return effects
	}
	p, ok := c.partner(PartnerOf(o.ID))
	if !ok {
		return append(effects, loyalty.RefuseWith(ErrUnknownPartner, "order "+o.ID+" names no partner"))
	}
	return append(effects, loyalty.ClaimShared(Counter(p.ID), "", 1))
}

// Open defines every partner's counter (once, before the first earn).
func (c *Coalition) Open(ctx context.Context, e *loyalty.Engine) error {
	for _, p := range c.partners {
		if _, err := e.SharedCounter(ctx, Counter(p.ID), ""); err == nil {
			continue
		}
		if err := e.SetLimit(ctx, Counter(p.ID), loyalty.NoLimit); err != nil {
			return err
		}
	}
	return nil
}

// Suspend stops new earns at partner id; balances are not touched.
func (c *Coalition) Suspend(ctx context.Context, e *loyalty.Engine, id string) error {
	if _, ok := c.partner(id); !ok {
		return ErrUnknownPartner
	}
	for {
		sc, err := e.SharedCounter(ctx, Counter(id), "")
		if err != nil {
			return err
		}
		err = e.SetLimit(ctx, Counter(id), sc.Claimed)
		if !errors.Is(err, loyalty.ErrLimitBelowClaimed) {
			return err
		}
	}
}

// Resume lets partner id issue points again.
func (c *Coalition) Resume(ctx context.Context, e *loyalty.Engine, id string) error {
	if _, ok := c.partner(id); !ok {
		return ErrUnknownPartner
	}
	return e.SetLimit(ctx, Counter(id), loyalty.NoLimit)
}

// Suspended reports whether partner id is suspended.
func (c *Coalition) Suspended(ctx context.Context, e *loyalty.Engine, id string) (bool, error) {
	if _, ok := c.partner(id); !ok {
		return false, ErrUnknownPartner
	}
	sc, err := e.SharedCounter(ctx, Counter(id), "")
	if err != nil {
		return false, err
	}
	return sc.Limit != loyalty.NoLimit, nil
}

// Earn earns o at its partner; a suspended partner is ErrSuspended.
func (c *Coalition) Earn(ctx context.Context, e *loyalty.Engine, key string, o *loyalty.Order) (*loyalty.Receipt, error) {
	r, err := e.Earn(ctx, key, o)
	return r, c.suspended(err)
}

// Redeem redeems r through e.Redeem, saying ErrSuspended for a suspended
// partner. The checks are the Coalition's as a loyalty.RedemptionRule, so
// e.Redeem makes them too: an unknown partner is ErrUnknownPartner, a
// suspended one a *loyalty.ClaimError wrapping loyalty.ErrLimitReached;
// either way nothing is written.
func (c *Coalition) Redeem(ctx context.Context, e *loyalty.Engine, key string, r loyalty.Redemption) (*loyalty.Receipt, error) {
	rc, err := e.Redeem(ctx, key, r)
	return rc, c.suspended(err)
}

// suspended joins ErrSuspended to a refused claim on a partner's counter.
func (c *Coalition) suspended(err error) error {
	var ce *loyalty.ClaimError
	if errors.As(err, &ce) && errors.Is(ce, loyalty.ErrLimitReached) && strings.HasPrefix(ce.Counter, "partners/") {
		return errors.Join(ErrSuspended, err)
	}
	return err
}

// Redemption implements loyalty.RedemptionRule: a redemption whose ID names
// no partner of the coalition is refused with ErrUnknownPartner; one at a
// partner claims one unit of its counter, which a suspension caps, so
// Engine.Redeem refuses a suspended partner's too.
func (c *Coalition) Redemption(r *loyalty.Redemption) ([]ledger.Claim, error) {
	p, ok := c.partner(PartnerOf(r.ID))
	if !ok {
		return nil, &PartnerError{Ref: r.ID, Err: ErrUnknownPartner}
	}
	return []ledger.Claim{{Counter: Counter(p.ID), Amount: 1}}, nil
}

// PartnerError is a refused earn or redemption: the order or redemption ID
// and why (ErrUnknownPartner).
type PartnerError struct {
	Ref string
	Err error
}

func (e *PartnerError) Error() string {
	return e.Err.Error() + ": " + strconv.Quote(e.Ref) + " names no partner"
}
func (e *PartnerError) Unwrap() error { return e.Err }

// Line is one ledger entry of the period attributed to a partner.
type Line struct {
	Partner string // "" for entries whose Ref names no partner of the coalition
	Member  string
	Entry   ledger.EntryID
	Kind    ledger.EntryKind
	Ref     string
	Points  int64 // + issued, − redeemed, as it moves the partner's counts
}

// Settlement is one partner's account for the period.
type Settlement struct {
	Partner          string
	Issued, Redeemed int64
	// Entries counts the ledger entries behind Issued and Redeemed: the
	// partner's lines of the period (Coalition.Lines).
	Entries int64
	// Owed is what the partner owes the programme (Issued × CostPerPoint),
	// Reimbursed what the programme owes it (Redeemed × ReimbursePerPoint),
	// each rounded half-even to the minor unit once; Net = Owed − Reimbursed
	// (positive: the partner pays).
	Owed, Reimbursed, Net money.Money
	Alert                 bool
}

// Statement is the settlement of a period.
type Statement struct {
	From, To time.Time
	Partners []Settlement // in the coalition's order
	// Other counts the period's entries whose Ref names no partner of the
	// coalition (Partner ""), which no partner settles: its money is zero.
	Other Settlement
}

// settled are the entry kinds a settlement counts: what issues points at a
// partner (an earn, and the reversal or void of one by a return) and what
// redeems them there (a redemption, and the restore of a cancelled one).
var settled = []ledger.EntryKind{ledger.EntryEarn, ledger.EntryReverse, ledger.EntryVoid, ledger.EntryRedeem, ledger.EntryRestore}

// points is what entry kind k of amount and pending moves a partner's
// counts by: issued (+) for an earn, a reversal or a void, redeemed (−) for
// a redemption or a restore.
func points(k ledger.EntryKind, amount, pending int64) (pts int64, redeem bool) {
	if k == ledger.EntryRedeem || k == ledger.EntryRestore {
		return amount, true
	}
	return amount + pending, false
}

// Settle settles [from, to) once it has ended at now: the points entries
// written in it (by the entry's time, not the order's), attributed to a
// partner by their Ref. It writes nothing, so running it again gives the
// same Statement. deposits are the prepaid partners' balances before the
// period, for their alerts.
//
// Pass the engine's store as lister. A store that is a
// storage.RefAggregator (storage/memory, storage/sqlite, storage/postgres)
// sums the period itself: on SQL stores one GROUP BY, no entry loaded into
// Go. Any other store is read member by member through e.History, with the
// same result. A period not ended at now is ErrPeriodOpen; a from not
// before to a *loyalty.ValidationError wrapping loyalty.ErrInvalidEvent.
func (c *Coalition) Settle(ctx context.Context, e *loyalty.Engine, lister loyalty.MemberLister, from, to, now time.Time, deposits map[string]decimal.Decimal) (*Statement, error) {
	q := storage.RefQuery{Account: ledger.PointsAccount, From: from, To: to, Kinds: settled}
	if err := q.Check(); err != nil {
		return nil, err
	}
	if now.Before(to) {
		return nil, ErrPeriodOpen
	}
	var ts []ledger.RefTotal
	if a, ok := lister.(storage.RefAggregator); ok {
		var err error
		if ts, err = a.AggregateRefs(ctx, q); err != nil {
			return nil, err
		}
	} else {
		idx := map[refKind]int{}
		err := c.scan(ctx, e, lister, &q, func(m string, x *ledger.Entry) error {
			k := refKind{ledger.RefPrefix(x.Ref), x.Kind}
			i, ok := idx[k]
			if !ok {
				i = len(ts)
				idx[k] = i
				ts = append(ts, ledger.RefTotal{Prefix: k.prefix, Kind: k.kind})
			}
			ts[i].Amount += x.Amount
			ts[i].Pending += x.Pending
			ts[i].Count++
			return nil
		})
		if err != nil {
			return nil, err
		}
		ts = ledger.NormalizeRefTotals(ts)
	}
	return c.statement(from, to, ts, deposits), nil
}

type refKind struct {
	prefix string
	kind   ledger.EntryKind
}

// statement prices the totals of the period.
func (c *Coalition) statement(from, to time.Time, ts []ledger.RefTotal, deposits map[string]decimal.Decimal) *Statement {
	st := &Statement{From: from, To: to, Partners: make([]Settlement, len(c.partners))}
	for i := range c.partners {
		st.Partners[i].Partner = c.partners[i].ID
	}
	for _, t := range ts {
		s := &st.Other
		if i := c.index(t.Prefix); i >= 0 {
			s = &st.Partners[i]
		}
		pts, redeem := points(t.Kind, t.Amount, t.Pending)
		if redeem {
			s.Redeemed -= pts
		} else {
			s.Issued += pts
		}
		s.Entries += t.Count
	}
	d := c.currency.MinorDigits()
	zero := money.Money{Amount: decimal.Zero, Currency: c.currency}
	st.Other.Owed, st.Other.Reimbursed, st.Other.Net = zero, zero, zero
	for i, p := range c.partners {
		s := &st.Partners[i]
		owed := decimal.New(s.Issued, 0).Mul(p.CostPerPoint).RoundBank(d)
		reimb := decimal.New(s.Redeemed, 0).Mul(p.ReimbursePerPoint).RoundBank(d)
		net := owed.Sub(reimb)
		s.Owed = money.Money{Amount: owed, Currency: c.currency}
		s.Reimbursed = money.Money{Amount: reimb, Currency: c.currency}
		s.Net = money.Money{Amount: net, Currency: c.currency}
		if p.Threshold.Sign() > 0 {
			if p.Prepaid {
				s.Alert = deposits[p.ID].Sub(net).LessThan(p.Threshold)
			} else {
				s.Alert = net.GreaterThan(p.Threshold)
			}
		}
	}
	return st
}

func (c *Coalition) index(id string) int {
	if id == "" {
		return -1
	}
	for i := range c.partners {
		if c.partners[i].ID == id {
			return i
		}
	}
	return -1
}

// Lines calls fn with every line of the period's statement: each points
// entry Settle counts, member by member in the lister's order, each
// member's entries oldest first, so a finance team can reconcile the
// Statement line by line against the ledger (the lines of a partner add
// up to its Issued, Redeemed and Entries). It reads the ledger through
// e.History, loading one page of a member's entries at a time, and stops
// at the first error fn returns. A from not before to is a
// *loyalty.ValidationError wrapping loyalty.ErrInvalidEvent.
func (c *Coalition) Lines(ctx context.Context, e *loyalty.Engine, lister loyalty.MemberLister, from, to time.Time, fn func(Line) error) error {
	q := storage.RefQuery{Account: ledger.PointsAccount, From: from, To: to, Kinds: settled}
	if err := q.Check(); err != nil {
		return err
	}
	return c.scan(ctx, e, lister, &q, func(m string, x *ledger.Entry) error {
		p := ledger.RefPrefix(x.Ref)
		if c.index(p) < 0 {
			p = ""
		}
		pts, _ := points(x.Kind, x.Amount, x.Pending)
		return fn(Line{Partner: p, Member: m, Entry: x.ID, Kind: x.Kind, Ref: x.Ref, Points: pts})
	})
}

// scan calls fn with every entry q sums, member by member.
func (c *Coalition) scan(ctx context.Context, e *loyalty.Engine, lister loyalty.MemberLister, q *storage.RefQuery, fn func(member string, x *ledger.Entry) error) error {
	const page = 1000
	after := ""
	for {
		ids, err := lister.Members(ctx, after, page)
		if err != nil {
			return err
		}
		for _, m := range ids {
			var at ledger.EntryID
			for {
				es, err := e.History(ctx, m, at, page)
				if err != nil {
					return err
				}
				for i := range es {
					if q.Sums(&es[i]) {
						if err := fn(m, &es[i]); err != nil {
							return err
						}
					}
				}
				if len(es) < page {
					break
				}
				at = es[len(es)-1].ID
			}
		}
		if len(ids) < page {
			return nil
		}
		after = ids[len(ids)-1]
	}
}
