package referral

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// Promote makes member an ambassador by hand (the rule of
// Ambassador.AfterReferrals makes one by itself), with a reason for the
// notice; key is the write's idempotency key. Promoting an ambassador again
// changes nothing.
func (p *Program) Promote(ctx context.Context, key, member, reason string) (*loyalty.Receipt, error) {
	if err := checkMember("member", member); err != nil {
		return nil, err
	}
	if err := p.enroll(ctx, member); err != nil {
		return nil, err
	}
	st, err := p.engine.Member(ctx, member)
	if err != nil {
		return nil, err
	}
	return p.engine.Act(ctx, key, &loyalty.Action{Kind: actAmbassador, MemberID: member, At: st.Member.JoinedAt, Ref: member,
		Data: map[string]string{"reason": reason}})
}

// IsAmbassador reports whether member is an ambassador.
func (p *Program) IsAmbassador(ctx context.Context, member string) (bool, error) {
	if err := checkMember("member", member); err != nil {
		return false, err
	}
	st, err := p.engine.Member(ctx, member)
	if isUnknown(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return st.Counter(ctrAmbassador, "") > 0, nil
}

// Perks are member's benefits as an ambassador (Ambassador.Perks), none
// for a member who is not one.
func (p *Program) Perks(ctx context.Context, member string) ([]string, error) {
	ok, err := p.IsAmbassador(ctx, member)
	if err != nil || !ok {
		return nil, err
	}
	return append([]string(nil), p.cfg.Ambassador.Perks...), nil
}

// Commission attributes order o to the ambassador whose referral code code
// is, and credits them Ambassador.Commission percent of its value after
// discounts (and of shipping and tax when the program's basis includes
// them), in minor units of the currency, into Payable or StoreCredit. A
// return of the order (OnReturn) reverses it in proportion. It refuses,
// writing nothing: a code it cannot resolve (see Resolve), a member who is
// not an ambassador (ErrNotAmbassador), the ambassador's own order
// (*FraudError, CheckSelfBuy), an order attributed before (loyalty's
// ErrDuplicate, whoever it went to), and a program without a commission
// (ErrInvalidConfig).
//
// Precedence at checkout: a coupon code is a price (the host's discount,
// in o's Discount and line discounts), a referral code is attribution. An
// order carrying both keeps the discount and is attributed to the
// referral code's ambassador, who earns commission on the value after the
// discount; an order carrying two referral codes is attributed to the
// first the host saw (a second Commission is ErrDuplicate). A friend's
// first order can both qualify their referral (OnOrder) and earn an
// ambassador's commission.
//
// The commission is written as an order of the ambassador's ledger keyed
// from o (recorded under an ID of its own, so any host order ID works),
// then an index code maps o to the ambassador for returns, then, with
// Config.CreditTo and store credit, the credit in that program's ledger
// (whose receipt Commission returns; the referral program's ledger keeps a
// memo in CreditedCommission): calling Commission again after a crash
// completes it, never crediting twice. An order's codes (the shop's
// coupons) are not looked at. With CreditTo, an ambassador who is not a
// member of that program is a *NotEnrolledError, writing nothing.
func (p *Program) Commission(ctx context.Context, code string, o *loyalty.Order) (*loyalty.Receipt, error) {
	if o == nil {
		return nil, &loyalty.ValidationError{Field: "order", Reason: "is nil", Kind: loyalty.ErrInvalidEvent}
	}
	if p.commission.IsZero() {
		return nil, fmt.Errorf("%w: the program has no ambassador commission", ErrInvalidConfig)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	amb, err := p.Resolve(ctx, code)
	if err != nil {
		return nil, err
	}
	if amb == o.MemberID {
		return nil, &FraudError{Check: CheckSelfBuy, Referrer: amb, Friend: o.MemberID, Err: ErrSelfReferral}
	}
	if ok, err := p.IsAmbassador(ctx, amb); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotAmbassador, amb)
	}
	if c, ok, err := p.lookup(ctx, p.saleIndex(o.ID)); err != nil {
		return nil, err
	} else if ok && c.Owner != amb {
		return nil, fmt.Errorf("%w: order %s was attributed to another ambassador", loyalty.ErrDuplicate, o.ID)
	}
	if p.creditsCommission() {
		if err := p.inCredit(ctx, "ambassador", amb); err != nil {
			return nil, err
		}
	}
	co := p.recorded(tagCommission, o, amb)
	r, err := p.engine.Earn(ctx, "referral/commission/"+o.ID, co)
	if err != nil {
		return nil, err
	}
	if err := p.putIndex(ctx, ledger.Code{Code: p.saleIndex(o.ID), Kind: kindSale, Owner: amb, Ref: o.ID}); err != nil {
		return nil, err
	}
	if p.creditsCommission() {
		// Recorded (and the ambassador checked) above; the store credit
		// itself is a second write keyed from the order, in CreditTo's ledger.
		return p.earnCredit(ctx, p.creditKey("commission", o.ID), co)
	}
	return r, nil
}

// PayOut records that the host paid amount (minor units) of member's
// Payable commission; key is the write's idempotency key. More than the
// balance is a *loyalty.InsufficientError, writing nothing.
func (p *Program) PayOut(ctx context.Context, key, member string, amount int64) (*loyalty.Receipt, error) {
	if err := checkMember("member", member); err != nil {
		return nil, err
	}
	if amount <= 0 {
		return nil, &loyalty.ValidationError{Field: "amount", Reason: "must be positive", Kind: loyalty.ErrInvalidAmount}
	}
	st, err := p.engine.Member(ctx, member)
	if err != nil {
		return nil, err
	}
	return p.engine.Act(ctx, key, &loyalty.Action{Kind: actPayout, MemberID: member, At: st.Member.JoinedAt, Ref: key,
		Data: map[string]string{"amount": strconv.FormatInt(amount, 10)}})
}

// AmbassadorStatement is an ambassador's period: the orders attributed to
// them, the commission earned, reversed by returns and paid out, in minor
// units of the program's currency, and the balance at the period's end.
type AmbassadorStatement struct {
	Member   string
	From, To time.Time
	Account  ledger.Account
	// Orders are the IDs of the orders attributed in the period.
	Orders                 []string
	Earned, Reversed, Paid int64
	Balance                int64
}

// AmbassadorStatement returns member's commission statement for the period
// [from, to).
func (p *Program) AmbassadorStatement(ctx context.Context, member string, from, to time.Time) (*AmbassadorStatement, error) {
	if err := checkMember("member", member); err != nil {
		return nil, err
	}
	acct := p.commissionAccount()
	if p.creditsCommission() {
		acct = CreditedCommission
	}
	s := &AmbassadorStatement{Member: member, From: from, To: to, Account: acct}
	seen := map[string]bool{}
	var after ledger.EntryID
	for {
		es, err := p.engine.History(ctx, member, after, 500)
		if err != nil {
			if isUnknown(err) {
				return s, nil
			}
			return nil, err
		}
		for _, e := range es {
			if e.Account != acct {
				continue
			}
			before := to.IsZero() || e.At.Before(to)
			if before {
				s.Balance += e.Amount
			}
			if e.At.Before(from) || !before {
				continue
			}
			switch e.Kind {
			case ledger.EntryEarn:
				s.Earned += e.Amount
				if tagOf(e.Ref) == tagCommission && !seen[e.Ref] {
					seen[e.Ref] = true
					o, ok := hostOrder(e.Ref)
					if !ok {
						o = p.hostOrderOfSale(ctx, e.Ref)
					}
					s.Orders = append(s.Orders, o)
				}
			case ledger.EntryReverse, ledger.EntryVoid:
				s.Reversed -= e.Amount
			case ledger.EntryRedeem:
				s.Paid -= e.Amount
			}
		}
		if len(es) < 500 {
			break
		}
		after = es[len(es)-1].ID
	}
	return s, nil
}

// hostOrderOfSale is the host's order ID of a commission recorded under
// orderID's hashed form (a host ID too long to keep in it), read from the
// sale's index code; the recorded ID when that cannot be read.
func (p *Program) hostOrderOfSale(ctx context.Context, recorded string) string {
	if c, ok, err := p.lookup(ctx, p.index("c", recorded)); err == nil && ok {
		return c.Ref
	}
	return recorded
}

// saleIndex is the index code of the ambassador an order was attributed
// to (kindSale, Ref the host's order ID), named for the order's recorded ID.
func (p *Program) saleIndex(order string) string {
	return p.index("c", p.orderID(tagCommission, order))
}
