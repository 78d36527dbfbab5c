// Command quickstart runs a points program on the embedded SQLite store: a
// few members shop, one returns part of an order, one redeems points at
// checkout, and each member's statement is printed with the reason for every
// entry.
//
//	go run ./examples/quickstart            # a database in a temp dir
//	go run ./examples/quickstart -db my.db  # or a file you keep
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

func main() {
	db := flag.String("db", "", "SQLite file to keep the ledger in (default: a new file in a temp dir)")
	flag.Parse()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "loyalty-quickstart-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "loyalty.db")
	}
	if err := run(context.Background(), os.Stdout, path); err != nil {
		log.Fatal(err)
	}
}

// program is the shop's points program, composed in code.
func program() (*loyalty.Program, error) {
	base, err := points.NewRate("base-rate", 5, decimal.NewFromInt(1)) // 5 points per 1.00
	if err != nil {
		return nil, err
	}
	shoes, err := points.NewCategoryMultiplier("double-shoes", decimal.NewFromInt(2), "shoes")
	if err != nil {
		return nil, err
	}
	welcome, err := points.NewWelcome("welcome", 200)
	if err != nil {
		return nil, err
	}
	p := &loyalty.Program{
		Name:     "Acme Rewards",
		Currency: "USD",
		Rules:    []loyalty.Rule{base, shoes, welcome},
		Basis: loyalty.EarnBasis{
			ExcludeCategories: []string{"gift-cards"},
		},
		PendingDays: 14,                                          // held for the return window
		Expiry:      points.EndOfPeriodAfter(12, calendar.Month), // end of the month, a year on
		Redemption: points.Redemption{
			Points: 100, Value: money.MinorUnits(1_00, "USD"), // 100 points = 1.00 USD
			Minimum: 500, Increment: 100, MaxPercent: decimal.NewFromInt(50),
		},
	}
	return p, p.Validate()
}

func run(ctx context.Context, w io.Writer, path string) error {
	store, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	p, err := program()
	if err != nil {
		return err
	}
	clock := loyalty.NewManualClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	engine, err := loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: clock})
	if err != nil {
		return err
	}

	// Three members join and shop.
	for _, id := range []string{"ann", "bob", "cem"} {
		if _, err := engine.Enroll(ctx, "enroll/"+id, loyalty.Member{ID: id}); err != nil {
			return err
		}
	}
	orders := []*loyalty.Order{
		order("A-1001", "ann", line("trail-shoe", "shoes", 1, "89.90"), line("socks", "apparel", 3, "6.50")),
		order("B-2001", "bob", line("rain-jacket", "apparel", 1, "120.00"), line("gift-card", "gift-cards", 1, "50.00")),
		order("C-3001", "cem", line("city-shoe", "shoes", 2, "64.00")),
	}
	for _, o := range orders {
		r, err := engine.Earn(ctx, "earn/"+o.ID, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s earned %d points on order %s (held until %s)\n", o.MemberID, r.Points(), o.ID, clock.Now().AddDate(0, 0, p.PendingDays).Format(time.DateOnly))
	}

	// Bob sends the jacket back within the window: his held points are voided.
	clock.Advance(3 * 24 * time.Hour)
	r, err := engine.Return(ctx, "return/B-2001-1", &loyalty.Return{ID: "B-2001-R1", OrderID: "B-2001", MemberID: "bob",
		Lines: []loyalty.ReturnLine{{SKU: "rain-jacket", Quantity: 1}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "bob returned the rain jacket: %d points\n", r.Points())

	// Two weeks on, the held points become spendable; Ann redeems at checkout.
	clock.Advance(12 * 24 * time.Hour)
	cart := money.MinorUnits(24_00, "USD")
	q, err := engine.QuoteRedemption(ctx, "ann", cart, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "ann's cart of %s may take %d points for %s off\n", cart, q.Points, q.Value)
	red, err := engine.Redeem(ctx, "redeem/A-1002", loyalty.Redemption{ID: "A-1002-P", MemberID: "ann", OrderID: "A-1002", Total: cart, Points: q.Points})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "ann redeemed %d points: %s off order A-1002\n\n", red.Redemption.Points, red.Redemption.Value)

	for _, id := range []string{"ann", "bob", "cem"} {
		if err := statement(ctx, w, engine, id); err != nil {
			return err
		}
	}
	return nil
}

func statement(ctx context.Context, w io.Writer, e *loyalty.Engine, member string) error {
	bal, err := e.Balance(ctx, member)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Statement of %s: %d points available, %d pending\n", member, bal.Available, bal.Pending)
	var after ledger.EntryID
	for {
		lines, err := e.Statement(ctx, member, after, 50)
		if err != nil {
			return err
		}
		for _, l := range lines {
			fmt.Fprintf(w, "  %s\n", l.String())
		}
		if len(lines) < 50 {
			break
		}
		after = lines[len(lines)-1].ID
	}
	fmt.Fprintln(w)
	return nil
}

func order(id, member string, lines ...loyalty.OrderLine) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, Currency: "USD", PlacedAt: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Lines: lines}
}

func line(sku, category string, qty int64, price string) loyalty.OrderLine {
	return loyalty.OrderLine{SKU: sku, Category: category, Quantity: qty, UnitPrice: decimal.RequireFromString(price)}
}
