package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

func TestHostTransactionCommitsAndRollsBackWithHostRows(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	e := newHarness(t, s).Engine
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "m"})
	require.NoError(t, err)
	_, err = s.DB().Exec(`CREATE TABLE shop_orders (id TEXT PRIMARY KEY)`)
	require.NoError(t, err)
	countOrders := func() int {
		var n int
		require.NoError(t, s.DB().QueryRow(`SELECT count(*) FROM shop_orders`).Scan(&n))
		return n
	}

	// Rolled back: neither the host's row nor the points remain, and the key
	// is free for the retry.
	tx, err := s.DB().BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.Exec(`INSERT INTO shop_orders VALUES ('o1')`)
	require.NoError(t, err)
	in := s.InTx(tx)
	r, err := e.WithStore(in).Earn(ctx, "earn-o1", order("o1", "m", 30))
	if err != nil || r.Points() != 30 {
		t.Fatalf("earn in tx: %+v, %v", r, err)
	}
	if _, err := in.Receipt(ctx, "earn-o1"); err != nil {
		t.Fatalf("the transaction does not see its own write: %v", err)
	}
	if _, err := s.Receipt(ctx, "earn-o1"); !errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("an uncommitted write is visible outside its transaction: %v", err)
	}
	require.NoError(t, tx.Rollback())
	_, err = s.Receipt(ctx, "earn-o1")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "receipt after rollback")
	if b, _ := e.Balance(ctx, "m"); b.Available != 0 || countOrders() != 0 {
		t.Fatalf("after rollback: %+v and %d orders, want nothing", b, countOrders())
	}

	// Committed: both. A loyalty commit that fails inside the transaction
	// (here an unbalanced change) is undone to its savepoint and leaves the
	// host's rows and the transaction usable.
	tx, err = s.DB().BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.Exec(`INSERT INTO shop_orders VALUES ('o1')`)
	require.NoError(t, err)
	in = s.InTx(tx)
	bad := &loyalty.Change{Key: "bad", MemberID: "m", Version: 1, Receipt: &loyalty.Receipt{Key: "bad"},
		Entries:  []ledger.Entry{{ID: ledger.EntryID{Version: 2}, Account: ledger.PointsAccount, Kind: ledger.EntryAdjust, Amount: 5, Key: "bad", Source: "test"}},
		Balances: []ledger.Balance{{Account: ledger.PointsAccount, Available: 6}}}
	_, err = in.Commit(ctx, bad)
	require.ErrorIs(t, err, sqlite.ErrUnbalanced, "unbalanced commit in tx")
	_, err = e.WithStore(in).Earn(ctx, "earn-o1", order("o1", "m", 30))
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	if b, _ := e.Balance(ctx, "m"); b.Available != 30 || countOrders() != 1 {
		t.Fatalf("after commit: %+v and %d orders, want 30 points and 1 order", b, countOrders())
	}
	if _, err := s.Receipt(ctx, "bad"); !errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("the refused change left a receipt: %v", err)
	}
	if ids, err := in.(loyalty.MemberLister).Members(ctx, "", 10); err == nil {
		t.Fatalf("a view used after its transaction ended listed %v, want an error", ids)
	}
	checkInvariants(t, path)
}
