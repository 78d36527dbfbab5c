// Package postgres is the production loyalty.Store, on PostgreSQL through
// jackc/pgx/v5. A host passes its own *pgxpool.Pool to New (or a DSN to
// Open), calls Migrate once, and hands the Store to loyalty.NewEngine:
//
//	store, err := postgres.New(pool, &postgres.Options{Schema: "loyalty"})
//	...
//	err = store.Migrate(ctx) // idempotent; safe from several processes at once
//	engine, err := loyalty.NewEngine(program, store, nil)
//
// A Store is safe for concurrent use. It passes storage/storagetest.
//
// # Host transactions
//
// InTx binds the store to the host's pgx.Tx, so that a host's own rows (the
// order it is saving) and the points commit or roll back together:
//
//	tx, _ := pool.Begin(ctx)
//	tx.Exec(ctx, `INSERT INTO shop.orders ...`)
//	_, err := engine.WithStore(store.InTx(tx)).Earn(ctx, key, order)
//	if err != nil { tx.Rollback(ctx) } else { tx.Commit(ctx) }
//
// Each Commit inside tx runs under a savepoint, so a refused commit (a
// conflict the Engine retries, a reused key) leaves tx usable.
//
// # How a write is made
//
// Commit is one round trip. Its statements are pipelined with pgx.Batch and
// run, up to the pipeline's Sync, as one implicit transaction:
//
//  1. advance_member(member, version, profile, next_due) creates the member
//     (version 0) or moves it from the planned version to the next one,
//     taking the member's row lock; when the member is elsewhere it raises
//     SQLSTATE LY001, which aborts the whole pipeline;
//  2. the idempotency record goes into writes, whose primary key refuses a
//     key committed before (a concurrent commit of the same key waits for
//     the first and is refused when it commits);
//  3. entries, lots, balances, counters, order and redemption records are
//     written with one INSERT ... SELECT FROM unnest(...) each.
//
// When a check refuses, nothing was written, and one more query says why:
// the stored receipt (the key was committed with the same fingerprint),
// loyalty.ErrKeyReused (with another), loyalty.ErrUnknownMember or
// loyalty.ErrConflict. Any other error (a lost connection, a cancelled
// context) leaves the outcome unknown; retrying with the same key is always
// safe and never writes twice.
//
// Load is one statement (one snapshot) that returns the member, balances,
// counters, the open lots when asked for or due, and the named records. It
// reads primary keys only, so it costs the same with a long history.
//
// # Tables
//
// Migrate creates the schema (Options.Schema, DefaultSchema "loyalty") if it
// does not exist and these tables in it. Give the library a schema of its
// own: the names are generic. Times are timestamptz to the microsecond; NULL
// is the zero time. jsonb columns hold the encoding/json form of the root
// package's types.
//
//	schema_migrations  version PK, name, applied_at: the migrations applied
//	members            member_id PK, profile jsonb (loyalty.Member),
//	                   version (bumped by every write), next_due (earliest
//	                   lot activation or expiry, NULL for none)
//	balances           (member_id, account) PK, available, pending: the
//	                   maintained balances, always the sum of the entries
//	entries            (member_id, version, idx) PK, account, kind, amount,
//	                   pending, at, key, source, ref, lot, rate, note: the
//	                   append-only ledger (loyalty.Entry)
//	lots               (member_id, lot_id) PK, account, remaining, earned_at,
//	                   expires_at, activates_at, ref; the partial index
//	                   lots_open covers the lots with remaining <> 0
//	counters           (member_id, name) PK, period, value
//	orders             (member_id, order_id) PK, record jsonb (loyalty.OrderRecord)
//	redemptions        (member_id, redemption_id) PK, record jsonb
//	                   (loyalty.RedemptionRecord)
//	writes             key PK, fingerprint, member_id, version (the version
//	                   the write produced), receipt jsonb (loyalty.Receipt),
//	                   committed_at: one row per committed write, the
//	                   idempotency record
//
// and the function advance_member. There are no foreign keys: every write
// goes through advance_member, which holds the member's row lock, so rows of
// unknown members cannot appear. Hosts may read the tables (for reports) but
// must not write them.
//
// Migrations are embedded, numbered SQL files (see Migrations); Migrate
// applies the missing ones in one transaction under an advisory lock and
// records each in schema_migrations. A schema migrated by newer code is
// refused with ErrSchemaTooNew and left unchanged.
//
// # Tests
//
// The tests need a server: set LOYALTY_POSTGRES_DSN (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable); without it they
// skip. Each test works in a schema of its own and drops it.
package postgres
