// Package loyalty is an embeddable loyalty-program engine for Go shop
// backends: points, tiers, cashback, charity pledges, hybrids and checkout
// redemption, with exact decimal money, deterministic results and a ledger
// that never loses or double-counts a point. There is no server and no global
// state; a host composes programs in Go code.
//
// # The language
//
// A Member shops: an Order (lines with SKU, category, quantity, unit price
// and discount, plus order discount, shipping and tax), a Return of an earlier
// order, or an engagement Action (signup, review, newsletter, visit, a
// host-named custom action). A Program is a validated composition of Rules
// and ledger policies (earn basis, rounding, expiry, pending window,
// clawback, redemption). A Rule reads an immutable Input (the member's
// State, the event, the order's per-line basis, now) and appends Effects: earn
// at a Rate on a basis, earn fixed points, Multiply, Cap, Count, Spend,
// Notify. The program combines them: stackable earnings add, multipliers
// multiply, among exclusive rules the highest priority wins, a rule may Stop
// the ones after it, and rounding happens once per order (RoundPerOrder,
// the default) or per line (RoundPerLine) with the program's Rounding mode.
// Every Result carries an Explanation per rule: what matched, on which basis,
// at which rate, and how many points, adding up to what was earned.
//
// Rules announce notices (a tier change, a pledge) with Notify and
// NotifyChange; each Notice carries a NoticeKind the announcing package
// exports as a constant, and reaches the host on the Receipt and through
// EngineOptions.AfterCommit once the write commits.
//
// loyalty.go maps the central types, how they relate and where a new rule,
// a new program type and a new storage adapter go.
//
// Package points has the built-in points rules, expiry policies and the
// checkout redemption policy; tiers, cashback and charity build other program
// types on the same seams a host uses for its own rule types.
//
// # The ledger
//
// The Engine loads a member's State from a Store, evaluates, plans the
// ledger Change in pure Go and commits it once. The records it writes
// (ledger.Entry, ledger.Lot, ledger.Balance, ledger.Grant, ...) live in
// package ledger and amounts of money in package money, below this one, so
// that program packages and storage adapters share them:
//
//   - entries are append-only, each with a kind, a source, the idempotency key
//     of its write and the rate behind it; balances are maintained per account
//     and always equal the sum of the entries;
//   - each earning is a Lot with its own expiry; spending draws the
//     earliest-expiring lot first and never-expiring lots last; a lot whose
//     expiry equals now is expired, and expiring writes an entry for what
//     remained;
//   - points held for a return window (Program.PendingDays) are pending and
//     not spendable; a return before activation voids them;
//   - returns reverse in proportion to the value returned at the rate recorded
//     when the points were earned, never more than the order earned; points
//     already spent follow the ClawbackPolicy (clamp at zero, or go negative
//     and let later earnings repay);
//   - every write carries an idempotency key: the same key and request return
//     the first Receipt, the same key with another request is ErrKeyReused,
//     nothing is ever written twice; concurrent writers to one member are
//     serialised by the Store's version check and never overspend.
//
// Every dry run (Engine.Estimate, Engine.QuoteRedemption, and Engine.Preview,
// which plans the whole change of an order, action or return) goes through
// the same code as the write. A write that fails writes nothing, and its error
// matches an exported sentinel with errors.Is. Two families stay apart:
// malformed input (ErrInvalidEvent, ErrInvalidID, ErrInvalidAmount,
// ErrCurrencyMismatch, ErrOverflow, ErrInvalidProgram, ...; a
// *ValidationError names the field) and refusals of the ledger, which are
// never a *ValidationError: *InsufficientError (ErrInsufficientPoints, with
// the points asked and available), *RedemptionLimitError (ErrBelowMinimum,
// ErrNotIncrement, ErrAboveCap, with the policy's minimum, increment and
// the most the cart allows), *ReturnExceedsError (ErrReturnExceedsOrder,
// with what was asked and what remains), ErrUnknownOrder,
// ErrAlreadyCancelled, ErrRefused. errors.go lists every family, so a host
// answers 400 for the first and 409 or 422 for the second.
//
// # Checkout and the points widget
//
// A Redemption of Points N is exact and fails when N may not be redeemed;
// with UpTo it redeems as much as the balance, the order cap, the increment
// and the minimum allow, up to N, and the receipt's record says what was
// applied. Engine.Quote quotes either without writing; a Quote that allows
// nothing says why in its Reason (ErrInsufficientPoints, ErrBelowMinimum,
// ErrAboveCap) and still says the most the cart allows. Engine.Summary is a
// points widget in one call, as of one instant: the balance and its worth,
// held points with when they activate, points expiring soon, the standing on
// every tier ladder (StandingRule) and the newest entries. Engine.History
// pages a member's entries oldest first and Engine.HistoryBefore newest
// first, by entry-ID cursors that writes in between never shift.
//
// # Time and determinism
//
// The Engine reads time from an injected Clock (ManualClock in tests) and
// chance from an injected seed (EngineOptions.Random; crypto/rand by
// default): rules draw from Input.Rand, a stream derived from the seed, the
// program and the write's key, and grant codes from another. The same
// program, events, clock readings and seed give the same entries, codes and
// draws, byte for byte, on every Store, whatever order goroutines write in.
// Times are kept in UTC to the microsecond.
//
// # Programs side by side and shared state
//
// Program.ID files everything a store keeps under one program (a store that
// implements ProgramStore holds several; NewEngine scopes it), so the same
// member and key may be in two programs of one store. What members share
// (the stock of a reward, a campaign's budget, unique coupon codes) lives in
// the program's SharedStore: a rule claims from a shared counter
// (ClaimShared, "up to" or all of it) or grants a reward with a code
// (GrantReward), and the Engine plans those in the same atomic change as
// the member's entries, refusing with a *ClaimError what the counter has not
// left. The rewards granted are on Engine.Member's State and in History
// (EntryGrant in RewardsAccount).
//
// # The shop's calendar and the periodic jobs
//
// Program.Location is the shop's time zone (Program.Zone; UTC when unset).
// Every calendar boundary is judged there and kept as an instant in UTC:
// end-of-month, quarter and year expiry, calendar caps and limits,
// birthdays and anniversaries, tier windows and review dates, cashback
// payout periods. Points earned at 20:00 on 31 January in Los Angeles
// (04:00 on 1 February in UTC) under end-of-month expiry expire at midnight
// on 1 February there; a birthday on 7 December in Auckland is celebrated
// while it is 7 December in Auckland.
//
// Engine.RunJobs runs the periodic jobs for every member, in this order:
// activate held points whose return window is over, review (tiers), expire
// lots whose expiry has come, review again, then grant (cashback payouts
// once a period is over, birthday and anniversary gifts). Each step is an
// idempotent write under a key of the program-zone date, made only when
// something is due, so a run can be repeated any time of the day. Rules take
// part through the optional Periodic interface. Within one write, what fell
// due settles in order, activations before expiries at the same instant.
//
// # Storage
//
// Store is a small contract implemented by storage/memory (tests and
// simulations), storage/sqlite (the embedded default) and storage/postgres
// (production); storage/storagetest is the conformance suite that decides
// their semantics. Start with examples/quickstart:
//
//	go run ./examples/quickstart
package loyalty
