// Package economics measures a loyalty programme as a marketing or finance
// person reads it: KPIs over a program's real ledger on any store (points
// issued by source, redeemed, expired, outstanding, liability, redemption
// and breakage rates, active members, cost as a share of revenue (each unit
// of value counted once, when it leaves the programme's accounts), members'
// spend against non-members', members per tier at the period's end), per
// month or week; and the accounting of
// points under IFRS 15 / ASC 606 (Schedule: allocation by relative
// stand-alone selling price, revenue as points are redeemed, breakage,
// contract liability, cumulative catch-up of a revised redemption rate).
//
// Everything is exact (decimal.Decimal and int64, never float64) and
// deterministic: the same ledger gives the same report, byte for byte, on
// storage/memory, storage/sqlite and storage/postgres. Bad input (a period
// that ends before it starts, a rate outside 0..1, money in another
// currency) is an *InputError and no report at all.
//
// The simulation that feeds a program a synthetic customer base lives in
// economics/sim.
package economics
