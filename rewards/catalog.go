package rewards

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// ActionBuy is the action of a member buying a reward with points; its Ref
// is the reward's ID. Catalog.Buy sends it.
const ActionBuy loyalty.ActionKind = "buy-reward"

// CodeKind is the Kind of the codes of coupons (ledger.Code.Kind).
const CodeKind = "coupon"

// Catalog is a program's rewards and the rule that sells them and takes
// their coupons at checkout. Add it to the program's rules: on an ActionBuy
// it spends the reward's price, claims its stock, counts the member's limits
// and grants a coupon with a new code, in one write; on an order presenting
// codes (loyalty.Order.Codes) it checks each coupon against the cart and
// uses it, in the order's write. A refusal is a *Error (wrapped by the
// engine's loyalty.ErrRefused) and writes nothing.
//
// Build it with NewCatalog; it is immutable and safe for concurrent use.
type Catalog struct {
	name     string
	currency money.Currency
	account  ledger.Account
	rewards  []Reward
	format   loyalty.CodeFormat
	giveBack GiveBack
	digits   int32
	names    []rewardNames // of rewards[i], made once so that a buy builds no string
}

// rewardNames are the names a reward's writes use, made by NewCatalog.
type rewardNames struct {
	stock  string   // stockCounter
	limits []string // limitCounter of each limit
	spend  string   // the note of the points spent on it
}

// Options tune a catalog. The zero value (or nil) sells for points of
// ledger.PointsAccount and makes codes of 12 characters of
// loyalty.CodeAlphabet.
type Options struct {
	// Account is the account prices are paid from.
	Account ledger.Account
	// Code is the format of coupon codes (prefix, length, alphabet); its
	// Kind is CodeKind, its uses and expiry the reward's.
	Code loyalty.CodeFormat
	// GiveBack says when a return of an order gives back the single-use
	// coupons it used (their grants reopen, to use again until they
	// expire); the zero value never does.
	GiveBack GiveBack
}

// GiveBack says when a returned order gives its single-use coupons back.
type GiveBack uint8

// GiveBack policies.
const (
	// GiveBackNever keeps a used coupon used whatever comes back.
	GiveBackNever GiveBack = iota
	// GiveBackOnFullReturn gives the coupons back once the whole order is
	// returned (a cancellation, or returns that add up to all of it).
	GiveBackOnFullReturn
	// GiveBackOnAnyReturn gives them back on the order's first return, even
	// of one line.
	GiveBackOnAnyReturn
)

// NewCatalog returns the catalog rule name of rewards priced and valued in
// currency. It fails with an error wrapping loyalty.ErrInvalidProgram for an
// empty name, a currency that is not three letters, a reward that does not
// validate (Reward.Validate) or two rewards of one ID.
func NewCatalog(name string, currency money.Currency, opts *Options, rewards ...Reward) (*Catalog, error) {
	c := &Catalog{name: name, currency: currency, account: ledger.PointsAccount, rewards: append([]Reward(nil), rewards...)}
	if opts != nil {
		if opts.Account != "" {
			c.account = opts.Account
		}
		c.format = opts.Code
		c.giveBack = opts.GiveBack
	}
	c.format.Kind, c.format.MaxUses, c.format.ExpiresAt = CodeKind, 0, time.Time{}
	for i := range c.rewards {
		c.rewards[i].Limits = append(c.rewards[i].Limits[:0:0], c.rewards[i].Limits...)
		c.rewards[i].Budgets = append(c.rewards[i].Budgets[:0:0], c.rewards[i].Budgets...)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.digits = currency.MinorDigits()
	c.names = make([]rewardNames, len(c.rewards))
	for i := range c.rewards {
		r := &c.rewards[i]
		n := &c.names[i]
		n.stock, n.spend = c.stockCounter(r.ID), "reward "+r.ID
		n.limits = make([]string, len(r.Limits))
		for j := range r.Limits {
			n.limits[j] = c.limitCounter(r, j)
		}
	}
	return c, nil
}

// Validate checks the catalog (see NewCatalog); Program.Validate calls it.
func (c *Catalog) Validate() error {
	if c.name == "" {
		return definition.Invalid("name", "is empty")
	}
	if err := c.currency.Validate(); err != nil {
		return definition.Invalid("currency", err.Error())
	}
	if c.giveBack > GiveBackOnAnyReturn {
		return definition.Invalid("give_back", "is an unknown policy")
	}
	for i := range c.rewards {
		r := &c.rewards[i]
		if err := r.Validate(); err != nil {
			return err
		}
		for _, q := range c.rewards[:i] {
			if q.ID == r.ID {
				return definition.Invalid("reward "+r.ID, "is in the catalog twice")
			}
		}
		if err := loyalty.CheckID("counter", c.stockCounter(r.ID)); err != nil {
			return err
		}
		for j := range r.Budgets {
			b := &r.Budgets[j]
			if err := b.Validate(); err != nil {
				return err
			}
			field := "reward " + r.ID + ": budget " + b.Name
			switch {
			case b.Policy != BudgetRefuse:
				return definition.Invalid(field+": policy", "a purchase is refused, not cut: use BudgetRefuse")
			case b.Points == 0 && b.Money.Currency != c.currency:
				return definition.Invalid(field+": money.currency", "is "+string(b.Money.Currency)+", not the catalog's "+string(c.currency))
			}
			if _, why := r.budgetCost(b); why != "" {
				return definition.Invalid(field, why)
			}
		}
	}
	return nil
}

// Name returns the rule's name.
func (c *Catalog) Name() string { return c.name }

// Kind implements loyalty.ActionRule: the catalog reacts to ActionBuy.
func (c *Catalog) Kind() loyalty.ActionKind { return ActionBuy }

// Spends implements loyalty.Spender: buying a reward spends points, so the
// engine loads the member's lots with an ActionBuy up front.
func (c *Catalog) Spends(kind loyalty.ActionKind) bool { return kind == ActionBuy }

// Currency is the currency of the catalog's amounts.
func (c *Catalog) Currency() money.Currency { return c.currency }

// Reward returns the reward of id.
func (c *Catalog) Reward(id string) (Reward, bool) {
	if r := c.reward(id); r != nil {
		return *r, true
	}
	return Reward{}, false
}

// Rewards returns a copy of the catalog's rewards, in their order.
func (c *Catalog) Rewards() []Reward { return append([]Reward(nil), c.rewards...) }

func (c *Catalog) reward(id string) *Reward {
	if i := c.rewardAt(id); i >= 0 {
		return &c.rewards[i]
	}
	return nil
}

// rewardAt is the index of the reward of id, or -1.
func (c *Catalog) rewardAt(id string) int {
	for i := range c.rewards {
		if c.rewards[i].ID == id {
			return i
		}
	}
	return -1
}

// namesOf are the names of the reward at index i.
func (c *Catalog) namesOf(i int) *rewardNames { return &c.names[i] }

// stockOf names the shared counter of reward id's stock, made once.
func (c *Catalog) stockOf(id string) string {
	if i := c.rewardAt(id); i >= 0 {
		return c.names[i].stock
	}
	return c.stockCounter(id)
}

// stockCounter names the shared counter of reward id's stock.
func (c *Catalog) stockCounter(id string) string { return c.name + "/" + id + "/stock" }

// limitCounter names the member counter of reward id's i-th limit.
func (c *Catalog) limitCounter(r *Reward, i int) string {
	return c.name + "/" + r.ID + "/" + r.Limits[i].Per.String()
}

// Setup defines, with e.SetLimit, the stock counter of every reward that
// has a Stock, to that stock, and the shared counter of every global budget
// of a reward (BudgetCounter), to the budget; run it once before the
// catalog sells (and again after changing a stock or a budget: one below
// what was taken already is a *loyalty.LimitError).
func (c *Catalog) Setup(ctx context.Context, e *loyalty.Engine) error {
	for i := range c.rewards {
		r := &c.rewards[i]
		if r.Stock > 0 {
			if err := e.SetLimit(ctx, c.stockCounter(r.ID), r.Stock); err != nil {
				return err
			}
		}
		for j := range r.Budgets {
			if err := r.Budgets[j].setup(ctx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// StockLeft is what is left of reward id's stock (loyalty.NoLimit for a
// reward without one).
func (c *Catalog) StockLeft(ctx context.Context, e *loyalty.Engine, id string) (int64, error) {
	r := c.reward(id)
	if r == nil {
		return 0, &Error{Reward: id, Reason: ErrUnknownReward}
	}
	if r.Stock == 0 {
		return loyalty.NoLimit, nil
	}
	sc, err := e.SharedCounter(ctx, c.stockCounter(id), "")
	if err != nil {
		return 0, err
	}
	return sc.Left(), nil
}

// Evaluate implements loyalty.Rule: a purchase on an ActionBuy, the
// coupons of an order's codes on an order.
func (c *Catalog) Evaluate(in *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	switch ev := in.Event.(type) {
	case *loyalty.Action:
		switch ev.Kind {
		case ActionBuy:
			return c.buy(in, ev, effects)
		case ActionFulfil:
			return c.fulfil(in, ev, effects)
		}
	case *loyalty.Order:
		if len(in.Codes) > 0 {
			return c.useCoupons(in, ev, effects)
		}
	case *loyalty.Return:
		if c.giveBack != GiveBackNever && in.OrderRecord != nil && len(in.OrderRecord.Codes) > 0 {
			return c.giveBackCoupons(in, effects)
		}
	}
	return effects
}

// giveBackCoupons gives back, as the catalog's policy says, the single-use
// coupons of the catalog's rewards that the returned order used.
func (c *Catalog) giveBackCoupons(in *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	rec := in.OrderRecord
	full := rec.ReturnedValue+in.Returned >= rec.Value
	if c.giveBack == GiveBackOnFullReturn && !full {
		return effects
	}
	for _, oc := range rec.Codes {
		if oc.GivenBack || oc.Grant == "" {
			continue
		}
		for i := range in.State.Grants {
			g := &in.State.Grants[i]
			if g.ID != oc.Grant || g.Status != ledger.GrantUsed || max(g.MaxUses, 1) != 1 || c.reward(g.Reward) == nil {
				continue
			}
			effects = append(effects, loyalty.GiveBackCode(oc.Code, "coupon "+g.Reward+" of returned order "+rec.ID))
		}
	}
	return effects
}

// refuse is the effect refusing a write for err.
func refuse(err *Error) loyalty.Effect {
	return loyalty.RefuseWith(err, trimPrefix(err.Reason.Error()))
}

// buy plans the purchase of reward a.Ref.
func (c *Catalog) buy(in *loyalty.Input, a *loyalty.Action, effects []loyalty.Effect) []loyalty.Effect {
	at := c.rewardAt(a.Ref)
	if at < 0 {
		return append(effects, refuse(&Error{Reward: a.Ref, Reason: ErrUnknownReward}))
	}
	r, names := &c.rewards[at], c.namesOf(at)
	if r.Price == 0 {
		return append(effects, refuse(&Error{Reward: r.ID, Reason: ErrNotForSale}))
	}
	if c.currency != in.Program.Currency { // its coupons' values mean nothing in the program's money
		return append(effects, refuse(&Error{Reward: r.ID, Reason: ErrWrongCurrency, Detail: "the catalog is in " + string(c.currency) + ", the program in " + string(in.Program.Currency)}))
	}
	if cur := a.Data["currency"]; cur != "" && cur != string(c.account) {
		return append(effects, refuse(&Error{Reward: r.ID, Reason: ErrWrongCurrency, Detail: "priced in " + string(c.account) + ", not " + cur}))
	}
	if err := c.grantable(in, r); err != nil {
		return append(effects, refuse(err))
	}
	zone := in.Program.Zone()
	local := in.Now.In(zone)
	// the period key of each limit, made once for its check and its count
	var keyRoom [2]string
	keys := keyRoom[:0]
	for i, l := range r.Limits {
		keys = append(keys, l.Per.Key(local))
		if in.State.Counter(names.limits[i], keys[i]) >= l.Times {
			return append(effects, refuse(&Error{Reward: r.ID, Reason: ErrOverLimit, Detail: l.String()}))
		}
	}
	for j := range r.Budgets {
		b := &r.Budgets[j]
		if cost, _ := r.budgetCost(b); !b.Global {
			if left := b.memberLeft(in); cost > left {
				return append(effects, refuse(b.over(r.ID, cost, left)))
			}
		}
	}
	if have := in.State.Balance(c.account).Available; have < r.Price {
		return append(effects, refuse(&Error{Reward: r.ID, Reason: ErrInsufficientPoints,
			Detail: "costs " + itoa(r.Price) + ", the member has " + itoa(have)}))
	}
	effects = append(effects, loyalty.Spend(c.account, r.Price, names.spend))
	for i := range r.Limits {
		effects = append(effects, loyalty.Count(names.limits[i], keys[i], 1))
	}
	if r.Stock > 0 {
		effects = append(effects, loyalty.ClaimShared(names.stock, "", 1))
	}
	for j := range r.Budgets {
		b := &r.Budgets[j]
		cost, _ := r.budgetCost(b)
		if b.Global {
			effects = append(effects, loyalty.ClaimShared(BudgetCounter(b.Name), b.key(in), cost))
		} else {
			effects = append(effects, loyalty.Count(BudgetCounter(b.Name), b.key(in), cost))
		}
	}
	return append(effects, c.grant(in, r, false))
}

// grantable reports why reward r may not be given to in's member now.
func (c *Catalog) grantable(in *loyalty.Input, r *Reward) *Error {
	if !r.offered(in.Now) {
		return &Error{Reward: r.ID, Reason: ErrNotOffered}
	}
	if r.Eligibility != nil {
		if ok, why := r.Eligibility.Eligible(in); !ok {
			return &Error{Reward: r.ID, Reason: ErrNotEligible, Detail: why}
		}
	}
	return nil
}

// grant is the effect granting a coupon of r; withStock claims its stock
// "up to" with the grant (a rule's gift, left out when none is left).
func (c *Catalog) grant(in *loyalty.Input, r *Reward, withStock bool) loyalty.Effect {
	g := ledger.Grant{Reward: r.ID, MaxUses: r.uses(), ExpiresAt: r.couponExpiry(in.Now, in.Program.Zone()), Note: r.Name}
	if r.Kind == FixedDiscount || r.Kind == GiftCard {
		g.Value = money.Money{Amount: r.Amount, Currency: c.currency}
	}
	var code *loyalty.CodeFormat
	if r.Kind != External {
		code = &c.format
	}
	ef := loyalty.GrantReward(g, code)
	if withStock && r.Stock > 0 {
		ef.Counter = c.stockOf(r.ID)
	}
	return ef
}

// useCoupons checks the order's coupons and uses them, or refuses the
// order with the first coupon's reason.
func (c *Catalog) useCoupons(in *loyalty.Input, o *loyalty.Order, effects []loyalty.Effect) []loyalty.Effect {
	for i := range in.Codes {
		code := &in.Codes[i]
		if code.Kind != CodeKind {
			continue // another package's code (a referral)
		}
		var d Discount
		if err := c.check(in, code, in.State.Grants, o, &d); err != nil {
			return append(effects, refuse(err))
		}
		effects = append(effects, loyalty.UseCode(code.Code, "coupon "+d.Reward))
	}
	return effects
}

// Purchase is what buying a reward gave: the coupon, and the receipt of the
// write.
type Purchase struct {
	Coupon  Coupon
	Receipt *loyalty.Receipt
}

// Coupon is an issued reward: its grant and the code that redeems it.
type Coupon struct {
	Code      string
	Reward    string
	GrantID   string
	ExpiresAt time.Time
	MaxUses   int64
}

// Buy buys reward id for member with points through e, under idempotency
// key key: the points, the stock, the member's limits and a new coupon
// commit in one write, or nothing does. A refusal is a *Error whose Reason
// says why (ErrUnknownReward, ErrNotForSale, ErrNotOffered, ErrNotEligible,
// ErrOverLimit, ErrInsufficientPoints, ErrOutOfStock); other errors are the
// engine's.
func (c *Catalog) Buy(ctx context.Context, e *loyalty.Engine, key, member, id string) (*Purchase, error) {
	rc, err := e.Act(ctx, key, &loyalty.Action{Kind: ActionBuy, MemberID: member, Ref: id})
	if err != nil {
		var ce *loyalty.ClaimError
		if errors.As(err, &ce) && ce.Counter == c.stockOf(id) && errors.Is(err, loyalty.ErrLimitReached) {
			return nil, &Error{Reward: id, Reason: ErrOutOfStock, Err: err}
		}
		if be, ok := OverBudget(err); ok && be.Reward == "" && ce != nil {
			// the store's refusal of a global budget's claim
			if r := c.reward(id); r != nil {
				for j := range r.Budgets {
					if b := &r.Budgets[j]; b.Name == be.Budget {
						be.Detail = b.detail(ce.Asked, ce.Left)
					}
				}
			}
			be.Reward = id
			return nil, be
		}
		var ie *loyalty.InsufficientError
		if errors.As(err, &ie) {
			return nil, &Error{Reward: id, Reason: ErrInsufficientPoints, Err: err}
		}
		var re *Error
		if errors.As(err, &re) {
			return nil, re
		}
		return nil, err
	}
	p := &Purchase{Receipt: rc}
	for _, g := range rc.Grants {
		if g.Reward == id {
			p.Coupon = couponOf(g)
		}
	}
	return p, nil
}

func couponOf(g ledger.Grant) Coupon {
	return Coupon{Code: g.Code, Reward: g.Reward, GrantID: g.ID, ExpiresAt: g.ExpiresAt, MaxUses: max(g.MaxUses, 1)}
}

// Coupons are the member's open coupons of the catalog's rewards.
func Coupons(st *loyalty.State) []Coupon {
	var out []Coupon
	for _, g := range st.Grants {
		if g.Status == ledger.GrantOpen && g.Code != "" {
			out = append(out, couponOf(g))
		}
	}
	return out
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// Refund refunds member's coupon (or external reward) of grant id, bought
// from the catalog and not used, under idempotency key key, in one write:
// the points it cost come back with the expiry they had, one unit of the
// reward's stock is given back, the grant is voided (−1 in
// ledger.RewardsAccount) and its code with it, and the purchase no longer
// counts toward the member's limits of the periods it was bought in (a
// monthly limit bought up in November is given back in November; once the
// month is over, nothing is left to give back) (see
// loyalty.Engine.RefundGrantWith). A grant
// that is not the member's open grant of a reward of the catalog is a
// *Error wrapping loyalty.ErrUnknownGrant (or ErrUnknownReward), one used,
// void or expired loyalty.ErrGrantNotOpen; nothing is written.
func (c *Catalog) Refund(ctx context.Context, e *loyalty.Engine, key, member, id string) (*loyalty.Receipt, error) {
	st, err := e.Member(ctx, member)
	if err != nil {
		return nil, err
	}
	var g *ledger.Grant
	for i := range st.Grants {
		if st.Grants[i].ID == id {
			g = &st.Grants[i]
		}
	}
	var back loyalty.GrantRefund
	if g != nil {
		r := c.reward(g.Reward)
		if r == nil {
			return nil, &Error{Reward: g.Reward, Reason: ErrUnknownReward, Detail: "not in catalog " + c.name}
		}
		if r.Stock > 0 {
			back.Release = append(back.Release, ledger.Claim{Counter: c.stockCounter(r.ID), Amount: 1})
		}
		if g.Source == c.name { // bought: its limits and budgets counted it, in the periods of its purchase
			local := g.GrantedAt.In(e.Program().Zone())
			for i, l := range r.Limits {
				back.Uncount = append(back.Uncount, ledger.Counter{Name: c.limitCounter(r, i), PeriodKey: l.Per.Key(local), Value: 1})
			}
			for j := range r.Budgets {
				b := &r.Budgets[j]
				cost, _ := r.budgetCost(b)
				if b.Global {
					back.Release = append(back.Release, ledger.Claim{Counter: BudgetCounter(b.Name), PeriodKey: b.Per.Key(local), Amount: cost})
				} else {
					back.Uncount = append(back.Uncount, ledger.Counter{Name: BudgetCounter(b.Name), PeriodKey: b.Per.Key(local), Value: cost})
				}
			}
		}
	}
	rc, err := e.RefundGrantWith(ctx, key, member, id, back)
	if err != nil {
		for _, reason := range []error{loyalty.ErrUnknownGrant, loyalty.ErrGrantNotOpen} {
			if errors.Is(err, reason) {
				reward := id
				if g != nil {
					reward = g.Reward
				}
				return nil, &Error{Reward: reward, Reason: reason, Err: err}
			}
		}
		return nil, err
	}
	return rc, nil
}
