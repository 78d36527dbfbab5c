package referral_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/referral"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// Ann refers Bob: Bob gets a welcome coupon, his first order qualifies,
// Ann's 500 points are held for the order's return window and then paid;
// Ann cannot refer herself.
func Example() {
	ctx := context.Background()
	clock := loyalty.NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	p, err := referral.New(referral.Config{
		Currency: "USD", Secret: []byte("keep this in a vault, not in code"),
		Welcome:        referral.Welcome{Coupon: "welcome-10", CouponValue: loyalty.MinorUnits(10_00, "USD")},
		ReferrerPoints: 500, MinOrder: decimal.NewFromInt(50), QualifyDays: 30, ReturnDays: 14,
	}, memory.New(), &loyalty.EngineOptions{Clock: clock, Random: bytes.NewReader(make([]byte, 32))})
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
	held, _ := p.Engine().Balance(ctx, "ann")
	fmt.Println("bob's order:", out.Reason, "- ann holds", held.Pending)

	clock.Advance(14 * 24 * time.Hour)
	paid, _ := p.Engine().Balance(ctx, "ann")
	s, _ := p.Statement(ctx, "ann")
	fmt.Println("two weeks on: ann has", paid.Available, "-", s.Lines[0].Friend, s.Lines[0].Status)
	// Output:
	// bob's welcome: welcome-10 10.00 USD
	// self-referral refused: true
	// bob's order: pending - ann holds 500
	// two weeks on: ann has 500 - bob paid
}
