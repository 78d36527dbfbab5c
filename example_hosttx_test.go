package loyalty_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// The order row and its points in one host transaction; the notices go out
// only once that transaction committed, never for a rollback.
func ExampleEngine_Deliver() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "shop")
	defer os.RemoveAll(dir)
	store, _ := sqlite.Open(ctx, filepath.Join(dir, "shop.db"), nil)
	defer store.Close()
	store.Migrate(ctx)
	store.DB().Exec(`CREATE TABLE shop_orders (id TEXT PRIMARY KEY)`)

	rate, _ := points.NewRate("base", 1, decimal.NewFromInt(1))
	welcome := rule{name: "welcome", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		if o, ok := c.Event.(*loyalty.Order); ok {
			out = append(out, loyalty.Notify("thanks", "thank you for order "+o.ID))
		}
		return out
	}}
	program := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{rate, welcome}}
	engine, _ := loyalty.NewEngine(program, store, &loyalty.EngineOptions{
		AfterCommit: func(_ context.Context, r *loyalty.Receipt) {
			for _, n := range r.Notices {
				fmt.Println("email:", n.Detail)
			}
		},
	})
	engine.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})

	order := func(id string) *loyalty.Order {
		return &loyalty.Order{ID: id, MemberID: "ann", Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.RequireFromString("25.00")}}}
	}
	for _, o := range []*loyalty.Order{order("1001"), order("1002")} {
		tx, _ := store.DB().BeginTx(ctx, nil)
		tx.Exec(`INSERT INTO shop_orders VALUES (?)`, o.ID)
		r, err := engine.WithStore(store.InTx(tx)).Earn(ctx, "earn-"+o.ID, o)
		if err != nil || o.ID == "1001" { // say the payment failed for 1001
			tx.Rollback()
			fmt.Println("rolled back", o.ID, "with", len(r.Notices), "notice undelivered")
			continue
		}
		if err := tx.Commit(); err != nil {
			continue
		}
		engine.Deliver(ctx, r)
	}
	b, _ := engine.Balance(ctx, "ann")
	fmt.Println("balance", b.Available)
	// Output:
	// rolled back 1001 with 1 notice undelivered
	// email: thank you for order 1002
	// balance 25
}
