package partners_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/partners"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// BenchmarkSettle settles a month of 10 partners over 1,000,000 earn
// entries (100,000 members × 10 orders) in memory: aggregated by the store
// (storage.RefAggregator), and member by member through History as for a
// store without it.
func BenchmarkSettle(b *testing.B) {
	var ps []partners.Partner
	for i := range 10 {
		ps = append(ps, partners.Partner{ID: "p" + strconv.Itoa(i), CostPerPoint: dec("0.01"), ReimbursePerPoint: dec("0.008")})
	}
	co, err := partners.New("city", "USD", ps)
	require.NoError(b, err)
	base, err := points.NewRate("base", 1, dec("1"))
	require.NoError(b, err)
	t0 := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	clock := loyalty.NewManualClock(t0)
	store := memory.New()
	e, err := loyalty.NewEngine(&loyalty.Program{Name: "City", Currency: "USD", Rules: []loyalty.Rule{co, base}}, store, &loyalty.EngineOptions{Clock: clock})
	require.NoError(b, err)
	require.NoError(b, co.Open(ctx, e))
	const members, orders = 100_000, 10
	for m := range members {
		id := "m" + strconv.Itoa(m)
		_, err := e.Enroll(ctx, "enroll-"+id, loyalty.Member{ID: id})
		require.NoError(b, err)
		for o := range orders {
			oid := "p" + strconv.Itoa((m+o)%10) + ":" + id + "-" + strconv.Itoa(o)
			_, err := e.Earn(ctx, oid, &loyalty.Order{ID: oid, MemberID: id, PlacedAt: t0, Currency: "USD", Lines: []loyalty.OrderLine{{SKU: "x", Quantity: 1, UnitPrice: dec("10")}}})
			require.NoError(b, err)
		}
	}
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		lister loyalty.MemberLister
	}{{"aggregated", store}, {"member-by-member", adaptertest.MemberByMember(b, store).(loyalty.MemberLister)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := co.Settle(ctx, e, c.lister, from, to, to, nil)
				require.NoError(b, err)
				require.Equal(b, int64(members*orders/10), s.Partners[0].Entries)
				require.Equal(b, int64(members*orders/10*10), s.Partners[0].Issued, "100,000 orders of 10 points")
			}
		})
	}
}
