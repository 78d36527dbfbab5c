package sim_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/economics/sim"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/shopspring/decimal"
)

// Compare 1 point per 1.00 (100 points = 1.00 off) with 2% cashback on the
// same 500 customers over a quarter: few members reach the 500 points a
// redemption needs in three months, so the points cost little so far and
// stand as liability.
func ExampleCompare() {
	d := decimal.RequireFromString
	rate, _ := points.NewRate("base", 1, d("1"))
	pts := &loyalty.Program{Name: "points", Currency: "USD", Rules: []loyalty.Rule{rate},
		Redemption: points.Redemption{Points: 100, Value: money.New(d("1.00"), "USD"), Minimum: 500}}
	back, _ := cashback.NewPercentage("two-percent", d("2"), nil)
	cash := &loyalty.Program{Name: "cashback", Currency: "USD", Rules: []loyalty.Rule{back}}

	cfg := &sim.Config{
		Seed:  7,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		End:   time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Customers: sim.Customers{Count: 500, Segments: []sim.Segment{{
			Name: "everyone", Weight: 1, OrdersPerMonth: 1, Items: 2,
			Categories:     []sim.Category{{Name: "goods", Weight: 1, Prices: []decimal.Decimal{d("25.00"), d("60.00")}}},
			ChurnPerMonth:  0.03,
			JoinShare:      0.6,
			ExtraFrequency: 0.2, RedeemPropensity: 0.5, ReturnRate: 0.05,
		}}},
		EnrolledAtStart: 0.5,
	}
	cmp, err := sim.Compare(context.Background(), pts, cash, cfg)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range []*sim.Result{cmp.A, cmp.B} {
		k := r.Total
		fmt.Printf("%-8s revenue %s, cost %s (%s%%), liability %s\n", r.Program,
			k.Revenue.StringFixed(2), k.Cost.StringFixed(2), k.CostShareOfRevenue.Shift(2).StringFixed(2), k.Liability.StringFixed(2))
	}
	// Output:
	// points   revenue 126135.00, cost 36.20 (0.03%), liability 566.23
	// cashback revenue 126135.00, cost 576.70 (0.46%), liability 617.35
}
