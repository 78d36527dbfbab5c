// Package referral runs refer-a-friend programs with fraud checks, and
// ambassador programs, beside the shop's points program on one store.
//
// A referral program is its own loyalty.Program (ID "referral" unless
// Config.ID says otherwise) on a store that keeps programs side by side and
// state shared across members (storage/memory, storage/sqlite,
// storage/postgres). Every referrer, friend and ambassador has a ledger in
// it, which keeps what decides the rewards (attribution, counters, caps);
// its codes live in the store's unique-codes table. New builds the
// program and its Engine from a Config; the host calls it beside the points
// program's writes (Attribute at signup, OnOrder and OnReturn with the
// friend's orders and returns, Commission at an ambassador's checkout).
//
// # Where the rewards land
//
// Set Config.CreditTo to the shop's points program (its Engine's
// Program()), as a shop usually wants: the welcome points and coupon, the
// referrer's and the friend's rewards and store-credit commission are then
// written into that program's ledger, held and voided there, so Ann spends
// her referral points with her other points, and the welcome coupon is a
// code of the shop's program, used at its checkout. A second Engine of the
// package writes them, with the points program's ID, zone and expiry but
// only the package's rules (the shop's rules never see a reward); add
// Spendable() to the points program's rules to let ambassadors spend store
// credit there. Friends, referrers and ambassadors must be members of that
// program (else *NotEnrolledError, nothing written). Without CreditTo the
// rewards are points of the referral program's own ledger, spendable through
// Program.Engine().
//
// # Referral
//
//   - Codes. CodeFor gives each member a referral code: a keyed hash
//     (HMAC-SHA256 with Config.Secret) of the member ID, so it is stable,
//     the same on every store, and unguessable without the secret. Link
//     builds the share link; Resolve looks the referrer up in O(1); Vanity
//     adds a host-chosen code.
//   - Attribution. Attribute attributes a friend to the code's referrer once,
//     at enrolment or within Config.Window after it, and gives the friend the
//     welcome incentive (points of the referral program, a coupon with its
//     own unique code, or both).
//   - Qualifying. OnOrder checks the friend's first order (at least
//     MinOrder, within QualifyDays of signup). When it qualifies, the
//     referrer's reward (and the friend's second one) are written held for
//     ReturnDays from the order's placing, like an order's points; OnReturn
//     voids them when that order is returned within the window.
//   - Caps. MonthlyCap and LifetimeCap limit a referrer's rewarded
//     referrals (member counters, decided in the referrer's write, so exact
//     under concurrency); Budget limits the campaign's (a shared counter,
//     never overspent). A voided reward counts no more and gives its budget
//     unit back.
//   - Fraud checks, each a typed refusal that writes nothing: self-referral
//     by member ID or by a fingerprint (hashed email, phone, device, payment
//     instrument, address: Remember stores HMAC-SHA256 hashes, never the
//     value) the referrer holds (*FraudError, ErrSelfReferral); a friend
//     who joined before the campaign or is a referrer already
//     (ErrAlreadyMember), one referred already (ErrAlreadyReferred); velocity
//     (more than Velocity.Max signups on one code in an hour or a day: a
//     shared counter claimed in the friend's enrolment, so it is exact under
//     concurrency, ErrVelocity); and review (Signup.Review or Config.Review):
//     the referral's rewards wait until Approve, or never come after Reject.
//   - Statement lists a referrer's friends: signed up, qualified, pending
//     (until when), paid, returned, or not rewarded and why.
//
// # Ambassadors
//
// Members become ambassadors by hand (Promote) or by the rule "N rewarded
// referrals" (Ambassador.AfterReferrals); Perks are their benefits.
// Commission attributes an order to the ambassador of a referral code and
// credits Ambassador.Commission percent of its value after discounts, as
// StoreCredit or as a Payable balance the host pays out (PayOut); OnReturn
// reverses it in proportion to what comes back. AmbassadorStatement is a
// period's attributed orders, commission earned, reversed and paid.
//
// Precedence when a checkout carries both a coupon and a referral code: the
// coupon is price (a discount on the order), the referral code is
// attribution. The order keeps the discount and is attributed to the
// referral code; commission is earned on the value after the discount. An
// order is attributed once: a second Commission for it with another
// ambassador's code is ErrDuplicate.
//
// # Two members, two programs, one write each
//
// The Store commits one member of one program per change, and a referral
// touches two members (the friend and the referrer) and, with CreditTo, two
// programs. Each step is its own idempotent write keyed from the friend or
// the friend's order ("referral/attribute/<friend>",
// "referral/order/<order>", "referral/reward/<order>", and in CreditTo's
// ledger "referral:<program>/reward/<order>", ...): the decision in the
// referral program's ledger first, then the credit. A crash between them is
// recovered by calling the same method again with the same input, which
// finds what was written (by its key) and writes only what is missing, so a
// reward is never written twice nor lost once the call succeeds. Until the
// retry, the referral program's ledger (Statement) shows the reward and
// CreditTo's does not. Refusals come before the first write.
//
// Orders are recorded under IDs of the package's own, made from the host's
// order ID and a keyed hash ("rr:B-1001~3fa9c2d17b0e4a85"), never under
// the host's ID: any host order ID works, and a reward never collides with
// a host order in CreditTo's ledger. The shop's codes on an order
// (Order.Codes) are not looked at by the referral program.
//
// Run Example, or go run ./examples/referral for the whole story on SQLite.
package referral
