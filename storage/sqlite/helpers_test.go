package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/sqlite"
	"github.com/loyaltykit/loyalty/storage/storagetest"

	_ "modernc.org/sqlite"
)

// t0 is the test clock's start.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// openStore opens and migrates a fresh database in a temp dir.
func openStore(t testing.TB) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "loyalty.db")
	s, err := sqlite.Open(context.Background(), path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(context.Background()))
	return s, path
}

// testProgram earns 1 point per 1.00 USD (storagetest.PerDollar) and
// redeems 1 point for 0.01 USD up to the order total (storagetest.Cents).
func testProgram() *loyalty.Program {
	return &loyalty.Program{Name: "test", Currency: "USD", Rules: []loyalty.Rule{storagetest.PerDollar(1)}, Redemption: storagetest.Cents{}}
}

// newHarness runs testProgram on s, its manual clock (h.Clock) at t0.
func newHarness(t testing.TB, s loyalty.Store) *loyaltytest.Harness {
	t.Helper()
	return loyaltytest.New(t, testProgram(), &loyaltytest.Options{Store: s, Start: t0})
}

// newHarnessFor runs testProgram as program id on s (a view of it).
func newHarnessFor(t testing.TB, s loyalty.Store, id string) *loyaltytest.Harness {
	t.Helper()
	p := testProgram()
	p.ID = id
	return loyaltytest.New(t, p, &loyaltytest.Options{Store: s, Start: t0})
}

// order is a one-line order worth dollars USD, placed at t0.
func order(id, member string, dollars int64) *loyalty.Order {
	return loyaltytest.Order(member, id).Line("sku", strconv.FormatInt(dollars, 10), 1).Currency("USD").At(t0).Build()
}

// checkInvariants reads the file directly and fails t when a ledger
// invariant does not hold: every balance is the sum of its entries, no lot
// is negative, every member's version counts its writes, every entry belongs
// to a recorded write, no shared counter is over its limit; within each
// program.
func checkInvariants(t testing.TB, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	for _, c := range []struct{ what, query string }{
		{"balance differs from the sum of its entries", `
			SELECT b.program || '/' || b.member_id || '/' || b.account FROM loyalty_balances b
			LEFT JOIN (SELECT program, member_id, account, sum(amount) a, sum(pending) p FROM loyalty_entries GROUP BY 1, 2, 3) e
			USING (program, member_id, account)
			WHERE b.available <> coalesce(e.a, 0) OR b.pending <> coalesce(e.p, 0)`},
		{"entries without a balance row", `
			SELECT e.program || '/' || e.member_id || '/' || e.account FROM loyalty_entries e
			LEFT JOIN loyalty_balances b USING (program, member_id, account) WHERE b.member_id IS NULL`},
		{"lot not open", `SELECT program || '/' || member_id || '/' || lot_id FROM loyalty_lots WHERE remaining <= 0`},
		{"member version is not its number of writes", `
			SELECT m.program || '/' || m.member_id FROM loyalty_members m
			WHERE m.version <> (SELECT count(*) FROM loyalty_writes w WHERE w.program = m.program AND w.member_id = m.member_id)`},
		{"entry of no write", `
			SELECT e.program || '/' || e.member_id || '/' || e.version FROM loyalty_entries e
			LEFT JOIN loyalty_writes w ON w.program = e.program AND w.member_id = e.member_id AND w.version = e.version AND w.key = e.key
			WHERE w.key IS NULL`},
		{"shared counter period over its limit", `
			SELECT p.program || '/' || p.name || '/' || p.period_key FROM loyalty_shared_periods p
			JOIN loyalty_shared_counters c USING (program, name) WHERE p.claimed > c.lim OR p.claimed < 0`},
	} {
		rows, err := db.Query(c.query)
		require.NoError(t, err, c.what)
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			t.Errorf("%s: %s", c.what, s)
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
}
