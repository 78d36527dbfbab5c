package postgres_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/postgres"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// serializableStore returns a migrated store in a fresh schema whose
// connections run every transaction at SERIALIZABLE
// (default_transaction_isolation = serializable), as a distributed
// PostgreSQL-wire engine does.
func serializableStore(t testing.TB) *postgres.Store {
	t.Helper()
	schema := freshSchema(t)
	pool := newPool(t, schema, map[string]string{"default_transaction_isolation": "serializable"})
	var level string
	require.NoError(t, pool.QueryRow(context.Background(), `SHOW transaction_isolation`).Scan(&level))
	if level != "serializable" {
		t.Fatalf("transaction_isolation is %q, want serializable", level)
	}
	s, err := postgres.New(pool, &postgres.Options{Schema: schema})
	require.NoError(t, err)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// TestConformanceUnderSerializableIsolation runs the whole conformance
// suite with every transaction at SERIALIZABLE: serialization failures
// (SQLSTATE 40001) and deadlocks (40P01) reach the Engine as
// loyalty.ErrConflict, which it re-plans.
func TestConformanceUnderSerializableIsolation(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) loyalty.Store { return serializableStore(t) })
}

// failFirstLoads makes the store's load_member fail with a serialization
// failure (SQLSTATE 40001) on its first n calls, as SERIALIZABLE does to a
// read now and then, and returns a func that says how often it was called.
func failFirstLoads(t *testing.T, s *postgres.Store, n int) func() int64 {
	t.Helper()
	ctx := context.Background()
	q := pgx.Identifier{s.Schema()}.Sanitize()
	_, err := s.Pool().Exec(ctx, `ALTER FUNCTION `+q+`.load_member(text, text, boolean, timestamptz, text[], text[], boolean, text[]) RENAME TO load_member_real`)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `CREATE SEQUENCE `+q+`.load_calls`)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `CREATE FUNCTION `+q+`.load_member(p_program text, p_member text, p_lots boolean, p_now timestamptz, p_orders text[], p_redemptions text[],
	p_grants boolean, p_grant_ids text[])
RETURNS TABLE (k integer, s1 text, s2 text, n1 bigint, n2 bigint, t1 timestamptz, t2 timestamptz, t3 timestamptz, j json)
LANGUAGE plpgsql AS $$
BEGIN
	IF nextval('`+q+`.load_calls') <= `+strconv.Itoa(n)+` THEN
		RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
	END IF;
	RETURN QUERY SELECT * FROM `+q+`.load_member_real(p_program, p_member, p_lots, p_now, p_orders, p_redemptions, p_grants, p_grant_ids);
END $$`)
	require.NoError(t, err)
	return func() int64 {
		return count(t, s, `SELECT last_value FROM `+q+`.load_calls`)
	}
}

// TestSerializationFailureOfALoadIsRetriedByTheEngine: a read that fails
// with 40001 is loyalty.ErrConflict, which the Engine re-plans.
func TestSerializationFailureOfALoadIsRetriedByTheEngine(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	e := engine(t, s, nil)
	enroll(t, e, "fay")
	calls := failFirstLoads(t, s, 2)

	_, err := s.Load(ctx, "fay", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrConflict, "a serialization failure is a conflict")
	r, err := e.Earn(ctx, "earn-1", order("o1", "fay", 20))
	require.NoError(t, err)
	require.Equal(t, int64(20), r.Points())
	require.Equal(t, int64(3), calls(), "one failed load by hand, one in the Engine, then the one that worked")
	require.Equal(t, int64(20), balance(t, e, "fay").Available)
}

// TestSerializationFailureInsideHostTransactionIsErrConflictForEveryLaterCall:
// a 40001 on a read aborts the host's transaction; the view says
// ErrConflict for it and every later call (not "current transaction is
// aborted"), and the host's rerun of the transaction earns once.
func TestSerializationFailureInsideHostTransactionIsErrConflictForEveryLaterCall(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	e := engine(t, s, nil)
	enroll(t, e, "gus")
	failFirstLoads(t, s, 1)

	tx, err := s.Pool().Begin(ctx)
	require.NoError(t, err)
	view := s.InTx(tx)
	_, err = e.WithStore(view).Earn(ctx, "earn-1", order("o1", "gus", 30))
	require.ErrorIs(t, err, loyalty.ErrConflict)
	_, err = view.Receipt(ctx, "earn-1")
	require.ErrorIs(t, err, loyalty.ErrConflict, "the aborted transaction stays a conflict")
	require.NoError(t, tx.Rollback(ctx))

	tx, err = s.Pool().Begin(ctx)
	require.NoError(t, err)
	r, err := e.WithStore(s.InTx(tx)).Earn(ctx, "earn-1", order("o1", "gus", 30))
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, int64(30), r.Points())
	require.Equal(t, int64(30), balance(t, e, "gus").Available)
}

// countingStore counts the Commits through it.
type countingStore struct {
	loyalty.Store
	commits int
}

func (c *countingStore) Commit(ctx context.Context, ch *loyalty.Change) (*loyalty.Receipt, error) {
	c.commits++
	return c.Store.Commit(ctx, ch)
}

// TestConflictInsideSerializableHostTransactionIsFinal: at SERIALIZABLE a
// host transaction's snapshot is fixed, so a member written by someone else
// since can never be committed inside it. The view returns ErrConflict at
// once (one commit, not MaxRetries of them) and for every later call; the
// rerun transaction commits.
func TestConflictInsideSerializableHostTransactionIsFinal(t *testing.T) {
	ctx := context.Background()
	s := serializableStore(t)
	e := engine(t, s, nil) // MaxRetries 10000
	enroll(t, e, "hy")

	tx, err := s.Pool().Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	view := &countingStore{Store: s.InTx(tx)}
	_, err = view.Load(ctx, "hy", loyalty.Query{}) // fixes the snapshot
	require.NoError(t, err)
	_, err = e.Earn(ctx, "earn-outside", order("o1", "hy", 10)) // commits outside tx
	require.NoError(t, err)

	_, err = e.WithStore(view).Earn(ctx, "earn-inside", order("o2", "hy", 20))
	require.ErrorIs(t, err, loyalty.ErrConflict)
	require.Equal(t, 1, view.commits, "no retry inside a transaction that cannot succeed")
	_, err = view.Receipt(ctx, "earn-outside")
	require.ErrorIs(t, err, loyalty.ErrConflict)
	require.NoError(t, tx.Rollback(ctx))

	tx2, err := s.Pool().Begin(ctx)
	require.NoError(t, err)
	_, err = e.WithStore(s.InTx(tx2)).Earn(ctx, "earn-inside", order("o2", "hy", 20))
	require.NoError(t, err)
	require.NoError(t, tx2.Commit(ctx))
	require.Equal(t, int64(30), balance(t, e, "hy").Available)
}
