package rewards

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
)

// ActionClaimOffer is the action of a member taking a coupon offer; its Ref
// is the offer's ID. Offers.Claim sends it.
const ActionClaimOffer loyalty.ActionKind = "claim-offer"

// Offer is a personalised offer: who it targets (every one of Targets must
// match: a member's history, tier, segment or attribute) and what it gives,
// once per member: a points multiplier or bonus points on the member's next
// order, or a coupon of a catalog's reward the member claims
// (Offers.Claim).
type Offer struct {
	// ID names the offer in listings and in the member's counters.
	ID   string
	Name string

	// From and Until bound when the offer holds (Until excluded); zero means
	// no bound.
	From, Until time.Time
	// Targets must all match for the member to be eligible; none targets
	// every member.
	Targets []Target

	// Multiplier, when set, multiplies what the next order earns at the
	// program's rates (2 doubles it) on the lines of Category, or every line
	// when Category is empty.
	Multiplier decimal.Decimal
	Category   string
	// Bonus, when set, is fixed points the next order earns on top.
	Bonus int64
	// Reward, when set, is the catalog reward whose coupon the member
	// claims with the offer.
	Reward string
}

// OfferKind says what an offer gives.
type OfferKind uint8

// Offer kinds.
const (
	OfferMultiplier OfferKind = iota + 1
	OfferBonus
	OfferCoupon
)

// String names the kind ("multiplier").
func (k OfferKind) String() string {
	switch k {
	case OfferMultiplier:
		return "multiplier"
	case OfferBonus:
		return "bonus"
	case OfferCoupon:
		return "coupon"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Kind is what o gives (0 when it gives nothing or more than one thing,
// which Validate refuses).
func (o *Offer) Kind() OfferKind {
	var k OfferKind
	n := 0
	if !o.Multiplier.IsZero() {
		k, n = OfferMultiplier, n+1
	}
	if o.Bonus != 0 {
		k, n = OfferBonus, n+1
	}
	if o.Reward != "" {
		k, n = OfferCoupon, n+1
	}
	if n != 1 {
		return 0
	}
	return k
}

// Target is who an offer is for. Match reports whether the member of h
// matches, and Why says why it does (for the listing); both read h and
// nothing else, so the same state and clock give the same answer. A host
// implements it for its own predicates (a tier: see TargetFunc).
type Target interface {
	Match(h *History) bool
	Why(h *History) string
}

// TargetFunc is a Target of a host's function: match reports whether the
// member matches and why.
type TargetFunc func(h *History) (ok bool, why string)

// Match implements Target.
func (f TargetFunc) Match(h *History) bool { ok, _ := f(h); return ok }

// Why implements Target.
func (f TargetFunc) Why(h *History) string { _, why := f(h); return why }

// BoughtCategory targets members who bought in Category within the last
// WithinDays days (0: ever, as far as the Offers rule saw), in at least
// MinOrders orders of this calendar year (0 and 1: one order).
type BoughtCategory struct {
	Category   string
	WithinDays int
	MinOrders  int64
}

// Match implements Target.
func (b BoughtCategory) Match(h *History) bool {
	c := h.category(b.Category)
	if c == nil || c.last == 0 {
		return false
	}
	if b.WithinDays > 0 && h.today-c.last > int64(b.WithinDays) {
		return false
	}
	return c.orders >= max(b.MinOrders, 1)
}

// Why implements Target.
func (b BoughtCategory) Why(h *History) string {
	c := h.category(b.Category)
	if c == nil || c.last == 0 {
		return "never bought " + b.Category
	}
	if c.why == "" {
		c.why = "bought " + b.Category + " in " + itoa(c.orders) + " orders this year, last on " + dayString(c.last)
	}
	return c.why
}

// NoOrderFor targets members who have not ordered for at least Days days
// (counted from the day they joined when they never ordered).
type NoOrderFor struct{ Days int }

// Match implements Target.
func (n NoOrderFor) Match(h *History) bool { return h.today-h.lastOrDay() >= int64(n.Days) }

// Why implements Target.
func (n NoOrderFor) Why(h *History) string {
	if h.lastWhy == "" {
		if h.lastOrder == 0 {
			h.lastWhy = "no order since joining " + itoa(h.today-h.lastOrDay()) + " days ago"
		} else {
			h.lastWhy = "no order for " + itoa(h.today-h.lastOrder) + " days"
		}
	}
	return h.lastWhy
}

// SpentThisYear targets members whose orders this calendar year (in the
// program's currency, after discounts, less returns) come to at least
// Amount.
type SpentThisYear struct{ Amount decimal.Decimal }

// Match implements Target.
func (s SpentThisYear) Match(h *History) bool {
	return h.spent >= units(s.Amount, h.digits)
}

// Why implements Target.
func (s SpentThisYear) Why(h *History) string {
	if h.spentWhy == "" {
		h.spentWhy = "spent " + decimal.New(h.spent, -h.digits).StringFixed(h.digits) + " this year"
	}
	return h.spentWhy
}

// Match implements Target: the member is in one of the segments.
func (s InSegment) Match(h *History) bool { ok, _ := s.Eligible(h.In); return ok }

// Why implements Target.
func (s InSegment) Why(h *History) string {
	for _, seg := range s {
		if h.In.Member.InSegment(seg) {
			return "in segment " + seg
		}
	}
	return "not in segment " + joinComma(s)
}

// Match implements Target: the member's attribute Key is Value.
func (a HasAttribute) Match(h *History) bool { ok, _ := a.Eligible(h.In); return ok }

// Why implements Target.
func (a HasAttribute) Why(h *History) string {
	if ok, why := a.Eligible(h.In); !ok {
		return why
	}
	return a.Key + " is " + a.Value
}

// History is what an Offers rule knows of a member, read from its counters
// once per listing or order: the last order, the spend this year and the
// categories bought. In is the rule's input (the member, its state, the
// time), for targets that read more.
type History struct {
	In *loyalty.Input

	today, lastOrder, joined int64 // days since 1970-01-01 in the zone
	spent                    int64 // minor units of the program's currency, this year
	digits                   int32
	cats                     []categoryHistory
	buf                      [8]categoryHistory
	lastWhy, spentWhy        string   // the targets' why, made once
	had                      []uint64 // a bit per offer of the rule: had already
	hadBuf                   [16]uint64
}

type categoryHistory struct {
	name         string
	last, orders int64
	why          string
}

// LastOrder is the day of the member's last order the rule saw (in the
// program's zone), false when none.
func (h *History) LastOrder() (time.Time, bool) {
	if h.lastOrder == 0 {
		return time.Time{}, false
	}
	return dayTime(h.lastOrder), true
}

// SpentThisYear is the member's spend this calendar year.
func (h *History) SpentThisYear() decimal.Decimal { return decimal.New(h.spent, -h.digits) }

// OrdersIn is how many of this year's orders bought in category, and the
// day of the last one (false when the rule saw none).
func (h *History) OrdersIn(category string) (orders int64, last time.Time, ok bool) {
	c := h.category(category)
	if c == nil || c.last == 0 {
		return 0, time.Time{}, false
	}
	return c.orders, dayTime(c.last), true
}

func (h *History) category(name string) *categoryHistory {
	for i := range h.cats {
		if h.cats[i].name == name {
			return &h.cats[i]
		}
	}
	return nil
}

func (h *History) lastOrDay() int64 {
	if h.lastOrder != 0 {
		return h.lastOrder
	}
	return h.joined
}

// dayNumber is the date of t (read in its own location) as days since
// 1970-01-01.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func dayTime(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

func dayString(n int64) string { return dayTime(n).Format(time.DateOnly) }

// Offers is the rule of a program's personalised offers. It keeps what the
// offers target in the member's counters (the day of the last order, the
// spend per calendar year, per category the day of the last order and the
// orders of the year), from the orders it sees after it joined the program;
// it lists the offers a member is eligible for (Eligible, List); on an
// order it applies the multiplier and bonus offers the member was eligible
// for before it; on an ActionClaimOffer it grants the offer's coupon. Each
// offer is given once per member.
//
// Build it with NewOffers; it is immutable and safe for concurrent use.
type Offers struct {
	name     string
	catalog  *Catalog
	account  ledger.Account
	offers   []Offer
	factors  []loyalty.Factor
	lastName string
	spendKey string
	catKey   string
	usedKey  string
	index    map[string]int // offer ID → place in offers
}

// NewOffers returns the offers rule name. Coupon offers grant rewards of
// catalog c (nil when no offer is a coupon); bonus points go to c's account
// (ledger.PointsAccount without a catalog). It fails with an error wrapping
// loyalty.ErrInvalidProgram for an empty name, an offer without an ID or
// given twice, one that gives nothing or more than one thing, a multiplier
// that is not above 0, a negative bonus, a coupon of a reward c does not
// hold, or an empty window.
func NewOffers(name string, c *Catalog, offers ...Offer) (*Offers, error) {
	o := &Offers{name: name, catalog: c, account: ledger.PointsAccount, offers: append([]Offer(nil), offers...)}
	if c != nil {
		o.account = c.account
	}
	o.lastName, o.spendKey, o.catKey, o.usedKey = name+"/last-order", name+"/spend", name+"/category/", name+"/used/"
	o.factors = make([]loyalty.Factor, len(o.offers))
	for i := range o.offers {
		o.offers[i].Targets = append(o.offers[i].Targets[:0:0], o.offers[i].Targets...)
		if m := o.offers[i].Multiplier; m.Sign() > 0 {
			f, err := loyalty.NewFactor(m)
			if err != nil {
				return nil, definition.Invalid("offer "+o.offers[i].ID+": multiplier", err.Error())
			}
			o.factors[i] = f
		}
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.index = make(map[string]int, len(o.offers))
	for i := range o.offers {
		o.index[o.offers[i].ID] = i
	}
	return o, nil
}

// Validate checks the rule (see NewOffers).
func (o *Offers) Validate() error {
	if o.name == "" {
		return definition.Invalid("name", "is empty")
	}
	for i := range o.offers {
		of := &o.offers[i]
		if of.ID == "" {
			return definition.Invalid("offers["+strconv.Itoa(i)+"].id", "is empty")
		}
		f := func(field string) string { return "offer " + of.ID + ": " + field }
		if err := loyalty.CheckID(f("id"), of.ID); err != nil {
			return err
		}
		for _, q := range o.offers[:i] {
			if q.ID == of.ID {
				return definition.Invalid("offer "+of.ID, "is given twice")
			}
		}
		switch {
		case of.Kind() == 0:
			return definition.Invalid(f("kind"), "must give one of a multiplier, a bonus or a coupon")
		case of.Multiplier.Sign() < 0:
			return definition.Invalid(f("multiplier"), "is negative")
		case of.Bonus < 0:
			return definition.Invalid(f("bonus"), "is negative")
		case !of.Until.IsZero() && !of.Until.After(of.From):
			return definition.Invalid(f("until"), "is not after from")
		case of.Reward != "" && (o.catalog == nil || o.catalog.reward(of.Reward) == nil):
			return definition.Invalid(f("reward"), of.Reward+" is not in the offers' catalog")
		}
		for j, t := range of.Targets {
			if t == nil {
				return definition.Invalid(f("targets["+strconv.Itoa(j)+"]"), "is nil")
			}
		}
	}
	return nil
}

// Name returns the rule's name.
func (o *Offers) Name() string { return o.name }

// Kind implements loyalty.ActionRule: the rule reacts to ActionClaimOffer.
func (o *Offers) Kind() loyalty.ActionKind { return ActionClaimOffer }

// Offers returns a copy of the rule's offers, in their order.
func (o *Offers) Offers() []Offer { return append([]Offer(nil), o.offers...) }

// Eligible is an offer a member may have now, and why.
type Eligible struct {
	Offer string
	Name  string
	Kind  OfferKind
	// Why says, target by target, why the member is eligible ("bought shoes
	// in 3 orders this year, last on 2026-11-30").
	Why []string
}

// History reads the member's history as the rule keeps it, at in.Now in
// the program's zone.
func (o *Offers) History(in *loyalty.Input) *History {
	h := &History{}
	o.readHistory(in, h)
	return h
}

func (o *Offers) readHistory(in *loyalty.Input, h *History) {
	local := in.Now.In(in.Program.Zone())
	year := calendar.Year.Key(local)
	*h = History{In: in, today: dayNumber(local), joined: dayNumber(in.Member.JoinedAt.In(in.Program.Zone())), digits: in.Program.Currency.MinorDigits()}
	h.cats = h.buf[:0]
	if n := (len(o.offers) + 63) / 64; n <= len(h.hadBuf) {
		h.had = h.hadBuf[:n]
	} else {
		h.had = make([]uint64, n)
	}
	for i := range in.State.Counters {
		ct := &in.State.Counters[i]
		name := ct.Name
		if len(name) <= len(o.name) || name[len(o.name)] != '/' || name[:len(o.name)] != o.name {
			continue
		}
		switch {
		case strings.HasPrefix(name, o.usedKey):
			if i, ok := o.index[name[len(o.usedKey):]]; ok && ct.Value > 0 {
				h.had[i/64] |= 1 << (i % 64)
			}
		case name == o.lastName:
			h.lastOrder = ct.Value
		case name == o.spendKey:
			if ct.PeriodKey == year {
				h.spent = ct.Value
			}
		case strings.HasPrefix(name, o.catKey):
			rest := name[len(o.catKey):]
			var cat string
			var isLast bool
			switch {
			case strings.HasSuffix(rest, "/last"):
				cat, isLast = rest[:len(rest)-len("/last")], true
			case strings.HasSuffix(rest, "/orders"):
				cat = rest[:len(rest)-len("/orders")]
			default:
				continue
			}
			c := h.category(cat)
			if c == nil {
				h.cats = append(h.cats, categoryHistory{name: cat})
				c = &h.cats[len(h.cats)-1]
			}
			if isLast {
				c.last = ct.Value
			} else if ct.PeriodKey == year {
				c.orders = ct.Value
			}
		}
	}
}

// hadOffer reports whether the member had the rule's i-th offer.
func (h *History) hadOffer(i int) bool { return h.had[i/64]&(1<<(i%64)) != 0 }

// Eligible appends to out the offers the member of in may have now, in the
// rule's order, with why: those in their window, not had yet, whose
// targets all match. It is pure: the same state and clock give the same
// list.
func (o *Offers) Eligible(in *loyalty.Input, out []Eligible) []Eligible {
	var h History
	o.readHistory(in, &h)
	var whys []string // one backing array for the whys of the list
	for i := range o.offers {
		of := &o.offers[i]
		if !o.eligible(&h, i) {
			continue
		}
		n := max(len(of.Targets), 1)
		if cap(whys)-len(whys) < n {
			whys = make([]string, 0, max(n, 64))
		}
		start := len(whys)
		for _, t := range of.Targets {
			whys = append(whys, t.Why(&h))
		}
		if len(of.Targets) == 0 {
			whys = append(whys, "offered to every member")
		}
		out = append(out, Eligible{Offer: of.ID, Name: of.Name, Kind: of.Kind(), Why: whys[start:len(whys):len(whys)]})
	}
	return out
}

// eligible reports whether the member of h may have the rule's i-th offer
// now.
func (o *Offers) eligible(h *History, i int) bool {
	of := &o.offers[i]
	now := h.In.Now
	if (!of.From.IsZero() && now.Before(of.From)) || (!of.Until.IsZero() && !now.Before(of.Until)) {
		return false
	}
	if h.hadOffer(i) {
		return false
	}
	for _, t := range of.Targets {
		if !t.Match(h) {
			return false
		}
	}
	return true
}

// List returns the offers member may have now through e (see Eligible).
func (o *Offers) List(ctx context.Context, e *loyalty.Engine, member string) ([]Eligible, error) {
	st, err := e.Member(ctx, member)
	if err != nil {
		return nil, err
	}
	in := loyalty.Input{Now: e.Now(), Program: e.Program(), State: st, Member: &st.Member}
	return o.Eligible(&in, nil), nil
}

// Claim takes coupon offer id for member through e, under idempotency key
// key: the coupon is granted and the offer marked as had, in one write. A
// refusal is a *Error (ErrUnknownOffer, ErrNotEligible, ErrNotOffered for an
// offer that is no coupon, ErrOutOfStock).
func (o *Offers) Claim(ctx context.Context, e *loyalty.Engine, key, member, id string) (*Coupon, *loyalty.Receipt, error) {
	rc, err := e.Act(ctx, key, &loyalty.Action{Kind: ActionClaimOffer, MemberID: member, Ref: id})
	of := o.offer(id)
	if err != nil {
		var ce *loyalty.ClaimError
		if of != nil && of.Reward != "" && errors.As(err, &ce) && ce.Counter == o.catalog.stockCounter(of.Reward) && errors.Is(err, loyalty.ErrLimitReached) {
			return nil, nil, &Error{Offer: id, Reward: of.Reward, Reason: ErrOutOfStock, Err: err}
		}
		var re *Error
		if errors.As(err, &re) {
			return nil, nil, re
		}
		return nil, nil, err
	}
	for _, g := range rc.Grants {
		if of != nil && g.Reward == of.Reward {
			c := couponOf(g)
			return &c, rc, nil
		}
	}
	return nil, rc, nil
}

func (o *Offers) offer(id string) *Offer {
	if i, ok := o.index[id]; ok {
		return &o.offers[i]
	}
	return nil
}

// Evaluate implements loyalty.Rule.
func (o *Offers) Evaluate(in *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	switch ev := in.Event.(type) {
	case *loyalty.Order:
		return o.onOrder(in, ev, effects)
	case *loyalty.Return:
		return o.onReturn(in, effects)
	case *loyalty.Action:
		if ev.Kind == ActionClaimOffer {
			return o.claim(in, ev, effects)
		}
	}
	return effects
}

// onOrder applies the multiplier and bonus offers the member was eligible
// for before the order, and records the order in the member's history.
func (o *Offers) onOrder(in *loyalty.Input, ord *loyalty.Order, effects []loyalty.Effect) []loyalty.Effect {
	var h History
	o.readHistory(in, &h)
	for i := range o.offers {
		of := &o.offers[i]
		k := of.Kind()
		if k == OfferCoupon || !o.eligible(&h, i) {
			continue
		}
		note := "offer " + of.ID
		if k == OfferMultiplier {
			n := 0
			for j := range in.Lines {
				if of.Category == "" || in.Lines[j].Category == of.Category {
					effects = append(effects, loyalty.Multiply(o.factors[i], j, note))
					n++
				}
			}
			if n == 0 {
				continue // kept for an order that has the category
			}
		} else {
			ef := loyalty.Earn(of.Bonus, loyalty.OrderLevel, note)
			ef.Account = o.account
			effects = append(effects, ef)
		}
		effects = append(effects, loyalty.Count(o.usedKey+of.ID, "", 1))
	}
	if ord.Currency != in.Program.Currency {
		return effects
	}
	local := in.Now.In(in.Program.Zone())
	if !ord.PlacedAt.IsZero() {
		local = ord.PlacedAt.In(in.Program.Zone())
	}
	day, year := dayNumber(local), calendar.Year.Key(local)
	if day > h.lastOrder {
		last := loyalty.Count(o.lastName, "", day)
		last.Set = true
		effects = append(effects, last)
	}
	if spent := o.minor(in.Value, in.Scale, h.digits); spent > 0 {
		effects = append(effects, loyalty.Count(o.spendKey, year, spent))
	}
	for j := range in.Lines {
		cat := in.Lines[j].Category
		if cat == "" || seenBefore(in.Lines[:j], cat) {
			continue
		}
		base := o.catKey + cat
		if c := h.category(cat); c == nil || day > c.last {
			last := loyalty.Count(base+"/last", "", day)
			last.Set = true
			effects = append(effects, last)
		}
		effects = append(effects, loyalty.Count(base+"/orders", year, 1))
	}
	return effects
}

func seenBefore(lines []loyalty.LineBasis, cat string) bool {
	for i := range lines {
		if lines[i].Category == cat {
			return true
		}
	}
	return false
}

// onReturn takes what a return sends back off the spend of the year the
// order was placed in, when that is this year.
func (o *Offers) onReturn(in *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	rec := in.OrderRecord
	if rec == nil || rec.Currency != in.Program.Currency || in.Returned <= 0 {
		return effects
	}
	zone := in.Program.Zone()
	year := calendar.Year.Key(in.Now.In(zone))
	if calendar.Year.Key(rec.PlacedAt.In(zone)) != year {
		return effects
	}
	var h History
	o.readHistory(in, &h)
	back := min(o.minor(in.Returned, rec.Scale, h.digits), h.spent)
	if back <= 0 {
		return effects
	}
	return append(effects, loyalty.Count(o.spendKey, year, -back))
}

// minor is v of scale in minor units of digits, rounded down.
func (o *Offers) minor(v int64, scale, digits int32) int64 {
	for ; scale > digits; scale-- {
		v /= 10
	}
	for ; scale < digits; scale++ {
		v *= 10
	}
	return v
}

// claim grants coupon offer a.Ref.
func (o *Offers) claim(in *loyalty.Input, a *loyalty.Action, effects []loyalty.Effect) []loyalty.Effect {
	i, ok := o.index[a.Ref]
	if !ok {
		return append(effects, refuse(&Error{Offer: a.Ref, Reason: ErrUnknownOffer}))
	}
	of := &o.offers[i]
	if of.Kind() != OfferCoupon {
		return append(effects, refuse(&Error{Offer: of.ID, Reason: ErrNotOffered, Detail: "the offer is a " + of.Kind().String() + " on the next order"}))
	}
	var h History
	o.readHistory(in, &h)
	if h.hadOffer(i) {
		return append(effects, refuse(&Error{Offer: of.ID, Reason: ErrOverLimit, Detail: "the offer was taken already"}))
	}
	if !o.eligible(&h, i) {
		why := "not in the offer's window"
		for _, t := range of.Targets {
			if !t.Match(&h) {
				why = t.Why(&h)
				break
			}
		}
		return append(effects, refuse(&Error{Offer: of.ID, Reason: ErrNotEligible, Detail: why}))
	}
	r := o.catalog.reward(of.Reward)
	if err := o.catalog.grantable(in, r); err != nil {
		err.Offer = of.ID
		return append(effects, refuse(err))
	}
	g := o.catalog.grant(in, r, false)
	effects = append(effects, g)
	if r.Stock > 0 {
		effects = append(effects, loyalty.ClaimShared(o.catalog.stockOf(r.ID), "", 1))
	}
	return append(effects, loyalty.Count(o.usedKey+of.ID, "", 1))
}
