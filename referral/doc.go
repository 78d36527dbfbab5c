// Package referral runs refer-a-friend programs with fraud checks, and
// ambassador programs, beside the shop's points program on one store.
//
// A referral program is its own loyalty.Program (ID "referral" unless
// Config.ID says otherwise) on a loyalty.ProgramStore that is also a
// loyalty.SharedStore (storage/memory, storage/sqlite, storage/postgres):
// every referrer, friend and ambassador has a ledger in it, and its codes
// live in the store's unique-codes table. New builds the program and its
// Engine from a Config.
//
//   - Codes. CodeFor gives each member a referral code (a keyed hash of the
//     member ID with Config.Secret: stable, the same on every store,
//     unguessable without the secret); Link builds the share link; Resolve
//     looks the referrer up in O(1). Vanity adds a host-chosen code.
//   - Attribution. Attribute attributes a friend to the code's referrer,
//     once, at enrolment or within Config.Window after it, and gives the
//     friend the welcome incentive (points of the referral program, a coupon
//     with a unique code, or both). It refuses, writing nothing, a
//     self-referral (the same member, or a fingerprint the referrer holds:
//     fingerprints are stored as HMAC-SHA256 with the secret, never raw), a
//     friend who joined before the campaign or is a referrer already, one
//     referred already, an attribution after the window, and too many
//     signups on one code in an hour or a day (velocity, a shared counter
//     claimed in the friend's enrolment, so it is exact under concurrency).
//
// The welcome is written to the friend's ledger; the signup is then counted
// on the referrer's ledger. The Store commits one member per change, so
// every write that touches two members is two idempotent writes, the second
// keyed from the first (the friend, the friend's order): a crash between
// them is recovered by calling the same method again, which finds the first
// write done and completes the second.
//
// Run Example (example_test.go) or go run ./examples/referral.
package referral
