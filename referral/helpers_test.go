package referral_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/referral"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// start is the clock of the tests: Tuesday 1 December 2026, 10:00 UTC.
var start = time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)

var ctx = context.Background()

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// config is the tests' referral program: 500 points to the referrer and 200
// to the friend when the friend's first order of at least 50.00 comes within
// 30 days, held 14 days; a welcome coupon and 100 welcome points.
func config() referral.Config {
	return referral.Config{
		Name: "Refer a friend", Currency: "USD", Secret: []byte("0123456789abcdef-test-secret"),
		Start: start.AddDate(0, -1, 0), Window: 7 * 24 * time.Hour,
		Welcome:        referral.Welcome{Points: 100, Coupon: "welcome-10", CouponValue: money.Money{Amount: dec("10"), Currency: "USD"}, CouponDays: 30},
		ReferrerPoints: 500, FriendPoints: 200, MinOrder: dec("50"), QualifyDays: 30, ReturnDays: 14,
	}
}

type fixture struct {
	store *memory.Store
	clock *loyalty.ManualClock
	p     *referral.Program
}

func newFixture(t testing.TB, cfg referral.Config) *fixture {
	t.Helper()
	f := newFixtureOn(t, cfg, memory.New())
	return f
}

// newFixtureOn is newFixture on another store.
func newFixtureOn(t testing.TB, cfg referral.Config, s loyalty.Store) *fixture {
	t.Helper()
	f := &fixture{clock: loyalty.NewManualClock(start)}
	if ms, ok := s.(*memory.Store); ok {
		f.store = ms
	}
	p, err := referral.New(cfg, s, &loyalty.EngineOptions{Clock: f.clock, Random: bytes.NewReader(make([]byte, 32))})
	require.NoError(t, err)
	f.p = p
	return f
}

func (f *fixture) code(t testing.TB, member string) string {
	t.Helper()
	c, err := f.p.CodeFor(ctx, member)
	require.NoError(t, err)
	return c.Code
}

func (f *fixture) signup(t testing.TB, friend, code string) *referral.Attribution {
	t.Helper()
	a, err := f.p.Attribute(ctx, referral.Signup{Friend: friend, Code: code, JoinedAt: f.clock.Now()})
	require.NoError(t, err)
	return a
}

func order(id, member string, at time.Time, amount string) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, PlacedAt: at, Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: dec(amount)}}}
}

func (f *fixture) balance(t testing.TB, member string) ledger.Balance {
	t.Helper()
	b, err := f.p.Engine().Balance(ctx, member)
	require.NoError(t, err)
	return b
}
