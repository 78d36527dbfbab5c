package rewards_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// A member buys a 10% coupon with points, and uses it at checkout: the
// quote gives the line discounts, the host applies them, and the order's
// earn uses the coupon in the same write.
func ExampleCatalog_Buy() {
	ctx := context.Background()
	cat, _ := rewards.NewCatalog("catalog", "USD", &rewards.Options{Code: loyalty.CodeFormat{Prefix: "SHOP-", Length: 8}},
		rewards.Reward{ID: "ten-pct", Name: "10% off", Kind: rewards.PercentDiscount, Price: 500,
			Percent: decimal.NewFromInt(10), MinimumOrder: decimal.NewFromInt(20), Stock: 100, ValidDays: 30})
	rate, _ := points.NewRate("base", 10, decimal.NewFromInt(1))
	p := &loyalty.Program{ID: "shop", Name: "Shop", Currency: "USD", Rules: []loyalty.Rule{rate, cat}}
	now := time.Date(2026, time.December, 7, 12, 0, 0, 0, time.UTC)
	e, _ := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(now), Random: rand.NewChaCha8([32]byte{})})
	_ = cat.Setup(ctx, e) // the stock's shared counter
	_, _ = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	_, _ = e.Adjust(ctx, "gift-ann", "ann", 800, "opening balance")

	bought, err := cat.Buy(ctx, e, "buy-1", "ann", "ten-pct")
	if err != nil {
		fmt.Println(err)
		return
	}
	left, _ := cat.StockLeft(ctx, e, "ten-pct")
	b, _ := e.Balance(ctx, "ann")
	fmt.Printf("coupon %s for %s, valid until %s; %d points left, %d in stock\n",
		bought.Coupon.Code, bought.Coupon.Reward, bought.Coupon.ExpiresAt.Format(time.DateOnly), b.Available, left)

	o := &loyalty.Order{ID: "o1", MemberID: "ann", PlacedAt: now, Currency: "USD", Codes: []string{bought.Coupon.Code},
		Lines: []loyalty.OrderLine{
			{SKU: "tee", Quantity: 2, UnitPrice: decimal.NewFromInt(15)},
			{SKU: "cap", Quantity: 1, UnitPrice: decimal.NewFromInt(12)},
		}}
	ds, err := cat.Check(ctx, e, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range ds[0].Lines {
		fmt.Printf("line %d (%s): %s off\n", l.Line+1, l.SKU, l.Amount.StringFixed(2))
	}
	ds[0].Apply(o)
	r, _ := e.Earn(ctx, "earn-o1", o)
	b, _ = e.Balance(ctx, "ann")
	fmt.Printf("earned %d on %s paid; balance %d; coupon %s\n", r.Entries[0].Amount, decimal.NewFromInt(42).Sub(ds[0].Total).StringFixed(2), b.Available, r.Grants[0].Status)

	_, err = e.Earn(ctx, "earn-o2", &loyalty.Order{ID: "o2", MemberID: "ann", PlacedAt: now, Currency: "USD", Codes: []string{bought.Coupon.Code},
		Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 2, UnitPrice: decimal.NewFromInt(15)}}})
	fmt.Println(err)
	// Output:
	// coupon SHOP-UUHRFK2M for ten-pct, valid until 2027-01-06; 300 points left, 99 in stock
	// line 1 (tee): 3.00 off
	// line 2 (cap): 1.20 off
	// earned 378 on 37.80 paid; balance 678; coupon used
	// loyalty: refused by a rule: rule catalog: code has no uses left: rewards: coupon "SHOP-UUHRFK2M": code has no uses left
}
