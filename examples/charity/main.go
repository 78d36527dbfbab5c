// Command charity runs a "10% of sales to a good cause" program, modelled on
// shops that give a share of every sale to a cause their buyers pick: the
// shop pledges 10% of each order to the member's chosen cause (or its own),
// members earn a point per 1.00 and may give their points too (100 points
// give 1.00, spent and pledged in one write), returns take the pledge back, and every member gets an impact
// statement while the shop gets the per-cause totals it owes.
//
//	go run ./examples/charity
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/charity"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
)

func main() {
	ctx := context.Background()
	causes := charity.Causes{
		List: []charity.Cause{
			{ID: "ocean", Name: "Ocean Cleanup"},
			{ID: "trees", Name: "Replant the Forests"},
			{ID: "meals", Name: "School Meals"},
		},
		Default:   "ocean",
		Attribute: charity.ChoiceAttribute,
	}
	program := &loyalty.Program{
		Name:     "give-back",
		Currency: "USD",
		Rules: []loyalty.Rule{
			must(points.NewRate("one-point-per-dollar", 1, decimal.RequireFromString("1.00"))),
			must(charity.NewPledge("ten-percent-of-sales", decimal.NewFromInt(10), causes)),
			must(charity.NewDonation("give-points", 100, decimal.RequireFromString("1.00"), causes)),
		},
	}
	store := memory.New()
	clock := loyalty.NewManualClock(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
	engine := must(loyalty.NewEngine(program, store, &loyalty.EngineOptions{Clock: clock}))

	must(engine.Enroll(ctx, "enroll-lena", loyalty.Member{ID: "lena", Attributes: map[string]string{"cause": "trees"}}))
	must(engine.Enroll(ctx, "enroll-omar", loyalty.Member{ID: "omar"}))
	fmt.Println("Give Back: 10% of every sale goes to the cause you choose")
	fmt.Println()

	buy := func(day time.Time, member, id, amount string) {
		clock.Set(day)
		rc := must(engine.Earn(ctx, "order-"+id, &loyalty.Order{ID: id, MemberID: member, Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: "item-" + id, Quantity: 1, UnitPrice: decimal.RequireFromString(amount)}}}))
		for _, e := range rc.Entries {
			if e.Account != ledger.PointsAccount {
				fmt.Printf("%s  %s orders %s USD: %s pledged to %s, %d points earned\n", day.Format("Jan 02"), member, amount,
					money.MinorUnits(e.Amount, "USD"), cause(causes, e.Account), rc.Points())
			}
		}
	}
	buy(time.Date(2026, 10, 14, 10, 0, 0, 0, time.UTC), "lena", "501", "240.00")
	buy(time.Date(2026, 11, 2, 18, 0, 0, 0, time.UTC), "omar", "502", "85.00")
	buy(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), "lena", "503", "60.00")

	clock.Set(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	must(engine.Return(ctx, "return-503", &loyalty.Return{ID: "r503", OrderID: "503", MemberID: "lena", Amount: decimal.RequireFromString("60.00")}))
	fmt.Println("Nov 28  lena returns order 503: its 6.00 USD pledge is taken back")

	clock.Set(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC))
	d := must(charity.Donate(ctx, engine, "donation-lena-1", "lena", "meals", 200))
	fmt.Printf("Dec 10  lena gives %d points: %s to %s, in one write:\n", d.Points, d.Pledged, d.Cause)
	for _, e := range d.Receipt.Entries {
		amount := fmt.Sprint(e.Amount, " points")
		if e.Account != ledger.PointsAccount {
			amount = "+" + money.MinorUnits(e.Amount, "USD").String()
		}
		fmt.Printf("          %-6s %-14s %s\n", e.Kind, e.Account, amount)
	}
	if _, err := charity.Donate(ctx, engine, "donation-lena-2", "lena", "meals", 500); !errors.Is(err, loyalty.ErrInsufficientPoints) {
		log.Fatalf("500 points of 40: %v, want loyalty.ErrInsufficientPoints", err)
	}
	pts := must(engine.Balance(ctx, "lena"))
	fmt.Printf("Dec 10  lena tries to give 500 points with %d: refused, nothing written\n", pts.Available)

	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Println("\nLena's impact, October to December 2026:")
	imp := must(charity.ImpactOf(ctx, engine, "lena", from, to))
	for _, c := range imp.Causes {
		fmt.Printf("  %-20s %10s  %s\n", c.Cause.String()+":", c.Net, how(c))
	}
	fmt.Printf("  %-20s %10s\n", "in all:", imp.Total)
	pts = must(engine.Balance(ctx, "lena"))
	fmt.Printf("  points left: %d\n", pts.Available)

	fmt.Println("\nWhat the shop owes each cause for Q4 2026:")
	tot := must(charity.Totals(ctx, engine, store, from, to))
	for _, c := range tot.Causes {
		fmt.Printf("  %-20s %10s  from %d member(s)\n", c.Cause.String()+":", c.Net, c.Members)
	}
	fmt.Printf("  %-20s %10s\n", "total:", tot.Total)
}

// how says where a cause's money came from.
func how(c charity.CauseImpact) string {
	var parts []string
	if !c.Purchases.IsZero() {
		parts = append(parts, fmt.Sprintf("%s from %d order(s)", c.Purchases, c.Orders))
	}
	if !c.Returned.IsZero() {
		parts = append(parts, fmt.Sprintf("%s returned", c.Returned))
	}
	if !c.Donations.IsZero() {
		parts = append(parts, fmt.Sprintf("%s in points", c.Donations))
	}
	return strings.Join(parts, ", ")
}

func cause(cs charity.Causes, a ledger.Account) string {
	for _, c := range cs.List {
		if charity.Account(c.ID) == a {
			return c.String()
		}
	}
	return string(a)
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
