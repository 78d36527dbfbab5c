package rewards_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// monday is the clock of most tests: Monday 7 December 2026, noon UTC.
var monday = time.Date(2026, time.December, 7, 12, 0, 0, 0, time.UTC)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// shop is a catalog on an engine over a memory store, with member ann
// holding 1000 points.
type shop struct {
	t       testing.TB
	ctx     context.Context
	clock   *loyalty.ManualClock
	store   *memory.Store
	engine  *loyalty.Engine
	catalog *rewards.Catalog
}

// catalogRewards are the rewards of most tests.
func catalogRewards() []rewards.Reward {
	return []rewards.Reward{
		{ID: "ten-off", Name: "10.00 off", Kind: rewards.FixedDiscount, Price: 200, Amount: dec("10"), MinimumOrder: dec("30"), ValidDays: 30},
		{ID: "ten-pct", Name: "10% off", Kind: rewards.PercentDiscount, Price: 300, Percent: dec("10"), MaxDiscount: dec("15")},
		{ID: "free-ship", Name: "Free shipping", Kind: rewards.FreeShipping, Price: 100, Stock: 2},
		{ID: "free-socks", Name: "Free socks", Kind: rewards.FreeProduct, Price: 150, SKU: "socks", Quantity: 1},
		{ID: "monthly", Name: "Monthly treat", Kind: rewards.FixedDiscount, Price: 10, Amount: dec("1"),
			Limits: []points.Limit{{Times: 2, Per: calendar.Month}}},
		{ID: "vip-only", Name: "VIP lounge", Kind: rewards.External, Price: 50, Eligibility: rewards.InSegment{"vip"}},
		{ID: "gift", Name: "Birthday gift", Kind: rewards.FixedDiscount, Amount: dec("5")},
	}
}

func newShop(t testing.TB) *shop {
	t.Helper()
	return newShopIn(t, nil, testCatalog(t))
}

func testCatalog(t testing.TB) *rewards.Catalog {
	t.Helper()
	cat, err := rewards.NewCatalog("catalog", "USD", nil, catalogRewards()...)
	require.NoError(t, err)
	return cat
}

// newShopIn is newShop of a program in zone loc, selling cat, with extra rules.
func newShopIn(t testing.TB, loc *time.Location, cat *rewards.Catalog, extra ...loyalty.Rule) *shop {
	t.Helper()
	ctx := context.Background()
	rate, err := points.NewRate("base", 1, decimal.NewFromInt(1))
	require.NoError(t, err)
	p := &loyalty.Program{ID: "shop", Name: "shop", Currency: "USD", Location: loc, Rules: append([]loyalty.Rule{rate, cat}, extra...)}
	clock := loyalty.NewManualClock(monday)
	st := memory.New()
	e, err := loyalty.NewEngine(p, st, &loyalty.EngineOptions{Clock: clock, Random: rand.NewChaCha8([32]byte{7})})
	require.NoError(t, err)
	require.NoError(t, cat.Setup(ctx, e))
	s := &shop{t: t, ctx: ctx, clock: clock, store: st, engine: e, catalog: cat}
	s.enroll("ann")
	return s
}

func (s *shop) enroll(id string, segments ...string) {
	s.t.Helper()
	_, err := s.engine.Enroll(s.ctx, "enroll-"+id, loyalty.Member{ID: id, Segments: segments, Birthday: time.Date(1990, time.December, 8, 0, 0, 0, 0, time.UTC)})
	require.NoError(s.t, err)
	_, err = s.engine.Adjust(s.ctx, "adjust-"+id, id, 1000, "opening balance")
	require.NoError(s.t, err)
}

func (s *shop) balance(id string) int64 {
	s.t.Helper()
	b, err := s.engine.Balance(s.ctx, id)
	require.NoError(s.t, err)
	return b.Available
}

func (s *shop) rewardsHeld(id string) int64 {
	s.t.Helper()
	b, err := s.engine.AccountBalance(s.ctx, id, ledger.RewardsAccount)
	require.NoError(s.t, err)
	return b.Available
}

// cart is a 5-line USD cart of member of 60.00 with 5.00 shipping.
func cart(id, member string, codes ...string) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, PlacedAt: monday, Currency: "USD", Shipping: dec("5"), Codes: codes,
		Lines: []loyalty.OrderLine{
			{SKU: "tee", Category: "tops", Quantity: 2, UnitPrice: dec("10")},
			{SKU: "socks", Category: "socks", Quantity: 3, UnitPrice: dec("2")},
			{SKU: "cap", Category: "hats", Quantity: 1, UnitPrice: dec("14")},
			{SKU: "belt", Category: "acc", Quantity: 1, UnitPrice: dec("15")},
			{SKU: "pin", Category: "acc", Quantity: 5, UnitPrice: dec("1")},
		}}
}
