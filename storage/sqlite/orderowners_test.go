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
// A-1001 first, then bob earned an order of his own with the same ID. It
// migrates, ann keeps the ID, bob keeps his ledger and can still return his
// order, and no third member can earn the ID.
func TestMigrateKeepsTheFirstOwnerOfAnOrderIDTwoMembersHold(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	h := newHarness(t, s)
	h.Enroll("ann")
	h.Enroll("bob")
	h.Enroll("cat")
	h.Earn("ann-A-1001", order("A-1001", "ann", 10))
	h.Earn("bob-A-1002", order("A-1002", "bob", 25))
	require.NoError(t, s.Close())

	// Back to schema version 2, with bob's order renamed A-1001, as code
	// before 0003 would have written it: its ID row, its record and the ref
	// of its entries.
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, q := range []string{
		`DROP TABLE loyalty_order_owners`,
		`DELETE FROM loyalty_schema_migrations WHERE version = 3`,
		`UPDATE loyalty_ledger SET name = 'A-1001' WHERE member_id = 'bob' AND part = 3 AND name = 'A-1002'`,
		`UPDATE loyalty_journal SET order_record = replace(order_record, '"A-1002"', '"A-1001"') WHERE member_id = 'bob'`,
		`UPDATE loyalty_journal SET ref = 'A-1001' WHERE member_id = 'bob' AND ref = 'A-1002'`,
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	var n int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM loyalty_orders WHERE order_id = 'A-1001'`).Scan(&n))
	require.Equal(t, 2, n, "two members hold A-1001 before the migration")
	require.NoError(t, db.Close())

	s, err = sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(ctx), "a database with an order ID under two members migrates")
	require.NoError(t, s.Migrate(ctx), "and migrates again to nothing")
	checkOneSchema(t, path)

	h = newHarness(t, s)
	h.AssertBalance("ann", 10, 0)
	h.AssertBalance("bob", 25, 0)
	// bob's order is still his to return, at what it earned.
	r := h.Return("bob-ret-1", loyaltytest.ReturnOf("bob", "ret-1", "A-1001").Line("sku", 1).Build())
	require.Equal(t, int64(-25), r.Points())
	h.AssertBalance("bob", 0, 0)
	// ann kept the ID: cat cannot earn it.
	_, err = h.Engine.Earn(ctx, "cat-A-1001", order("A-1001", "cat", 5))
	var owner *loyalty.OrderOwnerError
	require.True(t, errors.As(err, &owner), "got %v", err)
	require.Equal(t, loyalty.OrderOwnerError{OrderID: "A-1001", MemberID: "cat", Owner: "ann"}, *owner)
	h.AssertBalance("cat", 0, 0)
	checkInvariants(t, path)
}
