// Package storagetest is the conformance suite every loyalty.Store adapter
// runs, in the manner of the Go CDK's drivertest: an adapter's test calls
//
//	storagetest.Run(t, func(t *testing.T) loyalty.Store { return newEmptyStore(t) })
//
// and the suite decides the storage semantics: idempotent writes (replay and
// conflicting payload), atomic rejection, lots drawn earliest-expiry first,
// pending points and their activation, expiry, reversal of returns,
// concurrent redemptions that never overspend, concurrent retries of one key,
// cursor pagination while writes go on, oldest first (Store.History) and
// newest first (loyalty.HistoryReverser, which the suite requires), and, after every operation, the
// ledger invariants (balance = sum of entries, no lot below zero, pending
// never spendable). It decides the state beyond one member's ledger too,
// requiring loyalty.ProgramStore and loyalty.SharedStore: programs side by
// side that never see each other's members, keys, orders, counters or codes;
// shared counters whose claims commit with the member's change, all or
// nothing, of which 16 members racing for the last unit get exactly one and a
// budget claimed concurrently is never overspent; unique codes never given
// twice, their uses and voids; and grants, loaded open or by ID, kept in the
// receipt with the claims. It also runs a scripted scenario on the adapter and on the
// in-memory reference store and requires byte-identical histories.
//
// The constructor must return a fresh, empty store each time it is called.
package storagetest
