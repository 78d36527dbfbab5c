package partners_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/partners"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

var ctx = context.Background()

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestBookshopEarnCafeRedeemSettlementAndSuspension(t *testing.T) {
	co, err := partners.New("city", "USD", []partners.Partner{
		{ID: "bookshop", CostPerPoint: dec("0.012"), ReimbursePerPoint: dec("0.008"), Threshold: dec("100")},
		{ID: "cafe", CostPerPoint: dec("0.012"), ReimbursePerPoint: dec("0.009"), Prepaid: true, Threshold: dec("50")},
	})
	require.NoError(t, err)
	base, err := points.NewRate("base", 10, dec("1"))
	require.NoError(t, err)
	clock := loyalty.NewManualClock(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC))
	store := memory.New()
	p := &loyalty.Program{Name: "City", Currency: "USD", Rules: []loyalty.Rule{co, base},
		Redemption: points.Redemption{Points: 100, Value: money.MinorUnits(1_00, "USD")}}
	e, err := loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	require.NoError(t, co.Open(ctx, e))
	_, err = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)

	order := func(id string) *loyalty.Order {
		return &loyalty.Order{ID: id, MemberID: "ann", PlacedAt: clock.Now(), Currency: "USD", Lines: []loyalty.OrderLine{{SKU: "x", Quantity: 1, UnitPrice: dec("33.33")}}}
	}
	_, err = co.Earn(ctx, e, "earn-1", order("bookshop:1001")) // 333 points
	require.NoError(t, err)
	_, err = co.Earn(ctx, e, "earn-x", order("florist:1"))
	require.ErrorIs(t, err, partners.ErrUnknownPartner)
	_, err = co.Redeem(ctx, e, "redeem-1", loyalty.Redemption{ID: "cafe:r1", MemberID: "ann", Total: money.Money{Amount: dec("4.50"), Currency: "USD"}, Points: 200})
	require.NoError(t, err)
	_, err = co.Redeem(ctx, e, "redeem-x", loyalty.Redemption{ID: "florist:r1", MemberID: "ann", Total: money.Money{Amount: dec("4.50"), Currency: "USD"}, Points: 100})
	require.ErrorIs(t, err, partners.ErrUnknownPartner)

	// Suspension: no new earns, balances untouched; resuming lets them in.
	before, _ := e.Balance(ctx, "ann")
	require.NoError(t, co.Suspend(ctx, e, "bookshop"))
	_, err = co.Earn(ctx, e, "earn-2", order("bookshop:1002"))
	require.ErrorIs(t, err, partners.ErrSuspended)
	after, _ := e.Balance(ctx, "ann")
	require.Equal(t, before, after)
	require.Equal(t, int64(133), after.Available)
	// Redemptions at a suspended partner are refused by the program itself,
	// through Coalition.Redeem or Engine.Redeem, writing nothing.
	require.NoError(t, co.Suspend(ctx, e, "cafe"))
	stBefore, _ := e.Member(ctx, "ann")
	_, err = co.Redeem(ctx, e, "redeem-2", loyalty.Redemption{ID: "cafe:r2", MemberID: "ann", Total: money.Money{Amount: dec("4.50"), Currency: "USD"}, Points: 100})
	require.ErrorIs(t, err, partners.ErrSuspended)
	_, err = e.Redeem(ctx, "redeem-3", loyalty.Redemption{ID: "cafe:r3", MemberID: "ann", Total: money.Money{Amount: dec("4.50"), Currency: "USD"}, Points: 100})
	require.ErrorIs(t, err, loyalty.ErrLimitReached)
	var ce *loyalty.ClaimError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, partners.Counter("cafe"), ce.Counter)
	_, err = e.Redeem(ctx, "redeem-4", loyalty.Redemption{ID: "florist:r4", MemberID: "ann", Total: money.Money{Amount: dec("4.50"), Currency: "USD"}, Points: 100})
	require.ErrorIs(t, err, partners.ErrUnknownPartner)
	_, err = co.Earn(ctx, e, "earn-y", order("florist:2"))
	require.ErrorIs(t, err, partners.ErrUnknownPartner)
	stAfter, _ := e.Member(ctx, "ann")
	require.Equal(t, stBefore.Version, stAfter.Version, "nothing written")
	require.Equal(t, stBefore.Balances, stAfter.Balances)
	hist, err := e.History(ctx, "ann", ledger.EntryID{}, 100)
	require.NoError(t, err)
	require.Len(t, hist, 2, "earn-1 and redeem-1 only")
	require.NoError(t, co.Resume(ctx, e, "cafe"))
	_, err = co.Suspended(ctx, e, "florist")
	require.ErrorIs(t, err, partners.ErrUnknownPartner)
	require.ErrorIs(t, co.Suspend(ctx, e, "florist"), partners.ErrUnknownPartner)
	require.NoError(t, co.Resume(ctx, e, "bookshop"))

	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	_, err = co.Settle(ctx, e, store, from, to, clock.Now(), nil)
	require.ErrorIs(t, err, partners.ErrPeriodOpen)
	_, err = co.Settle(ctx, e, store, to, from, to, nil)
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent, "a period that ends before it starts")
	s, err := co.Settle(ctx, e, store, from, to, to, map[string]decimal.Decimal{"cafe": dec("51")})
	require.NoError(t, err)
	require.Equal(t, int64(1), s.Partners[0].Entries)
	require.Equal(t, int64(1), s.Partners[1].Entries)
	b, c := s.Partners[0], s.Partners[1]
	require.Equal(t, int64(333), b.Issued)
	require.Equal(t, "4.00 USD", b.Owed.String(), "333 × 0.012 = 3.996")
	require.Equal(t, "4.00 USD", b.Net.String())
	require.False(t, b.Alert)
	require.Equal(t, int64(200), c.Redeemed)
	require.Equal(t, "1.80 USD", c.Reimbursed.String())
	require.Equal(t, "-1.80 USD", c.Net.String(), "the programme pays the café")
	require.False(t, c.Alert, "51 + 1.80 left of the deposit")
	again, err := co.Settle(ctx, e, store, from, to, to, map[string]decimal.Decimal{"cafe": dec("51")})
	require.NoError(t, err)
	require.Equal(t, s, again, "deterministic and idempotent")

	for name, p := range map[string]partners.Partner{
		"negative cost":          {ID: "x", CostPerPoint: dec("-0.01")},
		"negative reimbursement": {ID: "x", ReimbursePerPoint: dec("-0.01")},
		"negative threshold":     {ID: "x", Threshold: dec("-1")},
		"empty ID":               {ID: ""},
		"colon in ID":            {ID: "a:b"},
	} {
		_, err = partners.New("city", "USD", []partners.Partner{p})
		require.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}
}
