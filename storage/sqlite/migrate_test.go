package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// schemaOf lists the file's schema objects and recorded migrations.
func schemaOf(t testing.TB, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY type, name`)
	require.NoError(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		b.WriteString(s + "\n")
	}
	require.NoError(t, rows.Err())
	return b.String()
}

// checkOneSchema fails t unless path holds every migration exactly once.
func checkOneSchema(t testing.TB, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	var n, max int64
	require.NoError(t, db.QueryRow(`SELECT count(*), max(version) FROM loyalty_schema_migrations`).Scan(&n, &max))
	want := int64(len(sqlite.Migrations()))
	if n != want || max != want {
		t.Fatalf("%d migrations recorded up to version %d, want %d once each", n, max, want)
	}
	var tables, views int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE type = 'table'), count(*) FILTER (WHERE type = 'view')
		FROM sqlite_schema WHERE name LIKE 'loyalty_%'`).Scan(&tables, &views); err != nil {
		t.Fatal(err)
	}
	// 0003 adds loyalty_order_owners, 0004 loyalty_grants (a view), 0005
	// the shared counters, their periods and the codes.
	if tables != 8 || views != 9 {
		t.Fatalf("%d loyalty_ tables and %d views, want 8 and 9", tables, views)
	}
}

func TestMigrationsAreNumberedFromOne(t *testing.T) {
	ms := sqlite.Migrations()
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.Version != int64(i+1) || !strings.HasSuffix(m.Name, ".sql") || m.SQL == "" {
			t.Fatalf("migration %d: %+v", i, m)
		}
	}
}

func TestMigrateTwiceLeavesOneSchema(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t) // migrated once
	before := schemaOf(t, path)
	require.NoError(t, s.Migrate(ctx))
	if after := schemaOf(t, path); after != before {
		t.Fatalf("second Migrate changed the schema:\n%s\n---\n%s", before, after)
	}
	checkOneSchema(t, path)
}

func TestMigrateFromManyHandlesAtOnceLeavesOneSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "loyalty.db")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := sqlite.Open(ctx, path, nil)
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	checkOneSchema(t, path)
}

func TestNewerSchemaIsRefusedAndLeftUnchanged(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	c := &loyalty.Change{Key: "k", MemberID: "m", Member: &loyalty.Member{ID: "m"}, Receipt: &loyalty.Receipt{Key: "k"}}
	_, err := s.Commit(ctx, c)
	require.NoError(t, err)
	// A newer release of this package migrated the file.
	if _, err := s.DB().Exec(`INSERT INTO loyalty_schema_migrations (version, name) VALUES (?, 'from_the_future.sql')`,
		len(sqlite.Migrations())+1); err != nil {
		t.Fatal(err)
	}
	before := schemaOf(t, path)

	if err := s.Migrate(ctx); !errors.Is(err, sqlite.ErrSchemaTooNew) {
		t.Fatalf("Migrate: %v, want ErrSchemaTooNew", err)
	}
	_, err = sqlite.Open(ctx, path, nil)
	require.ErrorIs(t, err, sqlite.ErrSchemaTooNew, "Open")
	t.Log(err)
	if after := schemaOf(t, path); after != before {
		t.Fatalf("a refused Migrate changed the schema")
	}
}

func TestUnmigratedStoreAsksForMigrate(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "loyalty.db"), nil)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Load(ctx, "m", loyalty.Query{})
	require.ErrorIs(t, err, sqlite.ErrSchemaTooOld, "Load before Migrate")
	require.NoError(t, s.Migrate(ctx))
	_, err = s.Load(ctx, "m", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "Load after Migrate")
}
