// Package difftest holds the permanent differential test of the storage
// adapters and nothing a host imports: its tests run one seeded random walk
// of engine operations (enrolments with hostile identifiers, multi-line
// earns, returns by line and by amount, redemptions and their cancellation,
// adjustments, replays of earlier idempotency keys with the same and with a
// different payload, clock jumps past return and expiry windows, settles,
// tier reviews and cashback payouts) on storage/memory, storage/sqlite (a
// file in a temporary directory) and storage/postgres (when
// LOYALTY_POSTGRES_DSN names a server; each run gets a schema of its own,
// dropped at the end), one Engine per store sharing one
// loyalty.ManualClock.
//
// After every step it compares the adapters with storage/memory: the
// receipt (or review or payout report) each returned and the class of its
// error (which loyalty sentinels errors.Is finds; an error of no class is a
// failure too), and for every member ID the walk has used: the state Load
// returns with the open lots, the order and redemption records, the
// Engine's settled points balance, and the history entry by entry (times
// compared with Equal, decimals with Equal). A replayed key must return the
// receipt its first commit returned, on each adapter. It also checks the
// ledger's invariants on every adapter, for every member and account:
//
//   - the maintained balance is the sum of the account's entries: Available
//     the sum of their Amount, Pending the sum of their Pending;
//   - no open lot is negative, and Pending is never negative;
//   - Available is never negative unless the program's Clawback is
//     loyalty.AllowNegative;
//   - the open lots still held (ActivatesAt set) add up to Pending, and the
//     active ones to Available, or to zero while Available is negative (a
//     debt is not a lot: later credits repay it before they fill one);
//   - a receipt's balances are the member's stored balances while no later
//     write has changed them.
//
// The short run (3 seeds of 300 steps) is part of go test ./...; a long run
// takes flags:
//
//	go test ./storage/difftest -run Differential -difftest.steps=100000 -difftest.seeds=20
//
// A failure names the seed, the step, the operation and each differing
// field, with the command that replays it (-difftest.seed runs one seed).
//
// The walk compares adapters with each other; the golden test pins what they
// all must write: one fixed program and sequence of writes whose receipts,
// histories and balances are compared, as JSON, with testdata/golden.json on
// every adapter. A change to what the engine writes shows as a diff of that
// file; rewrite it with go test ./storage/difftest -run Golden -update and
// say in the commit why it changed.
package difftest
