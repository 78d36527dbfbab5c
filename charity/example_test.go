package charity_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/charity"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
)

// 10% of sales pledged to the cause each member chose, with an impact
// statement and the shop's per-cause totals.
func Example() {
	ctx := context.Background()
	causes := charity.Causes{
		List:      []charity.Cause{{ID: "ocean", Name: "Ocean Cleanup"}, {ID: "forests", Name: "Replant Forests"}},
		Default:   "ocean",
		Attribute: charity.ChoiceAttribute,
	}
	pledge, err := charity.NewPledge("ten-percent", decimal.NewFromInt(10), causes)
	if err != nil {
		panic(err)
	}
	prog := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{pledge}}
	store := memory.New()
	clock := loyalty.NewManualClock(time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC))
	e, _ := loyalty.NewEngine(prog, store, &loyalty.EngineOptions{Clock: clock})

	e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann", Attributes: map[string]string{"cause": "forests"}})
	e.Enroll(ctx, "enroll-bob", loyalty.Member{ID: "bob"})
	buy := func(member, id, amount string) {
		e.Earn(ctx, "order-"+id, &loyalty.Order{ID: id, MemberID: member, Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.RequireFromString(amount)}}})
	}
	buy("ann", "a1", "120.00")
	buy("ann", "a2", "45.00")
	buy("bob", "b1", "60.00")
	e.Return(ctx, "return-a2", &loyalty.Return{ID: "ra2", OrderID: "a2", MemberID: "ann", Amount: decimal.RequireFromString("45.00")})

	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	imp, _ := charity.ImpactOf(ctx, e, "ann", from, to)
	for _, c := range imp.Causes {
		fmt.Printf("ann gave %s to %s (%d orders, %s returned)\n", c.Net, c.Cause, c.Orders, c.Returned)
	}
	tot, _ := charity.Totals(ctx, e, store, from, to)
	for _, c := range tot.Causes {
		fmt.Printf("%s: %s, given by %d member(s)\n", c.Cause, c.Net, c.Members)
	}
	fmt.Println("owed to causes:", tot.Total)
	// Output:
	// ann gave 12.00 USD to Replant Forests (2 orders, 4.50 USD returned)
	// Ocean Cleanup: 6.00 USD, given by 1 member(s)
	// Replant Forests: 12.00 USD, given by 1 member(s)
	// owed to causes: 18.00 USD
}

// Points turned into a pledge in one write: the points are spent and the
// cause's pledge account credited together, or nothing is written.
func ExampleDonate() {
	ctx := context.Background()
	causes := charity.Causes{List: []charity.Cause{{ID: "meals", Name: "School Meals"}}, Default: "meals"}
	give, _ := charity.NewDonation("give-points", 100, decimal.RequireFromString("1.00"), causes)
	prog := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{give}}
	e, _ := loyalty.NewEngine(prog, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC))})
	e.Enroll(ctx, "enroll-lena", loyalty.Member{ID: "lena"})
	e.Adjust(ctx, "gift-lena", "lena", 300, "welcome gift")

	d, _ := charity.Donate(ctx, e, "donation-1", "lena", "", 250)
	fmt.Printf("%d points give %s to %s\n", d.Points, d.Pledged, d.Cause)
	for _, en := range d.Receipt.Entries {
		fmt.Println(" ", en.Kind, en.Account, en.Amount)
	}
	_, err := charity.Donate(ctx, e, "donation-2", "lena", "", 100)
	fmt.Println("100 more:", errors.Is(err, loyalty.ErrInsufficientPoints))
	// Output:
	// 250 points give 2.50 USD to School Meals
	//   earn pledge:meals 250
	//   redeem points -250
	// 100 more: true
}
