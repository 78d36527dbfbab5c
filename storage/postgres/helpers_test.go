package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/postgres"
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
	if err != nil {
		t.Fatalf("parse %s: %v", dsnEnv, err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	if cfg.MaxConns < 20 {
		cfg.MaxConns = 20
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// tbl is the qualified name of one of the store's tables.
func tbl(s *postgres.Store, name string) string {
	return pgx.Identifier{s.Schema(), name}.Sanitize()
}

func count(t testing.TB, s *postgres.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.Pool().QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkBalancesEqualEntries fails the test unless every maintained balance
// row equals the sum of its entries, and every account with entries has one.
func checkBalancesEqualEntries(t testing.TB, s *postgres.Store) {
	t.Helper()
	n := count(t, s, `SELECT count(*) FROM (
	SELECT member_id, account, sum(amount) AS a, sum(pending) AS p FROM `+tbl(s, "entries")+` GROUP BY 1, 2) e
	FULL JOIN `+tbl(s, "balances")+` b USING (member_id, account)
	WHERE coalesce(e.a, 0) <> coalesce(b.available, 0) OR coalesce(e.p, 0) <> coalesce(b.pending, 0)`)
	if n != 0 {
		t.Fatalf("%d balances differ from the sum of their entries", n)
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// perDollar earns 1 point per 1.00 of every line's basis. The tests use
// small rules of their own so they do not depend on the program packages.
type perDollar struct{ rate *loyalty.Rate }

func (perDollar) Name() string { return "per-dollar" }

func (r perDollar) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	for i := range c.Lines {
		if b := c.Lines[i].Basis; b > 0 {
			out = append(out, loyalty.EarnAt(r.rate, b, i, c.Lines[i].SKU))
		}
	}
	return out
}

// hundredPerDollar redeems 100 points for 1.00, up to the order total.
type hundredPerDollar struct{}

func (hundredPerDollar) Quote(available int64, total loyalty.Money, want int64) (loyalty.Quote, error) {
	limit, _ := total.Minor()
	most := max(0, min(available/100, limit)) * 100
	q := loyalty.Quote{MaxPoints: most, MaxValue: loyalty.MinorUnits(most/100, total.Currency)}
	switch {
	case want == 0:
		want = most
	case want > available:
		return q, fmt.Errorf("%w: want %d, have %d", loyalty.ErrInsufficientPoints, want, available)
	case want > most:
		return q, loyalty.ErrAboveCap
	}
	q.Points, q.Value = want, loyalty.MinorUnits(want/100, total.Currency)
	return q, nil
}

// program earns 1 point per 1.00 USD and redeems 100 points for 1.00 USD.
func program(t testing.TB) *loyalty.Program {
	t.Helper()
	rate, err := loyalty.NewRate(1, decimal.NewFromInt(1))
	if err != nil {
		t.Fatal(err)
	}
	p := &loyalty.Program{Name: "test", Currency: "USD", Rules: []loyalty.Rule{perDollar{rate}}, Redemption: hundredPerDollar{}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func engine(t testing.TB, s loyalty.Store, clock loyalty.Clock) *loyalty.Engine {
	t.Helper()
	if clock == nil {
		clock = loyalty.NewManualClock(t0)
	}
	e, err := loyalty.NewEngine(program(t), s, &loyalty.EngineOptions{Clock: clock, MaxRetries: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// order is an order of one line worth usd dollars.
func order(id, member string, usd int64) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, PlacedAt: t0, Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.NewFromInt(usd)}}}
}

func enroll(t testing.TB, e *loyalty.Engine, member string) {
	t.Helper()
	if _, err := e.Enroll(context.Background(), "enroll-"+member, loyalty.Member{ID: member}); err != nil {
		t.Fatalf("enroll %s: %v", member, err)
	}
}

func balance(t testing.TB, e *loyalty.Engine, member string) loyalty.Balance {
	t.Helper()
	b, err := e.Balance(context.Background(), member)
	if err != nil {
		t.Fatalf("balance of %s: %v", member, err)
	}
	return b
}
