// Package adaptertest opens a fresh store of every adapter of this module
// for a test that must hold on each of them (a report that is pushed down
// to SQL, a settlement): storage/memory, storage/sqlite in the test's temp
// dir, and storage/postgres in a schema of its own when
// LOYALTY_POSTGRES_DSN names a server, dropped when the test ends.
//
// It is test support, as storage/storagetest is: program packages import
// it from their _test files only, so that no package outside examples and
// tests imports an adapter.
package adaptertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/postgres"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// DSNEnv names the environment variable that points the tests at a
// PostgreSQL server.
const DSNEnv = "LOYALTY_POSTGRES_DSN"

// Stores returns a fresh, migrated store of each adapter by name
// ("memory", "sqlite", "postgres"). PostgreSQL is left out, and the test
// log says so, when DSNEnv is unset.
func Stores(t testing.TB) map[string]loyalty.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]loyalty.Store{"memory": memory.New()}
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "adaptertest.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { lite.Close() })
	require.NoError(t, lite.Migrate(ctx))
	out["sqlite"] = lite
	if pg := Postgres(t); pg != nil {
		out["postgres"] = pg
	}
	return out
}

// Postgres returns a fresh, migrated PostgreSQL store in a schema of its
// own, dropped when the test ends, or nil (and a line in the test log) when
// DSNEnv is unset.
func Postgres(t testing.TB) *postgres.Store {
	t.Helper()
	dsn := os.Getenv(DSNEnv)
	if dsn == "" {
		t.Log("PostgreSQL left out: set " + DSNEnv)
		return nil
	}
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "loyalty_adaptertest_" + hex.EncodeToString(b[:])
	pg, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
			conn.Close(context.Background())
		}
		pg.Close()
	})
	require.NoError(t, pg.Migrate(ctx))
	return pg
}
