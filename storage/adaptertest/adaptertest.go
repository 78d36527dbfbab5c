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
	"time"

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
	out := map[string]loyalty.Store{"memory": memory.New(), "sqlite": SQLite(t)}
	if pg := Postgres(t); pg != nil {
		out["postgres"] = pg
	}
	return out
}

// SQLite returns a fresh, migrated SQLite store in the test's temp dir,
// closed when the test ends.
func SQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "adaptertest.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { lite.Close() })
	require.NoError(t, lite.Migrate(ctx))
	return lite
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
	return openPostgres(t, dsn)
}

// PostgresOrSkip is Postgres for a test that is about PostgreSQL alone: it
// skips the test when DSNEnv is unset.
func PostgresOrSkip(t testing.TB) *postgres.Store {
	t.Helper()
	dsn := os.Getenv(DSNEnv)
	if dsn == "" {
		t.Skip("needs " + DSNEnv)
	}
	return openPostgres(t, dsn)
}

// openPostgres opens and migrates a store on dsn in a new schema; when the
// test ends it closes the store and drops the schema, failing the test if
// the drop does not succeed within 30 seconds.
func openPostgres(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	schema := "loyalty_adaptertest_" + hex.EncodeToString(b[:])
	pg, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() {
		pg.Close()
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(c, dsn)
		if err != nil {
			t.Errorf("adaptertest: dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(c)
		if _, err := conn.Exec(c, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("adaptertest: dropping schema %s: %v", schema, err)
		}
	})
	require.NoError(t, pg.Migrate(ctx))
	return pg
}
