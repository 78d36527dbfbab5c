// Package partners models a coalition: one program and one points currency
// shared by several merchants (partners). A member earns at one partner and
// redeems at another; settlement says, per partner and period, the points
// issued and redeemed there and who owes whom.
//
// The partner is recorded in the ledger by an ID convention, with no field
// of its own: an order's ID and a redemption's ID start with the partner's
// ID and a colon ("bookshop:1001", "cafe:r-77"). Earn, return, redeem and
// cancel entries carry that ID as their Ref (a return's entries the order's
// ID), so every entry of the period is attributed to its partner
// (ledger.RefPrefix), and a store can sum a period by partner without a
// column of its own.
//
// Per partner: CostPerPoint (what it pays the programme per point its
// customers earn), ReimbursePerPoint (what the programme pays it per point
// members redeem with it), Prepaid or postpaid billing and an alert
// Threshold. The Coalition is a loyalty.Rule the program carries: it
// refuses an order that names no partner (ErrUnknownPartner) and claims one
// unit of the shared counter "partners/<id>" on each earn at a partner
// (Open defines the counters). It is a loyalty.RedemptionRule too, so
// Engine.Redeem itself refuses a redemption that names no partner and
// claims the partner's counter. Suspend caps that counter, so new earns and
// redemptions there are refused (Coalition.Earn and Coalition.Redeem say
// ErrSuspended, Engine.Earn and Engine.Redeem a *loyalty.ClaimError wrapping
// loyalty.ErrLimitReached) while balances stay untouched; Resume lifts the
// cap. Every earn and redemption at a partner thus updates that partner's
// counter row: on PostgreSQL, writes at one partner queue on it until their
// commit.
//
// Settle computes a period [from, to) once it has ended, from the points
// entries written in it (by the entry's time, not the order's): issued and
// redeemed points per partner and the entries behind them, Owed and
// Reimbursed each rounded half-even to the minor unit once, and their Net.
// A store that is a storage.RefAggregator (memory, SQLite, PostgreSQL) sums
// the period itself; another is read member by member. It writes nothing,
// so settling again gives the same Statement. Lines streams the statement's
// lines, one per entry, to reconcile it against the ledger.
//
// Start from examples/partners (go run ./examples/partners).
package partners
