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
// conflict the Engine retries, a reused key, a claim past a limit) leaves tx
// usable. The view's ForProgram returns views of other programs bound to the
// same tx, so one host transaction writes to several programs, all or
// nothing.
//
// # Programs
//
// A Store keeps several programs side by side (loyalty.ProgramStore):
// ForProgram(id) returns a view on the same pool and schema that reads and
// writes only the rows of program id, and the Store itself is the view of
// loyalty.DefaultProgram. Every table has a program column, first in its
// primary key, so the same member ID, idempotency key or order ID lives in
// each program apart, and a program's reads use its own index range. The
// Engine takes its view with ForProgram(Program.ID); a host rarely calls it.
// A schema written before migration 0004 keeps every row, as the ledger of
// 'default'.
//
// # Shared state
//
// A Store is a loyalty.SharedStore. A shared counter is a row of
// shared_counters (its limit) and, per period claimed from, 16 rows of
// shared_counter_periods, the period's buckets (migration 0006): each holds
// a share of the limit, the shares summing to it, and what was claimed from
// it. A claim takes its amount from one bucket with room that no other
// transaction holds (SELECT ... FOR UPDATE SKIP LOCKED, trying the buckets
// from one the member's hash picks), then SET claimed = claimed + n WHERE
// n <= limit - claimed, so it never waits for another claim; a bucket's lock
// is held to commit, but writers claiming from one counter hold different
// buckets and commit side by side. When no free bucket has room (the
// counter nearly spent, a claim larger than a bucket's share, the period's
// first claim, which inserts its buckets ON CONFLICT DO NOTHING),
// claim_shared locks all the period's buckets in bucket order, waiting for
// the claims under way, and takes the claim across them or refuses it with
// the exact total left; of several claims of one period in a change, the
// first locks all its buckets. So of racing claims each sees what the ones
// before left and the limit is never passed, under READ COMMITTED or
// SERIALIZABLE (where a raced claim fails with 40001, which the Engine
// re-plans). SharedCounter sums the buckets in one snapshot. SetLimit
// (set_limit) changes the limit and spreads what each period has left
// evenly over its buckets, waiting for the claims under way, and is undone
// when a period claimed more.
//
// Codes are rows of codes, primary key (program, code): a lookup is one
// index probe, a reservation one INSERT ... ON CONFLICT DO NOTHING (of two
// racing, the second waits for the first and finds the code taken), a use
// one conditional UPDATE (use_code). Grants are rows of grants with their
// status, and the partial index grants_open serves Load's open grants.
//
// Store.MembersDue (loyalty.DueLister, for Engine.RunJobs) reads two
// partial indexes of migration 0007: members_due (members by next_due) and
// grants_due (open grants by grant_expires_at(record), the ExpiresAt of the
// grant's JSON record), so it reads the members due, not every member; it
// counts the members it passed in members_pkey.
//
// # How a write is made
//
// Commit is one statement, so one round trip: SELECT commit_change(...), a
// PL/pgSQL function of the schema that takes the change's rows as one array
// per column and, in the statement's transaction,
//
//  1. creates the member (version 0) or moves it from the planned version to
//     the next one, taking the member's row lock; when the member is at
//     another version it raises SQLSTATE LY001, which aborts the statement;
//  2. inserts the idempotency record into writes, whose primary key refuses
//     a key committed before (a concurrent commit of the same key waits for
//     the first and is refused when it commits);
//  3. compares the stored balances with those the change was planned from
//     (storage.Prior: the planned balance less the change's entries) and
//     raises SQLSTATE LY002, returned as loyalty.ErrUnbalanced, when one
//     differs (migration 0002);
//  4. claims in order_owners every order ID the change records that its
//     member has no record of, and raises SQLSTATE LY003, returned as a
//     *loyalty.OrderOwnerError (loyalty.ErrDuplicate), when another member
//     holds one: an order ID is unique in the schema (migration 0003; a
//     concurrent claim of one ID waits for the first);
//  5. writes entries, lots, balances, counters, order and redemption records
//     and grants with one INSERT ... SELECT FROM unnest(...) each;
//  6. reserves the change's codes, raising SQLSTATE LY005 (a
//     *loyalty.CodeError, ErrCodeTaken) for one the program holds, applies
//     its code uses (use_code: LY005 with ErrUnknownCode, ErrCodeVoid,
//     ErrCodeUsedUp or ErrInvalidClaim), and last, so that a counter's
//     bucket lock is held the shortest time, its claims (a free bucket, else
//     claim_shared; sorted by counter and period so that changes lock rows
//     in one order), raising
//     SQLSTATE LY004 (a *loyalty.ClaimError with Asked and Left) for one
//     that may not be applied.
//
// Every step runs in the program the store is scoped to (commit_change's
// first parameter). A committed key stops the function at step 2, so a
// replay claims nothing.
//
// Before any of it, Commit refuses what storage.CheckChange refuses in every
// store: invalid identifiers (loyalty.ErrInvalidID), text that is not valid
// UTF-8 or holds NUL (loyalty.ErrInvalidEvent), entries that do not add up.
//
// When a check refuses, nothing was written, and one more query says why:
// the key was committed before (a *loyalty.KeyCommittedError with the stored
// receipt, from which the Engine decides replay or reuse; the store never
// compares fingerprints), loyalty.ErrUnknownMember or loyalty.ErrConflict.
// Any other error (a lost connection, a cancelled
// context) leaves the outcome unknown; retrying with the same key is always
// safe and never writes twice.
//
// Load is one statement too, SELECT ... FROM load_member(...): a STABLE
// function, so every query in it reads the same snapshot, that returns the
// member, balances, counters, the open lots when asked for or due, the
// named records, and the open or named grants. It reads primary keys only, so it costs the same with a long
// history. Both functions run their queries with cached generic plans
// (plan_cache_mode = force_generic_plan), which keeps the server's planner
// out of every call.
//
// # Tables
//
// Migrate creates the schema (Options.Schema, DefaultSchema "loyalty") if it
// does not exist and these tables in it. Give the library a schema of its
// own: the names are generic. Times are timestamptz to the microsecond; NULL
// is the zero time. json columns hold the encoding/json text of the root
// package's types. Every table but schema_migrations has a program column
// (text, the program's ID), first in its primary key, left out below.
//
//	schema_migrations  version PK, name, applied_at: the migrations applied
//	members            member_id PK, profile json (loyalty.Member),
//	                   version (bumped by every write), next_due (earliest
//	                   lot activation or expiry, NULL for none); the
//	                   partial index members_due holds those with one
//	balances           (member_id, account) PK, available, pending: the
//	                   maintained balances, always the sum of the entries
//	entries            (member_id, version, idx) PK, account, kind, amount,
//	                   pending, at, key, source, ref, lot, rate, note: the
//	                   append-only ledger (ledger.Entry)
//	lots               (member_id, lot_id) PK, account, remaining, earned_at,
//	                   expires_at, activates_at, ref; the partial index
//	                   lots_open covers the lots with remaining <> 0
//	counters           (member_id, name) PK, period, value
//	orders             (member_id, order_id) PK, record json (ledger.OrderRecord)
//	redemptions        (member_id, redemption_id) PK, record json
//	                   (ledger.RedemptionRecord)
//	writes             key PK, fingerprint, member_id, version (the version
//	                   the write produced), receipt json (loyalty.Receipt),
//	                   committed_at: one row per committed write, the
//	                   idempotency record
//	order_owners       order_id PK, member_id: who owns an order ID
//	shared_counters    name PK, limit
//	shared_counter_periods
//	                   (name, period_key, bucket) PK, claimed, limit (the
//	                   bucket's share of shared_counters.limit)
//	codes              code PK, kind, owner, ref, max_uses (0: no limit),
//	                   uses, void, created_at, expires_at
//	grants             (member_id, grant_id) PK, status, record json
//	                   (ledger.Grant); the partial indexes grants_open
//	                   and grants_due (by expiry) cover the open ones
//
// and the functions commit_change, load_member, claim_shared, use_code,
// set_limit, bucket_share and grant_expires_at. There are no foreign keys:
// every write goes through commit_change, which holds the member's row lock,
// so rows of unknown members cannot appear. Hosts may read the tables (for reports) but
// must not write them.
//
// Migrations are embedded, numbered SQL files (see Migrations); Migrate
// applies the missing ones in one transaction under an advisory lock and
// records each in schema_migrations. A schema migrated by newer code is
// refused with ErrSchemaTooNew and left unchanged.
//
// # Errors
//
// Commit returns the errors of the Store contract (loyalty.ErrConflict,
// loyalty.ErrUnknownMember, *loyalty.KeyCommittedError,
// *loyalty.OrderOwnerError, *loyalty.ClaimError, *loyalty.CodeError,
// loyalty.ErrNotFound from Receipt, *loyalty.LimitError from SetLimit);
// Migrate returns ErrSchemaTooNew; a store
// used before Migrate returns ErrNotMigrated. Every other driver error leaves
// the adapter through one function (wrap, in errors.go), never as a pgx type:
//
//   - a serialization failure (SQLSTATE 40001) or deadlock (40P01), of a
//     Commit or of a read, is loyalty.ErrConflict: nothing was written and
//     the Engine re-plans, so the store works at SERIALIZABLE too
//     (default_transaction_isolation = serializable passes storagetest);
//   - a lost or unreachable server (backend terminated, 57P01 and the other
//     shutdown codes, class 08, a reset, EOF, broken pipe, a failed dial, a
//     closed pool) is a *loyalty.StoreError wrapping loyalty.ErrUnavailable;
//   - a cancelled context is a *loyalty.StoreError wrapping the context's
//     error.
//
// A StoreError of a Commit says MaybeCommitted unless pgx guarantees nothing
// was sent: the server may have committed before the reply was lost. The
// Engine tries such a write again (EngineOptions.MaxUnavailableRetries);
// the idempotency key makes that safe, and a retry that finds the key
// committed returns the stored receipt. Inside a host transaction
// (InTx) nothing is MaybeCommitted: the host's own commit decides.
//
// # What is PostgreSQL-only, and where
//
// Each feature below lives in one place: the SQL in migrations/*.sql and
// queries.go, the rest in the file named.
//
//   - PL/pgSQL functions commit_change and load_member (migrations): a write
//     and a read are one round trip each. A variant would send the same
//     statements from the client in one transaction.
//   - Array parameters and unnest (commit_change's columns, load_member's
//     ANY ($n)): one statement per table whatever the change's size.
//   - INSERT ... ON CONFLICT (commit_change: create the member, upsert lots,
//     balances, counters, records).
//   - RAISE ... USING ERRCODE 'LY001' for the version check (store.go reads
//     it), LY002 to LY006 with DETAIL, HINT and COLUMN carrying the refusal's
//     data (store.go, shared.go), and SQLSTATEs 40001, 40P01, 23505 and the
//     connection codes (errors.go).
//   - SET plan_cache_mode = force_generic_plan on the functions
//     (PostgreSQL 12 or later).
//   - WITH (fillfactor = 80) on the updated tables and a partial index
//     (lots_open): performance only.
//   - pg_advisory_xact_lock and transactional DDL in Migrate (migrate.go);
//     the write path takes no advisory lock, only the member's row lock.
//   - SAVEPOINT / ROLLBACK TO SAVEPOINT around a Commit inside a host
//     transaction (store.go).
//
// # Requirements and performance
//
// PostgreSQL 12 or later is needed (plan_cache_mode). A write is one round
// trip and one server transaction, a Load one round trip that reads primary
// keys only; the measured figures (durable earns against pgbench TPC-B, a
// balance read beside a million entries) are in the README's Benchmarks
// section, the one place they are kept.
//
// # Tests
//
// The tests need a server: set LOYALTY_POSTGRES_DSN (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable); without it they
// skip, and the package's test binary says so in one line on stderr, which
// go test ./... shows beside "ok". Each test works in a schema of its own
// and drops it.
package postgres
