// Command tiers runs a spend-based VIP program with a yearly review,
// modelled on retailers' Bronze/Silver/Gold clubs: what a member spends in a
// calendar year places them on the ladder at once, the status is kept
// through the next year, and each 1 January review moves members who no
// longer qualify to the tier they do, after a three-month grace period.
// Higher tiers earn more points per dollar and get a discount, free
// shipping and perks. The member's "welcome to Gold" email goes out from
// the engine's AfterCommit hook, after the write that made them Gold.
//
//	go run ./examples/tiers
package main

import (
	"context"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
	"github.com/shopspring/decimal"
)

func main() {
	ctx := context.Background()
	d := decimal.RequireFromString
	ladder := must(tiers.NewLadder("club", tiers.Spend("USD"), tiers.CalendarYear, []tiers.Tier{
		{Name: "Bronze", Threshold: d("0")},
		{Name: "Silver", Threshold: d("500"), Multiplier: d("1.25"), Discount: d("5")},
		{Name: "Gold", Threshold: d("1500"), Multiplier: d("1.5"), Discount: d("10"), FreeShipping: true,
			Perks: []string{"early access to sales"}},
		{Name: "Platinum", Threshold: d("5000"), Multiplier: d("2"), Discount: d("15"), FreeShipping: true,
			Perks: []string{"early access to sales", "private shopping events"}},
	}, &tiers.Options{Downgrade: tiers.ToQualified, GraceMonths: 3}))
	rate := must(points.NewRate("base", 1, d("1")))
	program := &loyalty.Program{Name: "style-club", Currency: "USD", Rules: []loyalty.Rule{ladder, rate}}

	store := memory.New()
	clock := loyalty.NewManualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	var (
		mu     sync.Mutex // Review calls AfterCommit from several goroutines
		outbox []string   // the host's mailer queue
	)
	engine := must(loyalty.NewEngine(program, store, &loyalty.EngineOptions{
		Clock: clock,
		// AfterCommit only ever sees committed writes: no email for an order
		// whose write failed.
		AfterCommit: func(_ context.Context, r *loyalty.Receipt) {
			mu.Lock()
			defer mu.Unlock()
			for _, n := range r.Notices {
				switch n.Kind {
				case tiers.NoticeChanged:
					if from, to, _ := tiers.ParseChange(n); ladder.Level(to) > ladder.Level(from) {
						outbox = append(outbox, "email to "+r.MemberID+": Welcome to "+to+"!")
					} else {
						outbox = append(outbox, "email to "+r.MemberID+": your status is now "+to)
					}
				case tiers.NoticeGrace:
					outbox = append(outbox, "email to "+r.MemberID+": "+n.Detail+" unless you qualify again before then")
				}
			}
		},
	}))
	send := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range outbox {
			fmt.Println("            " + m)
		}
		outbox = outbox[:0]
	}
	must(engine.Enroll(ctx, "enroll-ana", loyalty.Member{ID: "ana"}))

	fmt.Println("Style Club: Bronze, Silver from 500.00, Gold from 1,500.00, Platinum from 5,000.00 a calendar year")
	fmt.Println()
	buy := func(day time.Time, id, amount string) {
		clock.Set(day)
		rc := must(engine.Earn(ctx, "order-"+id, &loyalty.Order{ID: id, MemberID: "ana", PlacedAt: day, Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: id, Quantity: 1, UnitPrice: d(amount)}}}))
		fmt.Printf("%s  order %s of %s USD: +%d points\n", day.Format("2006-01-02"), id, amount, rc.Points())
		send()
	}
	show := func() {
		st := must(engine.Member(ctx, "ana"))
		now := clock.Now()
		p := ladder.Progress(st, now)
		b := ladder.Benefits(st, now)
		fmt.Printf("            Ana sees: %s, %s spent this year", p.Tier, ladder.Amount(p.Amount))
		if p.Next != "" {
			fmt.Printf(", %s more for %s", ladder.Amount(p.ToNext), p.Next)
		}
		fmt.Println()
		if p.ToKeep > 0 {
			fmt.Printf("            to keep %s past %s: spend %s more\n", p.Tier, p.KeepBy.Format("2006-01-02"), ladder.Amount(p.ToKeep))
		} else {
			fmt.Printf("            %s is safe past %s\n", p.Tier, p.KeepBy.Format("2006-01-02"))
		}
		fmt.Printf("            benefits: points ×%s", b.Multiplier)
		if !b.Discount.IsZero() {
			fmt.Printf(", %s%% off", b.Discount)
		}
		if b.FreeShipping {
			fmt.Print(", free shipping")
		}
		if len(b.Perks) > 0 {
			fmt.Print(", " + strings.Join(b.Perks, ", "))
		}
		fmt.Println()
	}
	review := func(day time.Time) {
		clock.Set(day)
		st := must(tiers.Review(ctx, engine, store, "club-review/"+day.Format("2006-01-02")+"/"))
		fmt.Printf("%s  yearly review: %d member(s), %d changed tier, %d in grace\n", day.Format("2006-01-02"), st.Members, st.Changed, st.Graced)
		send()
	}

	buy(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), "1001", "320.00")
	show()
	buy(time.Date(2026, 5, 14, 18, 0, 0, 0, time.UTC), "1002", "240.00")
	buy(time.Date(2026, 9, 20, 12, 0, 0, 0, time.UTC), "1003", "980.00")
	show()
	buy(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), "1004", "200.00")

	review(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	clock.Set(time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC))
	show()

	buy(time.Date(2027, 6, 8, 15, 0, 0, 0, time.UTC), "1005", "650.00")
	review(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC))
	clock.Set(time.Date(2028, 1, 2, 9, 0, 0, 0, time.UTC))
	show()
	buy(time.Date(2028, 4, 3, 11, 0, 0, 0, time.UTC), "1006", "80.00")
	show()
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
