package referral

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// Memo accounts of the referral program's ledger when Config.CreditTo sends
// the rewards to another program: what was credited there, kept beside the
// caps and counters that decided it (never spendable: the points and store
// credit themselves are in CreditTo's ledger).
const (
	// CreditedPoints records a referrer's reward credited to CreditTo.
	CreditedPoints ledger.Account = "points_credited"
	// CreditedCommission records store-credit commission credited to CreditTo.
	CreditedCommission ledger.Account = "commission_credited"
)

// Tags of the order IDs the referral program records (see orderID).
const (
	tagFriend     = "o"  // a referred friend's own order
	tagReferrer   = "rr" // the referrer's reward of a friend's qualifying order
	tagFriendRwd  = "rf" // the friend's second reward of it
	tagCommission = "ac" // an ambassador's commission on an order
)

// orderID is the ID under which the referral program (and CreditTo)
// records host order id for tag: the tag, ':', the ID, '~' and 16 hex digits
// of a keyed hash of both ("rr:B-1001~3fa9c2d17b0e4a85"), or the tag, '#'
// and 32 hex digits when that would not fit loyalty.MaxIDLength. Host order
// IDs are never recorded as they are, so any ID a host uses (one starting
// with "rr:", or "referral~") works, and the keyed hash keeps these IDs
// apart from the host's own order IDs in CreditTo's ledger.
func (p *Program) orderID(tag, id string) string {
	sum := p.mac("order", tag, id)
	if n := len(tag) + 1 + len(id) + 1 + 16; n <= loyalty.MaxIDLength {
		b := make([]byte, 0, n)
		b = append(b, tag...)
		b = append(b, ':')
		b = append(b, id...)
		b = append(b, '~')
		return string(hex.AppendEncode(b, sum[:8]))
	}
	return tag + "#" + hex.EncodeToString(sum[:16])
}

// tagOf is the tag of a recorded order ID, "" for one orderID did not make.
func tagOf(id string) string {
	if len(id) < 3 {
		return ""
	}
	var t string
	switch id[0] {
	case 'o':
		t = tagFriend
	case 'r':
		switch id[1] {
		case 'r':
			t = tagReferrer
		case 'f':
			t = tagFriendRwd
		}
	case 'a':
		if id[1] == 'c' {
			t = tagCommission
		}
	}
	if t == "" || (id[len(t)] != ':' && id[len(t)] != '#') {
		return ""
	}
	return t
}

// hostOrder is the host's order ID in a recorded ID of orderID's first
// form, ok false for the hashed form.
func hostOrder(id string) (string, bool) {
	t := tagOf(id)
	if t == "" || id[len(t)] != ':' || len(id) < len(t)+1+17 {
		return "", false
	}
	return id[len(t)+1 : len(id)-17], true
}

// creditKey is an idempotency key of a write in CreditTo's ledger, scoped
// by the referral program's ID so that two referral programs crediting one
// points program never share one.
func (p *Program) creditKey(what, id string) string {
	return "referral:" + p.cfg.ID + "/" + what + "/" + id
}

// newCredit builds the Engine that writes the rewards into CreditTo's
// ledger: CreditTo's ID, currency, zone, expiry and clawback, the
// referral program's return window, and the package's credit rules only,
// so the host's own rules never see a reward.
func (p *Program) newCredit(store loyalty.Store, opts *loyalty.EngineOptions) (*loyalty.Engine, error) {
	t := p.cfg.CreditTo
	cp := &loyalty.Program{ID: t.ProgramID(), Name: t.Name, Currency: t.Currency, Location: t.Location, Basis: t.Basis,
		Rounding: t.Rounding, RoundingScope: t.RoundingScope, Expiry: t.Expiry, Clawback: t.Clawback, Units: t.Units,
		PendingDays: p.cfg.ReturnDays}
	cp.Rules = []loyalty.Rule{&creditRule{p: p, kind: actWelcome}, &creditOrders{creditRule{p: p}}}
	return loyalty.NewEngine(cp, store, opts)
}

// actWelcome is the action of a friend's welcome in CreditTo's ledger.
const actWelcome loyalty.ActionKind = "referral.welcome"

// creditRule is the rule of CreditTo's ledger: the welcome (kind
// actWelcome) and, as creditOrders, the rewards keyed from orders.
type creditRule struct {
	p    *Program
	kind loyalty.ActionKind
}

func (r *creditRule) Name() string {
	if r.kind == "" {
		return "referral.reward"
	}
	return string(r.kind)
}

func (r *creditRule) Kind() loyalty.ActionKind { return r.kind }

func (r *creditRule) Evaluate(c *loyalty.Input, ef []loyalty.Effect) []loyalty.Effect {
	cfg := &r.p.cfg
	if r.kind == actWelcome {
		if a, ok := c.Event.(*loyalty.Action); ok && a.Kind == actWelcome {
			ef = r.p.welcome(c, a.Data["referrer"], ef)
		}
		return ef
	}
	o := c.Order
	if o == nil || c.Return != nil {
		return ef
	}
	switch tagOf(o.ID) {
	case tagReferrer:
		if cfg.ReferrerPoints > 0 {
			ef = append(ef, loyalty.Earn(cfg.ReferrerPoints, loyalty.OrderLevel, "referral of "+o.Lines[0].Category))
		}
	case tagFriendRwd:
		if cfg.FriendPoints > 0 {
			ef = append(ef, loyalty.Earn(cfg.FriendPoints, loyalty.OrderLevel, "first order, referred by "+o.Lines[0].Category))
		}
	case tagCommission:
		return r.p.commission.Earn(c, r.p.commissionAccount(), "commission", ef)
	}
	return ef
}

// creditOrders is creditRule for orders: no loyalty.ActionRule.
type creditOrders struct{ r creditRule }

func (o *creditOrders) Name() string { return o.r.Name() }
func (o *creditOrders) Evaluate(c *loyalty.Input, ef []loyalty.Effect) []loyalty.Effect {
	return o.r.Evaluate(c, ef)
}

// welcome appends the friend's welcome incentive.
func (p *Program) welcome(c *loyalty.Input, ref string, ef []loyalty.Effect) []loyalty.Effect {
	cfg := &p.cfg
	if cfg.Welcome.Points > 0 {
		ef = append(ef, loyalty.Earn(cfg.Welcome.Points, loyalty.OrderLevel, "welcome, referred by "+ref))
	}
	if cfg.Welcome.Coupon != "" {
		g := ledger.Grant{Reward: cfg.Welcome.Coupon, Value: cfg.Welcome.CouponValue, Note: "welcome, referred by " + ref}
		if cfg.Welcome.CouponDays > 0 {
			g.ExpiresAt = c.Now.AddDate(0, 0, cfg.Welcome.CouponDays)
		}
		ef = append(ef, loyalty.GrantReward(g, &loyalty.CodeFormat{Kind: "coupon"}))
	}
	return ef
}

// commissionAccount is where commission goes in the ledger that holds it:
// Payable in the referral program's, or the store credit account
// (Ambassador.Account, StoreCredit when empty).
func (p *Program) commissionAccount() ledger.Account {
	if p.cfg.Ambassador.Payable {
		return Payable
	}
	if p.cfg.Ambassador.Account != "" {
		return p.cfg.Ambassador.Account
	}
	return StoreCredit
}

// credits reports whether the rewards go to CreditTo.
func (p *Program) credits() bool { return p.credit != nil }

// creditsCommission reports whether commission goes to CreditTo (store
// credit does; a payable balance stays in the referral program's ledger,
// where PayOut pays it).
func (p *Program) creditsCommission() bool { return p.credit != nil && !p.cfg.Ambassador.Payable }

// Credit is the Engine writing to CreditTo's ledger (balances and history
// read there are the member's whole points, not only the referral's); nil
// when the rewards stay in the referral program's own ledger.
func (p *Program) Credit() *loyalty.Engine { return p.credit }

// inCredit checks that member is in CreditTo's program, before anything is
// written: a reward can only land in a ledger that exists.
func (p *Program) inCredit(ctx context.Context, field, member string) error {
	if p.credit == nil {
		return nil
	}
	_, err := p.credit.Member(ctx, member)
	if errors.Is(err, loyalty.ErrUnknownMember) {
		return &NotEnrolledError{Member: member, Role: field, Program: p.credit.Program().ProgramID()}
	}
	return err
}

// earnCredit writes the credit of a synthetic order o in CreditTo's ledger
// under key, once: a retry of a write that committed returns its receipt.
func (p *Program) earnCredit(ctx context.Context, key string, o *loyalty.Order) (*loyalty.Receipt, error) {
	r, err := p.credit.Earn(ctx, key, o)
	if err != nil {
		return nil, fmt.Errorf("referral: crediting program %s: %w", p.credit.Program().ProgramID(), err)
	}
	return r, nil
}

// Spendable is a rule for the program commission is credited to (the
// shop's points program as Config.CreditTo): it gives nothing and declares
// the store-credit accounts (StoreCredit when none are named) redeemable
// (loyalty.RedeemableRule), so the ambassador spends their commission at
// checkout with a loyalty.Redemption of that Account. A cashback program
// declares its own credit account already.
func Spendable(accounts ...ledger.Account) loyalty.Rule {
	if len(accounts) == 0 {
		accounts = []ledger.Account{StoreCredit}
	}
	return spendable(append([]ledger.Account(nil), accounts...))
}

type spendable []ledger.Account

func (spendable) Name() string                                                    { return "referral.spendable" }
func (spendable) Evaluate(_ *loyalty.Input, ef []loyalty.Effect) []loyalty.Effect { return ef }
func (s spendable) Redeemable() []ledger.Account                                  { return append([]ledger.Account(nil), s...) }
