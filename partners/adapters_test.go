package partners_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/partners"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
)

var ny = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

// march is March 2026 in New York: 05:00 UTC on 1 March (EST) to 04:00 UTC
// on 1 April (EDT, from 8 March).
var marchFrom, marchTo = time.Date(2026, 3, 1, 0, 0, 0, 0, ny), time.Date(2026, 4, 1, 0, 0, 0, 0, ny)

// coalitionLedger writes a month of a two-partner coalition on s, in New
// York, and returns its engine and coalition.
func coalitionLedger(t *testing.T, s loyalty.Store) (*loyalty.Engine, *partners.Coalition) {
	t.Helper()
	co, err := partners.New("city", "USD", []partners.Partner{
		{ID: "bookshop", CostPerPoint: dec("0.012"), ReimbursePerPoint: dec("0.008")},
		{ID: "cafe", CostPerPoint: dec("0.010"), ReimbursePerPoint: dec("0.009"), Prepaid: true, Threshold: dec("20")},
	})
	require.NoError(t, err)
	base, err := points.NewRate("base", 10, dec("1"))
	require.NoError(t, err)
	clock := loyalty.NewManualClock(marchFrom.Add(-time.Hour))
	p := &loyalty.Program{Name: "City", Currency: "USD", Location: ny, Rules: []loyalty.Rule{co, base},
		Redemption: points.Redemption{Points: 100, Value: money.MinorUnits(1_00, "USD")}}
	e, err := loyalty.NewEngine(p, s, &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	require.NoError(t, co.Open(ctx, e))
	for _, m := range []string{"ann", "bob"} {
		_, err := e.Enroll(ctx, "enroll-"+m, loyalty.Member{ID: m})
		require.NoError(t, err)
	}
	usd := func(s string) money.Money { return money.Money{Amount: dec(s), Currency: "USD"} }
	earn := func(at time.Time, member, id string, lines ...loyalty.OrderLine) {
		t.Helper()
		clock.Set(at)
		_, err := co.Earn(ctx, e, "earn-"+id, &loyalty.Order{ID: id, MemberID: member, PlacedAt: at, Currency: "USD", Lines: lines})
		require.NoError(t, err)
	}
	line := func(sku, price string) loyalty.OrderLine {
		return loyalty.OrderLine{SKU: sku, Quantity: 1, UnitPrice: dec(price)}
	}
	// 23:30 on 28 February in New York (04:30 UTC on 1 March): February's.
	earn(time.Date(2026, 3, 1, 4, 30, 0, 0, time.UTC), "ann", "bookshop:0999", line("map", "5.00"))
	earn(time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC), "ann", "bookshop:1001", line("novel", "60.00"), line("pen", "15.00")) // 750, at March's first instant
	earn(time.Date(2026, 3, 5, 12, 0, 0, 0, ny), "bob", "cafe:2001", line("lunch", "8.50"))                                 // 85
	clock.Set(time.Date(2026, 3, 12, 12, 0, 0, 0, ny))
	_, err = co.Redeem(ctx, e, "redeem-1", loyalty.Redemption{ID: "cafe:r-1", MemberID: "ann", Total: usd("6.40"), Points: 300})
	require.NoError(t, err)
	clock.Set(time.Date(2026, 3, 13, 12, 0, 0, 0, ny))
	_, err = e.Return(ctx, "return-1", &loyalty.Return{ID: "ret-1", OrderID: "bookshop:1001", MemberID: "ann", ReturnedAt: clock.Now(),
		Lines: []loyalty.ReturnLine{{SKU: "pen", Quantity: 1}}}) // −150
	require.NoError(t, err)
	clock.Set(time.Date(2026, 3, 20, 12, 0, 0, 0, ny))
	_, err = co.Redeem(ctx, e, "redeem-2", loyalty.Redemption{ID: "bookshop:r-2", MemberID: "ann", Total: usd("9.00"), Points: 100})
	require.NoError(t, err)
	clock.Set(time.Date(2026, 3, 21, 12, 0, 0, 0, ny))
	_, err = e.CancelRedemption(ctx, "cancel-2", "ann", "bookshop:r-2") // +100 restored
	require.NoError(t, err)
	// A redemption that names no partner: Engine.Redeem refuses it too,
	// writing nothing; a program without the coalition's rule on the same
	// store (the shop before it joined) writes one.
	clock.Set(time.Date(2026, 3, 25, 12, 0, 0, 0, ny))
	before, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	r9 := loyalty.Redemption{ID: "r-9", MemberID: "ann", Total: usd("9.00"), Points: 100}
	_, err = e.Redeem(ctx, "redeem-9", r9)
	require.ErrorIs(t, err, partners.ErrUnknownPartner)
	var pe *partners.PartnerError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "r-9", pe.Ref)
	after, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, before.Version, after.Version, "nothing written")
	plain := *p
	plain.Rules = []loyalty.Rule{base}
	shop, err := loyalty.NewEngine(&plain, s, &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	_, err = shop.Redeem(ctx, "redeem-9", r9)
	require.NoError(t, err)
	// 23:30 on 31 March in New York (03:30 UTC on 1 April): March's.
	earn(time.Date(2026, 4, 1, 3, 30, 0, 0, time.UTC), "bob", "cafe:2002", line("cake", "4.00")) // 40
	// April's first instant: April's.
	earn(marchTo, "bob", "cafe:2003", line("cake", "4.00"))
	return e, co
}

func TestSettlementIsTheSameOnEveryAdapterAggregatedOrMemberByMember(t *testing.T) {
	var want *partners.Statement
	deposits := map[string]decimal.Decimal{"cafe": dec("18.00")}
	for name, s := range adaptertest.Stores(t) {
		_, ok := s.(storage.RefAggregator)
		require.True(t, ok, name)
		e, co := coalitionLedger(t, s)
		for _, how := range []string{"aggregated", "member by member"} {
			var lister loyalty.MemberLister = s.(loyalty.MemberLister)
			if how != "aggregated" {
				lister = adaptertest.MemberByMember(t, s).(loyalty.MemberLister)
			}
			st, err := co.Settle(ctx, e, lister, marchFrom, marchTo, marchTo, deposits)
			require.NoError(t, err, name+" "+how)
			b, c := st.Partners[0], st.Partners[1]
			require.Equal(t, "bookshop", b.Partner)
			require.Equal(t, int64(600), b.Issued, "750 earned − 150 returned; February's 50 left out")
			require.Equal(t, int64(0), b.Redeemed, "100 redeemed, then restored")
			require.Equal(t, int64(4), b.Entries, "earn, reverse, redeem, restore")
			require.Equal(t, "7.20 USD", b.Owed.String(), "600 × 0.012")
			require.Equal(t, "0.00 USD", b.Reimbursed.String())
			require.Equal(t, "7.20 USD", b.Net.String())
			require.Equal(t, int64(125), c.Issued, "85 + 40 at 23:30 on 31 March; April's 40 left out")
			require.Equal(t, int64(300), c.Redeemed)
			require.Equal(t, int64(3), c.Entries)
			require.Equal(t, "1.25 USD", c.Owed.String())
			require.Equal(t, "2.70 USD", c.Reimbursed.String(), "300 × 0.009")
			require.Equal(t, "-1.45 USD", c.Net.String())
			require.True(t, c.Alert, "18.00 + 1.45 = 19.45 left of the deposit, below 20")
			require.Equal(t, int64(100), st.Other.Redeemed, "r-9 names no partner")
			require.Equal(t, int64(1), st.Other.Entries)
			require.True(t, st.Other.Net.Amount.IsZero())

			// The lines add up to the statement.
			sums := map[string]*partners.Settlement{}
			n := 0
			err = co.Lines(ctx, e, lister, marchFrom, marchTo, func(l partners.Line) error {
				n++
				x := sums[l.Partner]
				if x == nil {
					x = &partners.Settlement{}
					sums[l.Partner] = x
				}
				if l.Kind == ledger.EntryRedeem || l.Kind == ledger.EntryRestore {
					x.Redeemed -= l.Points
				} else {
					x.Issued += l.Points
				}
				x.Entries++
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, 8, n)
			for _, p := range append(st.Partners, st.Other) {
				require.Equal(t, partners.Settlement{Issued: p.Issued, Redeemed: p.Redeemed, Entries: p.Entries}, *sums[p.Partner], name+" "+p.Partner)
			}
			if want == nil {
				want = st
				continue
			}
			require.Equal(t, want, st, name+" "+how)
		}
	}
}

func TestAggregateRefsIsTheSameOnEveryAdapterAndRefusesAnEmptyPeriod(t *testing.T) {
	var want []ledger.RefTotal
	for name, s := range adaptertest.Stores(t) {
		coalitionLedger(t, s)
		a := s.(storage.RefAggregator)
		got, err := a.AggregateRefs(ctx, storage.RefQuery{From: marchFrom, To: marchTo})
		require.NoError(t, err, name)
		if want == nil {
			want = got
			require.Equal(t, []ledger.RefTotal{
				{Prefix: "", Kind: ledger.EntryRedeem, Amount: -100, Count: 1},
				{Prefix: "bookshop", Kind: ledger.EntryEarn, Amount: 750, Count: 1},
				{Prefix: "bookshop", Kind: ledger.EntryRedeem, Amount: -100, Count: 1},
				{Prefix: "bookshop", Kind: ledger.EntryRestore, Amount: 100, Count: 1},
				{Prefix: "bookshop", Kind: ledger.EntryReverse, Amount: -150, Count: 1},
				{Prefix: "cafe", Kind: ledger.EntryEarn, Amount: 125, Count: 2},
				{Prefix: "cafe", Kind: ledger.EntryRedeem, Amount: -300, Count: 1},
			}, got, name)
		}
		require.Equal(t, want, got, name)
		only, err := a.AggregateRefs(ctx, storage.RefQuery{From: marchFrom, To: marchTo, Kinds: []ledger.EntryKind{ledger.EntryReverse}})
		require.NoError(t, err, name)
		require.Equal(t, []ledger.RefTotal{{Prefix: "bookshop", Kind: ledger.EntryReverse, Amount: -150, Count: 1}}, only, name)
		none, err := a.AggregateRefs(ctx, storage.RefQuery{Account: "credit", From: marchFrom, To: marchTo})
		require.NoError(t, err, name)
		require.Empty(t, none, name)
		_, err = a.AggregateRefs(ctx, storage.RefQuery{From: marchTo, To: marchTo})
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent, name)
		_, err = a.AggregateRefs(ctx, storage.RefQuery{From: marchFrom, To: marchTo, Kinds: []ledger.EntryKind{""}})
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent, name)
	}
}
