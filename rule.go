package loyalty

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Rule is one earning rule of a program. The built-in rules (package points
// and the other program packages) implement it exactly as a host's own rule
// type would.
//
// Evaluate reads the immutable evaluation Input and appends the effects it
// produces to effects, returning the extended slice (as strconv.AppendInt
// does, so an evaluation need not allocate per rule). A rule must not modify
// the Input, read storage, the wall clock or a global random source: the
// same Input must always give the same effects.
type Rule interface {
	// Name identifies the rule in explanations, entries and counters. It must
	// be unique within a program and stable across deploys.
	Name() string
	Evaluate(c *Input, effects []Effect) []Effect
}

// Spender is implemented by rules that spend points (EffectSpend) on
// actions of some kinds (a reward bought with points): Engine.Act loads the
// member's lots with its state for those kinds, instead of planning the
// write a second time once the spend asks for them.
type Spender interface {
	// Spends reports whether the rule may spend on an action of kind.
	Spends(kind ActionKind) bool
}

// spendsOn reports whether a rule of p may spend on an action of kind.
func (p *Program) spendsOn(kind ActionKind) bool {
	for _, r := range p.Rules {
		if s, ok := r.(Spender); ok && s.Spends(kind) {
			return true
		}
	}
	return false
}

// Validator is implemented by rules (and policies) that can check their own
// definition. Program.Validate calls it.
type Validator interface {
	Validate() error
}

// Stacker is implemented by rules that do not stack with others. A rule
// without it is stackable: its earnings add up and its multipliers multiply.
type Stacker interface {
	Stacking() Stacking
}

// Stacking says how a rule combines with the others of a program.
type Stacking struct {
	// Exclusive rules do not stack: among the exclusive rules that matched, only
	// the one with the highest Priority counts (the earlier one on a tie),
	// separately for earnings and for multipliers. Stackable rules always count.
	Exclusive bool
	Priority  int
	// Stop, when the rule matched (produced an effect), skips the rules after it.
	Stop bool
}

// EffectKind says what an effect asks for.
type EffectKind uint8

// Effect kinds.
const (
	// EffectEarn credits Account: Rate × Basis (multiplied by the line's
	// multipliers) plus Points (a fixed bonus, never multiplied).
	EffectEarn EffectKind = iota + 1
	// EffectMultiply multiplies the rate earnings of Line (or of every line and
	// the order when Line is OrderLevel) in Account by Factor.
	EffectMultiply
	// EffectCap limits what the evaluation earns in Account to Points.
	EffectCap
	// EffectCount sets counter Counter in PeriodKey: to Value when Set, else to its
	// current value plus Value, or plus the points finally earned when
	// CountEarned is set.
	EffectCount
	// EffectSpend debits Points from Account's active lots, earliest expiry
	// first (a cashback payout, points converted to a donation). The write
	// fails with ErrInsufficientPoints when the account holds less.
	EffectSpend
	// EffectRefuse refuses the whole write: the event is not acceptable to the
	// rule (a malformed custom action). Note says why; the Engine returns an
	// error wrapping ErrRefused and writes nothing.
	EffectRefuse
	// EffectNotify announces something to the host (a tier change, a badge):
	// Notice holds what is announced (build it with Notify or NotifyChange).
	// Notices ride on the receipt and reach EngineOptions.AfterCommit once the
	// write commits.
	EffectNotify
	// EffectClaim takes Value from shared counter Counter in PeriodKey (the
	// stock of a reward, a campaign's budget) in the same change as the
	// member's entries. With UpTo it takes what is left when that is less
	// than Value (possibly nothing); without, a write asking for more than is
	// left is refused with a *ClaimError wrapping ErrLimitReached and writes
	// nothing. With Release it gives Value back instead.
	EffectClaim
	// EffectGrant grants Grant to the member: the grant, its EntryGrant in
	// RewardsAccount and, when Code is set, a new unique code of that format
	// commit together. When Counter is set the grant also claims one unit of
	// that shared counter in PeriodKey (its stock) and is left out, with an
	// explanation, when none is left.
	EffectGrant
	// EffectUse uses code Counter Value times (a coupon presented at
	// checkout; see UseCode), in the same change as the member's entries: a
	// CodeUse of the code and, when the code redeems a grant of this member
	// the write loaded (Input.Codes, State.Grants), the grant's Uses, its
	// Status GrantUsed once used up, and an entry of −1 in RewardsAccount.
	// A negative Value gives uses back (GiveBackCode) and reopens the grant.
	// The store refuses a use beyond the code's MaxUses, or of a void code,
	// with a *CodeError, and the write writes nothing.
	EffectUse
)

// OrderLevel is the Line of an effect that belongs to the whole order or
// event rather than to one order line.
const OrderLevel = -1

// Effect is what a rule asks for. Build them with the helpers Earn, EarnAt,
// Multiply, Cap and Count; the zero values of the fields not used by a kind
// are ignored.
type Effect struct {
	Kind EffectKind
	// Set by the program: whether the rule that produced it does not stack
	// and its index (kept next to Kind, where they cost no space).
	exclusive bool
	rule      int32
	// Rule is set by the program to the name of the rule that produced it.
	Rule    string
	Account ledger.Account // empty means PointsAccount
	Line    int            // the order line, or OrderLevel

	Points int64  // EffectEarn: fixed points; EffectCap: the limit
	Rate   *Rate  // EffectEarn: earn at this rate on Basis
	Basis  int64  // EffectEarn: amount the rate applies to, in Input.Scale units
	Factor Factor // EffectMultiply

	Counter     string // EffectCount, EffectClaim; the code of an EffectUse
	PeriodKey   string
	Value       int64
	Set         bool
	CountEarned bool

	// ExpiresAt, on an EffectEarn of fixed Points, gives the credit its own
	// expiry instead of the program's (a reward certificate). Such an earning
	// is not multiplied or capped and goes into a lot of its own.
	ExpiresAt time.Time

	// Note says what matched, for the explanation ("category shoes").
	Note string

	// Err, on an EffectRefuse, is the sentinel the refusal also wraps.
	Err error

	// Notice, on an EffectNotify, is what the rule announces; the program
	// fills in its Rule.
	Notice *Notice

	// UpTo and Release, on an EffectClaim, see EffectClaim.
	UpTo    bool
	Release bool
	// Grant, on an EffectGrant, is the reward granted; the Engine fills in
	// its MemberID, GrantedAt, Status, Source and Ref, and its ID when empty.
	Grant *ledger.Grant
	// Code, on an EffectGrant, asks for a new unique code of this format.
	Code *CodeFormat
}

// Earn is an effect crediting a fixed number of points (not multiplied).
func Earn(points int64, line int, note string) Effect {
	return Effect{Kind: EffectEarn, Points: points, Line: line, Note: note}
}

// EarnAt is an effect earning at rate r on basis (Input.Scale units).
func EarnAt(r *Rate, basis int64, line int, note string) Effect {
	return Effect{Kind: EffectEarn, Rate: r, Basis: basis, Line: line, Note: note}
}

// Multiply is an effect multiplying the rate earnings of line (or OrderLevel).
func Multiply(f Factor, line int, note string) Effect {
	return Effect{Kind: EffectMultiply, Factor: f, Line: line, Note: note}
}

// Cap is an effect limiting the evaluation's points to max.
func Cap(max int64, note string) Effect {
	return Effect{Kind: EffectCap, Points: max, Line: OrderLevel, Note: note}
}

// Count is an effect adding delta to counter name in the period periodKey
// names ("2026-11", "" for all time).
func Count(name, periodKey string, delta int64) Effect {
	return Effect{Kind: EffectCount, Counter: name, PeriodKey: periodKey, Value: delta, Line: OrderLevel}
}

// Spend is an effect debiting amount from account a.
func Spend(a ledger.Account, amount int64, note string) Effect {
	return Effect{Kind: EffectSpend, Account: a, Points: amount, Line: OrderLevel, Note: note}
}

// ClaimShared is an effect taking amount from shared counter name in the
// period periodKey names, refusing the write when less is left.
func ClaimShared(name, periodKey string, amount int64) Effect {
	return Effect{Kind: EffectClaim, Counter: name, PeriodKey: periodKey, Value: amount, Line: OrderLevel}
}

// GrantReward is an effect granting g to the member, with a new code of
// format code when code is not nil.
func GrantReward(g ledger.Grant, code *CodeFormat) Effect {
	return Effect{Kind: EffectGrant, Grant: &g, Code: code, Line: OrderLevel}
}

// UseCode is an effect using code once (see EffectUse); note says what for.
func UseCode(code, note string) Effect {
	return Effect{Kind: EffectUse, Counter: code, Value: 1, Line: OrderLevel, Note: note}
}

// GiveBackCode is an effect giving one use of code back (a cancelled order
// returning its single-use coupon), reopening the member's grant of it.
func GiveBackCode(code, note string) Effect {
	return Effect{Kind: EffectUse, Counter: code, Value: -1, Line: OrderLevel, Note: note}
}

// Refuse is an effect refusing the write for reason.
func Refuse(reason string) Effect {
	return Effect{Kind: EffectRefuse, Note: reason, Line: OrderLevel}
}

// RefuseWith is Refuse whose error also wraps err (ErrOverflow, say), so the
// host can tell why with errors.Is.
func RefuseWith(err error, reason string) Effect {
	return Effect{Kind: EffectRefuse, Note: reason, Err: err, Line: OrderLevel}
}

// Notify is an effect announcing a notice of kind with a human-readable
// detail.
func Notify(kind NoticeKind, detail string) Effect {
	return Effect{Kind: EffectNotify, Notice: &Notice{Kind: kind, Detail: detail}, Line: OrderLevel}
}

// NotifyChange is an effect announcing that something the member holds (a
// tier, a status) changes from one value to another, with a human-readable
// detail.
func NotifyChange(kind NoticeKind, from, to, detail string) Effect {
	return Effect{Kind: EffectNotify, Notice: &Notice{Kind: kind, From: from, To: to, Detail: detail}, Line: OrderLevel}
}

// NoticeKind names what a notice announces. Each program package declares
// the kinds its rules announce as exported constants (tiers.NoticeChanged,
// say), so a host switches on them instead of matching strings; a host's own
// rules declare theirs the same way.
type NoticeKind string

// Notice is something a rule announced in a write (a tier change, a badge,
// a pledge), delivered to the host after the write commits. It rides on
// Receipt.Notices; the receipt says which member and which write.
type Notice struct {
	// Kind says what is announced; the host branches on it.
	Kind NoticeKind
	// Rule is the name of the rule that announced it.
	Rule string
	// Detail is a human-readable line for a message or a log.
	Detail string
	// From and To, on a notice of a change (NotifyChange), are the value
	// before and after it ("Silver", "Gold"); empty on other notices.
	From string `json:",omitempty"`
	To   string `json:",omitempty"`
}

// noticeOf is the notice e announces (an EffectNotify), by rule.
func (e *Effect) noticeOf(rule string) Notice {
	if e.Notice == nil {
		return Notice{Rule: rule, Detail: e.Note}
	}
	n := *e.Notice
	n.Rule = rule
	return n
}

// Input is what a rule sees: the program, the member's state, the event and
// the time. It is shared by every rule of an evaluation and must not be modified.
type Input struct {
	Now     time.Time
	Program *Program
	State   *State
	Member  *Member
	Event   Event
	// Rand is the rules' random source, never nil: in an Engine's write or
	// preview, a stream derived from the Engine's seed, its program and the
	// write's idempotency key, so a seeded Engine draws the same on every
	// store and every replay (see EngineOptions.Random). Rules draw from it
	// and from nothing else; Estimate and Program.Evaluate give a stream too
	// (of no key, and of the zero seed without an Engine).
	Rand *rand.Rand

	// For an *Order event:
	Order *Order
	// Codes are the codes of Order.Codes as the program holds them, in that
	// order, looked up by the Engine before the rules run (a code the program
	// does not hold refuses the write with a *CodeError wrapping
	// ErrUnknownCode). The grants they redeem, when they are this member's,
	// are in State.Grants whatever their status.
	Codes []ledger.Code
	// Lines is the earn basis of each order line, in Order.Lines order.
	Lines []LineBasis
	// Basis is the order's total earn basis (eligible lines plus shipping and
	// tax when the program includes them); Value is its value after discounts.
	// Both are in units of 10^-Scale of the currency.
	Basis, Value int64
	// ExtraBasis is the part of Basis not on a line (shipping, tax).
	ExtraBasis int64
	// Scale is the number of decimal digits of Basis and Value: the currency's
	// minor digits, or more when a price has finer fractions.
	Scale int32

	// For a *Return event: the record of the order returned (as it was before
	// this return) and the value this return sends back, in the record's Scale
	// units. Rules may only count (EffectCount) and notify on a return; the
	// ledger reverses what the order earned by itself.
	Return      *Return
	OrderRecord *ledger.OrderRecord
	Returned    int64

	// Shared are the shared counters the program's SharedReader rules named
	// for this input, as the Engine read them just before the rules ran (a
	// counter the program does not define is left out). It is empty in
	// Program.Evaluate, which reads no store.
	Shared []ledger.SharedCounter
}

// SharedLeft is what Input.Shared says is left of counter name's period,
// and whether the Engine read it.
func (c *Input) SharedLeft(name, periodKey string) (left int64, ok bool) {
	if i := findShared(c.Shared, name, periodKey); i >= 0 {
		return c.Shared[i].Left(), true
	}
	return 0, false
}

// findShared is the index in cs of counter name's period, or -1.
func findShared(cs []ledger.SharedCounter, name, periodKey string) int {
	for i := range cs {
		if cs[i].Name == name && cs[i].PeriodKey == periodKey {
			return i
		}
	}
	return -1
}

// SharedReader is implemented by a rule that sizes what it gives by what is
// left of a shared counter: a campaign budget shared by all members that
// cuts an earning to what is left of it (rewards.WithBudget). Before the
// program's rules run for a write, a Preview or an Estimate, the Engine asks
// each SharedReader in Program.Rules which counters it reads for the input
// (their Name and PeriodKey, appended to dst) and reads them into
// Input.Shared.
//
// The rule claims what it takes with an exact EffectClaim in the same write.
// If another member's write took from the counter between the read and the
// commit, the store refuses the claim and the Engine plans the write again
// from a fresh read, so a counter is never overspent and a cut is sized by
// what was left when the write committed.
type SharedReader interface {
	Rule
	SharedReads(in *Input, dst []ledger.SharedCounter) []ledger.SharedCounter
}

// LineBasis is one order line as the program sees it for earning.
type LineBasis struct {
	SKU      string
	Category string
	Quantity int64
	// Value is the line after its own discount and its share of the order
	// discount, in Input.Scale units.
	Value int64
	// Basis is what rates apply to: Value (or the pre-discount value when the
	// program earns before discounts), zero when the line is excluded.
	Basis    int64
	Excluded bool
}

// Units converts an amount of the order's currency to Input.Scale units,
// rounding toward zero (a threshold of 0.005 at scale 2 reads as 0.00).
func (c *Input) Units(d decimal.Decimal) int64 {
	if u, ok := exact.ToMinor(d, c.Scale); ok {
		return u
	}
	return d.Shift(c.Scale).IntPart()
}

// Amount converts Input.Scale units to a decimal amount.
func (c *Input) Amount(units int64) decimal.Decimal { return decimal.New(units, -c.Scale) }

// Explanation is one line of "why you earned this": which rule, what it
// matched, on which basis, at which rate, and how many points it contributed.
// The Points of a result's explanations add up to what was earned.
type Explanation struct {
	Rule    string
	Account ledger.Account
	Kind    EffectKind
	Line    int    // the order line, or OrderLevel
	Note    string // what matched
	// Basis is the amount the rate applied to, in Scale units of Currency.
	Basis    int64
	Scale    int32
	Currency money.Currency
	Rate     *Rate  // for rate earnings
	Factor   Factor // for multipliers
	Points   int64
}

// BasisMoney is the explanation's basis as Money.
func (x *Explanation) BasisMoney() money.Money {
	return money.Money{Amount: decimal.New(x.Basis, -x.Scale), Currency: x.Currency}
}

// String renders the explanation for a statement, for example
// "base-rate: 5 per 1 on 20.00 USD (line 1, SKU tee) = 100".
func (x *Explanation) String() string {
	if x.Kind == EffectClaim || x.Kind == EffectGrant || x.Kind == EffectUse {
		return x.Rule + ": " + x.Note // "birthday: granted reward coffee with code 7KX..."
	}
	var b strings.Builder
	b.WriteString(x.Rule)
	b.WriteString(": ")
	switch {
	case x.Kind == EffectMultiply:
		b.WriteString("×")
		b.WriteString(x.Factor.String())
	case x.Kind == EffectCap:
		b.WriteString("capped")
	case x.Rate != nil:
		b.WriteString(itoa(x.Rate.points))
		b.WriteString(" per ")
		b.WriteString(money.Money{Amount: x.Rate.per, Currency: x.Currency}.String())
		b.WriteString(" on ")
		b.WriteString(x.BasisMoney().String())
	case x.Kind == EffectEarn:
		b.WriteString("bonus")
	default:
		b.Reset()
		b.WriteString("rounding")
	}
	if x.Note != "" || x.Line != OrderLevel {
		b.WriteString(" (")
		if x.Line != OrderLevel {
			b.WriteString("line ")
			b.WriteString(itoa(int64(x.Line + 1)))
			if x.Note != "" {
				b.WriteString(", ")
			}
		}
		b.WriteString(x.Note)
		b.WriteString(")")
	}
	b.WriteString(" = ")
	if x.Points > 0 {
		b.WriteString("+")
	}
	b.WriteString(itoa(x.Points))
	return b.String()
}
