package economics_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/economics"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
	"github.com/loyaltykit/loyalty/storage/memory"
)

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }

// buildLedger writes a quarter of a small program through the real Engine:
// 1 point per 1.00, 50 welcome points, 20 per review, lots expire after 60
// days, 100 points redeem 1.00.
//
//	Jan 5   ann and bob enrol                  +50 +50 (engagement)
//	Jan 10  ann order 1001, 120.00            +120     (orders)
//	Jan 20  bob reviews                        +20     (engagement)
//	Feb 3   ann redeems 100 points             -100
//	Feb 10  operator: ann +30, bob -10         +30 -10 (adjustments)
//	Feb 15  bob order 1002, 40.00              +40
//	Feb 16  bob returns 10.00 of 1002          -10     (reversed)
//	Mar 15  cid enrols                         +50
//	Mar 25  everyone settles: lots earned Jan 5 and Jan 20 expire
//	        (ann: what remains of her 50 welcome points after the
//	        redemption drew them first; bob: 40 of 50 welcome, 20 review)
func buildLedger(t testing.TB, s loyalty.Store) {
	t.Helper()
	ctx := context.Background()
	rate, err := points.NewRate("base", 1, decimal.NewFromInt(1))
	require.NoError(t, err)
	welcome, err := points.NewWelcome("welcome", 50)
	require.NoError(t, err)
	review, err := points.NewEngagement("reviews", loyalty.ActionReview, 20, points.Limit{})
	require.NoError(t, err)
	prog := &loyalty.Program{Name: "kpi", Currency: "USD", Rules: []loyalty.Rule{rate, welcome, review},
		Expiry: points.AfterDays(60), Redemption: points.Redemption{Points: 100, Value: usd("1.00")}}
	clock := loyalty.NewManualClock(day(1, 5))
	e, err := loyalty.NewEngine(prog, s, &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	must := func(_ *loyalty.Receipt, err error) { t.Helper(); require.NoError(t, err) }
	must(e.Enroll(ctx, "enrol-ann", loyalty.Member{ID: "ann"}))
	must(e.Enroll(ctx, "enrol-bob", loyalty.Member{ID: "bob"}))
	clock.Set(day(1, 10))
	must(e.Earn(ctx, "o-1001", order("ann", "1001", "120.00", day(1, 10))))
	clock.Set(day(1, 20))
	must(e.Act(ctx, "rev-bob", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "bob", Ref: "r1", At: day(1, 20)}))
	clock.Set(day(2, 3))
	must(e.Redeem(ctx, "red-ann", loyalty.Redemption{ID: "red1", MemberID: "ann", OrderID: "2001", Total: usd("50.00"), Points: 100}))
	clock.Set(day(2, 10))
	must(e.Adjust(ctx, "adj-ann", "ann", 30, "goodwill"))
	must(e.Adjust(ctx, "adj-bob", "bob", -10, "correction"))
	clock.Set(day(2, 15))
	must(e.Earn(ctx, "o-1002", order("bob", "1002", "40.00", day(2, 15))))
	clock.Set(day(2, 16))
	must(e.Return(ctx, "ret-1002", &loyalty.Return{ID: "ret1", OrderID: "1002", MemberID: "bob", ReturnedAt: day(2, 16), Amount: decimal.RequireFromString("10.00")}))
	clock.Set(day(3, 15))
	must(e.Enroll(ctx, "enrol-cid", loyalty.Member{ID: "cid"}))
	clock.Set(day(3, 25))
	for _, m := range []string{"ann", "bob", "cid"} {
		must(e.Settle(ctx, "settle-"+m, m))
	}
}

func order(member, id, total string, at time.Time) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, Currency: "USD", PlacedAt: at,
		Lines: []loyalty.OrderLine{{SKU: "x", Quantity: 1, UnitPrice: decimal.RequireFromString(total)}}}
}

func quarter() economics.Period {
	return economics.Period{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
}

func opts() *economics.Options {
	return &economics.Options{Currency: "USD", PointValue: usd("0.01"), Interval: calendar.Month,
		NonMembers: economics.Customers{Orders: 10, Buyers: 8, Sales: usd("500.00"), Revenue: usd("480.00")},
		OtherCost:  usd("2.00")}
}

func TestComputeReportsAQuarterOfARealLedgerOnTheMemoryStore(t *testing.T) {
	s := memory.New()
	buildLedger(t, s)
	r, err := economics.Compute(context.Background(), s, quarter(), opts())
	require.NoError(t, err)
	checkQuarter(t, r)
}

// checkQuarter asserts the figures of buildLedger's quarter.
func checkQuarter(t *testing.T, r *economics.Report) {
	t.Helper()
	tot := r.Total
	p := tot.Points
	// Issued: 50+50+120+20 (Jan) + 30+40 (Feb) + 50 (Mar) = 360.
	assert.Equal(t, int64(360), p.Issued)
	assert.Equal(t, economics.BySource{Orders: 160, Engagement: 170, Adjustments: 30}, p.IssuedBy)
	assert.Equal(t, int64(100), p.Redeemed)
	assert.Equal(t, int64(10), p.Voided)
	assert.Equal(t, int64(10), p.AdjustedOut)
	// Expired by Mar 25, the lots earned by Jan 24 (60 days): ann's
	// redemption drew her welcome lot (50) then 50 of her order's 120, so 70
	// of it expire; bob's welcome lot lost 10 to the adjustment: 40, and his
	// 20 review points. 70 + 40 + 20 = 130.
	assert.Equal(t, int64(130), p.Expired)
	// Outstanding: 360 - 100 - 10 - 10 - 130 = 110 (ann's adjustment 30, bob's
	// order 40 - 10 returned, cid's welcome 50); at 0.01 a point, 1.10.
	assert.Equal(t, int64(110), p.Outstanding)
	assert.Equal(t, "1.1", tot.Liability.Amount.String())
	assert.Equal(t, "0.277778", tot.RedemptionRate.String()) // 100/360
	assert.Equal(t, "0.361111", tot.BreakageRate.String())   // 130/360
	assert.Equal(t, int64(3), tot.Enrolled)
	assert.Equal(t, int64(3), tot.Active) // all three earned
	// Members' orders: 120.00 + 40.00, 10.00 returned.
	assert.Equal(t, int64(2), tot.Members.Orders)
	assert.Equal(t, int64(2), tot.Members.Buyers)
	assert.Equal(t, "160", tot.Members.Sales.Amount.String())
	assert.Equal(t, "150", tot.Members.Revenue.Amount.String())
	assert.Equal(t, "80", tot.Members.AOV.Amount.String())
	assert.Equal(t, "50", tot.NonMembers.AOV.Amount.String())
	assert.Equal(t, "1.25", tot.NonMembers.Frequency.String())
	// Cost: 100 points × 0.01 + 2.00 other = 3.00, over 150 + 480 = 630.
	assert.Equal(t, "3", tot.Cost.Amount.String())
	assert.Equal(t, "630", tot.Revenue.Amount.String())
	assert.Equal(t, "0.004762", tot.CostShare.String())

	require.Len(t, r.Series, 3)
	jan, feb, mar := r.Series[0], r.Series[1], r.Series[2]
	assert.Equal(t, int64(240), jan.Points.Issued)
	assert.Equal(t, int64(240), jan.Points.Outstanding)
	assert.Equal(t, int64(2), jan.Active)
	assert.Equal(t, int64(2), jan.Enrolled)
	assert.Equal(t, int64(70), feb.Points.Issued)
	assert.Equal(t, int64(240+70-100-10-10), feb.Points.Outstanding)
	assert.Equal(t, int64(2), feb.Active) // ann redeemed, bob earned
	assert.Equal(t, int64(1), mar.Active) // cid's welcome points
	assert.Equal(t, int64(3), mar.Enrolled)
	assert.Equal(t, int64(130), mar.Points.Expired)
	assert.Equal(t, "0.333333", mar.ActiveShare.String())
	assert.Equal(t, p.Outstanding, mar.Points.Outstanding)
}

func TestComputeRefusesBadInputWithNoReport(t *testing.T) {
	s := memory.New()
	buildLedger(t, s)
	ctx := context.Background()
	q := quarter()
	r, err := economics.Compute(ctx, s, economics.Period{Start: q.End, End: q.Start}, opts())
	require.ErrorIs(t, err, economics.ErrInvalidPeriod)
	assert.Nil(t, r)
	o := opts()
	o.NonMembers.Revenue = money.Money{Amount: decimal.NewFromInt(5), Currency: "EUR"}
	r, err = economics.Compute(ctx, s, q, o)
	require.ErrorIs(t, err, economics.ErrCurrencyMismatch)
	var ie *economics.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "non_members.revenue", ie.Field)
	assert.Nil(t, r)
	o = opts()
	o.Currency = "EUR" // the ledger's orders are in USD
	o.PointValue, o.NonMembers, o.OtherCost = money.Money{}, economics.Customers{}, money.Money{}
	r, err = economics.Compute(ctx, s, q, o)
	require.ErrorIs(t, err, economics.ErrCurrencyMismatch)
	assert.Nil(t, r)
}

// TestCostCountsACashbackPayoutOnceWhenItsCreditIsSpent: 2% cashback of a
// 320.00 order accrues 6.40 in 2026-Q1's account; the April payout moves it
// into store credit (a redemption of the accrual and an earn of the credit
// in one write: a transfer), of which 4.00 is spent in May. The programme
// cost 4.00, in May, on every adapter, not 6.40 + 4.00.
func TestCostCountsACashbackPayoutOnceWhenItsCreditIsSpent(t *testing.T) {
	ctx := context.Background()
	sched := &cashback.Schedule{Every: calendar.Quarter}
	earn, err := cashback.NewPercentage("two-percent", decimal.RequireFromString("2"), sched)
	require.NoError(t, err)
	pay, err := cashback.NewPayoutRule("quarterly-payout", sched)
	require.NoError(t, err)
	p := economics.Period{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	for name, s := range adaptertest.Stores(t) {
		prog := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{earn, pay}}
		clock := loyalty.NewManualClock(day(1, 5))
		e, err := loyalty.NewEngine(prog, s, &loyalty.EngineOptions{Clock: clock})
		require.NoError(t, err)
		_, err = e.Enroll(ctx, "enrol-ann", loyalty.Member{ID: "ann"})
		require.NoError(t, err)
		clock.Set(day(1, 10))
		_, err = e.Earn(ctx, "o-1", order("ann", "1", "320.00", day(1, 10)))
		require.NoError(t, err)
		clock.Set(day(4, 2))
		rep, err := cashback.Payout(ctx, e, s.(loyalty.MemberLister), "2026-Q1", nil)
		require.NoError(t, err, name)
		require.Equal(t, "6.4", rep.Amount.Amount.String(), name)
		clock.Set(day(5, 20))
		_, err = e.Redeem(ctx, "r-1", loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "2",
			Total: usd("4.00"), Account: cashback.CreditAccount})
		require.NoError(t, err, name)

		r, err := economics.Compute(ctx, s, p, &economics.Options{Currency: "USD", Interval: calendar.Month})
		require.NoError(t, err, name)
		tot := r.Total
		require.Len(t, tot.Money, 2, name) // the Q1 accrual and the credit
		accrual, credit := tot.Money[0], tot.Money[1]
		assert.Equal(t, sched.Account(day(1, 10)), accrual.Account, name)
		assert.Equal(t, cashback.CreditAccount, credit.Account, name)
		assert.Equal(t, int64(640), accrual.Issued, name)
		assert.Equal(t, int64(640), accrual.Redeemed, name) // paid out
		assert.Equal(t, int64(640), credit.Issued, name)
		assert.Equal(t, economics.BySource{Transfers: 640}, credit.IssuedBy, name)
		assert.Equal(t, int64(400), credit.Redeemed, name)
		assert.Equal(t, int64(240), credit.Outstanding, name)
		assert.Equal(t, "4", tot.Cost.Amount.String(), name)        // the spend only
		assert.Equal(t, "2.4", tot.Liability.Amount.String(), name) // the credit left
		require.Len(t, r.Series, 6, name)
		assert.Equal(t, "0", r.Series[3].Cost.Amount.String(), name) // April: the payout
		assert.Equal(t, "4", r.Series[4].Cost.Amount.String(), name) // May: the spend
		assert.Equal(t, "6.4", r.Series[3].Liability.Amount.String(), name)
	}
}

// noLedgerReads is a store that neither sums its ledger nor lists members.
type noLedgerReads struct{ loyalty.Store }

func TestComputeRefusesEveryBadInputWithATypedErrorAndNoReport(t *testing.T) {
	s := memory.New()
	buildLedger(t, s)
	ctx := context.Background()
	q := quarter()
	eur := money.Money{Amount: decimal.NewFromInt(5), Currency: "EUR"}
	for name, c := range map[string]struct {
		p     economics.Period
		edit  func(*economics.Options)
		store loyalty.Store
		field string
		want  error
	}{
		"a period that ends before it starts": {p: economics.Period{Start: q.End, End: q.Start}, field: "period", want: economics.ErrInvalidPeriod},
		"a period of no time":                 {p: economics.Period{Start: q.Start, End: q.Start}, field: "period", want: economics.ErrInvalidPeriod},
		"revenue in another currency":         {edit: func(o *economics.Options) { o.Revenue = eur }, field: "revenue", want: economics.ErrCurrencyMismatch},
		"a point value in another currency":   {edit: func(o *economics.Options) { o.PointValue = eur }, field: "point_value", want: economics.ErrCurrencyMismatch},
		"other cost in another currency":      {edit: func(o *economics.Options) { o.OtherCost = eur }, field: "other_cost", want: economics.ErrCurrencyMismatch},
		"negative non-member sales":           {edit: func(o *economics.Options) { o.NonMembers.Sales = usd("-1.00") }, field: "non_members.sales", want: economics.ErrInvalidInput},
		"a negative non-member count":         {edit: func(o *economics.Options) { o.NonMembers.Orders = -1 }, field: "non_members", want: economics.ErrInvalidInput},
		"no currency":                         {edit: func(o *economics.Options) { o.Currency = "" }, field: "currency", want: economics.ErrInvalidInput},
		"an unknown interval":                 {edit: func(o *economics.Options) { o.Interval = calendar.Period(99) }, field: "interval", want: economics.ErrInvalidInput},
		"a store that cannot be read":         {store: noLedgerReads{s}, field: "store", want: economics.ErrInvalidInput},
	} {
		p, o, st := q, opts(), loyalty.Store(s)
		if !c.p.Start.IsZero() {
			p = c.p
		}
		if c.edit != nil {
			c.edit(o)
		}
		if c.store != nil {
			st = c.store
		}
		r, err := economics.Compute(ctx, st, p, o)
		require.ErrorIs(t, err, c.want, name)
		var ie *economics.InputError
		require.ErrorAs(t, err, &ie, name)
		assert.Equal(t, c.field, ie.Field, name)
		assert.Nil(t, r, name)
	}
	r, err := economics.Compute(ctx, s, q, nil)
	require.ErrorIs(t, err, economics.ErrInvalidInput)
	assert.Nil(t, r)
}
