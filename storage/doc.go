// Package storage is the adapter side of the loyalty.Store contract, as
// database/sql/driver is the driver side of database/sql: what a package
// that persists ledgers imports, and a host never needs to.
//
// The contract itself is loyalty.Store (Load, Commit, Receipt, History) with
// its optional abilities (loyalty.HistoryReverser, loyalty.MemberLister,
// loyalty.SharedStore, loyalty.ProgramStore), documented in the root package
// beside the Change and State it moves; the records inside them (entries,
// lots, balances, grants, codes, order records) are package ledger's. The
// Engine is
// its only caller most hosts need. It plans every change in pure Go, and it
// alone makes the decisions a store must not: all ledger arithmetic (lots,
// expiry, reversal, clawback), and whether a key found committed is a replay
// or a reuse. A store persists what it is given, atomically, and reports what
// it found (loyalty.ErrConflict, *loyalty.KeyCommittedError).
//
// This package holds what every adapter shares, written once:
//
//   - the optional abilities of a store that reads a program as a whole, by
//     period, which the Engine never calls: LedgerAggregator (the sums
//     package economics computes KPIs from, CheckBounds for its buckets) and
//     RefAggregator with its RefQuery (the sums by partner that package
//     partners settles a coalition with);
//   - CheckChange, and its parts CheckShape and Prior for SQL stores that
//     compare balances in the database: which changes a store refuses before
//     it writes (invalid identifiers, text it could not give back byte for
//     byte, entries and balances that do not add up: loyalty.ErrInvalidID,
//     loyalty.ErrInvalidEvent, loyalty.ErrUnbalanced), so every adapter
//     refuses the same ones;
//   - the checks of the read arguments (CheckKey, CheckMember, CheckLoad);
//   - storage/internal/migration, the reader of the numbered SQL migration
//     files the SQL adapters embed, each adapter keeping only how it applies
//     and records them.
//
// Beside it:
//
//   - storage/storagetest: the conformance suite every adapter runs with one
//     call, the one place storage semantics are decided;
//   - storage/memory: in memory, for tests and simulations of reward economics;
//   - storage/sqlite: the embedded default, on modernc.org/sqlite (pure Go);
//   - storage/postgres: production, on jackc/pgx/v5, inside the host's own
//     transactions if it likes;
//   - storage/difftest: a seeded random walk run on every adapter at once,
//     compared after every step.
//
// A new adapter is a package that implements loyalty.Store with these
// helpers and calls storagetest.Run from its tests; it needs no other tests
// of the ledger's semantics, only of what is its own (migrations, crash
// recovery, host transactions). Nothing in the library imports an adapter;
// hosts and examples choose one.
package storage
