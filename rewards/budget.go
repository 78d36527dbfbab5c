package rewards

import (
	"context"
	"errors"
	"math/big"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// BudgetPolicy says what a budget does with an earning or a purchase that
// would pass what is left of it.
type BudgetPolicy uint8

// Budget policies.
const (
	// BudgetCut gives what is left of the budget (possibly nothing) and says
	// so in the explanation: "cut by budget X: asked N, left M". The rest of
	// the write (the order's other earnings) is unchanged.
	BudgetCut BudgetPolicy = iota
	// BudgetRefuse refuses the whole write with a *Error whose Reason is
	// ErrOverBudget and whose Detail says "asked N, left M"; nothing is
	// written. It is the policy of purchases (Reward.Budgets) and of
	// budgeted actions; an order is never refused for a budget.
	BudgetRefuse
)

// String names the policy ("cut").
func (p BudgetPolicy) String() string {
	switch p {
	case BudgetCut:
		return "cut"
	case BudgetRefuse:
		return "refuse"
	}
	return "policy(" + strconv.Itoa(int(p)) + ")"
}

// Budget is a campaign's budget: how many points, or how much money, a
// campaign may give, for all members together (Global) or for each member,
// in each calendar period of the program's zone (Per: a day, an ISO week, a
// month, a quarter, a year) or for the campaign's life (calendar.Lifetime).
//
// A member's budget is a member counter, so it is exact under any
// concurrency: the member's writes are serialised by the ledger. A global
// budget is a shared counter (define it with Setup, or Catalog.Setup):
// what a write takes is claimed in the write's own atomic change and the
// store refuses a claim beyond what is left, so it is never overspent.
//
// A money budget counts minor units of its currency (cents of USD): a
// reward's value, or for an earning the points times PointValue, rounded up
// to a minor unit, so that the budget is never passed by rounding.
type Budget struct {
	// Name names the budget in explanations, errors and its counter
	// (BudgetCounter); rewards and rules that give the same Name share it.
	Name string
	// Points is a budget in points (units of the account a budgeted rule
	// earns in, or the prices of purchases); Money a budget in money. Set
	// exactly one.
	Points int64
	Money  money.Money
	// PointValue, for a money budget on an earning (WithBudget), is what
	// one point earned costs the campaign, in Money's currency.
	PointValue decimal.Decimal
	// Global shares the budget among all members; otherwise each member
	// has all of it.
	Global bool
	// Per is the calendar period the budget starts again in, in the
	// program's zone; calendar.Lifetime (the zero value) is never.
	Per    calendar.Period
	Policy BudgetPolicy
}

// BudgetCounter is the name of budget name's counter: the shared counter
// of a global budget, the member counter of a member's, each period keyed
// as calendar.Period.Key gives it.
func BudgetCounter(name string) string { return "budget/" + name }

// Validate checks the budget: a name, exactly one of a positive Points or
// a positive Money (a valid currency, in whole minor units), no negative
// PointValue, a known period and policy. The error is a
// *loyalty.ValidationError wrapping loyalty.ErrInvalidProgram.
func (b *Budget) Validate() error {
	if b.Name == "" {
		return definition.Invalid("budget.name", "is empty")
	}
	f := func(field string) string { return "budget " + b.Name + ": " + field }
	if err := loyalty.CheckID(f("name"), BudgetCounter(b.Name)); err != nil {
		return err
	}
	money := !b.Money.Amount.IsZero() || b.Money.Currency != ""
	switch {
	case b.Points < 0:
		return definition.Invalid(f("points"), "is negative")
	case b.Points > 0 && money:
		return definition.Invalid(f("money"), "is set with points: a budget is in points or in money")
	case b.Points == 0 && !money:
		return definition.Invalid(f("points"), "neither points nor money is set")
	case b.Per > calendar.Year:
		return definition.Invalid(f("per"), "is an unknown period")
	case b.Policy > BudgetRefuse:
		return definition.Invalid(f("policy"), "is an unknown policy")
	case b.PointValue.Sign() < 0:
		return definition.Invalid(f("point_value"), "is negative")
	}
	if money {
		if err := b.Money.Currency.Validate(); err != nil {
			return definition.Invalid(f("money.currency"), err.Error())
		}
		if b.Money.Amount.Sign() <= 0 {
			return definition.Invalid(f("money"), "must be positive")
		}
		if _, ok := b.Money.Minor(); !ok {
			return definition.Invalid(f("money"), b.Money.String()+" is not in whole minor units")
		}
	}
	return nil
}

// limit is the budget in its units: points, or minor units of its money.
func (b *Budget) limit() int64 {
	if b.Points > 0 {
		return b.Points
	}
	u, _ := b.Money.Minor()
	return u
}

// words says an amount of the budget's units for an explanation: "300" of
// points, "3.00 USD" of money.
func (b *Budget) words(units int64) string {
	if b.Points > 0 {
		return itoa(units)
	}
	return money.Money{Amount: decimal.New(units, -b.Money.Currency.MinorDigits()), Currency: b.Money.Currency}.String()
}

// detail is "asked N, left M" in the budget's units.
func (b *Budget) detail(asked, left int64) string {
	return "asked " + b.words(asked) + ", left " + b.words(left)
}

// over is the refusal of asked when left is what the budget has.
func (b *Budget) over(reward string, asked, left int64) *Error {
	return &Error{Reward: reward, Budget: b.Name, Reason: ErrOverBudget, Detail: b.detail(asked, left)}
}

// key is the budget's period key at in.Now, in the program's zone.
func (b *Budget) key(in *loyalty.Input) string {
	return b.Per.Key(in.Now.In(in.Program.Zone()))
}

// memberLeft is what is left of a member's budget b for in's member.
func (b *Budget) memberLeft(in *loyalty.Input) int64 {
	return max(b.limit()-in.State.Counter(BudgetCounter(b.Name), b.key(in)), 0)
}

// setup defines the shared counter of a global budget.
func (b *Budget) setup(ctx context.Context, e *loyalty.Engine) error {
	if !b.Global {
		return nil
	}
	return e.SetLimit(ctx, BudgetCounter(b.Name), b.limit())
}

// Left is what is left of budget b now: of the shared counter for a global
// budget, of member's counter otherwise (member is ignored for a global
// budget).
func (b *Budget) Left(ctx context.Context, e *loyalty.Engine, member string) (int64, error) {
	key := b.Per.Key(e.Now().In(e.Program().Zone()))
	if b.Global {
		sc, err := e.SharedCounter(ctx, BudgetCounter(b.Name), key)
		if err != nil {
			return 0, err
		}
		return sc.Left(), nil
	}
	st, err := e.Member(ctx, member)
	if err != nil {
		return 0, err
	}
	return max(b.limit()-st.Counter(BudgetCounter(b.Name), key), 0), nil
}

// OverBudget reports whether err is the refusal of a write by a budget,
// and returns it as a *Error naming the budget: the refusal of a member's
// budget as the rule made it, or the store's refusal of a global budget's
// claim (a *loyalty.ClaimError on a BudgetCounter, ErrLimitReached) with
// what was asked and left, in the counter's units.
func OverBudget(err error) (*Error, bool) {
	var re *Error
	if errors.As(err, &re) && errors.Is(re.Reason, ErrOverBudget) {
		return re, true
	}
	var ce *loyalty.ClaimError
	if errors.As(err, &ce) && errors.Is(err, loyalty.ErrLimitReached) && len(ce.Counter) > len("budget/") && ce.Counter[:len("budget/")] == "budget/" {
		return &Error{Budget: ce.Counter[len("budget/"):], Reason: ErrOverBudget,
			Detail: "asked " + itoa(ce.Asked) + ", left " + itoa(ce.Left), Err: err}, true
	}
	return nil, false
}

// Budgeted is a rule whose earnings a budget limits (WithBudget).
type Budgeted struct {
	rule   loyalty.Rule
	budget Budget
	// account is the account the budget counts; unitValue the minor units
	// one point costs a money budget (nil for a points budget).
	account   ledger.Account
	unitValue *decimal.Decimal
}

// WithBudget returns rule with its earnings (EffectEarn in
// ledger.PointsAccount) limited by b. The budgeted rule earns fixed
// points: what each of the rule's earnings gives (a rate on its basis,
// rounded as the program rounds), not multiplied by other rules'
// multipliers, so that what it earns is what the budget counts. When the
// rule asks for more than is left of a member's budget, BudgetCut gives
// what is left (the explanation of the cut earning ends with "cut by budget
// X: asked N, left M", in the budget's units) and BudgetRefuse refuses the write (an action only:
// a *Error with ErrOverBudget). A global budget's claim on its shared
// counter commits with the earning, or the store refuses the write: with
// BudgetRefuse an action the budget cannot pay is refused; with BudgetCut
// the Engine reads what is left before the rule runs (the rule is a
// loyalty.SharedReader), the earning is cut to it, and a write that another
// member's took the rest from meanwhile is planned again from a fresh read,
// so the budget is never overspent and never refuses an order. (In
// Program.Evaluate, which reads no store, a global budget that cuts is
// assumed to have all of it left.) A rule's multiplier cannot be priced and
// refuses the write with ErrNotBudgetable; its other effects (counters,
// notices, grants) pass through, unbudgeted.
//
// A money budget in another currency than the program's refuses the write
// with ErrWrongCurrency.
//
// What the budget counts stays counted: a cap of another rule that lowers
// the order's earnings, or a later return of the order, gives nothing back
// to it. Two rules of one program wrapped with budgets of the same Name see
// the same budget left in one evaluation: give each rule its own budget.
// Only the wrapped rule's Evaluate, Kind, Spends, Stacking and Validate are
// used: a Finisher, a loyalty.Periodic or a ProgressRule that is wrapped
// loses those roles.
//
// It fails with an error wrapping loyalty.ErrInvalidProgram for a budget
// that does not validate, a money budget without a PointValue, BudgetRefuse
// on a rule that is not a loyalty.ActionRule (an order is never refused for
// a budget).
func WithBudget(rule loyalty.Rule, b Budget) (*Budgeted, error) {
	if rule == nil {
		return nil, definition.Invalid("budgeted.rule", "is nil")
	}
	w := &Budgeted{rule: rule, budget: b, account: ledger.PointsAccount}
	if b.Points == 0 && b.PointValue.Sign() > 0 {
		v := b.PointValue.Shift(b.Money.Currency.MinorDigits())
		w.unitValue = &v
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, nil
}

// Validate checks the budget and the rule (see WithBudget).
func (w *Budgeted) Validate() error {
	b := &w.budget
	if err := b.Validate(); err != nil {
		return err
	}
	f := func(field string) string { return "budget " + b.Name + ": " + field }
	_, action := w.rule.(loyalty.ActionRule)
	switch {
	case b.Points == 0 && w.unitValue == nil:
		return definition.Invalid(f("point_value"), "must be positive for a money budget on an earning")
	case b.Policy == BudgetRefuse && !action:
		return definition.Invalid(f("policy"), "refuse needs an action rule: rule "+w.rule.Name()+" would refuse orders")
	}
	if v, ok := w.rule.(loyalty.Validator); ok {
		return v.Validate()
	}
	return nil
}

// Budget returns the rule's budget.
func (w *Budgeted) Budget() Budget { return w.budget }

// Rule returns the rule the budget limits.
func (w *Budgeted) Rule() loyalty.Rule { return w.rule }

// Name is the wrapped rule's name.
func (w *Budgeted) Name() string { return w.rule.Name() }

// Kind is the wrapped rule's action kind, when it is a loyalty.ActionRule
// ("" otherwise), so that Engine.Act records its actions.
func (w *Budgeted) Kind() loyalty.ActionKind {
	if ar, ok := w.rule.(loyalty.ActionRule); ok {
		return ar.Kind()
	}
	return ""
}

// Spends is the wrapped rule's, when it is a loyalty.Spender.
func (w *Budgeted) Spends(kind loyalty.ActionKind) bool {
	s, ok := w.rule.(loyalty.Spender)
	return ok && s.Spends(kind)
}

// Stacking is the wrapped rule's, when it is a loyalty.Stacker.
func (w *Budgeted) Stacking() loyalty.Stacking {
	if s, ok := w.rule.(loyalty.Stacker); ok {
		return s.Stacking()
	}
	return loyalty.Stacking{}
}

// Setup defines a global budget's shared counter, to the budget's limit in
// each of its periods; run it once before the rule earns (nothing to do for
// a member's budget).
func (w *Budgeted) Setup(ctx context.Context, e *loyalty.Engine) error {
	return w.budget.setup(ctx, e)
}

// cost is what n points cost the budget, in its units.
func (w *Budgeted) cost(n int64) int64 {
	if w.unitValue == nil {
		return n
	}
	return decimal.NewFromInt(n).Mul(*w.unitValue).Ceil().IntPart()
}

// fit is the most points a budget with left units pays for.
func (w *Budgeted) fit(left int64) int64 {
	if w.unitValue == nil {
		return left
	}
	if w.unitValue.IsZero() {
		return 0
	}
	return decimal.NewFromInt(left).Div(*w.unitValue).Floor().IntPart()
}

// Evaluate implements loyalty.Rule: the wrapped rule's effects, its
// earnings made fixed, limited by the budget and counted in it.
func (w *Budgeted) Evaluate(in *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	start := len(effects)
	effects = w.rule.Evaluate(in, effects)
	b := &w.budget
	var asked int64
	for i := start; i < len(effects); i++ {
		e := &effects[i]
		switch {
		case e.Kind == loyalty.EffectMultiply && (e.Account == "" || e.Account == w.account):
			return append(effects[:start], refuse(&Error{Budget: b.Name, Reason: ErrNotBudgetable, Detail: "rule " + w.rule.Name() + " multiplies"}))
		case e.Kind != loyalty.EffectEarn || (e.Account != "" && e.Account != w.account):
			continue
		}
		if e.Rate != nil {
			n, ok := ratePoints(in, e)
			if !ok {
				return append(effects[:start], refuse(&Error{Budget: b.Name, Reason: ErrNotBudgetable, Detail: "rule " + w.rule.Name() + " earns more than int64 points"}))
			}
			note := e.Rate.String() + " on " + money.Money{Amount: in.Amount(e.Basis), Currency: in.Program.Currency}.String()
			if e.Note != "" {
				note = e.Note + ", " + note
			}
			*e = loyalty.Effect{Kind: loyalty.EffectEarn, Account: e.Account, Line: e.Line, Points: e.Points + n, ExpiresAt: e.ExpiresAt, Note: note}
		}
		if e.Points < 0 {
			e.Points = 0
		}
		asked += e.Points
	}
	if asked == 0 {
		return effects
	}
	if b.Points == 0 && b.Money.Currency != in.Program.Currency {
		return append(effects[:start], refuse(&Error{Budget: b.Name, Reason: ErrWrongCurrency,
			Detail: "budget in " + string(b.Money.Currency) + ", the program in " + string(in.Program.Currency)}))
	}
	cost := w.cost(asked)
	key := b.key(in)
	// take is the effect that spends n of the budget: a claim on the shared
	// counter of a global budget, which the store refuses beyond what is
	// left, or the member's counter.
	take := func(n int64) loyalty.Effect {
		if b.Global {
			return loyalty.ClaimShared(BudgetCounter(b.Name), key, n)
		}
		return loyalty.Count(BudgetCounter(b.Name), key, n)
	}
	var left int64
	if b.Global {
		var read bool
		left, read = in.SharedLeft(BudgetCounter(b.Name), key)
		// A global budget that refuses, or that the Engine did not read
		// (Program.Evaluate reads no store), claims all: the store refuses
		// the write unless all of it is left.
		if b.Policy == BudgetRefuse || !read {
			return append(effects, take(cost))
		}
	} else {
		left = b.memberLeft(in)
	}
	// Another rule paid by the same budget earlier in this write has taken
	// part of what was read: the rest is this rule's.
	left = max(left-taken(effects[:start], BudgetCounter(b.Name), key), 0)
	if cost <= left {
		return append(effects, take(cost))
	}
	if b.Policy == BudgetRefuse {
		return append(effects[:start], refuse(b.over("", cost, left)))
	}
	// Cut: the earnings in order keep what the budget pays for.
	give := w.fit(left)
	note := "cut by budget " + b.Name + ": " + b.detail(cost, left)
	var first *loyalty.Effect // the first earning cut says so
	for i := start; i < len(effects); i++ {
		e := &effects[i]
		if e.Kind != loyalty.EffectEarn || (e.Account != "" && e.Account != w.account) {
			continue
		}
		if e.Points > give {
			e.Points = give
			if first == nil {
				first = e
			}
		}
		give -= e.Points
		if e.Points == 0 {
			e.ExpiresAt = time.Time{} // an earning of its own expiry must be positive
		}
	}
	if first != nil {
		if first.Note != "" {
			first.Note += "; " + note
		} else {
			first.Note = note
		}
	}
	if spent := w.cost(w.fit(left) - give); spent > 0 {
		effects = append(effects, take(spent))
	}
	return effects
}

// taken is what effects already take from budget counter name in period
// key: the claims or counts of earlier rules paid by the same budget.
func taken(effects []loyalty.Effect, name, key string) int64 {
	var n int64
	for i := range effects {
		e := &effects[i]
		if (e.Kind == loyalty.EffectClaim || e.Kind == loyalty.EffectCount) && e.Counter == name && e.PeriodKey == key {
			n += e.Value
		}
	}
	return n
}

// SharedReads implements loyalty.SharedReader: a global budget that cuts
// reads what is left of its period of the shared counter, to cut an
// earning to it.
func (w *Budgeted) SharedReads(in *loyalty.Input, dst []ledger.SharedCounter) []ledger.SharedCounter {
	if b := &w.budget; b.Global && b.Policy == BudgetCut {
		dst = append(dst, ledger.SharedCounter{Name: BudgetCounter(b.Name), PeriodKey: b.key(in)})
	}
	return dst
}

// ratePoints is what earning e (a rate on a basis of Input.Scale units)
// gives, rounded as in's program rounds, exactly.
func ratePoints(in *loyalty.Input, e *loyalty.Effect) (int64, bool) {
	if e.Basis <= 0 {
		return 0, true
	}
	per := e.Rate.Per().Shift(in.Scale).Rat()
	if per.Sign() <= 0 {
		return 0, false
	}
	q := new(big.Rat).Mul(big.NewRat(e.Basis, 1), big.NewRat(e.Rate.Points(), 1))
	q.Quo(q, per)
	num, den := q.Num(), q.Denom()
	fl, rem := new(big.Int).QuoRem(num, den, new(big.Int)) // q ≥ 0: toward zero is floor
	if rem.Sign() != 0 {
		twice := new(big.Int).Lsh(rem, 1)
		up := false
		switch in.Program.Rounding {
		case loyalty.RoundCeil:
			up = true
		case loyalty.RoundHalfUp:
			up = twice.Cmp(den) >= 0
		case loyalty.RoundHalfEven:
			c := twice.Cmp(den)
			up = c > 0 || (c == 0 && fl.Bit(0) == 1)
		}
		if up {
			fl.Add(fl, big.NewInt(1))
		}
	}
	if !fl.IsInt64() {
		return 0, false
	}
	return fl.Int64(), true
}
