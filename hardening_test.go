package loyalty_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// hardEngine is an engine on the memory store with ann enrolled and 100
// points credited.
func hardEngine(t *testing.T, p *loyalty.Program) *loyalty.Engine {
	t.Helper()
	if p == nil {
		p = &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}, Redemption: pennies{}}
	}
	e := newEngine(t, p, nil)
	ctx := context.Background()
	_, err := e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "seed-ann", "ann", 100, "seed")
	require.NoError(t, err)
	return e
}

// requireUnchanged asserts ann still has exactly her two seed entries and
// 100 points.
func requireUnchanged(t *testing.T, e *loyalty.Engine) {
	t.Helper()
	ctx := context.Background()
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(100), b.Available)
	require.Equal(t, int64(0), b.Pending)
	h, err := e.History(ctx, "ann", ledger.EntryID{}, 100)
	require.NoError(t, err)
	require.Len(t, h, 1) // the seed adjustment (enrolment credits nothing)
	require.Equal(t, int64(100), h[0].Amount)
}

var badIDs = map[string]string{
	"invalid UTF-8": "vic\xfftim",
	"NUL":           "a\x00b",
	"256 bytes":     strings.Repeat("x", 256),
}

// badKey is bad as an idempotency key: keys may be longer than IDs
// (MaxKeyLength), so the too-long case is one byte past that.
func badKey(bad string) string {
	if len(bad) > loyalty.MaxIDLength {
		return strings.Repeat("k", loyalty.MaxKeyLength+1)
	}
	return bad
}

func TestInvalidIdentifiersAreRefusedOnEveryEnginePathAndNothingIsWritten(t *testing.T) {
	ctx := context.Background()
	for name, bad := range badIDs {
		t.Run(name, func(t *testing.T) {
			e := hardEngine(t, nil)
			o := func() *loyalty.Order { return orderOf(line("tee", "apparel", 1, "10.00")) }
			calls := map[string]func() error{
				"enroll id": func() error { _, err := e.Enroll(ctx, "k", loyalty.Member{ID: bad}); return err },
				"enroll segment": func() error {
					_, err := e.Enroll(ctx, "k", loyalty.Member{ID: "bob", Segments: []string{bad}})
					return err
				},
				"enroll attribute key": func() error {
					_, err := e.Enroll(ctx, "k", loyalty.Member{ID: "bob", Attributes: map[string]string{bad: "v"}})
					return err
				},
				"key":           func() error { _, err := e.Adjust(ctx, badKey(bad), "ann", 5, "x"); return err },
				"adjust member": func() error { _, err := e.Adjust(ctx, "k", bad, 5, "x"); return err },
				"earn member": func() error {
					x := o()
					x.MemberID = bad
					_, err := e.Earn(ctx, "k", x)
					return err
				},
				"earn order id": func() error { x := o(); x.ID = bad; _, err := e.Earn(ctx, "k", x); return err },
				"earn sku":      func() error { x := o(); x.Lines[0].SKU = bad; _, err := e.Earn(ctx, "k", x); return err },
				"earn category": func() error { x := o(); x.Lines[0].Category = bad; _, err := e.Earn(ctx, "k", x); return err },
				"estimate":      func() error { x := o(); x.Lines[0].SKU = bad; _, err := e.Estimate(ctx, x); return err },
				"return id": func() error {
					_, err := e.Return(ctx, "k", &loyalty.Return{ID: bad, OrderID: "o1", MemberID: "ann", Amount: decimal.NewFromInt(1)})
					return err
				},
				"return sku": func() error {
					_, err := e.Return(ctx, "k", &loyalty.Return{ID: "r", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: bad, Quantity: 1}}})
					return err
				},
				"act kind": func() error {
					_, err := e.Act(ctx, "k", &loyalty.Action{Kind: loyalty.ActionKind(bad), MemberID: "ann"})
					return err
				},
				"act ref": func() error {
					_, err := e.Act(ctx, "k", &loyalty.Action{Kind: "visit", MemberID: "ann", Ref: bad})
					return err
				},
				"redeem id": func() error {
					_, err := e.Redeem(ctx, "k", loyalty.Redemption{ID: bad, MemberID: "ann", Total: money.MinorUnits(500, "USD")})
					return err
				},
				"redeem order": func() error {
					_, err := e.Redeem(ctx, "k", loyalty.Redemption{ID: "r", OrderID: bad, MemberID: "ann", Total: money.MinorUnits(500, "USD")})
					return err
				},
				"quote member": func() error {
					_, err := e.Quote(ctx, loyalty.Redemption{MemberID: bad, Total: money.MinorUnits(500, "USD")})
					return err
				},
				"cancel id":      func() error { _, err := e.CancelRedemption(ctx, "k", "ann", bad); return err },
				"cancel member":  func() error { _, err := e.CancelRedemption(ctx, "k", bad, "r"); return err },
				"settle member":  func() error { _, err := e.Settle(ctx, "k", bad); return err },
				"balance":        func() error { _, err := e.Balance(ctx, bad); return err },
				"history":        func() error { _, err := e.History(ctx, bad, ledger.EntryID{}, 10); return err },
				"member":         func() error { _, err := e.Member(ctx, bad); return err },
				"history before": func() error { _, err := e.HistoryBefore(ctx, bad, ledger.EntryID{}, 10); return err },
				"statement":      func() error { _, err := e.Statement(ctx, bad, ledger.EntryID{}, 10); return err },
			}
			for what, call := range calls {
				err := call()
				require.ErrorIs(t, err, loyalty.ErrInvalidID, what)
				var ve *loyalty.ValidationError
				require.ErrorAs(t, err, &ve, what)
			}
			requireUnchanged(t, e)
		})
	}
}

func TestRequiredIdentifiersStayRequired(t *testing.T) {
	e := hardEngine(t, nil)
	ctx := context.Background()
	_, err := e.Enroll(ctx, "k", loyalty.Member{})
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	_, err = e.Adjust(ctx, "", "ann", 1, "x")
	require.ErrorIs(t, err, loyalty.ErrMissingKey)
	_, err = e.Balance(ctx, "")
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	requireUnchanged(t, e)
}

// panicky is a host rule that panics in Evaluate.
type panicky struct{ with any }

func (panicky) Name() string { return "panicky" }
func (r panicky) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if a, ok := c.Event.(*loyalty.Action); ok && a.Kind == loyalty.ActionSignup {
		return out // enrolment works; everything else panics
	}
	_ = append(out, loyalty.Earn(1000, loyalty.OrderLevel, "before the panic")) // an effect the panic loses
	panic(r.with)
}

func TestARulePanicIsRecoveredAsARuleErrorAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")), panicky{with: "boom"}}}
	e := hardEngine(t, p)
	o := orderOf(line("tee", "apparel", 1, "10.00"))

	_, err := e.Earn(ctx, "k1", o)
	var re *loyalty.RuleError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "panicky", re.Rule)
	require.Equal(t, 1, re.Index)
	require.Equal(t, "boom", re.Panic)
	require.NotEmpty(t, re.Stack)
	require.Equal(t, `loyalty: rule "panicky" panicked: boom`, err.Error())

	_, err = e.Act(ctx, "k2", &loyalty.Action{Kind: "visit", MemberID: "ann"})
	require.ErrorAs(t, err, &re)
	_, err = e.Estimate(ctx, o)
	require.ErrorAs(t, err, &re)
	requireUnchanged(t, e)

	// Program.Evaluate and EvaluateInto recover too, and a runtime error
	// panicked with unwraps from the RuleError.
	st := &loyalty.State{Member: loyalty.Member{ID: "ann"}}
	var nilMap map[string]int
	p2 := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{rule{name: "npe", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		nilMap["x"] = 1
		return out
	}}}}
	_, err = p2.Evaluate(st, o, now)
	require.ErrorAs(t, err, &re)
	require.Equal(t, "npe", re.Rule)
	var rtErr interface{ RuntimeError() }
	require.ErrorAs(t, err, &rtErr)
	var res loyalty.Result
	require.ErrorAs(t, p2.EvaluateInto(&res, st, o, now), &re)
	require.Empty(t, res.Awards)

	// The pooled scratch is left clean: evaluations after many panics earn
	// exactly what they should.
	good := &loyalty.Program{Name: "g", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}}
	for i := 0; i < 100; i++ {
		_, err := p.Evaluate(st, o, now)
		require.ErrorAs(t, err, &re)
		r, err := good.Evaluate(st, o, now)
		require.NoError(t, err)
		require.Equal(t, int64(10), r.Points())
		require.Len(t, r.Explanation, 1)
	}
	r, err := e.Earn(ctx, "k3", orderOf(line("tee", "apparel", 1, "10.00")))
	require.Nil(t, r)
	require.ErrorAs(t, err, &re)
}

type ptrRule struct{ name string }

func (r *ptrRule) Name() string { return r.name }
func (r *ptrRule) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	return out
}

type nilExpiry struct{ days int }

func (x *nilExpiry) ExpiresAt(t time.Time) time.Time { return t.AddDate(0, 0, x.days) }
func (x *nilExpiry) Validate() error {
	if x.days < 0 {
		return errors.New("negative")
	}
	return nil
}

func TestATypedNilRuleOrPolicyIsAValidationErrorNotAPanic(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{(*ptrRule)(nil)}}
	err := p.Validate()
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
	require.Contains(t, err.Error(), "rules[0]: is nil")
	p = &loyalty.Program{Name: "p", Currency: "USD", Expiry: (*nilExpiry)(nil)}
	require.ErrorIs(t, p.Validate(), loyalty.ErrInvalidProgram)
}

func TestTheEngineKeepsItsOwnCopyOfTheProgram(t *testing.T) {
	ctx := context.Background()
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))},
		Basis: loyalty.EarnBasis{ExcludeSKUs: []string{"gift"}}}
	e := hardEngine(t, p)
	// The host changes its program, and the one Program() returns.
	p.Rules = append(p.Rules, panicky{with: "boom"})
	p.Basis.ExcludeSKUs[0] = "tee"
	p.PendingDays = 30
	got := e.Program()
	got.Rules = append(got.Rules, panicky{with: "boom"})
	got.Rules[0] = panicky{with: "boom"}
	got.Basis.ExcludeSKUs[0] = "tee"
	require.Len(t, e.Program().Rules, 1)
	require.Equal(t, []string{"gift"}, e.Program().Basis.ExcludeSKUs)

	r, err := e.Earn(ctx, "k1", orderOf(line("tee", "apparel", 1, "10.00")))
	require.NoError(t, err)
	require.Equal(t, int64(10), r.Points())
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(110), b.Available) // not held: PendingDays stayed 0
}

func TestAValidationErrorWithoutAKindDoesNotPanic(t *testing.T) {
	ve := &loyalty.ValidationError{Field: "x", Reason: "is bad"}
	require.Equal(t, "loyalty: x: is bad", ve.Error())
	require.NoError(t, ve.Unwrap())
	require.False(t, errors.Is(ve, loyalty.ErrInvalidEvent))
}

func TestCurrenciesAreISO4217OrTheProgramsOwnUnits(t *testing.T) {
	require.NoError(t, money.Currency("EUR").Validate())
	require.NoError(t, money.Currency("KWD").Validate())
	for _, c := range []money.Currency{"ABC", "ZZZ", "usd", "US", "XXX", ""} {
		require.ErrorIs(t, c.Validate(), money.ErrInvalidCurrency, c)
	}
	require.Equal(t, int32(3), money.Currency("BHD").MinorDigits())
	require.Equal(t, int32(0), money.Currency("JPY").MinorDigits())

	err := (&loyalty.Program{Name: "p", Currency: "ABC"}).Validate()
	require.ErrorIs(t, err, money.ErrInvalidCurrency)
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)

	// A program's own unit, with its digits.
	ctx := context.Background()
	p := &loyalty.Program{Name: "p", Currency: "XMI", Units: []money.CurrencyUnit{{Code: "XMI", MinorDigits: 0}},
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}}
	require.NoError(t, p.Validate())
	require.Equal(t, int32(0), p.MinorDigits())
	e := newEngine(t, p, nil)
	_, err = e.Enroll(ctx, "k0", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	o := orderOf(line("tee", "apparel", 3, "7"))
	o.Currency = "XMI"
	r, err := e.Earn(ctx, "k1", o)
	require.NoError(t, err)
	require.Equal(t, int64(21), r.Points())
	o.ID, o.Currency = "o2", "ABC"
	_, err = e.Earn(ctx, "k2", o)
	require.ErrorIs(t, err, money.ErrInvalidCurrency)
	o.Currency = "EUR"
	_, err = e.Earn(ctx, "k3", o)
	require.ErrorIs(t, err, loyalty.ErrCurrencyMismatch)

	for _, u := range [][]money.CurrencyUnit{{{Code: "USD", MinorDigits: 2}}, {{Code: "xmi"}}, {{Code: "XMI", MinorDigits: 19}}, {{Code: "XMI"}, {Code: "XMI"}}} {
		p := &loyalty.Program{Name: "p", Currency: "USD", Units: u}
		require.ErrorIs(t, p.Validate(), loyalty.ErrInvalidProgram, u)
	}
}

func TestAdjustRefusesMinInt64AndOverflowingCredits(t *testing.T) {
	ctx := context.Background()
	e := hardEngine(t, nil)
	_, err := e.Adjust(ctx, "k1", "ann", math.MinInt64, "wrap")
	require.ErrorIs(t, err, loyalty.ErrOverflow)
	_, err = e.Adjust(ctx, "k2", "ann", math.MaxInt64, "overflow")
	require.ErrorIs(t, err, loyalty.ErrOverflow)
	_, err = e.Adjust(ctx, "k3", "ann", -math.MaxInt64, "too much")
	require.ErrorIs(t, err, loyalty.ErrInsufficientPoints)
	requireUnchanged(t, e)
	_, err = e.Adjust(ctx, "k4", "ann", math.MaxInt64-100, "to the brim")
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "k5", "ann", 1, "one more")
	require.ErrorIs(t, err, loyalty.ErrOverflow)
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(math.MaxInt64), b.Available)
}

func TestAReturnByAmountWhoseSumOverflowsIsRefused(t *testing.T) {
	ctx := context.Background()
	e := hardEngine(t, nil)
	// 17 fractional digits: the order's scale is 17, its value 5×10^17+1 units.
	o := orderOf(line("tee", "apparel", 1, "5.00000000000000001"))
	_, err := e.Earn(ctx, "k1", o)
	require.NoError(t, err)
	_, err = e.Return(ctx, "k2", &loyalty.Return{ID: "r1", OrderID: "o1", MemberID: "ann", Amount: decimal.RequireFromString("4")})
	require.NoError(t, err)
	before, err := e.History(ctx, "ann", ledger.EntryID{}, 100)
	require.NoError(t, err)
	// 4×10^17 + 9.2×10^18 wraps an int64 below the order's value.
	_, err = e.Return(ctx, "k3", &loyalty.Return{ID: "r2", OrderID: "o1", MemberID: "ann", Amount: decimal.RequireFromString("92")})
	require.ErrorIs(t, err, loyalty.ErrOverflow)
	after, err := e.History(ctx, "ann", ledger.EntryID{}, 100)
	require.NoError(t, err)
	require.Equal(t, before, after)
}

func TestHugeDecimalsAreRefusedAtOnceWithErrOverflow(t *testing.T) {
	ctx := context.Background()
	e := hardEngine(t, nil)
	huge := []decimal.Decimal{decimal.New(1, 10_000_000), decimal.New(-1, 10_000_000), decimal.New(1, -10_000_000),
		decimal.RequireFromString("1000000000000000000"), decimal.RequireFromString("0.0000000000000000001")}
	for _, d := range huge {
		require.ErrorIs(t, loyalty.CheckAmount("x", d), loyalty.ErrOverflow, d.Exponent())
		o := orderOf(line("tee", "apparel", 1, "10"))
		o.Lines[0].UnitPrice = d.Abs()
		_, err := e.Earn(ctx, "k1", o)
		require.ErrorIs(t, err, loyalty.ErrOverflow)
		o = orderOf(line("tee", "apparel", 1, "10"))
		o.Shipping = d.Abs()
		_, err = e.Estimate(ctx, o)
		require.ErrorIs(t, err, loyalty.ErrOverflow)
		_, err = e.Redeem(ctx, "k2", loyalty.Redemption{ID: "r", MemberID: "ann", Total: money.Money{Amount: d.Abs(), Currency: "USD"}})
		require.ErrorIs(t, err, loyalty.ErrOverflow)
		_, err = e.Redeem(ctx, "k3", loyalty.Redemption{ID: "r", MemberID: "ann", Account: "credit", Total: money.Money{Amount: d.Abs(), Currency: "USD"}})
		require.ErrorIs(t, err, loyalty.ErrOverflow)
		_, err = e.Return(ctx, "k4", &loyalty.Return{ID: "r", OrderID: "o1", MemberID: "ann", Amount: d.Abs()})
		require.ErrorIs(t, err, loyalty.ErrOverflow)
		_, err = loyalty.NewRate(1, d.Abs())
		require.ErrorIs(t, err, loyalty.ErrOverflow)
		_, err = loyalty.NewFactor(d.Abs())
		require.ErrorIs(t, err, loyalty.ErrOverflow)
		p := &loyalty.Program{Name: "p", Currency: "USD", Basis: loyalty.EarnBasis{MinimumOrder: d.Abs()}}
		require.ErrorIs(t, p.Validate(), loyalty.ErrOverflow)
	}
	requireUnchanged(t, e)
	// Within the bound, trailing zeros do not count as fractional digits.
	require.NoError(t, loyalty.CheckAmount("x", decimal.RequireFromString("19.990000000000000000000000")))
	require.NoError(t, loyalty.CheckAmount("x", decimal.RequireFromString("-999999999999999999.999999999999999999")))
	require.NoError(t, loyalty.CheckAmount("x", decimal.New(5, 17)))
}

func BenchmarkCheckAmountRefusesAHugeExponent(b *testing.B) {
	d := decimal.New(1, 10_000_000)
	b.ReportAllocs()
	for b.Loop() {
		if loyalty.CheckAmount("x", d) == nil {
			b.Fatal("accepted")
		}
	}
}

func TestTimesAndHoldsBeyondWhatStoresHoldAreRefused(t *testing.T) {
	ctx := context.Background()
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	early := time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)
	e := hardEngine(t, nil)
	for _, at := range []time.Time{late, early} {
		o := orderOf(line("tee", "apparel", 1, "10"))
		o.PlacedAt = at
		_, err := e.Earn(ctx, "k1", o)
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
		_, err = e.Act(ctx, "k2", &loyalty.Action{Kind: "visit", MemberID: "ann", At: at})
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
		_, err = e.Return(ctx, "k3", &loyalty.Return{ID: "r", OrderID: "o1", MemberID: "ann", Amount: decimal.NewFromInt(1), ReturnedAt: at})
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
		_, err = e.Enroll(ctx, "k4", loyalty.Member{ID: "bob", JoinedAt: at})
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
		_, err = e.Enroll(ctx, "k5", loyalty.Member{ID: "bob", Birthday: at})
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	}
	requireUnchanged(t, e)

	p := &loyalty.Program{Name: "p", Currency: "USD", PendingDays: 1_000_000_000}
	require.ErrorIs(t, p.Validate(), loyalty.ErrInvalidProgram)
	p.PendingDays = loyalty.MaxPendingDays
	require.NoError(t, p.Validate())

	// An expiry policy that expires past year 9999 fails the write, typed.
	p = &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}, Expiry: &nilExpiry{days: 3_000_000}}
	e = newEngine(t, p, nil)
	_, err := e.Enroll(ctx, "k0", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Earn(ctx, "k6", orderOf(line("tee", "apparel", 1, "10")))
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
	_, err = e.Adjust(ctx, "k7", "ann", 5, "also expires past 9999")
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(0), b.Available)
	h, err := e.History(ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	require.Empty(t, h)
}

// otherCurrencyPolicy redeems in EUR.
type otherCurrencyPolicy struct{ pennies }

func (otherCurrencyPolicy) Denomination() money.Currency { return "EUR" }

func TestARedemptionPolicyInAnotherCurrencyIsRefusedByValidate(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Redemption: otherCurrencyPolicy{}}
	err := p.Validate()
	require.ErrorIs(t, err, loyalty.ErrCurrencyMismatch)
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
}
