package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// schemaShape lists the schema's tables, indexes and functions, and the
// recorded migrations, so two schemas can be compared.
func schemaShape(t *testing.T, s *postgres.Store) string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `
SELECT 'relation ' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
UNION ALL
SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
ORDER BY 1`, s.Schema())
	require.NoError(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "migrations %d\n", count(t, s, `SELECT count(*) FROM `+tbl(s, "schema_migrations")))
	return b.String()
}

func TestMigrateTwiceLeavesOneSchema(t *testing.T) {
	s := newStore(t) // migrated once
	before := schemaShape(t, s)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if after := schemaShape(t, s); after != before {
		t.Fatalf("schema changed by a second Migrate:\n%s\nwas\n%s", after, before)
	}
	if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "schema_migrations")); n != postgres.SchemaVersion() {
		t.Fatalf("%d migrations recorded, want %d", n, postgres.SchemaVersion())
	}
	if !strings.Contains(before, "function commit_change") || !strings.Contains(before, "relation lots_open i") {
		t.Fatalf("schema lacks its function or index:\n%s", before)
	}
}

func TestMigrateFromManyConnectionsAndTwoProcessesAtOnceLeavesOneSchema(t *testing.T) {
	if os.Getenv(childEnv) == "migrate" {
		s, err := postgres.New(newPool(t, os.Getenv(childSchemaEnv), nil), &postgres.Options{Schema: os.Getenv(childSchemaEnv)})
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = s.Migrate(context.Background()) }()
		}
		wg.Wait()
		fmt.Printf("RESULT %v\n", errors.Join(errs...))
		return
	}
	if os.Getenv(childEnv) != "" {
		t.Skip("another child role")
	}
	schema := freshSchema(t) // not created yet: every caller races to create it
	for _, out := range runChildren(t, "TestMigrateFromManyConnectionsAndTwoProcessesAtOnceLeavesOneSchema", "migrate", schema, 2) {
		if res := childResult(t, out); res != "<nil>" {
			t.Fatalf("a concurrent Migrate failed: %s", res)
		}
	}
	s, err := postgres.New(newPool(t, schema, nil), &postgres.Options{Schema: schema})
	require.NoError(t, err)
	want := schemaShape(t, newStore(t))
	if got := schemaShape(t, s); got != want {
		t.Fatalf("schema after concurrent migrations:\n%s\nwant\n%s", got, want)
	}
}

func TestMigrateRefusesSchemaNewerThanCodeAndChangesNothing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	_, err := s.Pool().Exec(ctx, `INSERT INTO `+tbl(s, "schema_migrations")+` (version, name) VALUES ($1, 'from the future')`, postgres.SchemaVersion()+1)
	require.NoError(t, err)
	before := schemaShape(t, s)
	err = s.Migrate(ctx)
	if !errors.Is(err, postgres.ErrSchemaTooNew) {
		t.Fatalf("migrate: %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), s.Schema()) {
		t.Fatalf("error %q does not name the schema", err)
	}
	if after := schemaShape(t, s); after != before {
		t.Fatalf("Migrate changed a newer schema:\n%s\nwas\n%s", after, before)
	}
}

func TestOpenRejectsMalformedDSNWithoutPanicking(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{
		"postgres://user@127.0.0.1:notaport/db",
		"postgres://%zz",
		"host=127.0.0.1 port=abc",
		"not a dsn",
		"host='unterminated",
		"postgres://ann:secret@127.0.0.1:5432/db?sslmode=bogus",
		"postgres://127.0.0.1/db?pool_max_conns=many",
	} {
		s, err := postgres.Open(ctx, dsn, nil)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", dsn)
			continue
		}
		if !strings.Contains(err.Error(), "malformed DSN") {
			t.Errorf("Open(%q): %v; want a malformed DSN error", dsn, err)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q): the error shows the password: %v", dsn, err)
		}
	}
}

func TestOpenUnreachableDatabaseIsAClearError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Port 1 on the loopback: nothing listens there.
	s, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5", nil)
	if err == nil {
		s.Close()
		t.Fatal("Open of an unreachable server succeeded")
	}
	if !strings.Contains(err.Error(), "cannot reach the database") {
		t.Fatalf("error %q does not say the database is unreachable", err)
	}
}

func TestOpenMigrateAndCloseOnTheTestServer(t *testing.T) {
	dsn := testDSN(t)
	schema := freshSchema(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Migrate(ctx))
	if s.Schema() != schema {
		t.Fatalf("schema %q, want %q", s.Schema(), schema)
	}
	if _, err := postgres.New(nil, nil); err == nil {
		t.Fatal("New(nil) succeeded")
	}
	for _, bad := range []string{strings.Repeat("x", 64), "a$$b", "nul\x00"} {
		if _, err := postgres.New(s.Pool(), &postgres.Options{Schema: bad}); err == nil {
			t.Fatalf("New with schema %q succeeded", bad)
		}
	}
	odd := randomSchema() + ` "Odd"; name`
	dropAtEnd(t, odd)
	so, err := postgres.New(s.Pool(), &postgres.Options{Schema: odd})
	require.NoError(t, err)
	if err := so.Migrate(ctx); err != nil {
		t.Fatalf("migrate schema %q: %v", odd, err)
	}
	e := engine(t, so, nil)
	seed(t, e, "quoted", 10)
	if b := balance(t, e, "quoted"); b.Available != 10 {
		t.Fatalf("balance in schema %q: %d, want 10", odd, b.Available)
	}
}

func TestStoreBeforeMigrateSaysSo(t *testing.T) {
	schema := freshSchema(t)
	s, err := postgres.New(newPool(t, schema, nil), &postgres.Options{Schema: schema})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = s.Load(ctx, "ann", loyalty.Query{})
	require.ErrorIs(t, err, postgres.ErrNotMigrated, "load before Migrate")
	c := change("k1", "ann", 0, t0, 5)
	c.Member = &loyalty.Member{ID: "ann"}
	_, err = s.Commit(ctx, c)
	require.ErrorIs(t, err, postgres.ErrNotMigrated, "commit before Migrate")
	require.NoError(t, s.Migrate(ctx))
	if _, err := s.Commit(ctx, c); err != nil {
		t.Fatalf("commit after Migrate: %v", err)
	}
}
