package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// A shop writes its own order row and the points the order earns in one
// database transaction: when checkout fails after the points were planned,
// both roll back.
func Example_hostTransaction() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "loyalty-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := sqlite.Open(ctx, filepath.Join(dir, "shop.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	db := store.DB() // the shop's tables live in the same file
	if _, err := db.ExecContext(ctx, `CREATE TABLE shop_orders (id TEXT PRIMARY KEY, total TEXT NOT NULL)`); err != nil {
		log.Fatal(err)
	}

	rate, err := points.NewRate("base", 1, decimal.NewFromInt(1)) // 1 point per 1.00 USD
	if err != nil {
		log.Fatal(err)
	}
	program := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{rate}}
	engine, err := loyalty.NewEngine(program, store, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := engine.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"}); err != nil {
		log.Fatal(err)
	}

	checkout := func(id, total string, paid bool) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() // a no-op after Commit
		if _, err := tx.ExecContext(ctx, `INSERT INTO shop_orders (id, total) VALUES (?, ?)`, id, total); err != nil {
			return err
		}
		o := &loyalty.Order{ID: id, MemberID: "ann", Currency: "USD",
			Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.RequireFromString(total)}}}
		r, err := engine.WithStore(store.InTx(tx)).Earn(ctx, "earn-"+id, o)
		if err != nil {
			return err
		}
		if !paid {
			return errors.New("payment declined")
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		fmt.Printf("order %s: %d points\n", id, r.Points())
		return nil
	}

	if err := checkout("o1", "120.00", true); err != nil {
		log.Fatal(err)
	}
	fmt.Println("order o2:", checkout("o2", "80.00", false))

	var orders int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM shop_orders`).Scan(&orders); err != nil {
		log.Fatal(err)
	}
	b, err := engine.Balance(ctx, "ann")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d order rows, %d points\n", orders, b.Available)
	// Output:
	// order o1: 120 points
	// order o2: payment declined
	// 1 order rows, 120 points
}
