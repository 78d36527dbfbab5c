package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

func TestHostTransactionRollbackDiscardsBothTheHostRowAndThePoints(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	e := engine(t, s, nil)
	enroll(t, e, "ivy")
	table := tbl(s, "shop_orders")
	_, err := s.Pool().Exec(ctx, `CREATE TABLE `+table+` (id text PRIMARY KEY, member_id text NOT NULL)`)
	require.NoError(t, err)

	for _, commit := range []bool{false, true} {
		tx, err := s.Pool().Begin(ctx)
		require.NoError(t, err)
		id := "o-rollback"
		if commit {
			id = "o-commit"
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+table+` (id, member_id) VALUES ($1, 'ivy')`, id)
		require.NoError(t, err)
		r, err := e.WithStore(s.InTx(tx)).Earn(ctx, "earn-"+id, order(id, "ivy", 25))
		require.NoError(t, err)
		if r.Points() != 25 {
			t.Fatalf("earned %d, want 25", r.Points())
		}
		// Inside the transaction the write is visible; outside it is not yet.
		inside, err := s.InTx(tx).Load(ctx, "ivy", loyalty.Query{})
		require.NoError(t, err)
		outside := balance(t, e, "ivy")
		if commit {
			if inside.Balance(ledger.PointsAccount).Available != 25 || outside.Available != 0 {
				t.Fatalf("inside %d, outside %d; want 25 and 0", inside.Balance(ledger.PointsAccount).Available, outside.Available)
			}
			err = tx.Commit(ctx)
		} else {
			err = tx.Rollback(ctx)
		}
		require.NoError(t, err)
	}
	if n := count(t, s, `SELECT count(*) FROM `+table); n != 1 {
		t.Fatalf("%d host orders, want 1 (the committed one)", n)
	}
	if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "writes")+` WHERE key LIKE 'earn-%'`); n != 1 {
		t.Fatalf("%d earn writes, want 1", n)
	}
	_, err = s.Receipt(ctx, "earn-o-rollback")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "receipt of the rolled back earn")
	if b := balance(t, e, "ivy"); b.Available != 25 {
		t.Fatalf("balance %d, want 25", b.Available)
	}
	checkBalancesEqualEntries(t, s)
}

func TestRefusedCommitInsideHostTransactionLeavesItUsable(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	e := engine(t, s, nil)
	enroll(t, e, "jo")
	_, err := e.Earn(ctx, "earn-1", order("o1", "jo", 10))
	require.NoError(t, err)
	tx, err := s.Pool().Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	ts := s.InTx(tx)

	// A stale version and a committed key are refused...
	_, err = ts.Commit(ctx, change("stale", "jo", 1, t0, 5))
	require.ErrorIs(t, err, loyalty.ErrConflict, "stale commit in tx")
	reused := change("earn-1", "jo", 2, t0, 5)
	if _, err := ts.Commit(ctx, reused); !errors.As(err, new(*loyalty.KeyCommittedError)) {
		t.Fatalf("committed key in tx: %v, want a KeyCommittedError", err)
	}
	// ...and the transaction goes on: a replay, an earn and the commit work.
	r, err := e.WithStore(ts).Earn(ctx, "earn-1", order("o1", "jo", 10))
	if err != nil || r.Version != 2 {
		t.Fatalf("replay in tx: %+v %v", r, err)
	}
	if _, err := e.WithStore(ts).Earn(ctx, "earn-2", order("o2", "jo", 7)); err != nil {
		t.Fatalf("earn after refused commits in tx: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit host tx: %v", err)
	}
	if b := balance(t, e, "jo"); b.Available != 17 {
		t.Fatalf("balance %d, want 17", b.Available)
	}
	checkBalancesEqualEntries(t, s)
}

func TestWriteOutsideWaitsForHostTransactionAndThenApplies(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	e := engine(t, s, nil)
	enroll(t, e, "kit")
	tx, err := s.Pool().Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = e.WithStore(s.InTx(tx)).Earn(ctx, "earn-in-tx", order("o1", "kit", 30))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := e.Earn(ctx, "earn-outside", order("o2", "kit", 12))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the outside write did not wait for the host transaction (err %v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	require.NoError(t, tx.Commit(ctx))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("outside write: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the outside write never finished")
	}
	if b := balance(t, e, "kit"); b.Available != 42 {
		t.Fatalf("balance %d, want 42", b.Available)
	}
	checkBalancesEqualEntries(t, s)
}
