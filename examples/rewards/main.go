// Command rewards runs a rewards catalog on the embedded SQLite store: a
// member earns points, browses the catalog, buys a free-shipping reward and
// a 10% coupon, uses the coupon at checkout with its code (the quote's line
// discounts applied, the coupon used in the order's write), then gets a
// birthday coupon and, a year after the first order, an anniversary coupon;
// buying shoes often, she sees a double-points offer on shoes. A spring
// campaign gives 5 more points per 1.00 within a budget of 500 points per
// member and month (an order past it earns what is left, and says so), and
// a 5.00 coupon is sold within a budget of 10.00 for all members a month.
//
//	go run ./examples/rewards            # a database in a temp dir
//	go run ./examples/rewards -db my.db  # or a file you keep
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

func main() {
	db := flag.String("db", "", "SQLite file to keep the ledger in (default: a new file in a temp dir)")
	flag.Parse()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "loyalty-rewards-")
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

// catalog is the shop's rewards.
func catalog() (*rewards.Catalog, error) {
	return rewards.NewCatalog("catalog", "USD", &rewards.Options{Code: loyalty.CodeFormat{Prefix: "ACME-", Length: 8}},
		rewards.Reward{ID: "free-shipping", Name: "Free shipping", Kind: rewards.FreeShipping, Price: 300, Stock: 500, ValidDays: 60},
		rewards.Reward{ID: "ten-percent", Name: "10% off (up to 20.00)", Kind: rewards.PercentDiscount, Price: 600,
			Percent: decimal.NewFromInt(10), MaxDiscount: decimal.NewFromInt(20), MinimumOrder: decimal.NewFromInt(40), ValidDays: 30,
			Limits: []points.Limit{{Times: 1, Per: calendar.Month}}},
		rewards.Reward{ID: "free-socks", Name: "A free pair of socks", Kind: rewards.FreeProduct, Price: 400, SKU: "socks", Stock: 50},
		rewards.Reward{ID: "five-off", Name: "5.00 off", Kind: rewards.FixedDiscount, Price: 100, Amount: decimal.NewFromInt(5),
			Budgets: []rewards.Budget{{Name: "five-off-coupons", Money: money.New(decimal.NewFromInt(10), "USD"), Global: true,
				Per: calendar.Month, Policy: rewards.BudgetRefuse}}},
		rewards.Reward{ID: "birthday-5", Name: "5.00 birthday gift", Kind: rewards.FixedDiscount, Amount: decimal.NewFromInt(5), ValidDays: 31},
		rewards.Reward{ID: "anniversary-15", Name: "15% anniversary coupon", Kind: rewards.PercentDiscount, Percent: decimal.NewFromInt(15), ValidDays: 14},
	)
}

func program(cat *rewards.Catalog, offers *rewards.Offers) (*loyalty.Program, error) {
	base, err := points.NewRate("base-rate", 10, decimal.NewFromInt(1)) // 10 points per 1.00
	if err != nil {
		return nil, err
	}
	birthday, err := rewards.NewBirthdayCoupon("birthday-coupon", cat, "birthday-5")
	if err != nil {
		return nil, err
	}
	anniversary, err := rewards.NewPurchaseAnniversaryCoupon("anniversary-coupon", cat, "anniversary-15")
	if err != nil {
		return nil, err
	}
	spring, err := springCampaign()
	if err != nil {
		return nil, err
	}
	p := &loyalty.Program{ID: "acme", Name: "Acme Rewards", Currency: "USD", Location: time.UTC,
		Rules: []loyalty.Rule{base, spring, cat, birthday, anniversary, offers}}
	return p, p.Validate()
}

// springCampaign gives 5 more points per 1.00, at most 500 points per
// member and month: an order past that earns what is left of it.
func springCampaign() (*rewards.Budgeted, error) {
	rate, err := points.NewRate("spring-bonus", 5, decimal.NewFromInt(1))
	if err != nil {
		return nil, err
	}
	return rewards.WithBudget(rate, rewards.Budget{Name: "spring", Points: 500, Per: calendar.Month, Policy: rewards.BudgetCut})
}

// offers are the shop's personalised offers: double points on shoes for a
// member who bought shoes twice in the last 90 days, a bonus to come back
// after 60 days without an order.
func newOffers(cat *rewards.Catalog) (*rewards.Offers, error) {
	return rewards.NewOffers("offers", cat,
		rewards.Offer{ID: "shoes-2x", Name: "Double points on shoes", Multiplier: decimal.NewFromInt(2), Category: "shoes",
			Targets: []rewards.Target{rewards.BoughtCategory{Category: "shoes", WithinDays: 90, MinOrders: 2}}},
		rewards.Offer{ID: "come-back", Name: "200 points on your next order", Bonus: 200,
			Targets: []rewards.Target{rewards.NoOrderFor{Days: 60}}},
	)
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
	cat, err := catalog()
	if err != nil {
		return err
	}
	offers, err := newOffers(cat)
	if err != nil {
		return err
	}
	p, err := program(cat, offers)
	if err != nil {
		return err
	}
	clock := loyalty.NewManualClock(time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC))
	// A seeded source, so the example prints the same codes every run; a
	// shop leaves Random nil (crypto/rand) so codes cannot be guessed.
	engine, err := loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: clock, Random: rand.NewChaCha8([32]byte{42})})
	if err != nil {
		return err
	}
	if err := cat.Setup(ctx, engine); err != nil {
		return err
	}
	fmt.Fprintf(w, "Acme Rewards: a catalog of %d rewards\n", len(cat.Rewards()))

	if _, err := engine.Enroll(ctx, "enroll/ann", loyalty.Member{ID: "ann", Birthday: time.Date(1991, time.March, 20, 0, 0, 0, 0, time.UTC)}); err != nil {
		return err
	}
	first := order("A-1", "ann", clock.Now(), line("jacket", "outerwear", 1, "129.00"), line("socks", "basics", 2, "6.00"))
	r, err := engine.Earn(ctx, "earn/A-1", first)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "ann earned %d points on order A-1:\n", r.Points())
	for _, x := range r.Explanation {
		fmt.Fprintf(w, "  %s\n", x.String())
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "The catalog:")
	for _, rw := range cat.Rewards() {
		left, err := cat.StockLeft(ctx, engine, rw.ID)
		if err != nil {
			return err
		}
		price, stock := "granted by the shop", ""
		if rw.Price > 0 {
			price = fmt.Sprintf("%d points", rw.Price)
		}
		if left != loyalty.NoLimit {
			stock = fmt.Sprintf(", %d left", left)
		}
		fmt.Fprintf(w, "  %-15s %-24s %s%s\n", rw.ID, rw.Name, price, stock)
	}
	fmt.Fprintln(w)

	ship, err := cat.Buy(ctx, engine, "buy/ann/1", "ann", "free-shipping")
	if err != nil {
		return err
	}
	pct, err := cat.Buy(ctx, engine, "buy/ann/2", "ann", "ten-percent")
	if err != nil {
		return err
	}
	b, err := engine.Balance(ctx, "ann")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "ann bought free shipping (%s) and 10%% off (%s): %d points left\n", ship.Coupon.Code, pct.Coupon.Code, b.Available)
	if _, err := cat.Buy(ctx, engine, "buy/ann/3", "ann", "ten-percent"); err != nil {
		fmt.Fprintf(w, "a second 10%% coupon this month is refused: %v\n", err)
	}

	// A coupon sold within a budget for everyone: two of 5.00 fit in 10.00.
	for i := 1; i <= 3; i++ {
		if _, err := cat.Buy(ctx, engine, fmt.Sprintf("buy/ann/five-%d", i), "ann", "five-off"); err != nil {
			fmt.Fprintf(w, "a third 5.00 coupon this month is refused: %v\n", err)
		}
	}

	// Checkout: the shop quotes the codes, applies the line discounts and
	// records the order; the coupons are used in the order's write.
	clock.Advance(24 * time.Hour)
	o := order("A-2", "ann", clock.Now(), line("boots", "shoes", 1, "95.00"), line("scarf", "accessories", 1, "25.00"))
	o.Shipping = decimal.RequireFromString("7.50")
	o.Codes = []string{pct.Coupon.Code, ship.Coupon.Code}
	ds, err := cat.Check(ctx, engine, o)
	if err != nil {
		return err
	}
	for _, d := range ds {
		fmt.Fprintf(w, "coupon %s (%s): %s off", d.Code, d.Reward, d.Total.StringFixed(2))
		for _, l := range d.Lines {
			fmt.Fprintf(w, "; %s %s", l.SKU, l.Amount.StringFixed(2))
		}
		if d.Shipping.Sign() > 0 {
			fmt.Fprintf(w, "; shipping %s", d.Shipping.StringFixed(2))
		}
		fmt.Fprintln(w)
		d.Apply(o)
	}
	r, err = engine.Earn(ctx, "earn/A-2", o)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "order A-2 earned %d points and used %d coupons\n", r.Points(), len(r.Grants))
	again := order("A-3", "ann", clock.Now(), line("boots", "shoes", 1, "95.00"))
	again.Codes = []string{pct.Coupon.Code}
	_, err = engine.Earn(ctx, "earn/A-3", again)
	fmt.Fprintf(w, "the 10%% coupon again on order A-3: %v\n\n", err)

	// Offers: a second shoes order makes ann a shoes buyer; her offers
	// say why, and the next shoes order earns double on the shoes.
	clock.Advance(24 * time.Hour)
	if _, err := engine.Earn(ctx, "earn/A-4", order("A-4", "ann", clock.Now(), line("sneakers", "shoes", 1, "60.00"))); err != nil {
		return err
	}
	list, err := offers.List(ctx, engine, "ann")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "ann's offers:")
	for _, of := range list {
		fmt.Fprintf(w, "  %s (%s): %s\n", of.Name, of.Kind, strings.Join(of.Why, "; "))
	}
	r, err = engine.Earn(ctx, "earn/A-5", order("A-5", "ann", clock.Now(), line("sandals", "shoes", 1, "40.00"), line("socks", "basics", 1, "6.00")))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "order A-5 (40.00 of shoes, 6.00 of socks) earned %d points\n\n", r.Points())

	// The daily jobs: a birthday coupon on 20 March, an anniversary coupon
	// on 2 March a year after the first order.
	for _, day := range []time.Time{
		time.Date(2026, time.March, 20, 6, 0, 0, 0, time.UTC),
		time.Date(2027, time.March, 2, 6, 0, 0, 0, time.UTC),
	} {
		clock.Set(day)
		if _, err := engine.RunJobs(ctx, nil, nil); err != nil {
			return err
		}
	}
	st, err := engine.Member(ctx, "ann")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "ann's open coupons:")
	for _, c := range rewards.Coupons(st) {
		until := "no expiry"
		if !c.ExpiresAt.IsZero() {
			until = "until " + c.ExpiresAt.Format(time.DateOnly)
		}
		fmt.Fprintf(w, "  %s  %-15s %s\n", c.Code, c.Reward, until)
	}
	return nil
}

func order(id, member string, at time.Time, lines ...loyalty.OrderLine) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, PlacedAt: at, Currency: "USD", Lines: lines}
}

func line(sku, category string, qty int64, price string) loyalty.OrderLine {
	return loyalty.OrderLine{SKU: sku, Category: category, Quantity: qty, UnitPrice: decimal.RequireFromString(price)}
}
