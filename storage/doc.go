// Package storage is where the loyalty.Store adapters live, one package per
// kind of database, in the manner of database/sql drivers and the Go CDK:
//
//   - storage/memory: in memory, for tests and simulations of reward economics;
//   - storage/sqlite: the embedded default, on modernc.org/sqlite (pure Go);
//   - storage/postgres: production, on jackc/pgx/v5, inside the host's own
//     transactions if it likes;
//   - storage/storagetest: the conformance suite every adapter runs with one
//     call, the one place storage semantics are decided.
//
// The contract itself, loyalty.Store, is small: Load a member's state, Commit
// a planned change atomically and idempotently (or report ErrConflict when the
// member moved on), look up a Receipt by key, and page History. All ledger
// arithmetic (lots, expiry, reversal, clawback) lives once, in package
// loyalty; adapters only persist what it planned. An adapter may also
// implement loyalty.MemberLister for jobs over every member.
//
// Package storage also holds what adapters share: CheckChange (and Prior and
// CheckShape, its parts for SQL stores) decides once which changes a store
// refuses before it writes (invalid identifiers, entries and balances that do
// not add up: loyalty.ErrInvalidID, loyalty.ErrUnbalanced), so every adapter
// refuses the same ones.
//
// Nothing in the library imports an adapter; hosts and examples choose one.
package storage
