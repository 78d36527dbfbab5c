// Package rewards holds a rewards catalog and its coupons: what members
// spend points on (a fixed or percentage discount, a free product, free
// shipping, a gift card, an external reward the host fulfils), the coupons
// buying or being given a reward issues, and their use at checkout.
//
// A Catalog is a rule of the program. Catalog.Buy sends an ActionBuy: the
// rule checks the reward's window, eligibility, the member's limits per
// period (member counters) and points, and asks for the price to be spent,
// one unit of the reward's stock to be claimed (a shared counter that
// Catalog.Setup defines) and a grant with a new unique code
// (loyalty.GrantReward), all in the one write the Engine commits, or none
// of it. At checkout the host presents codes with the order
// (loyalty.Order.Codes): Catalog.Check validates them against the cart and
// returns line-level Discounts the host applies (Discount.Apply); Earn of
// that order runs the same check in the catalog rule and uses each coupon
// (loyalty.UseCode) in the order's write, with its earn. Refusals are a
// *Error whose Reason (ErrOutOfStock, ErrOverLimit, ErrExpired,
// ErrBelowMinimum, ErrProductNotInCart, loyalty.ErrCodeUsedUp, ...) the host
// shows, and write nothing. A return of an order gives its single-use
// coupons back (the grant reopens, the use is given back) when the catalog's
// Options.GiveBack says so: once the whole order is returned, or on any
// return.
//
// An External reward is fulfilled by the host, which records where it
// stands (Catalog.SetFulfilment: requested, shipped, delivered, or its own
// statuses) in a write with a notice; Catalog.Fulfilment reads it back.
//
// Rules issue coupons through the same effects a host's own rule would use
// (see Issue): a welcome coupon on signup, a birthday coupon once a year, a
// purchase-anniversary coupon on the anniversary of the first order, and a
// next-order coupon after an order. Days are those of the program's zone
// (loyalty.Program.Location); birthday and anniversary coupons take part in
// Engine.RunJobs as loyalty.Periodic.
//
// Offers is the rule of personalised offers: targeted by a member's history
// as the rule keeps it in the member's counters (BoughtCategory: bought in a
// category within N days; NoOrderFor: no order for N days; SpentThisYear),
// by segment or attribute (InSegment, HasAttribute) or by any host predicate
// (a tier: TargetFunc), each giving once a points multiplier or bonus points
// on the next order, or a coupon the member claims (Offers.Claim).
// Offers.List gives the offers a member may have now, each with why, in the
// rule's order: the same state and clock give the same list.
//
// A Budget is a campaign's budget in points or money (minor units of its
// currency), for each member or for all (Global), per calendar period of
// the program's zone or for the campaign's life. WithBudget wraps an
// earning rule: what it earns beyond what is left of the budget is cut
// (BudgetCut, "cut by budget X: asked N, left M" in the explanation) or
// refuses the action (BudgetRefuse, a *Error of ErrOverBudget). A global
// budget is a shared counter the earning claims from in its own write, the
// store deciding atomically, so that it is never overspent: one that cuts
// is read before the rule runs, and a write that lost the rest to another
// member's meanwhile is planned again. Several rules may be paid by one
// budget: each gets what the rules before it in the program left. Reward.Budgets refuse a purchase the budget
// cannot pay, and a refund gives its part back. A budget counts what was
// given: an order returned later takes its points back from the member
// but gives nothing back to the budget, and a coupon a rule grants (a
// birthday or next-order coupon) is counted in no budget. OverBudget reads either
// refusal.
//
// Start with ExampleCatalog_Buy.
package rewards
