package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
)

// TestMigrateKeepsTheFirstOwnerOfAnOrderIDTwoMembersHold builds the schema
// version 2 allowed and 0003 does not: ann earned order A-1001 first, then
// bob earned an order of his own with the same ID. It migrates, ann keeps
// the ID, bob can still return his order, and no third member can earn it.
func TestMigrateKeepsTheFirstOwnerOfAnOrderIDTwoMembersHold(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	e := engine(t, s, nil)
	for _, m := range []string{"ann", "bob", "cat"} {
		enroll(t, e, m)
	}
	_, err := e.Earn(ctx, "ann-A-1001", order("A-1001", "ann", 10))
	require.NoError(t, err)
	_, err = e.Earn(ctx, "bob-A-1002", order("A-1002", "bob", 25))
	require.NoError(t, err)

	// The same rows in a schema at version 2, with bob's order renamed
	// A-1001, as code before 0003 would have written them.
	old := storeAt(t, 2)
	copyRows(t, s, old, "members", "balances", "entries", "lots", "counters", "orders", "redemptions", "writes")
	for _, q := range []string{
		`UPDATE ` + tbl(old, "orders") + ` SET order_id = 'A-1001', record = replace(record::text, '"A-1002"', '"A-1001"')::json
			WHERE member_id = 'bob' AND order_id = 'A-1002'`,
		`UPDATE ` + tbl(old, "entries") + ` SET ref = 'A-1001' WHERE member_id = 'bob' AND ref = 'A-1002'`,
	} {
		_, err := old.Pool().Exec(ctx, q)
		require.NoError(t, err, q)
	}
	s, e = old, engine(t, old, nil)
	require.Equal(t, int64(2), count(t, s, `SELECT count(*) FROM `+tbl(s, "orders")+` WHERE order_id = 'A-1001'`))

	require.NoError(t, s.Migrate(ctx), "a schema with an order ID under two members migrates")
	require.NoError(t, s.Migrate(ctx), "and migrates again to nothing")
	require.Equal(t, int64(1), count(t, s, `SELECT count(*) FROM `+tbl(s, "order_owners")+` WHERE order_id = 'A-1001' AND member_id = 'ann'`))

	require.Equal(t, int64(10), balance(t, e, "ann").Available)
	require.Equal(t, int64(25), balance(t, e, "bob").Available)
	r, err := e.Return(ctx, "bob-ret-1", &loyalty.Return{ID: "ret-1", OrderID: "A-1001", MemberID: "bob",
		Lines: []loyalty.ReturnLine{{SKU: "tee", Quantity: 1}}})
	require.NoError(t, err, "bob's order is still his to return")
	require.Equal(t, int64(-25), r.Points())
	require.Equal(t, int64(0), balance(t, e, "bob").Available)

	_, err = e.Earn(ctx, "cat-A-1001", order("A-1001", "cat", 5))
	var owner *loyalty.OrderOwnerError
	require.True(t, errors.As(err, &owner), "got %v", err)
	require.Equal(t, loyalty.OrderOwnerError{OrderID: "A-1001", MemberID: "cat", Owner: "ann"}, *owner)
	require.Equal(t, int64(0), balance(t, e, "cat").Available)
	checkBalancesEqualEntries(t, s)
}
