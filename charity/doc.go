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
// The rules report ProgramType "charity" for Program.Warnings.
//
// Turning points into a pledge takes two idempotent writes (Donate: the
// points debit, then the pledge) because debiting an account inside an
// action (EffectSpend from Engine.Act) does not yet write anything in the
// root package; calling Donate again with the same key completes a donation
// interrupted between the two.
package charity
