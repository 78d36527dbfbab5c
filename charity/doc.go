// Package charity models cause-marketing programs: the shop pledges a share
// of every order ("10% of sales", "1%") to a good cause (Pledge), the one the
// program names or the one the member chose among the program's declared
// Causes, and members may turn points into a further pledge at a stated rate
// (Donation, through Donate). Pledges are money in the program's currency,
// kept in minor units in one ledger account per cause ("pledge:ocean") of
// the same exactly-once ledger, and returns reduce them in proportion to the
// value returned. ImpactOf gives a member's impact statement (what their
// purchases and points gave, to which cause, over a period) and Totals the
// per-cause totals of all members, so a shop can keep buyers informed and
// prove what it owes each cause. Run examples/charity (10% of sales pledged
// to a cause) to see what a member sees.
//
// The rules report ProgramType "charity" for Program.Warnings. Each is built
// by its New function, which checks it with the rule's Validate (the one
// check, which Program.Validate runs again), as in every program package
// (see package points, "Building a rule"); Pledge earns through
// loyalty.Percent, the percent-of-basis building block cashback.Percentage
// shares. The entries on a pledge account carry SourcePurchase,
// SourceDonation or SourceReturn (ledger.Entry.Source): branch on those
// constants, as ImpactOf does.
//
// Turning points into a pledge is one write (Donate, or Engine.Act of a
// DonateAction): the Donation rule spends the points (a redeem entry on the
// points account) and earns what they are worth into the cause's pledge
// account (an earn entry), together or not at all. A member with too few
// points, or a malformed donation, writes nothing; a replayed key returns
// the first receipt.
package charity
