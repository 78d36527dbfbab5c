// Package tiers models VIP tier programs: a Ladder of named tiers (Bronze,
// Silver, Gold) that members climb by what they spend, the points their
// orders earn, or how many orders they place, counted over their lifetime, a
// calendar year or a rolling 12 months. Each tier gives benefits: a
// multiplier on order points (applied by the ladder rule), a percentage discount,
// free shipping and named perks the storefront reads (Ladder.Benefits).
// Reaching a tier takes effect on the order that qualifies (which itself
// still earns at the old tier); periodic reviews, which run on the
// ladder's review dates from the periodic jobs (loyalty.Engine.RunJobs; the
// ladder is a loyalty.Periodic) or which the host triggers with Review, move members down by the ladder's Downgrade policy (never,
// one tier, or to the tier qualified for), optionally after a grace period.
// Returns take their value off the qualifying window, and a tier reached
// only through a returned order is taken back at the next review. Operators
// can set a tier as a floor until a date (Ladder.Assign). Tier changes are
// announced as loyalty notices ("tier_changed", "Silver -> Gold"), which
// reach loyalty.EngineOptions.AfterCommit only once the write committed.
//
// Years, months and dates (windows, review dates, grace and floor ends) are
// those of the program's zone (loyalty.Program.Location) unless
// Options.Location gives the ladder its own. The readers (Status, Progress,
// NextReview) know no program: pass them now.In(program.Zone()).
//
// A ladder is composed from the root seams a host would use for its own
// rules: it is a loyalty.Rule keeping each member's standing in counters
// named after the ladder, so a member's tier travels with their
// loyalty.State and changes in the same exactly-once write as their points.
// Ladder.Status and Ladder.Progress read it back (current tier, next tier,
// what is left to reach it, what keeps the tier through the next review).
//
// Start from examples/tiers (go run ./examples/tiers): spend-based tiers with
// a yearly review, showing what a member sees.
package tiers
