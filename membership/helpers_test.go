package membership_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/membership"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

var ctx = context.Background()

// start is the clock of the tests: Sunday 15 February 2026, 10:00 UTC.
var start = time.Date(2026, time.February, 15, 10, 0, 0, 0, time.UTC)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func usd(s string) money.Money     { return money.Money{Amount: dec(s), Currency: "USD"} }

// plans: Prime monthly 10.00 with a 7-day trial and half off the first
// month, yearly billed as ten months (100.00); both double points, 5% off,
// free shipping, member-only reward "vip-mug", perk "early-access".
func plans() []membership.Plan {
	b := membership.Benefits{Multiplier: dec("2"), Discount: dec("5"), FreeShipping: true, Rewards: []string{"vip-mug"}, Perks: []string{"early-access"}}
	return []membership.Plan{
		{ID: "monthly", Fee: usd("10.00"), Period: calendar.Month, TrialDays: 7, FirstDiscount: dec("50"), Benefits: b},
		{ID: "yearly", Fee: membership.BilledAs(usd("10.00"), 10), Period: calendar.Year, Benefits: b},
	}
}

type fixture struct {
	e     *loyalty.Engine
	clock *loyalty.ManualClock
	store *memory.Store
	m     *membership.Membership
}

func newFixture(t testing.TB, loc *time.Location, grace int) *fixture {
	t.Helper()
	m, err := membership.New("prime", "USD", plans(), &membership.Options{GraceDays: grace})
	require.NoError(t, err)
	base, err := points.NewRate("base", 1, dec("1"))
	require.NoError(t, err)
	p := &loyalty.Program{Name: "Shop", Currency: "USD", Location: loc, Rules: []loyalty.Rule{base, m}}
	f := &fixture{clock: loyalty.NewManualClock(start), store: memory.New(), m: m}
	f.e, err = loyalty.NewEngine(p, f.store, &loyalty.EngineOptions{Clock: f.clock})
	require.NoError(t, err)
	_, err = f.e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	return f
}

func (f *fixture) act(t testing.TB, key string, kind loyalty.ActionKind, data map[string]string) (*loyalty.Receipt, error) {
	t.Helper()
	return f.e.Act(ctx, key, &loyalty.Action{Kind: kind, MemberID: "ann", At: f.clock.Now(), Data: data})
}

func (f *fixture) pay(t testing.TB, key, plan, amount string) (*loyalty.Receipt, error) {
	return f.act(t, key, membership.ActionPayment, map[string]string{membership.DataPlan: plan, membership.DataAmount: amount, membership.DataCurrency: "USD"})
}

func (f *fixture) state(t testing.TB) membership.State {
	t.Helper()
	st, err := f.e.Member(ctx, "ann")
	require.NoError(t, err)
	return f.m.State(st, f.clock.Now().In(f.e.Program().Zone()))
}

// earn earns an order of 10.00 and returns its points.
func (f *fixture) earn(t testing.TB, id string) int64 {
	t.Helper()
	r, err := f.e.Earn(ctx, "earn-"+id, &loyalty.Order{ID: id, MemberID: "ann", PlacedAt: f.clock.Now(), Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "book", Quantity: 1, UnitPrice: dec("10.00")}}})
	require.NoError(t, err)
	var n int64
	for _, e := range r.Entries {
		if e.Account == ledger.PointsAccount {
			n += e.Amount + e.Pending
		}
	}
	return n
}

func kinds(r *loyalty.Receipt) []loyalty.NoticeKind {
	var out []loyalty.NoticeKind
	for _, n := range r.Notices {
		out = append(out, n.Kind)
	}
	return out
}
