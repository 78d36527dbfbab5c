package loyalty_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// pennies is the suite's redemption: one point for one cent, up to the order total.
type pennies = storagetest.Cents

func newEngine(t *testing.T, p *loyalty.Program, opts *loyalty.EngineOptions) *loyalty.Engine {
	t.Helper()
	if opts == nil {
		opts = &loyalty.EngineOptions{}
	}
	if opts.Clock == nil {
		opts.Clock = loyalty.NewManualClock(now)
	}
	e, err := loyalty.NewEngine(p, memory.New(), opts)
	require.NoError(t, err)
	return e
}

func TestEstimateAndEarnAgree(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 5, "1")), categoryTimes("x2", "shoes", mustFactor(t, "2"))}}
	h := loyaltytest.New(t, p, nil)
	h.Enroll("ann")
	o := loyaltytest.Order("ann", "o1").Line("boot", "59.99", 1).Category("shoes").Line("tee", "12.50", 2).Category("apparel").Build()
	est := h.Estimate(o)
	r := h.Earn("k1", o)
	require.Equal(t, est.Points(), r.Points())
	require.Equal(t, int64(724), r.Points()) // 59.99×5×2 = 599.9, 25.00×5 = 125 → 724.9 floored
	require.Equal(t, est.Explanation, r.Explanation)
}

func TestQuoteRedemptionMatchesRedeem(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 10, "1"))}, Redemption: pennies{}}
	h := loyaltytest.New(t, p, nil)
	h.Enroll("ann")
	h.Earn("k1", loyaltytest.Order("ann", "o1").Line("a", "30.00", 1).Build())
	total := h.Money("2.50")
	q, err := h.Engine.QuoteRedemption(h.Ctx, "ann", total, 0)
	require.NoError(t, err)
	require.Equal(t, int64(250), q.Points)
	r := h.Redeem("k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: total})
	require.Equal(t, q.Points, r.Redemption.Points)
	require.True(t, q.Value.Amount.Equal(r.Redemption.Value.Amount))
	h.AssertBalance("ann", 50, 0)
}

func TestAfterCommitSeesCommittedWritesOnly(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var seen []string
	notice := rule{name: "hello", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		if _, ok := c.Event.(*loyalty.Order); ok {
			out = append(out, loyalty.Notify("thanks", "first order"))
		}
		return out
	}}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")), notice}}
	e := newEngine(t, p, &loyalty.EngineOptions{AfterCommit: func(_ context.Context, r *loyalty.Receipt) {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range r.Notices {
			seen = append(seen, r.Key+":"+string(n.Kind)+":"+n.Detail)
		}
		if len(r.Notices) == 0 {
			seen = append(seen, r.Key)
		}
	}})
	_, err := e.Enroll(ctx, "k0", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	o := orderOf(line("a", "x", 1, "10.00"))
	_, err = e.Earn(ctx, "k1", o)
	require.NoError(t, err)
	_, err = e.Earn(ctx, "k1", o) // replay: no second notice
	require.NoError(t, err)
	bad := orderOf(line("a", "x", 1, "10.00"))
	bad.ID = "o2"
	bad.Currency = "EUR"
	_, err = e.Earn(ctx, "k2", bad) // failed: nothing
	require.Error(t, err)
	require.Equal(t, []string{"k0", "k1:thanks:first order"}, seen)
}

func TestWritesNeedAKeyAndAdjustmentsAReason(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, &loyalty.Program{Name: "p", Currency: "USD"}, nil)
	_, err := e.Enroll(ctx, "", loyalty.Member{ID: "ann"})
	require.ErrorIs(t, err, loyalty.ErrMissingKey)
	_, err = e.Enroll(ctx, "k0", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "k1", "ann", 10, " ")
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	_, err = e.Adjust(ctx, "k2", "ann", 10, "goodwill for a late parcel")
	require.NoError(t, err)
	_, err = e.Redeem(ctx, "k3", loyalty.Redemption{ID: "r", MemberID: "ann", Total: money.MinorUnits(100, "USD"), Points: 5})
	require.ErrorIs(t, err, loyalty.ErrRedemptionDisabled)
	_, err = loyalty.NewEngine(&loyalty.Program{}, memory.New(), nil)
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
}

func TestStatementExplainsEveryEarning(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 5, "1")), categoryTimes("shoes-x2", "shoes", mustFactor(t, "2"))}}
	h := loyaltytest.New(t, p, &loyaltytest.Options{Start: now})
	h.Enroll("ann")
	h.Earn("k1", loyaltytest.Order("ann", "o1").Line("boot", "20.00", 1).Category("shoes").Line("tee", "10.00", 1).Category("apparel").Build())
	h.Advance(time.Hour)
	h.Adjust("k2", "ann", -50, "correction")
	lines, err := h.Engine.Statement(h.Ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	require.Equal(t, int64(250), lines[0].Amount)
	require.Len(t, lines[0].Explanation, 3)
	require.Equal(t, "2026-11-22 earn +250 (order o1; 250 on 30.00 USD) — base: 5 per 1.00 USD on 20.00 USD (line 1, boot) = +100; base: 5 per 1.00 USD on 10.00 USD (line 2, tee) = +50; shoes-x2: ×2 (line 1, shoes) = +100", lines[0].String())
	require.True(t, strings.HasPrefix(lines[1].String(), "2026-11-22 adjust -50 (operator; correction)"), lines[1].String())
	require.Empty(t, lines[1].Explanation)
}

func TestSubCentMoneyAndMinorUnits(t *testing.T) {
	m, err := money.Parse("12.345", "KWD")
	require.NoError(t, err)
	units, ok := m.Minor()
	require.True(t, ok)
	require.Equal(t, int64(12345), units)
	require.Equal(t, "12.345 KWD", m.String())
	require.Equal(t, "500 JPY", money.MinorUnits(500, "JPY").String())
	_, err = money.Parse("abc", "USD")
	require.ErrorIs(t, err, loyalty.ErrInvalidAmount)
	require.True(t, decimal.RequireFromString("0.05").Equal(money.MinorUnits(5, "USD").Amount))
}

// donate is a host rule that turns points into a pledge: it spends points and
// credits another account, or refuses a malformed action.
var donate = rule{name: "donate", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != "donate" {
		return out
	}
	if a.Ref == "" {
		return append(out, loyalty.Refuse("a donation names its cause in Ref"))
	}
	e := loyalty.Earn(40, loyalty.OrderLevel, "pledge to "+a.Ref)
	e.Account = "pledge"
	return append(out, loyalty.Spend(ledger.PointsAccount, 400, "donated to "+a.Ref), e)
}}

func TestRuleSpendsDrawLotsOrRefuseTheWrite(t *testing.T) {
	h := loyaltytest.New(t, &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{donate}}, nil)
	h.Enroll("ann")
	h.Adjust("k1", "ann", 500, "seed")

	r := h.Act("k2", "ann", "donate", "trees")
	require.Equal(t, int64(-400), r.Points())
	h.AssertBalance("ann", 100, 0)
	h.AssertAccountBalance("ann", "pledge", 40, 0)

	_, err := h.Engine.Act(h.Ctx, "k3", &loyalty.Action{Kind: "donate", MemberID: "ann", Ref: "trees", At: h.Now()})
	require.ErrorIs(t, err, loyalty.ErrInsufficientPoints)
	_, err = h.Engine.Act(h.Ctx, "k4", &loyalty.Action{Kind: "donate", MemberID: "ann", At: h.Now()})
	require.ErrorIs(t, err, loyalty.ErrRefused)
	// Refused and short writes wrote nothing.
	h.AssertEntries("ann",
		loyaltytest.Entry{Kind: ledger.EntryAdjust, Amount: 500},
		loyaltytest.Entry{Account: "pledge", Kind: ledger.EntryEarn, Amount: 40},
		loyaltytest.Entry{Kind: ledger.EntryRedeem, Amount: -400},
	)
	h.AssertBalance("ann", 100, 0)
}
