package partners_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/partners"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// A member earns at the bookshop and redeems at the café; March's
// settlement says what each owes.
func Example() {
	co, err := partners.New("city", "USD", []partners.Partner{
		{ID: "bookshop", CostPerPoint: dec("0.012"), ReimbursePerPoint: dec("0.008")},
		{ID: "cafe", CostPerPoint: dec("0.010"), ReimbursePerPoint: dec("0.009")},
	})
	if err != nil {
		panic(err)
	}
	base, _ := points.NewRate("base", 10, dec("1"))
	store := memory.New()
	clock := loyalty.NewManualClock(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC))
	p := &loyalty.Program{Name: "City", Currency: "USD", Rules: []loyalty.Rule{co, base},
		Redemption: points.Redemption{Points: 100, Value: money.MinorUnits(1_00, "USD")}}
	e, err := loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: clock})
	if err != nil {
		panic(err)
	}
	if err := co.Open(ctx, e); err != nil {
		panic(err)
	}
	_, _ = e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})

	if _, err := co.Earn(ctx, e, "earn-1", &loyalty.Order{ID: "bookshop:1001", MemberID: "ann", Currency: "USD", PlacedAt: clock.Now(),
		Lines: []loyalty.OrderLine{{SKU: "novel", Quantity: 1, UnitPrice: dec("45.00")}}}); err != nil {
		panic(err)
	}
	if _, err := co.Redeem(ctx, e, "redeem-1", loyalty.Redemption{ID: "cafe:r-1", MemberID: "ann",
		Total: money.Money{Amount: dec("6.40"), Currency: "USD"}, Points: 300}); err != nil {
		panic(err)
	}

	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	st, err := co.Settle(ctx, e, store, from, to, to, map[string]decimal.Decimal{})
	if err != nil {
		panic(err)
	}
	_ = co.Lines(ctx, e, store, from, to, func(l partners.Line) error {
		fmt.Println(l.Partner, l.Member, l.Kind, l.Ref, l.Points)
		return nil
	})
	for _, s := range st.Partners {
		fmt.Println(s.Partner, "issued", s.Issued, "owes", s.Owed, "redeemed", s.Redeemed, "is owed", s.Reimbursed, "net", s.Net, "over", s.Entries, "entry")
	}
	// Output:
	// bookshop ann earn bookshop:1001 450
	// cafe ann redeem cafe:r-1 -300
	// bookshop issued 450 owes 5.40 USD redeemed 0 is owed 0.00 USD net 5.40 USD over 1 entry
	// cafe issued 0 owes 0.00 USD redeemed 300 is owed 2.70 USD net -2.70 USD over 1 entry
}

// The partner an order or redemption ID names.
func ExamplePartnerOf() {
	fmt.Printf("%q %q\n", partners.PartnerOf("bookshop:1001"), partners.PartnerOf("A-1001"))
	// Output: "bookshop" ""
}
