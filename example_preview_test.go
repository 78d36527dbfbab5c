package loyalty_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// welcomeCoupon grants a 5.00 coupon on an order while its stock lasts.
type welcomeCoupon struct{}

func (welcomeCoupon) Name() string { return "welcome-coupon" }
func (welcomeCoupon) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if c.Order == nil {
		return out
	}
	ef := loyalty.GrantReward(ledger.Grant{Reward: "five-off"}, &loyalty.CodeFormat{Prefix: "W-", Length: 8, Kind: "coupon", MaxUses: 1})
	ef.Counter = "welcome-stock"
	return append(out, ef)
}

// A checkout page shows what the order will do, coupon included; the write
// with the same key then does exactly that.
func ExampleEngine_Preview() {
	ctx := context.Background()
	p := &loyalty.Program{ID: "shop", Name: "shop", Currency: "USD", Rules: []loyalty.Rule{storagetest.PerDollar(5), welcomeCoupon{}}}
	e, _ := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{
		Clock:  loyalty.NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)),
		Random: rand.NewChaCha8([32]byte{42}), // seeded: the same code on every run
	})
	_ = e.SetLimit(ctx, "welcome-stock", 100)
	_, _ = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	o := &loyalty.Order{ID: "1001", MemberID: "ann", Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.RequireFromString("20.00")}}}

	pv, err := e.Preview(ctx, "order-1001", o)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("points:", pv.Receipt.Points(), "claims:", pv.Claims[0].Counter, pv.Claims[0].Amount)
	stock, _ := e.SharedCounter(ctx, "welcome-stock", "")
	fmt.Println("stock left after the preview:", stock.Left())

	r, _ := e.Earn(ctx, "order-1001", o)
	fmt.Println("same code:", r.Grants[0].Code == pv.Grants[0].Code, len(r.Grants[0].Code))
	stock, _ = e.SharedCounter(ctx, "welcome-stock", "")
	fmt.Println("stock left after the earn:", stock.Left())
	// Output:
	// points: 100 claims: welcome-stock 1
	// stock left after the preview: 100
	// same code: true 10
	// stock left after the earn: 99
}
