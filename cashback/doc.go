// Package cashback models cashback programs: a share of what members spend
// comes back to them as money, as a percentage ("2% back", Percentage) or in
// steps ("10.00 back for every full 100.00", Stepped, optionally carrying the
// remainder to the next order). Cashback is credited at once as store credit,
// or accrues per calendar period (monthly, quarterly, yearly: Schedule) in a
// period account ("cashback:2026-Q4") until a PayoutRule pays the completed
// period out, from a minimum, as store credit or as a reward certificate
// with its own expiry; Payout runs that for every member with one idempotency
// key per member and period. Store credit is money in the program's currency,
// kept in minor units in the same exactly-once ledger as points, and spent at
// checkout with Engine.Redeem and loyalty.Redemption.Account set to
// CreditAccount. Returns reduce what the order accrued; cashback already paid
// follows Program.Clawback (see PayoutRule). Run examples/cashback (2% back,
// paid quarterly) to see what a member sees.
//
// All rules are loyalty.Rule values a host composes into a loyalty.Program
// next to its own; they report ProgramType "cashback" for
// Program.Warnings.
//
// # Paid cashback and returns
//
// Without a schedule a return takes the order's cashback back from the store
// credit, as the Engine reverses every money account an order credited:
// under loyalty.ClampAtZero what was already spent is forgiven, under
// loyalty.AllowNegative the credit goes negative and later cashback repays it.
//
// With a schedule, a period account is never spent: it keeps the period's cashback net of
// returns, and the PayoutRule records what it paid from it in a counter
// (PaidCounter) in the same write that credits the member. A return after
// the payout therefore makes the period's unpaid accrual negative. Under
// loyalty.ClampAtZero the member keeps the credit and the next payout marks
// the difference forgiven; under loyalty.AllowNegative the next payouts
// recover it from the cashback they would pay. Store credit already issued
// is not taken back: debiting an account inside an action (EffectSpend from
// Engine.Act) does not yet write anything in the root package, so the
// package does not depend on it.
package cashback
