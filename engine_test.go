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
	"github.com/loyaltykit/loyalty/storage/memory"
)

type pennies struct{}

func (pennies) Quote(avail int64, total loyalty.Money, want int64) (loyalty.Quote, error) {
	limit, _ := total.Minor()
	q := loyalty.Quote{MaxPoints: min(avail, limit), MaxValue: loyalty.MinorUnits(min(avail, limit), total.Currency)}
	if want == 0 {
		want = q.MaxPoints
	}
	if want > avail {
		return q, loyalty.ErrInsufficientPoints
	}
	q.Points, q.Value = want, loyalty.MinorUnits(want, total.Currency)
	return q, nil
}

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
	ctx := context.Background()
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 5, "1")), categoryTimes("x2", "shoes", mustFactor(t, "2"))}}
	e := newEngine(t, p, nil)
	_, err := e.Enroll(ctx, "k0", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	o := orderOf(line("boot", "shoes", 1, "59.99"), line("tee", "apparel", 2, "12.50"))
	est, err := e.Estimate(ctx, o)
	require.NoError(t, err)
	r, err := e.Earn(ctx, "k1", o)
	require.NoError(t, err)
	require.Equal(t, est.Points(), r.Points())
	require.Equal(t, int64(724), r.Points()) // 59.99×5×2 = 599.9, 25.00×5 = 125 → 724.9 floored
	require.Equal(t, est.Explanation, r.Explanation)
}

func TestQuoteRedemptionMatchesRedeem(t *testing.T) {
	ctx := context.Background()
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 10, "1"))}, Redemption: pennies{}}
	e := newEngine(t, p, nil)
	_, err := e.Enroll(ctx, "k0", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Earn(ctx, "k1", orderOf(line("a", "x", 1, "30.00")))
	require.NoError(t, err)
	total := loyalty.MinorUnits(2_50, "USD")
	q, err := e.QuoteRedemption(ctx, "ann", total, 0)
	require.NoError(t, err)
	require.Equal(t, int64(250), q.Points)
	r, err := e.Redeem(ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: total})
	require.NoError(t, err)
	require.Equal(t, q.Points, r.Redemption.Points)
	require.True(t, q.Value.Amount.Equal(r.Redemption.Value.Amount))
	bal, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(50), bal.Available)
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
	_, err = e.Redeem(ctx, "k3", loyalty.Redemption{ID: "r", MemberID: "ann", Total: loyalty.MinorUnits(100, "USD"), Points: 5})
	require.ErrorIs(t, err, loyalty.ErrRedemptionDisabled)
	_, err = loyalty.NewEngine(&loyalty.Program{}, memory.New(), nil)
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
}

func TestStatementExplainsEveryEarning(t *testing.T) {
	ctx := context.Background()
	clock := loyalty.NewManualClock(now)
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 5, "1")), categoryTimes("shoes-x2", "shoes", mustFactor(t, "2"))}}
	e := newEngine(t, p, &loyalty.EngineOptions{Clock: clock})
	_, err := e.Enroll(ctx, "k0", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Earn(ctx, "k1", orderOf(line("boot", "shoes", 1, "20.00"), line("tee", "apparel", 1, "10.00")))
	require.NoError(t, err)
	clock.Advance(time.Hour)
	_, err = e.Adjust(ctx, "k2", "ann", -50, "correction")
	require.NoError(t, err)
	lines, err := e.Statement(ctx, "ann", loyalty.EntryID{}, 10)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	require.Equal(t, int64(250), lines[0].Amount)
	require.Len(t, lines[0].Explanation, 3)
	require.Equal(t, "2026-11-22 earn +250 (order o1; 250 on 30.00 USD) — base: 5 per 1.00 USD on 20.00 USD (line 1, boot) = +100; base: 5 per 1.00 USD on 10.00 USD (line 2, tee) = +50; shoes-x2: ×2 (line 1, shoes) = +100", lines[0].String())
	require.True(t, strings.HasPrefix(lines[1].String(), "2026-11-22 adjust -50 (operator; correction)"), lines[1].String())
	require.Empty(t, lines[1].Explanation)
}

func TestSubCentMoneyAndMinorUnits(t *testing.T) {
	m, err := loyalty.ParseMoney("12.345", "KWD")
	require.NoError(t, err)
	units, ok := m.Minor()
	require.True(t, ok)
	require.Equal(t, int64(12345), units)
	require.Equal(t, "12.345 KWD", m.String())
	require.Equal(t, "500 JPY", loyalty.MinorUnits(500, "JPY").String())
	_, err = loyalty.ParseMoney("abc", "USD")
	require.ErrorIs(t, err, loyalty.ErrInvalidAmount)
	require.True(t, decimal.RequireFromString("0.05").Equal(loyalty.MinorUnits(5, "USD").Amount))
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
	return append(out, loyalty.Spend(loyalty.PointsAccount, 400, "donated to "+a.Ref), e)
}}

func TestRuleSpendsDrawLotsOrRefuseTheWrite(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{donate}}, nil)
	_, err := e.Enroll(ctx, "k0", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "k1", "ann", 500, "seed")
	require.NoError(t, err)

	r, err := e.Act(ctx, "k2", &loyalty.Action{Kind: "donate", MemberID: "ann", Ref: "trees"})
	require.NoError(t, err)
	require.Equal(t, int64(-400), r.Points())
	bal, _ := e.Balance(ctx, "ann")
	require.Equal(t, int64(100), bal.Available)
	pledge, _ := e.AccountBalance(ctx, "ann", "pledge")
	require.Equal(t, int64(40), pledge.Available)

	_, err = e.Act(ctx, "k3", &loyalty.Action{Kind: "donate", MemberID: "ann", Ref: "trees"})
	require.ErrorIs(t, err, loyalty.ErrInsufficientPoints)
	_, err = e.Act(ctx, "k4", &loyalty.Action{Kind: "donate", MemberID: "ann"})
	require.ErrorIs(t, err, loyalty.ErrRefused)
	h, _ := e.History(ctx, "ann", loyalty.EntryID{}, 100)
	require.Len(t, h, 3, "refused and short writes wrote nothing")
	bal, _ = e.Balance(ctx, "ann")
	require.Equal(t, int64(100), bal.Available)
}
