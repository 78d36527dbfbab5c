package membership_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
)

// BenchmarkEvaluate compares an order's evaluation (the earn's work above
// storage) for a member without a membership and with an active one whose
// plan doubles points.
func BenchmarkEvaluate(b *testing.B) {
	f := newFixture(b, time.UTC, 3)
	o := &loyalty.Order{ID: "o", MemberID: "ann", PlacedAt: start, Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "book", Quantity: 2, UnitPrice: dec("12.50")}, {SKU: "pen", Quantity: 1, UnitPrice: dec("3.00")}}}
	plain, err := f.e.Member(ctx, "ann")
	require.NoError(b, err)
	_, err = f.pay(b, "pay", "monthly", "5.00")
	require.NoError(b, err)
	member, err := f.e.Member(ctx, "ann")
	require.NoError(b, err)
	p := f.e.Program()
	for _, c := range []struct {
		name string
		st   *loyalty.State
		want int64
	}{{"without", plain, 28}, {"member", member, 56}} {
		b.Run(c.name, func(b *testing.B) {
			var res loyalty.Result
			require.NoError(b, p.EvaluateInto(&res, c.st, o, start))
			require.Equal(b, c.want, res.Awards[0].Amount)
			b.ReportAllocs()
			for b.Loop() {
				_ = p.EvaluateInto(&res, c.st, o, start)
			}
		})
	}
}
