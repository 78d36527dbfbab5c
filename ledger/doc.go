// Package ledger holds the records of a loyalty ledger: what the Engine of
// package loyalty decided and a Store keeps.
//
//   - Entry: one append-only line of an Account (points, rewards, a
//     program's money wallet), with its EntryKind, the idempotency key of the
//     write that made it, its source and the rate behind it; EntryID orders
//     them.
//   - Lot: one earning with its own expiry and activation; Draw: what a
//     redemption took from one lot.
//   - Balance: an account's available and pending amounts, always the sum of
//     its entries.
//   - Counter: a member's tally per period (caps, streaks, tier points).
//   - OrderRecord and RedemptionRecord: what later returns and cancellations
//     need from an order and a redemption.
//   - Grant (and GrantStatus): a reward or coupon a member holds.
//   - SharedCounter, Claim, Code, CodeUse: what members share (stock,
//     budgets, unique codes) and what one write takes from it.
//   - Totals, RefTotal: what a scan of a whole ledger adds up, for KPIs and
//     partner settlement.
//
// The package imports only the standard library and package money. It
// decides nothing: the arithmetic of lots, expiry, reversal and idempotency
// is the Engine's, the atomicity of a write is the Store's (loyalty.Store;
// package storage holds what adapters share). A host reads these records
// from receipts and history; an adapter stores them as they are.
package ledger
