// Package loyaltytest is what a host's tests import to unit-test their
// reward economics, as river's rivertest is for river: a ready Engine on a
// fresh in-memory store with a manual clock, builders for orders and
// members whose amounts are exact decimal strings, and assertions on
// balances, entries and notices that fail with a message naming the member,
// the account, what was wanted, what was got and the member's last entries.
//
// A test builds its program as it would in production and hands it to New:
//
//	h := loyaltytest.New(t, program, nil)
//	h.Enroll("ann")
//	h.Earn("order-1", loyaltytest.Order("ann", "o1").Line("boot", "59.99", 1).Build())
//	h.AssertBalance("ann", 299, 0)
//	h.Advance(30 * 24 * time.Hour)
//
// The clock starts at Start (Monday 5 January 2026, noon in the program's
// zone) and moves only when the test moves it. The helpers (Enroll, Earn,
// Return, Redeem, Act, Adjust, Settle, ...) fail the test at once on an
// error and return the receipt; a test that expects an error calls the
// Engine directly with h.Ctx. Assertions report and let the test go on, as
// testify's assert does, and return whether they held.
//
// A Harness belongs to one test; it is not safe for concurrent use beyond
// what its Engine and Store are.
package loyaltytest
