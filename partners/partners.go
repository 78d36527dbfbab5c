package partners

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
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
	currency loyalty.Currency
	partners []Partner
}

type invalidError struct{ reason string }

func (e *invalidError) Error() string { return "partners: invalid program: " + e.reason }
func (e *invalidError) Unwrap() error { return loyalty.ErrInvalidProgram }

// New returns the coalition name of partners, settled in currency. A
// negative cost, reimbursement or threshold, or an empty, duplicate or
// colon-holding ID wraps loyalty.ErrInvalidProgram.
func New(name string, currency loyalty.Currency, partners []Partner) (*Coalition, error) {
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
func PartnerOf(id string) string {
	if i := strings.IndexByte(id, ':'); i > 0 {
		return id[:i]
	}
	return ""
}

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
	if errors.Is(err, loyalty.ErrLimitReached) {
		return nil, errors.Join(ErrSuspended, err)
	}
	return r, err
}

// Redeem redeems at the partner r.ID names; an unknown or suspended
// partner is refused, writing nothing.
func (c *Coalition) Redeem(ctx context.Context, e *loyalty.Engine, key string, r loyalty.Redemption) (*loyalty.Receipt, error) {
	s, err := c.Suspended(ctx, e, PartnerOf(r.ID))
	if err != nil {
		return nil, err
	}
	if s {
		return nil, ErrSuspended
	}
	return e.Redeem(ctx, key, r)
}

// Line is one ledger entry of the period attributed to a partner.
type Line struct {
	Partner string // "" for entries whose Ref names no partner of the coalition
	Member  string
	Entry   loyalty.EntryID
	Kind    loyalty.EntryKind
	Ref     string
	Points  int64 // + issued, − redeemed, as it moves the partner's counts
}

// Settlement is one partner's account for the period.
type Settlement struct {
	Partner          string
	Issued, Redeemed int64
	// Owed is what the partner owes the programme (Issued × CostPerPoint),
	// Reimbursed what the programme owes it (Redeemed × ReimbursePerPoint),
	// each rounded half-even to the minor unit once; Net = Owed − Reimbursed
	// (positive: the partner pays).
	Owed, Reimbursed, Net loyalty.Money
	Alert                 bool
}

// Statement is the settlement of a period.
type Statement struct {
	From, To time.Time
	Partners []Settlement // in the coalition's order
	Lines    []Line       // by member, then entry
}

// Settle settles [from, to) once it has ended at now: every points entry
// of the members lister lists, attributed by its Ref. It writes nothing, so
// running it again gives the same Statement. deposits are the prepaid
// partners' balances before the period, for their alerts.
func (c *Coalition) Settle(ctx context.Context, e *loyalty.Engine, lister loyalty.MemberLister, from, to, now time.Time, deposits map[string]decimal.Decimal) (*Statement, error) {
	if now.Before(to) {
		return nil, ErrPeriodOpen
	}
	st := &Statement{From: from, To: to}
	idx := map[string]int{}
	for i, p := range c.partners {
		idx[p.ID] = i
	}
	issued := make([]int64, len(c.partners))
	redeemed := make([]int64, len(c.partners))
	after := ""
	for {
		ids, err := lister.Members(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, m := range ids {
			var at loyalty.EntryID
			for {
				es, err := e.History(ctx, m, at, 1000)
				if err != nil {
					return nil, err
				}
				for i := range es {
					x := &es[i]
					if x.Account != loyalty.PointsAccount || x.At.Before(from) || !x.At.Before(to) {
						continue
					}
					var pts int64
					switch x.Kind {
					case loyalty.EntryEarn, loyalty.EntryReverse, loyalty.EntryVoid:
						pts = x.Amount + x.Pending
					case loyalty.EntryRedeem, loyalty.EntryRestore:
						pts = x.Amount
					default:
						continue
					}
					p := PartnerOf(x.Ref)
					if j, ok := idx[p]; ok {
						if x.Kind == loyalty.EntryRedeem || x.Kind == loyalty.EntryRestore {
							redeemed[j] -= pts
						} else {
							issued[j] += pts
						}
					} else {
						p = ""
					}
					st.Lines = append(st.Lines, Line{Partner: p, Member: m, Entry: x.ID, Kind: x.Kind, Ref: x.Ref, Points: pts})
				}
				if len(es) < 1000 {
					break
				}
				at = es[len(es)-1].ID
			}
		}
		if len(ids) < 1000 {
			break
		}
		after = ids[len(ids)-1]
	}
	sort.SliceStable(st.Lines, func(i, j int) bool {
		a, b := &st.Lines[i], &st.Lines[j]
		return a.Member < b.Member || a.Member == b.Member && a.Entry.Less(b.Entry)
	})
	d := c.currency.MinorDigits()
	for i, p := range c.partners {
		owed := decimal.New(issued[i], 0).Mul(p.CostPerPoint).RoundBank(d)
		reimb := decimal.New(redeemed[i], 0).Mul(p.ReimbursePerPoint).RoundBank(d)
		net := owed.Sub(reimb)
		s := Settlement{Partner: p.ID, Issued: issued[i], Redeemed: redeemed[i],
			Owed: loyalty.Money{Amount: owed, Currency: c.currency}, Reimbursed: loyalty.Money{Amount: reimb, Currency: c.currency},
			Net: loyalty.Money{Amount: net, Currency: c.currency}}
		if p.Threshold.Sign() > 0 {
			if p.Prepaid {
				s.Alert = deposits[p.ID].Sub(net).LessThan(p.Threshold)
			} else {
				s.Alert = net.GreaterThan(p.Threshold)
			}
		}
		st.Partners = append(st.Partners, s)
	}
	return st, nil
}
