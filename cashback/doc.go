// Package cashback models cashback programs: a share of what members spend
// comes back to them as money, as a percentage ("2% back", Percentage) or in
// steps ("10.00 back for every full 100.00", Stepped, optionally carrying the
// remainder to the next order). Cashback is credited at once as store credit,
// or accrues per calendar period (monthly, quarterly, yearly: Schedule) in a
// period account ("cashback:2026-Q4") until a PayoutRule pays the completed
// period out, from a minimum, as store credit or as a reward certificate
// with its own expiry; Payout runs that for every member with one idempotency
// key per member and period; the PayoutRule is a loyalty.Periodic, so
// loyalty.Engine.RunJobs pays each period out once it is over. Periods are
// those of the program's zone (loyalty.Program.Location) unless the
// Schedule has a Location of its own, and a payout of a period that has not
// ended is refused (ErrPeriodNotOver) without using its key, so the payout
// at its end pays everything it accrued. Store credit is money in the program's currency,
// kept in minor units in the same exactly-once ledger as points, and spent at
// checkout with Engine.Redeem and loyalty.Redemption.Account set to
// CreditAccount. Returns reduce what the order accrued; cashback already paid
// follows Program.Clawback (see PayoutRule). Run examples/cashback (2% back,
// paid quarterly) to see what a member sees.
//
// All rules are loyalty.Rule values a host composes into a loyalty.Program
// next to its own; they report ProgramType "cashback" for
// Program.Warnings. Each is built by its New function, which checks it with
// the rule's Validate (the one check, which Program.Validate runs again), as
// in every program package (see package points, "Building a rule").
// Percentage earns through loyalty.Percent, the percent-of-basis building
// block charity.Pledge shares. A statement tells cashback's entries apart by
// SourceOrder and SourcePayout, and its notices by NoticePaid,
// NoticeBelowMinimum and NoticeRecovered.
//
// # Payouts move money
//
// A payout is one write (Engine.Act with PayoutAction) in which the
// PayoutRule spends the completed periods' accrual accounts
// (loyalty.Spend: a redeem entry on each) and earns the sum into store
// credit or a reward certificate (an earn entry on the credit account). A
// paid-out accrual account reads zero; what is still accrued is simply the
// accounts' balances (BalanceOf).
//
// # Paid cashback and returns
//
// A return takes back, in proportion to the value returned, what the order
// credited, from the account it credited; Program.Clawback decides what
// happens when that money was already spent or paid out. Without a
// schedule that account is the store credit: under loyalty.ClampAtZero what
// was already spent is forgiven, under loyalty.AllowNegative the credit
// goes negative and the next cashback credited to it repays it first (the
// ledger's debt repayment).
//
// With a schedule it is the accrual account of the order's period. Once that
// period is paid out, the account is empty: under loyalty.ClampAtZero the
// reversal takes nothing and the member keeps the credit (forgiven); under
// loyalty.AllowNegative the account goes negative, and since no later order
// accrues into a period that has ended, the next payouts recover the debt
// by spending from the accruals they would pay and earning into the
// indebted account (see PayoutRule). Store credit already issued is never
// taken back.
package cashback
