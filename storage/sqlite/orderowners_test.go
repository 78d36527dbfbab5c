package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// TestMigrateKeepsTheFirstOwnerOfAnOrderIDTwoMembersHold builds the
// database schema version 2 allowed and 0003 does not: ann earned order
// o1 first, then bob earned an order of his own with the same ID. It
// migrates, ann keeps the ID, bob keeps his ledger and can still return his
// order, and no third member can earn the ID.
func TestMigrateKeepsTheFirstOwnerOfAnOrderIDTwoMembersHold(t *testing.T) {
	ctx := context.Background()
	// Schema version 3 with the rows of testdata/schema3.sql, then back to
	// version 2 with bob's order o3 renamed o1, which ann earned first, as
	// code before 0003 would have written it: its ID row, its record and the
	// ref of its entries.
	s, path := openAtVersion(t, 3, "schema3.sql",
		`DROP TABLE loyalty_order_owners`,
		`DELETE FROM loyalty_schema_migrations WHERE version = 3`,
		`UPDATE loyalty_ledger SET name = 'o1' WHERE member_id = 'bob' AND part = 3 AND name = 'o3'`,
		`UPDATE loyalty_journal SET ref = 'o1' WHERE member_id = 'bob' AND ref = 'o3'`)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	var n int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM loyalty_orders WHERE order_id = 'o1'`).Scan(&n))
	require.Equal(t, 2, n, "two members hold o1 before the migration")
	require.NoError(t, db.Close())

	s, err = sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(ctx), "a database with an order ID under two members migrates")
	require.NoError(t, s.Migrate(ctx), "and migrates again to nothing")
	checkOneSchema(t, path)

	h := newHarness(t, s)
	h.AssertBalance("ann", 70+25-15-30+7, 0)
	h.AssertBalance("bob", 60, 0)
	// bob's order is still his to return, at what it earned.
	r := h.Return("bob-ret-1", loyaltytest.ReturnOf("bob", "ret-1", "o1").Line("sku", 1).Build())
	require.Equal(t, int64(-60), r.Points())
	h.AssertBalance("bob", 0, 0)
	// ann kept the ID: cat cannot earn it.
	_, err = h.Engine.Earn(ctx, "cat-o1", order("o1", "cat", 5))
	var owner *loyalty.OrderOwnerError
	require.True(t, errors.As(err, &owner), "got %v", err)
	require.Equal(t, loyalty.OrderOwnerError{OrderID: "o1", MemberID: "cat", Owner: "ann"}, *owner)
	h.AssertBalance("cat", 0, 0)
	checkInvariants(t, path)
}
