package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/postgres"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

const dsnEnv = "LOYALTY_POSTGRES_DSN"

// testDSN returns the DSN of the test server or skips the test.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skip("PostgreSQL tests need a server: set " + dsnEnv + ", e.g. " + dsnEnv +
			"='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'")
	}
	return dsn
}

func randomSchema() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "loyalty_test_" + hex.EncodeToString(b[:])
}

// newPool returns a pool on the test server whose connections look in
// schema first; extra RuntimeParams (application_name, ...) may be added.
func newPool(t testing.TB, schema string, params map[string]string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testDSN(t))
	require.NoError(t, err, "parse %s", dsnEnv)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	if cfg.MaxConns < 20 {
		cfg.MaxConns = 20
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err, "pool")
	t.Cleanup(pool.Close)
	return pool
}

// newStore returns a migrated store in a schema of its own, dropped when
// the test ends.
func newStore(t testing.TB) *postgres.Store {
	t.Helper()
	return storeInSchema(t, freshSchema(t))
}

// freshSchema names a new schema and drops it when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	schema := randomSchema()
	dropAtEnd(t, schema)
	return schema
}

// dropAtEnd drops schema when the test ends, on a connection of its own.
func dropAtEnd(t testing.TB, schema string) {
	t.Helper()
	dsn := testDSN(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("cleanup: drop schema %s: %v", schema, err)
		}
	})
}

// storeInSchema returns a migrated store on a new pool in schema.
func storeInSchema(t testing.TB, schema string) *postgres.Store {
	t.Helper()
	s, err := postgres.New(newPool(t, schema, nil), &postgres.Options{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, s.Migrate(context.Background()), "migrate")
	return s
}

// tbl is the qualified name of one of the store's tables.
func tbl(s *postgres.Store, name string) string {
	return pgx.Identifier{s.Schema(), name}.Sanitize()
}

func count(t testing.TB, s *postgres.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, s.Pool().QueryRow(context.Background(), query, args...).Scan(&n), query)
	return n
}

// checkBalancesEqualEntries fails the test unless every maintained balance
// row equals the sum of its entries, and every account with entries has one.
func checkBalancesEqualEntries(t testing.TB, s *postgres.Store) {
	t.Helper()
	n := count(t, s, `SELECT count(*) FROM (
	SELECT program, member_id, account, sum(amount) AS a, sum(pending) AS p FROM `+tbl(s, "entries")+` GROUP BY 1, 2, 3) e
	FULL JOIN `+tbl(s, "balances")+` b USING (program, member_id, account)
	WHERE coalesce(e.a, 0) <> coalesce(b.available, 0) OR coalesce(e.p, 0) <> coalesce(b.pending, 0)`)
	require.Zero(t, n, "balances that differ from the sum of their entries")
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// program earns 1 point per 1.00 USD (storagetest.PerDollar) and redeems 1
// point for 0.01 USD up to the order total (storagetest.Cents).
func program() *loyalty.Program {
	return &loyalty.Program{Name: "test", Currency: "USD", Rules: []loyalty.Rule{storagetest.PerDollar(1)}, Redemption: storagetest.Cents{}}
}

// engine runs program on s with clock, a manual clock at t0 when nil; it
// retries a conflict up to 10000 times, for the tests that race many writers
// on one member.
func engine(t testing.TB, s loyalty.Store, clock loyalty.Clock) *loyalty.Engine {
	t.Helper()
	if clock == nil {
		clock = loyalty.NewManualClock(t0)
	}
	e, err := loyalty.NewEngine(program(), s, &loyalty.EngineOptions{Clock: clock, MaxRetries: 10000})
	require.NoError(t, err)
	return e
}

// order is an order of one line worth usd dollars, placed at t0.
func order(id, member string, usd int64) *loyalty.Order {
	return loyaltytest.Order(member, id).Line("tee", strconv.FormatInt(usd, 10), 1).Currency("USD").At(t0).Build()
}

func enroll(t testing.TB, e *loyalty.Engine, member string) {
	t.Helper()
	_, err := e.Enroll(context.Background(), "enroll-"+member, loyalty.Member{ID: member})
	require.NoError(t, err, "enroll %s", member)
}

func balance(t testing.TB, e *loyalty.Engine, member string) ledger.Balance {
	t.Helper()
	b, err := e.Balance(context.Background(), member)
	require.NoError(t, err, "balance of %s", member)
	return b
}

// storeAt returns a store in a schema of its own migrated to version v
// only, as code of that version left it.
func storeAt(t testing.TB, v int64) *postgres.Store {
	t.Helper()
	schema := freshSchema(t)
	s, err := postgres.New(newPool(t, schema, nil), &postgres.Options{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, s.MigrateTo(context.Background(), v), "migrate to %d", v)
	return s
}

// copyRows copies the rows of tables from one store's schema to another's,
// in the columns the target's tables have; a target without the program
// column (a schema before 0004) gets the rows of loyalty.DefaultProgram.
func copyRows(t testing.TB, from, to *postgres.Store, tables ...string) {
	t.Helper()
	ctx := context.Background()
	for _, table := range tables {
		rows, err := to.Pool().Query(ctx, `SELECT column_name FROM information_schema.columns
WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, to.Schema(), table)
		require.NoError(t, err)
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.NotEmpty(t, cols, "table %s", table)
		where := ""
		if !slices.Contains(cols, "program") {
			where = ` WHERE program = 'default'`
		}
		list := make([]string, len(cols))
		for i, c := range cols {
			list[i] = pgx.Identifier{c}.Sanitize()
		}
		q := `INSERT INTO ` + tbl(to, table) + ` (` + strings.Join(list, ", ") + `) SELECT ` + strings.Join(list, ", ") + ` FROM ` + tbl(from, table) + where
		_, err = to.Pool().Exec(ctx, q)
		require.NoError(t, err, q)
	}
}
