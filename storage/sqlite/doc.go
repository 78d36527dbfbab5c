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
// been fsynced and survives a crash, SIGKILL or power loss. Commits go
// through one connection the Store keeps for itself, in IMMEDIATE
// transactions, so concurrent commits of a process queue in Go instead of
// failing with SQLITE_BUSY, and commits of several processes sharing the
// file wait for each other (up to Options.BusyTimeout). Commit checks the
// member's version inside its transaction, so a writer that planned from a
// stale state gets loyalty.ErrConflict and the Engine plans again: a member
// is never overspent. Load reads with a single statement, a consistent
// snapshot, on the writer connection when it is idle (its page cache holds
// what was just written) and otherwise on a pool of read-only connections.
// On the writer connection, a member's member row, balances, counters and
// next_due are cached as of a version, moved on by each Commit there; a
// Load of a cached member reads only its stored version and the records
// asked for, and uses the cache when that version is the cached one, so it
// still sees what other processes and host transactions committed
// (cache.go).
//
// # Programs
//
// Several programs share one file (loyalty.ProgramStore): ForProgram
// returns the view of a program, on the Store's own connections, prepared
// statements, writer and member cache (keyed by program and member), and
// the Store itself is the view of loyalty.DefaultProgram. Every row belongs
// to one program, which starts every key, so the same member ID, idempotency
// key or order ID in two programs are different rows, and one program's
// writes never change another's. A ledger migrated from before programs
// (schema version 3 or older) is program "default" (migrations/0004).
// Closing any view closes the Store.
//
// # Shared state
//
// Shared counters, their periods and codes (loyalty.SharedStore) have
// tables of their own, keyed by program (migrations/0005). A change's
// claims, new codes and code uses are applied by Commit in its
// transaction, after the order-owner check and before its rows are written,
// one statement each when they may be (a claim is an upsert that only
// passes within the limit); a refusal rolls the whole change back and
// returns a *loyalty.ClaimError or *loyalty.CodeError. Commits are
// serialised on the file, so of writers racing for the last unit, in one
// process or several, exactly one takes it. A replayed key claims nothing:
// the idempotency record is settled first. SharedStore's own methods run in
// a transaction of their own (a savepoint of the host's, for InTx).
//
// # Host transactions
//
// A shop backend that keeps its own tables in the same file can write an
// order row and the points it earns atomically: begin a transaction on
// Store.DB, and give the Engine the view Store.InTx(tx) through
// Engine.WithStore. The loyalty write then commits or rolls back with the
// host's rows; a loyalty write that fails is undone to a savepoint and
// leaves the host's transaction usable (see the example). The view's
// ForProgram gives views of other programs bound to the same transaction, so
// a host transaction writes to several programs all or nothing.
//
// # Schema
//
// Migrate applies the SQL files embedded under migrations/ (also returned
// by Migrations) in one IMMEDIATE transaction, records each in
// loyalty_schema_migrations (version, name, applied_at), and refuses a file
// migrated by newer code with ErrSchemaTooNew. Open does not migrate; a
// Store used before Migrate fails with ErrSchemaTooOld.
//
// Times are unix microseconds (UTC), NULL for the zero time; records (the
// member's profile, receipts, order and redemption records) are
// encoding/json documents of mirrors of the root package's types with short
// names and no zero fields (codec.go; an earn's receipt and order record are
// written by hand-written encoders that produce the same bytes, encode.go).
//
// A write appends its entries, receipt and order records to loyalty_journal,
// a rowid table that only grows at its end, and changes a few small rows of
// its member's range of loyalty_ledger, all next to the member's row: the
// member's current state (profile, version, points balance, other balances,
// counters, open lots) and the rows that find the member's journal rows (by
// write, by order ID). SQLite adds a page at the end of a rowid table
// without touching the others, while rows inserted among full pages make it
// rebalance them over and over; so an earn writes few WAL pages (fewer than
// under schema version 1, which kept entries, receipts and records in the
// member's range; the README's Benchmarks section has the figures), and a
// Load is one range scan. Views present the parts as tables
// (migrations/0002_journal.sql has the details):
//
//	loyalty_ledger       (program, member_id, part, name, seq) PK; part -1
//	                     holds the open lots, 0 the member, 1 the balances
//	                     of accounts other than points, 2 the counters, 3
//	                     the order IDs (journal: the row of the order's
//	                     record), 4 the writes, newest first (journal,
//	                     journal_last: the write's journal rows), 5 the
//	                     grants (record, status, expires_at), 6 the
//	                     redemption records. Partial indexes list the
//	                     members due for Store.MembersDue: member rows by
//	                     next_due, open grants by expires_at, and member
//	                     rows by ID to count those passed (migrations/0006)
//	loyalty_journal      id PK, program, member_id, version, idx: a write's entries
//	                     (idx 0, 1, ...) in order; its receipt, fingerprint
//	                     and first order record in its first row (idx -1
//	                     when it has no entries); more order records in rows
//	                     of their own. A write that changes an order record
//	                     writes it again, and its order ID row points to it
//	loyalty_writes       (program, key) PK, member_id, version: one small
//	                     row per committed write, the idempotency record
//	loyalty_order_owners (program, order_id) PK, member_id: the member an
//	                     order ID belongs to in its program, claimed by the
//	                     write that first records it; an earn of an ID
//	                     another member holds is refused with
//	                     *loyalty.OrderOwnerError (migrations/0003, which
//	                     also says who keeps an ID two members held before)
//	loyalty_shared_counters (program, name) PK, lim: shared counters
//	loyalty_shared_periods  (program, name, period_key) PK, claimed
//	loyalty_codes        (program, code) PK, kind, owner, ref, max_uses,
//	                     uses, void, created_at, expires_at
//
// The views below also start with the program column:
//
//	loyalty_members      view: member_id, profile (loyalty.Member), version
//	                     (bumped by every write), next_due (earliest lot
//	                     activation or expiry)
//	loyalty_balances     view: member_id, account, available, pending: the
//	                     maintained balance, moved by exactly the sum of the
//	                     write's entries (Commit refuses a change whose
//	                     planned balances disagree, with loyalty.ErrUnbalanced); the
//	                     points balance is in the member's row, moved in the
//	                     same statement as its version
//	loyalty_counters     view: member_id, name, period, value
//	loyalty_lots         view: member_id, lot_id, account, remaining,
//	                     earned_at, expires_at, activates_at, ref; open lots
//	                     only: a lot that reaches zero is deleted (the
//	                     entries that drew it name it)
//	loyalty_entries      view: member_id, version, idx, account, kind, amount,
//	                     pending, at, key, source, ref, lot, rate, note: the
//	                     append-only ledger, paged by (version, idx)
//	loyalty_receipts     view: member_id, version, receipt (loyalty.Receipt),
//	                     fingerprint: its entries, key and member are read
//	                     back from the journal and loyalty_writes rather than
//	                     stored twice
//	loyalty_orders       view: member_id, order_id, record
//	                     (ledger.OrderRecord, as last written)
//	loyalty_redemptions  view: member_id, redemption_id, record
//	                     (ledger.RedemptionRecord, its Value kept exactly)
//	loyalty_grants       view: member_id, grant_id, status, record
//	                     (ledger.Grant, its Value kept exactly)
//
// An earn is one transaction of four statements (the idempotency record;
// the member's version and points balance; its journal row; its lot, order
// ID and write rows, in one insert that binds only each row's own columns)
// and one fsync. The writer connections checkpoint the WAL every 4000 pages
// (wal_autocheckpoint; SQLite's default is 1000), so the WAL file grows to
// 4000 pages (16 MB at the default page size of 4 KiB) before a checkpoint,
// which runs inside the commit that reaches it: fewer, larger checkpoints
// than the default's. Measured figures are in the README's Benchmarks
// section, the one place they are kept.
package sqlite
