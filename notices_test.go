package loyalty_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/postgres"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// hostTx is what the test needs of a host transaction on one adapter: the
// store view bound to it, and its end.
type hostTx struct {
	view     loyalty.Store
	commit   func() error
	rollback func() error
}

// hostDB is a migrated store of one adapter and a way to begin a host
// transaction on its database.
type hostDB struct {
	name  string
	store loyalty.Store
	begin func(t *testing.T) hostTx
}

// hostDBs returns a fresh SQLite database and, when LOYALTY_POSTGRES_DSN
// names a server, a PostgreSQL store in a schema of its own, dropped at the
// end of the test.
func hostDBs(t *testing.T) []hostDB {
	t.Helper()
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "shop.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { lite.Close() })
	require.NoError(t, lite.Migrate(ctx))
	dbs := []hostDB{{name: "sqlite", store: lite, begin: func(t *testing.T) hostTx {
		tx, err := lite.DB().BeginTx(ctx, &sql.TxOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() }) // a no-op once it ended
		return hostTx{view: lite.InTx(tx), commit: tx.Commit, rollback: tx.Rollback}
	}}}
	dsn := os.Getenv("LOYALTY_POSTGRES_DSN")
	if dsn == "" {
		return dbs
	}
	var b [6]byte
	_, err = rand.Read(b[:])
	require.NoError(t, err)
	schema := "loyalty_test_notices_" + hex.EncodeToString(b[:])
	pg, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := pg.Pool().Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
		pg.Close()
		require.NoError(t, err)
	})
	require.NoError(t, pg.Migrate(ctx))
	return append(dbs, hostDB{name: "postgres", store: pg, begin: func(t *testing.T) hostTx {
		tx, err := pg.Pool().BeginTx(ctx, pgx.TxOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(context.Background()) }) // a no-op once it ended
		return hostTx{view: pg.InTx(tx), commit: func() error { return tx.Commit(ctx) },
			rollback: func() error { return tx.Rollback(ctx) }}
	}})
}

func TestNoticesOfAWriteInAHostTransactionReachTheHostOnlyAfterItsCommit(t *testing.T) {
	for _, db := range hostDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			var mu sync.Mutex
			var delivered []string
			welcome := rule{name: "welcome", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				if o, ok := c.Event.(*loyalty.Order); ok {
					out = append(out, loyalty.Notify("gold", "welcome to Gold after order "+o.ID))
				}
				return out
			}}
			p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")), welcome}}
			e, err := loyalty.NewEngine(p, db.store, &loyalty.EngineOptions{Clock: loyalty.NewManualClock(now),
				AfterCommit: func(_ context.Context, r *loyalty.Receipt) {
					mu.Lock()
					defer mu.Unlock()
					for _, n := range r.Notices {
						delivered = append(delivered, r.Key+": "+n.Detail)
					}
				}})
			require.NoError(t, err)
			_, err = e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
			require.NoError(t, err)

			// The host rolls back: the order never happened, no email.
			tx := db.begin(t)
			o := orderOf(line("tee", "apparel", 1, "30.00"))
			r, err := e.WithStore(tx.view).Earn(ctx, "earn-o1", o)
			require.NoError(t, err)
			require.Equal(t, int64(30), r.Points())
			require.Len(t, r.Notices, 1, "the receipt carries the notice for the host")
			require.Empty(t, delivered, "nothing is delivered before the host's commit")
			require.NoError(t, tx.rollback())
			require.Empty(t, delivered, "nothing is delivered for a rollback")
			_, err = db.store.Receipt(ctx, "earn-o1")
			require.True(t, errors.Is(err, loyalty.ErrNotFound), "rolled back: %v", err)

			// The host commits, then delivers: once.
			tx = db.begin(t)
			r, err = e.WithStore(tx.view).Earn(ctx, "earn-o1", o)
			require.NoError(t, err)
			require.Empty(t, delivered)
			require.NoError(t, tx.commit())
			e.Deliver(ctx, r)
			require.Equal(t, []string{"earn-o1: welcome to Gold after order o1"}, delivered)

			// The host retries the request in a new transaction: a replay,
			// whose notices went out already.
			tx = db.begin(t)
			again, err := e.WithStore(tx.view).Earn(ctx, "earn-o1", o)
			require.NoError(t, err)
			require.True(t, again.Replayed)
			require.NoError(t, tx.commit())
			e.Deliver(ctx, again)
			require.Equal(t, []string{"earn-o1: welcome to Gold after order o1"}, delivered, "a replay is not delivered again")
			b, err := e.Balance(ctx, "ann")
			require.NoError(t, err)
			require.Equal(t, int64(30), b.Available)

			// An Engine on the store itself still delivers as each write commits.
			o2 := orderOf(line("tee", "apparel", 1, "12.00"))
			o2.ID = "o2"
			_, err = e.Earn(ctx, "earn-o2", o2)
			require.NoError(t, err)
			require.Equal(t, []string{"earn-o1: welcome to Gold after order o1", "earn-o2: welcome to Gold after order o2"}, delivered)
		})
	}
}

func TestAnEngineBuiltOnAHostTransactionViewDefersItsNoticesToo(t *testing.T) {
	for _, db := range hostDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			var delivered []string
			welcome := rule{name: "welcome", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				if _, ok := c.Event.(*loyalty.Order); ok {
					out = append(out, loyalty.Notify("gold", "welcome to Gold"))
				}
				return out
			}}
			p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")), welcome}}
			opts := &loyalty.EngineOptions{Clock: loyalty.NewManualClock(now), AfterCommit: func(_ context.Context, r *loyalty.Receipt) {
				for _, n := range r.Notices {
					delivered = append(delivered, r.Key+": "+n.Detail)
				}
			}}
			outside, err := loyalty.NewEngine(p, db.store, opts)
			require.NoError(t, err)
			_, err = outside.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
			require.NoError(t, err)

			// A host that builds an Engine per transaction on the view.
			for _, commit := range []bool{false, true} {
				tx := db.begin(t)
				_, ok := tx.view.(loyalty.HostTransaction)
				require.True(t, ok, "the view says it is bound to a host transaction")
				e, err := loyalty.NewEngine(p, tx.view, opts)
				require.NoError(t, err)
				r, err := e.Earn(ctx, "earn-o1", orderOf(line("tee", "apparel", 1, "30.00")))
				require.NoError(t, err)
				require.Empty(t, delivered, "not before the host's commit")
				if !commit {
					require.NoError(t, tx.rollback())
					require.Empty(t, delivered, "never for a rollback")
					continue
				}
				require.NoError(t, tx.commit())
				e.Deliver(ctx, r)
			}
			require.Equal(t, []string{"earn-o1: welcome to Gold"}, delivered)
		})
	}
}
