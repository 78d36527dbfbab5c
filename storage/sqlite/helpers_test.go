package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/sqlite"
	"github.com/shopspring/decimal"

	_ "modernc.org/sqlite"
)

// t0 is the test clock's start.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// openStore opens and migrates a fresh database in a temp dir.
func openStore(t testing.TB) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "loyalty.db")
	s, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, path
}

// perDollar earns one point per whole unit of the basis currency on every line.
type perDollar struct{ r *loyalty.Rate }

func (perDollar) Name() string { return "per-dollar" }

func (x perDollar) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	for i := range c.Lines {
		if c.Lines[i].Basis > 0 {
			out = append(out, loyalty.EarnAt(x.r, c.Lines[i].Basis, i, c.Lines[i].SKU))
		}
	}
	return out
}

// centPerPoint redeems one point for 0.01 of the currency, up to the whole total.
type centPerPoint struct{}

func (centPerPoint) Quote(avail int64, total loyalty.Money, want int64) (loyalty.Quote, error) {
	if want > avail {
		return loyalty.Quote{}, loyalty.ErrInsufficientPoints
	}
	if want == 0 {
		want = avail
	}
	return loyalty.Quote{Points: want, Value: loyalty.MinorUnits(want, total.Currency), MaxPoints: avail}, nil
}

func testProgram(t testing.TB) *loyalty.Program {
	t.Helper()
	r, err := loyalty.NewRate(1, decimal.NewFromInt(1))
	if err != nil {
		t.Fatal(err)
	}
	return &loyalty.Program{Name: "test", Currency: "USD", Rules: []loyalty.Rule{perDollar{r}}, Redemption: centPerPoint{}}
}

func newEngine(t testing.TB, s loyalty.Store, clk loyalty.Clock) *loyalty.Engine {
	t.Helper()
	if clk == nil {
		clk = loyalty.NewManualClock(t0)
	}
	e, err := loyalty.NewEngine(testProgram(t), s, &loyalty.EngineOptions{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// order is a one-line order worth dollars USD.
func order(id, member string, dollars int64) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, Currency: "USD", PlacedAt: t0,
		Lines: []loyalty.OrderLine{{SKU: "sku", Quantity: 1, UnitPrice: decimal.NewFromInt(dollars)}}}
}

// checkInvariants reads the file directly and fails t when a ledger
// invariant does not hold: every balance is the sum of its entries, no lot
// is negative, every member's version counts its writes, every entry belongs
// to a recorded write.
func checkInvariants(t testing.TB, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct{ what, query string }{
		{"balance differs from the sum of its entries", `
			SELECT b.member_id || '/' || b.account FROM loyalty_balances b
			LEFT JOIN (SELECT member_id, account, sum(amount) a, sum(pending) p FROM loyalty_entries GROUP BY 1, 2) e
			USING (member_id, account)
			WHERE b.available <> coalesce(e.a, 0) OR b.pending <> coalesce(e.p, 0)`},
		{"entries without a balance row", `
			SELECT e.member_id || '/' || e.account FROM loyalty_entries e
			LEFT JOIN loyalty_balances b USING (member_id, account) WHERE b.member_id IS NULL`},
		{"lot not open", `SELECT member_id || '/' || lot_id FROM loyalty_lots WHERE remaining <= 0`},
		{"member version is not its number of writes", `
			SELECT m.member_id FROM loyalty_members m
			WHERE m.version <> (SELECT count(*) FROM loyalty_writes w WHERE w.member_id = m.member_id)`},
		{"entry of no write", `
			SELECT e.member_id || '/' || e.version FROM loyalty_entries e
			LEFT JOIN loyalty_writes w ON w.member_id = e.member_id AND w.version = e.version AND w.key = e.key
			WHERE w.key IS NULL`},
	} {
		rows, err := db.Query(c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			t.Errorf("%s: %s", c.what, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
}
