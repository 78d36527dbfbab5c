// Package sqlite is the embedded default loyalty.Store: a ledger in one
// SQLite file, on modernc.org/sqlite (pure Go, no cgo).
//
// Open a file, Migrate it once, and hand the Store to loyalty.NewEngine:
//
//	s, err := sqlite.Open(ctx, "loyalty.db", nil)
//	...
//	defer s.Close()
//	if err := s.Migrate(ctx); err != nil { ... }
//	e, err := loyalty.NewEngine(program, s, nil)
//
// # Durability and concurrency
//
// The file is in WAL mode with synchronous=FULL: a Commit that returned has
// been fsynced and survives a crash, SIGKILL or power loss. Writes go through
// one connection in IMMEDIATE transactions, so concurrent commits queue
// instead of failing with SQLITE_BUSY, also across processes sharing the file
// (each waits up to Options.BusyTimeout). Reads (Load, History, Receipt) use a
// pool of read-only connections that see the last committed state; a Load is
// one read transaction, a consistent snapshot. Commit checks the member's
// version in its transaction, so writers planning from a stale state get
// loyalty.ErrConflict and the Engine re-plans: a member is never overspent.
//
// # Host transactions
//
// A shop backend that keeps its own tables in the same file can write an
// order row and the points it earns atomically: begin a transaction on
// Store.DB, and give the Engine the view Store.InTx(tx) through
// Engine.WithStore. The loyalty write then commits or rolls back with the
// host's rows (see the example).
//
// # Schema
//
// Migrate applies the SQL files embedded under migrations/ (also returned by
// Migrations) in one IMMEDIATE transaction and records them in
// loyalty_schema_migrations (version, name, applied_at). Tables, all prefixed
// loyalty_ so they live beside the host's own; times are unix microseconds
// (UTC), NULL for the zero time:
//
//	loyalty_members      member_id PK, profile (loyalty.Member as JSON),
//	                     version (bumped by every write), next_due (earliest
//	                     lot activation or expiry)
//	loyalty_balances     (member_id, account) PK, available, pending: the
//	                     maintained balance, moved in the same transaction as
//	                     the entries by exactly their sum
//	loyalty_entries      (member_id, version, idx) PK, account, kind, amount,
//	                     pending, at, key, source, ref, lot, rate, note: the
//	                     append-only ledger; History pages it by primary key
//	loyalty_lots         (member_id, lot_id) PK, account, remaining (never
//	                     negative), earned_at, expires_at, activates_at, ref;
//	                     a partial index holds the open lots (remaining > 0)
//	loyalty_counters     (member_id, name) PK, period, value
//	loyalty_orders       (member_id, order_id) PK, record (loyalty.OrderRecord
//	                     as JSON)
//	loyalty_redemptions  (member_id, redemption_id) PK, record
//	                     (loyalty.RedemptionRecord as JSON)
//	loyalty_writes       key PK, fingerprint, member_id, version, receipt
//	                     (loyalty.Receipt as JSON): one row per committed
//	                     write, the idempotency record
//
// A Load reads the member row, its balances and counters; it reads lots only
// when asked or when next_due has come. An earn commit is one transaction of
// about six prepared statements and one fsync.
package sqlite
