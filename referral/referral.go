package referral

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// Accounts of a referral program's ledger. Rewards (the referrer's, the
// friend's welcome and second reward) are points in ledger.PointsAccount,
// held for the return window like any order's points: of Config.CreditTo's
// ledger (the shop's points program) when it is set, else of the referral
// program's own. An ambassador's commission is money in minor units of the
// program's currency, in StoreCredit (of CreditTo's ledger when set) or
// Payable (always the referral program's).
const (
	// StoreCredit holds commission the ambassador spends in the shop.
	StoreCredit ledger.Account = "store_credit"
	// Payable holds commission the host owes the ambassador and pays out
	// (Program.PayOut) on its own schedule.
	Payable ledger.Account = "commission_payable"
)

// Notice kinds the referral program's rules announce.
const (
	// NoticeCapped: a referrer's reward was refused by a cap (To names it).
	NoticeCapped loyalty.NoticeKind = "referral.capped"
	// NoticeAmbassador: a member became an ambassador (To "ambassador").
	NoticeAmbassador loyalty.NoticeKind = "referral.ambassador"
	// NoticeSignup: a friend signed up on the referrer's code; Detail is the
	// signup's number among the referrer's (1 for the first).
	NoticeSignup loyalty.NoticeKind = "referral.signup"
)

// Reason says where a referral stands, or why it went no further, in an
// Outcome and a statement line.
type Reason string

// Reasons.
const (
	ReasonSignedUp      Reason = "signed-up"       // attributed, no qualifying order yet
	ReasonQualified     Reason = "qualified"       // the friend's order qualified
	ReasonNotFirst      Reason = "not-first-order" // the order was not the friend's first
	ReasonBelowMinimum  Reason = "below-minimum"   // the first order was below the minimum
	ReasonTooLate       Reason = "too-late"        // the first order came too long after signup
	ReasonPendingReview Reason = "pending-review"  // waiting for the host's approval
	ReasonRejected      Reason = "rejected"        // the host rejected the referral
	ReasonCapMonth      Reason = "cap-month"       // the referrer's monthly cap was reached
	ReasonCapLifetime   Reason = "cap-lifetime"    // the referrer's lifetime cap was reached
	ReasonBudget        Reason = "budget-spent"    // the campaign's budget was spent
	ReasonPending       Reason = "pending"         // rewarded, held for the return window
	ReasonPaid          Reason = "paid"            // rewarded, the window passed
	ReasonReturned      Reason = "returned"        // the order was returned in the window: voided
)

// Welcome is the friend's incentive at attribution: Points of the referral
// program, or a coupon (a ledger.Grant of reward Coupon with a new unique
// code), or both.
type Welcome struct {
	Points int64
	// Coupon is the ID of the reward in the host's catalog ("welcome-10").
	Coupon      string
	CouponValue money.Money
	// CouponDays is how long the coupon is valid; 0 means forever.
	CouponDays int
}

// Velocity limits signups on one code: at most Max per Per, calendar.Hour or
// calendar.Day in the program's zone. Max 0 is no limit.
type Velocity struct {
	Max int64
	Per calendar.Period
}

// Ambassador is the ambassador policy: members become ambassadors by hand
// (Program.Promote) or, when AfterReferrals > 0, by the rule "that many
// rewarded referrals"; they get Perks and Commission percent of the orders
// attributed to their code, in Payable (when Payable) or StoreCredit.
type Ambassador struct {
	AfterReferrals int64
	// Commission is a percent ("10" for 10%), above 0 and at most 100; zero
	// means no commission.
	Commission decimal.Decimal
	Payable    bool
	// Account is the store-credit account commission goes to when not
	// Payable; empty is StoreCredit. With Config.CreditTo it is an account of
	// that program's ledger (cashback.CreditAccount of a cashback program,
	// say), where the ambassador spends it with a loyalty.Redemption of
	// that Account.
	Account ledger.Account
	// Perks are the benefits of the status (tier-like: "free-shipping",
	// "early-access"), returned by Program.Perks.
	Perks []string
}

// Config is a referral program.
type Config struct {
	// ID is the program's ID on the store, beside the shop's other
	// programs; empty is "referral".
	ID string
	// Name is the program's name; empty is "Refer a friend".
	Name     string
	Currency money.Currency
	Location *time.Location
	// CreditTo is the program whose ledger receives the rewards: the
	// shop's points program (the *loyalty.Program its Engine runs, or that
	// Engine's Program()), on the same store. Set it, as most shops want:
	// the welcome points and coupon, the referrer's and the friend's
	// rewards and store-credit commission are then the member's points and
	// credit there, spendable with the rest, and expire by its policy.
	// CreditTo's ID, currency (it must be Currency), zone, earn basis,
	// rounding, expiry and clawback are used, never its rules: the host's
	// rules never see a reward. The referral program's own ledger keeps
	// what decides the rewards (attribution, counters, caps, memo entries in
	// CreditedPoints and CreditedCommission). nil keeps the rewards in the
	// referral program's own ledger, spendable only through Engine().
	CreditTo *loyalty.Program
	// Secret keys the hashes of fingerprints and the referral codes: at
	// least 16 bytes, kept by the host like a password. Changing it changes
	// every member's code and forgets every fingerprint.
	Secret []byte
	// CodePrefix and CodeLength shape referral codes: CodePrefix then
	// CodeLength characters of loyalty.CodeAlphabet (0 is 8).
	CodePrefix string
	CodeLength int

	// Start is when the campaign starts: a friend who joined the shop
	// before it is not new (ErrAlreadyMember). Zero means no such check.
	Start time.Time
	// Window is how long after the friend's signup an attribution is
	// accepted; zero is one hour (attribution at enrolment).
	Window time.Duration
	// Welcome is the friend's incentive at attribution.
	Welcome Welcome

	// ReferrerPoints is the referrer's reward, FriendPoints the friend's
	// optional second reward, both when the friend's order qualifies: their
	// first order, of at least MinOrder (its value after discounts, the
	// welcome coupon's included), within QualifyDays of their signup
	// (0: no limit). Both are held for ReturnDays from the order's placing
	// and voided if that order is returned within them.
	ReferrerPoints int64
	FriendPoints   int64
	MinOrder       decimal.Decimal
	QualifyDays    int
	ReturnDays     int

	// MonthlyCap and LifetimeCap limit a referrer's rewarded referrals (by
	// the month of the qualifying order, in the program's zone); Budget the
	// rewarded referrals of the whole campaign. 0 is no limit. The budget is
	// shared counter "referral.budget", defined with the campaign's first
	// reward; change it later with Engine().SetLimit.
	MonthlyCap  int64
	LifetimeCap int64
	Budget      int64

	// Velocity limits signups per code: shared counter
	// "referral.velocity:<code>", defined when the code is made (or at its
	// first signup); change the limit of existing codes with Engine().SetLimit.
	Velocity Velocity
	// Review, when set, decides at attribution whether a referral waits for
	// the host's review (Program.Approve, Program.Reject) before its
	// rewards are released; Signup.Review asks for it too.
	Review func(Signup) bool

	Ambassador Ambassador
}

func invalid(field, reason string, kind error) error {
	return fmt.Errorf("%w: %w", ErrInvalidConfig, &loyalty.ValidationError{Field: field, Reason: reason, Kind: kind})
}

// Validate checks the config. Every error wraps ErrInvalidConfig and a
// *loyalty.ValidationError (of kind loyalty.ErrInvalidAmount for a negative
// reward or cap, loyalty.ErrInvalidProgram otherwise).
func (c *Config) Validate() error {
	if c.ID != "" {
		if err := loyalty.CheckProgramID(c.ID); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	if len(c.Secret) < 16 {
		return invalid("secret", "has "+strconv.Itoa(len(c.Secret))+" bytes, fewer than 16", loyalty.ErrInvalidProgram)
	}
	if c.CodePrefix != "" {
		if err := loyalty.CheckCode(c.CodePrefix); err != nil || strings.HasPrefix(c.CodePrefix, "~") {
			return invalid("code_prefix", "is not a printable code without '~'", loyalty.ErrInvalidCode)
		}
	}
	if c.CodeLength != 0 && (c.CodeLength < loyalty.MinCodeLength || len(c.CodePrefix)+c.CodeLength > loyalty.MaxCodeLength) {
		return invalid("code_length", strconv.Itoa(c.CodeLength)+" is outside "+strconv.Itoa(loyalty.MinCodeLength)+" to what fits a code", loyalty.ErrInvalidCode)
	}
	for _, n := range []struct {
		f string
		v int64
	}{{"welcome.points", c.Welcome.Points}, {"referrer_points", c.ReferrerPoints}, {"friend_points", c.FriendPoints},
		{"monthly_cap", c.MonthlyCap}, {"lifetime_cap", c.LifetimeCap}, {"budget", c.Budget}, {"velocity.max", c.Velocity.Max},
		{"ambassador.after_referrals", c.Ambassador.AfterReferrals}, {"welcome.coupon_days", int64(c.Welcome.CouponDays)},
		{"qualify_days", int64(c.QualifyDays)}, {"return_days", int64(c.ReturnDays)}} {
		if n.v < 0 {
			return invalid(n.f, "is negative", loyalty.ErrInvalidAmount)
		}
	}
	if c.CreditTo != nil {
		id := c.ID
		if id == "" {
			id = "referral"
		}
		switch {
		case c.CreditTo.ProgramID() == id:
			return invalid("credit_to", "is the referral program itself", loyalty.ErrInvalidProgram)
		case c.CreditTo.Currency != c.Currency:
			return invalid("credit_to", "is in "+strconv.Quote(string(c.CreditTo.Currency))+", the referral program in "+strconv.Quote(string(c.Currency)), loyalty.ErrCurrencyMismatch)
		}
	}
	if c.Ambassador.Account != "" {
		if err := loyalty.CheckID("ambassador.account", string(c.Ambassador.Account)); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		if c.Ambassador.Account == ledger.PointsAccount || c.Ambassador.Account == ledger.RewardsAccount {
			return invalid("ambassador.account", "is "+strconv.Quote(string(c.Ambassador.Account))+", an account of points or rewards", loyalty.ErrInvalidProgram)
		}
	}
	if c.Window < 0 {
		return invalid("window", "is negative", loyalty.ErrInvalidAmount)
	}
	if c.MinOrder.Sign() < 0 {
		return invalid("min_order", "is negative", loyalty.ErrInvalidAmount)
	}
	if c.Welcome.Coupon != "" {
		if err := loyalty.CheckID("welcome.coupon", c.Welcome.Coupon); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	if !c.Ambassador.Commission.IsZero() {
		if _, err := loyalty.NewPercent(c.Ambassador.Commission); err != nil {
			return fmt.Errorf("%w: ambassador.commission: %w", ErrInvalidConfig, err)
		}
	}
	switch c.Velocity.Per {
	case calendar.Lifetime, calendar.Hour, calendar.Day:
	default:
		return invalid("velocity.per", c.Velocity.Per.String()+" is neither calendar.Hour nor calendar.Day", loyalty.ErrInvalidProgram)
	}
	if c.Velocity.Max > 0 && c.Velocity.Per == calendar.Lifetime {
		return invalid("velocity.per", "is not set (calendar.Hour or Day) while velocity.max is", loyalty.ErrInvalidProgram)
	}
	return nil
}

// Program runs a referral program on a store, beside the shop's other
// programs: its own loyalty.Engine writes the referral program's ledgers
// (one per referrer, friend and ambassador) and its codes. It is safe for
// concurrent use.
type Program struct {
	cfg        Config
	engine     *loyalty.Engine
	credit     *loyalty.Engine // CreditTo's ledger, nil without
	zone       *time.Location
	commission loyalty.Percent
	window     time.Duration
}

// New validates cfg and returns the program writing to store (a
// loyalty.ProgramStore, so the referral program sits beside the points
// program on one database, and a loyalty.SharedStore for its codes).
// opts is handed to loyalty.NewEngine (Clock, Random, ...); with
// Config.CreditTo a second Engine writes CreditTo's ledger on the same
// store, seeded with the same 32 bytes read from opts.Random.
func New(cfg Config, store loyalty.Store, opts *loyalty.EngineOptions) (*Program, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ID == "" {
		cfg.ID = "referral"
	}
	if cfg.Name == "" {
		cfg.Name = "Refer a friend"
	}
	if cfg.CodeLength == 0 {
		cfg.CodeLength = 8
	}
	if cfg.Velocity.Max == 0 {
		cfg.Velocity = Velocity{}
	}
	cfg.Secret = append([]byte(nil), cfg.Secret...)
	if cfg.CreditTo != nil {
		t := *cfg.CreditTo
		t.Rules = nil
		t.Units = append([]money.CurrencyUnit(nil), t.Units...)
		cfg.CreditTo = &t
	}
	cfg.Ambassador.Perks = append([]string(nil), cfg.Ambassador.Perks...)
	p := &Program{cfg: cfg, zone: time.UTC, window: cfg.Window}
	if cfg.Location != nil {
		p.zone = cfg.Location
	}
	if p.window == 0 {
		p.window = time.Hour
	}
	if !cfg.Ambassador.Commission.IsZero() {
		p.commission, _ = loyalty.NewPercent(cfg.Ambassador.Commission)
	}
	lp := &loyalty.Program{ID: cfg.ID, Name: cfg.Name, Currency: cfg.Currency, Location: cfg.Location, PendingDays: cfg.ReturnDays}
	for _, k := range []loyalty.ActionKind{loyalty.ActionSignup, actSignup, actReview, actAmbassador, actPayout} {
		lp.Rules = append(lp.Rules, &rule{p: p, kind: k})
	}
	lp.Rules = append(lp.Rules, &orderRule{rule{p: p}})
	var o loyalty.EngineOptions
	if opts != nil {
		o = *opts
	}
	var seed []byte
	if o.Random != nil && cfg.CreditTo != nil {
		// Both engines draw from the seed: read it once.
		seed = make([]byte, 32)
		if _, err := io.ReadFull(o.Random, seed); err != nil {
			return nil, fmt.Errorf("referral: New reads a 32-byte seed from EngineOptions.Random: %w", err)
		}
		o.Random = bytes.NewReader(seed)
	}
	e, err := loyalty.NewEngine(lp, store, &o)
	if err != nil {
		return nil, err
	}
	if _, err := e.Code(context.Background(), "~probe"); errors.Is(err, loyalty.ErrSharedUnsupported) {
		return nil, err
	}
	p.engine = e
	if cfg.CreditTo != nil {
		if seed != nil {
			o.Random = bytes.NewReader(seed)
		}
		if p.credit, err = p.newCredit(store, &o); err != nil {
			return nil, fmt.Errorf("referral: credit_to: %w", err)
		}
	}
	return p, nil
}

// Engine is the referral program's engine: balances, history, redemptions
// of referral points and the friend's welcome coupon (Member's Grants).
func (p *Program) Engine() *loyalty.Engine { return p.engine }

// Config returns the program's config (a copy).
func (p *Program) Config() Config {
	c := p.cfg
	c.Secret = nil
	if c.CreditTo != nil {
		t := *c.CreditTo
		c.CreditTo = &t
	}
	c.Ambassador.Perks = append([]string(nil), c.Ambassador.Perks...)
	return c
}

// Custom actions of the referral program's ledgers.
const (
	actSignup     loyalty.ActionKind = "referral.signup"     // on the referrer: a friend signed up
	actReview     loyalty.ActionKind = "referral.review"     // on the friend: approve or reject
	actAmbassador loyalty.ActionKind = "referral.ambassador" // on a member: promoted
	actPayout     loyalty.ActionKind = "referral.payout"     // on an ambassador: commission paid
)

// Member attributes and counters of the referral program's ledgers.
const (
	attrReferrer = "referrer"
	attrCode     = "code"

	ctrSignups       = "signups"  // referrer: friends signed up, lifetime
	ctrRewarded      = "rewarded" // referrer: rewarded referrals, lifetime
	ctrRewardedMonth = "rewarded.month"
	ctrAmbassador    = "ambassador"  // 1 when an ambassador
	ctrOrders        = "first-order" // friend: in the period of the first order's ID, its reasonCode
	ctrReview        = "review"      // friend: reviewPending, reviewApproved, reviewRejected

	budgetCounter = "referral.budget"
)

const (
	reviewPending  = 1
	reviewApproved = 2
	reviewRejected = 3
)

// rule is every rule of the referral program: one per action kind it
// reacts to, and one (kind "") for orders.
type rule struct {
	p    *Program
	kind loyalty.ActionKind
}

func (r *rule) Name() string {
	if r.kind == "" {
		return "referral.order"
	}
	if r.kind == loyalty.ActionSignup {
		return "referral.welcome"
	}
	return string(r.kind)
}

// Kind implements loyalty.ActionRule.
func (r *rule) Kind() loyalty.ActionKind { return r.kind }

// orderRule is the rule of orders and returns: a loyalty.Rule that is no
// loyalty.ActionRule, so it declares no action kind.
type orderRule struct{ r rule }

func (o *orderRule) Name() string { return o.r.Name() }
func (o *orderRule) Evaluate(c *loyalty.Input, ef []loyalty.Effect) []loyalty.Effect {
	return o.r.Evaluate(c, ef)
}

func (r *rule) Evaluate(c *loyalty.Input, ef []loyalty.Effect) []loyalty.Effect {
	cfg := &r.p.cfg
	if r.kind == "" {
		if c.Return != nil && c.OrderRecord != nil && c.Return.ID == voidReturn && tagOf(c.OrderRecord.ID) == tagReferrer {
			return r.uncount(c, ef)
		}
		if c.Order == nil {
			return ef
		}
		return r.order(c, ef)
	}
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != r.kind {
		return ef
	}
	switch r.kind {
	case loyalty.ActionSignup:
		ref := c.Member.Attributes[attrReferrer]
		if ref == "" {
			return ef // a referrer's own enrolment
		}
		if cfg.Velocity.Max > 0 {
			ef = append(ef, loyalty.ClaimShared(velocityCounter(c.Member.Attributes[attrCode]), r.p.bucket(a.At), 1))
		}
		if c.Member.Attributes["review"] == "pending" {
			ef = append(ef, setCount(ctrReview, reviewPending))
		}
		if !r.p.credits() {
			ef = r.p.welcome(c, ref, ef) // else written in CreditTo's ledger next
		}
	case actSignup:
		n := c.State.Counter(ctrSignups, "") + 1
		ef = append(ef, loyalty.Count(ctrSignups, "", 1), loyalty.Notify(NoticeSignup, strconv.FormatInt(n, 10)))
	case actReview:
		if c.State.Counter(ctrReview, "") != reviewPending {
			return append(ef, loyalty.RefuseWith(ErrNotPending, "referral of "+a.MemberID+" is not pending review"))
		}
		v := int64(reviewRejected)
		if a.Data["decision"] == "approve" {
			v = reviewApproved
		}
		ef = append(ef, setCount(ctrReview, v))
	case actAmbassador:
		if c.State.Counter(ctrAmbassador, "") == 0 {
			ef = append(ef, setCount(ctrAmbassador, 1), loyalty.NotifyChange(NoticeAmbassador, "", "ambassador", "promoted: "+a.Data["reason"]))
		}
	case actPayout:
		n, err := strconv.ParseInt(a.Data["amount"], 10, 64)
		if err != nil || n <= 0 {
			return append(ef, loyalty.RefuseWith(loyalty.ErrInvalidAmount, "payout amount "+strconv.Quote(a.Data["amount"])+" is not a positive number"))
		}
		ef = append(ef, loyalty.Spend(Payable, n, "commission paid"))
	}
	return ef
}

func setCount(name string, v int64) loyalty.Effect {
	e := loyalty.Count(name, "", v)
	e.Set = true
	return e
}

// order evaluates an order of the referral program: a friend's own order
// (does it qualify?), or a reward keyed from one.
func (r *rule) order(c *loyalty.Input, ef []loyalty.Effect) []loyalty.Effect {
	cfg := &r.p.cfg
	o := c.Order
	switch tagOf(o.ID) {
	case tagReferrer:
		friend := o.Lines[0].Category
		month := r.p.month(o.PlacedAt)
		if n := c.State.Counter(ctrRewardedMonth, month); cfg.MonthlyCap > 0 && n >= cfg.MonthlyCap {
			return append(ef, loyalty.NotifyChange(NoticeCapped, "", string(ReasonCapMonth),
				"referral of "+friend+" not rewarded: "+strconv.FormatInt(n, 10)+" rewarded in "+month+", the monthly cap"))
		}
		life := c.State.Counter(ctrRewarded, "")
		if cfg.LifetimeCap > 0 && life >= cfg.LifetimeCap {
			return append(ef, loyalty.NotifyChange(NoticeCapped, "", string(ReasonCapLifetime),
				"referral of "+friend+" not rewarded: "+strconv.FormatInt(life, 10)+" rewarded, the lifetime cap"))
		}
		if cfg.Budget > 0 {
			ef = append(ef, loyalty.ClaimShared(budgetCounter, "", 1))
		}
		if cfg.ReferrerPoints > 0 {
			e := loyalty.Earn(cfg.ReferrerPoints, loyalty.OrderLevel, "referral of "+friend)
			if r.p.credits() {
				e.Account, e.Note = CreditedPoints, e.Note+", credited to program "+cfg.CreditTo.ProgramID()
			}
			ef = append(ef, e)
		}
		ef = append(ef, loyalty.Count(ctrRewarded, "", 1), loyalty.Count(ctrRewardedMonth, month, 1))
		if a := cfg.Ambassador.AfterReferrals; a > 0 && life+1 >= a && c.State.Counter(ctrAmbassador, "") == 0 {
			ef = append(ef, setCount(ctrAmbassador, 1), loyalty.NotifyChange(NoticeAmbassador, "", "ambassador",
				strconv.FormatInt(life+1, 10)+" rewarded referrals"))
		}
		return ef
	case tagFriendRwd:
		if cfg.FriendPoints > 0 {
			ef = append(ef, loyalty.Earn(cfg.FriendPoints, loyalty.OrderLevel, "first order, referred"))
		}
		return ef
	case tagCommission:
		if c.State.Counter(ctrAmbassador, "") == 0 {
			return append(ef, loyalty.RefuseWith(ErrNotAmbassador, o.MemberID+" is not an ambassador"))
		}
		acct := r.p.commissionAccount()
		if r.p.creditsCommission() {
			acct = CreditedCommission
		}
		return r.p.commission.Earn(c, acct, "commission", ef)
	}
	if c.Member.Attributes[attrReferrer] == "" || hasCounter(c.State, ctrOrders) {
		return ef // only the first order is checked: later ones add nothing
	}
	// The outcome is a counter named for the order (its PeriodKey is the
	// order's ID) whose value is the reason: no notice, no allocation.
	// OnOrder reads it back.
	e := loyalty.Count(ctrOrders, o.ID, reasonCode(r.p.qualifies(c)))
	e.Set = true
	return append(ef, e)
}

// hasCounter reports whether st holds counter name, in any period.
func hasCounter(st *loyalty.State, name string) bool {
	for i := range st.Counters {
		if st.Counters[i].Name == name {
			return true
		}
	}
	return false
}

// Reasons of the qualifying check as counter values.
var reasonCodes = [...]Reason{1: ReasonQualified, 2: ReasonBelowMinimum, 3: ReasonTooLate}

func reasonCode(r Reason) int64 {
	for i, v := range reasonCodes {
		if v == r && i > 0 {
			return int64(i)
		}
	}
	return 0
}

// qualifies says whether the friend's order of c qualifies their referral.
func (p *Program) qualifies(c *loyalty.Input) Reason {
	cfg := &p.cfg
	o := c.Order
	if c.Value < p.minUnits(c) {
		return ReasonBelowMinimum
	}
	if cfg.QualifyDays > 0 && o.PlacedAt.After(c.Member.JoinedAt.In(p.zone).AddDate(0, 0, cfg.QualifyDays)) {
		return ReasonTooLate
	}
	return ReasonQualified
}

// minUnits is MinOrder in the units of c.
func (p *Program) minUnits(c *loyalty.Input) int64 {
	if p.cfg.MinOrder.IsZero() {
		return 0
	}
	return c.Units(p.cfg.MinOrder)
}

// detail words the reason of order o's qualifying check.
func (p *Program) detail(reason Reason, o *loyalty.Order) string {
	cfg := &p.cfg
	switch reason {
	case ReasonQualified:
		return "order " + o.ID + " qualifies"
	case ReasonNotFirst:
		return "order " + o.ID + " is not the friend's first"
	case ReasonBelowMinimum:
		return "order " + o.ID + " is below the minimum of " + cfg.MinOrder.String()
	case ReasonTooLate:
		return "order " + o.ID + " came more than " + strconv.Itoa(cfg.QualifyDays) + " days after signup"
	}
	return string(reason)
}

// voidReturn is the ID of the return that voids a reward.
const voidReturn = "void"

// uncount takes a voided referrer's reward out of the caps and gives its
// unit of the campaign's budget back, when the reward had counted (it
// earned points: a capped one did not).
func (r *rule) uncount(c *loyalty.Input, ef []loyalty.Effect) []loyalty.Effect {
	if c.OrderRecord.Points == 0 && c.OrderRecord.Extra[CreditedPoints] == 0 && r.p.cfg.ReferrerPoints > 0 {
		return ef
	}
	if c.State.Counter(ctrRewarded, "") > 0 {
		ef = append(ef, loyalty.Count(ctrRewarded, "", -1))
	}
	if month := r.p.month(c.OrderRecord.PlacedAt); c.State.Counter(ctrRewardedMonth, month) > 0 {
		ef = append(ef, loyalty.Count(ctrRewardedMonth, month, -1))
	}
	if r.p.cfg.Budget > 0 {
		rel := loyalty.ClaimShared(budgetCounter, "", 1)
		rel.Release = true
		ef = append(ef, rel)
	}
	return ef
}

// month is the period key of t's month in the program's zone.
func (p *Program) month(t time.Time) string { return t.In(p.zone).Format("2006-01") }

// bucket is the velocity period key of t.
func (p *Program) bucket(t time.Time) string {
	return p.cfg.Velocity.Per.Key(t.In(p.zone))
}

func velocityCounter(code string) string { return "referral.velocity:" + code }
