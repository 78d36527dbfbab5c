package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// A shop saves its order row and the points the order earns in one database
// transaction: both commit, or neither does.
//
// The example needs a server (LOYALTY_POSTGRES_DSN); it has no Output
// comment, so go test compiles it, and TestHostTransactionExample runs it.
func Example_hostTransaction() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("LOYALTY_POSTGRES_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	// Start afresh (the example drops its schema at the end, too).
	if _, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS loyalty_example CASCADE`); err != nil {
		log.Fatal(err)
	}
	// The store keeps its tables in a schema of its own; Migrate is safe to
	// run at every start.
	store, err := postgres.New(pool, &postgres.Options{Schema: "loyalty_example"})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	defer pool.Exec(ctx, `DROP SCHEMA loyalty_example CASCADE`) //nolint:errcheck // the example cleans up after itself

	rate, err := points.NewRate("base", 5, decimal.NewFromInt(1)) // 5 points per 1.00 USD
	if err != nil {
		log.Fatal(err)
	}
	engine, err := loyalty.NewEngine(&loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{rate}}, store, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := engine.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"}); err != nil {
		log.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE loyalty_example.shop_orders (id text PRIMARY KEY, member_id text, total numeric)`); err != nil {
		log.Fatal(err)
	}

	// The host's transaction: its order row, then the points, then commit.
	order := &loyalty.Order{ID: "o-1001", MemberID: "ann", Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 2, UnitPrice: decimal.RequireFromString("19.50")}}}
	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, `INSERT INTO loyalty_example.shop_orders (id, member_id, total) VALUES ($1, $2, 39.00)`, order.ID, order.MemberID); err != nil {
		log.Fatal(err) // the deferred Rollback drops the order row
	}
	receipt, err := engine.WithStore(store.InTx(tx)).Earn(ctx, "earn-"+order.ID, order)
	if err != nil {
		log.Fatal(err) // and the points with it
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}

	b, err := engine.Balance(ctx, "ann")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("earned", receipt.Points(), "balance", b.Available)
	// Prints: earned 195 balance 195
}

func TestHostTransactionExample(t *testing.T) {
	testDSN(t)
	if os.Getenv(childEnv) != "" {
		t.Skip("a child process")
	}
	Example_hostTransaction()
}
