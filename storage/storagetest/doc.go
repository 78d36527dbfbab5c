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
// never spendable). It also runs a scripted scenario on the adapter and on the
// in-memory reference store and requires byte-identical histories.
//
// The constructor must return a fresh, empty store each time it is called.
package storagetest
