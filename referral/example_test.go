package referral_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/referral"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// Ann refers Bob: Bob gets a welcome coupon, his first order qualifies,
// Ann's 500 points are held for the order's return window and then paid
// into the shop's points program, beside her own; Ann cannot refer herself.
func Example() {
	ctx := context.Background()
	clock := loyalty.NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	store := memory.New()
	rate, _ := points.NewRate("base-rate", 1, decimal.NewFromInt(1))
	shop, err := loyalty.NewEngine(&loyalty.Program{ID: "points", Name: "Acme Rewards", Currency: "USD", Rules: []loyalty.Rule{rate}}, store,
		&loyalty.EngineOptions{Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range []string{"ann", "bob", "ann-2"} {
		_, _ = shop.Enroll(ctx, "enroll/"+m, loyalty.Member{ID: m})
	}
	_, _ = shop.Adjust(ctx, "gift/ann", "ann", 40, "welcome gift")

	p, err := referral.New(referral.Config{
		Currency: "USD", Secret: []byte("keep this in a vault, not in code"),
		CreditTo:       shop.Program(), // the rewards are points of the shop's program
		Welcome:        referral.Welcome{Coupon: "welcome-10", CouponValue: money.MinorUnits(10_00, "USD")},
		ReferrerPoints: 500, MinOrder: decimal.NewFromInt(50), QualifyDays: 30, ReturnDays: 14,
	}, store, &loyalty.EngineOptions{Clock: clock, Random: bytes.NewReader(make([]byte, 32))})
	if err != nil {
		fmt.Println(err)
		return
	}
	code, _ := p.CodeFor(ctx, "ann")
	_ = p.Remember(ctx, "ann", referral.Fingerprint{Kind: "email", Value: "ann@example.com"})

	a, err := p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code.Code, JoinedAt: clock.Now()})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("bob's welcome:", a.Welcome.Grants[0].Reward, a.Welcome.Grants[0].Value)

	_, err = p.Attribute(ctx, referral.Signup{Friend: "ann-2", Code: code.Code, JoinedAt: clock.Now(),
		Fingerprints: []referral.Fingerprint{{Kind: "email", Value: "ann@example.com"}}})
	fmt.Println("self-referral refused:", errors.Is(err, referral.ErrSelfReferral))

	out, _ := p.OnOrder(ctx, &loyalty.Order{ID: "B-1", MemberID: "bob", PlacedAt: clock.Now(), Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.NewFromInt(80)}}})
	held, _ := shop.Balance(ctx, "ann")
	fmt.Println("bob's order:", out.Reason, "- ann has", held.Available, "and holds", held.Pending, "in the shop")

	clock.Advance(14 * 24 * time.Hour)
	paid, _ := shop.Balance(ctx, "ann")
	s, _ := p.Statement(ctx, "ann")
	fmt.Println("two weeks on: ann has", paid.Available, "in the shop -", s.Lines[0].Friend, s.Lines[0].Status)
	// Output:
	// bob's welcome: welcome-10 10.00 USD
	// self-referral refused: true
	// bob's order: pending - ann has 40 and holds 500 in the shop
	// two weeks on: ann has 540 in the shop - bob paid
}
