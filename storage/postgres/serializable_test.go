package postgres_test

import (
	"context"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/postgres"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// serializableStore returns a migrated store in a fresh schema whose
// connections run every transaction at SERIALIZABLE
// (default_transaction_isolation = serializable), as a distributed
// PostgreSQL-wire engine does.
func serializableStore(t testing.TB) *postgres.Store {
	t.Helper()
	schema := freshSchema(t)
	pool := newPool(t, schema, map[string]string{"default_transaction_isolation": "serializable"})
	var level string
	if err := pool.QueryRow(context.Background(), `SHOW transaction_isolation`).Scan(&level); err != nil {
		t.Fatal(err)
	}
	if level != "serializable" {
		t.Fatalf("transaction_isolation is %q, want serializable", level)
	}
	s, err := postgres.New(pool, &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// TestConformanceUnderSerializableIsolation runs the whole conformance
// suite with every transaction at SERIALIZABLE: serialization failures
// (SQLSTATE 40001) and deadlocks (40P01) reach the Engine as
// loyalty.ErrConflict, which it re-plans.
func TestConformanceUnderSerializableIsolation(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) loyalty.Store { return serializableStore(t) })
}
