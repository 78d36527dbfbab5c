// Package tiers models VIP tier programs: a Ladder of named tiers (Bronze,
// Silver, Gold) that members climb by what they spend, the points their
// orders earn, or how many orders they place, counted over their lifetime, a
// calendar year or a rolling 12 months. Each tier gives benefits: a
// multiplier on order points (applied by the ladder rule), a percentage discount,
// free shipping and named perks the storefront reads (Ladder.Benefits).
// Reaching a tier takes effect on the order that qualifies (which itself
// still earns at the old tier); periodic reviews, which run on the
// ladder's review dates from the periodic jobs (loyalty.Engine.RunJobs; the
// ladder is a loyalty.Periodic) or which the host triggers with Review
// (both send ActionTierReview through the Engine), move members down by the
// ladder's Downgrade policy (never, one tier, or to the tier qualified
// for), optionally after a grace period.
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
// rules, and never evaluates the program itself: it is a loyalty.Rule whose
// Evaluate multiplies an order by the member's tier, a loyalty.Finisher
// whose Finish (the step after combining) counts the order toward the tier
// once its points are known, and a loyalty.Periodic whose Due puts reviews
// in the periodic jobs. It keeps each member's standing in counters named
// after the ladder (per-member program state that every rule reads from
// loyalty.Input.State), so a member's tier travels with their loyalty.State
// and changes in the same exactly-once write as their points. Ladder.Status
// and Ladder.Progress read it back (current tier, next tier, what is left
// to reach it, what keeps the tier through the next review).
//
// A Ladder is built like every rule of the program packages (see package
// points, "Building a rule"): NewLadder takes the ladder positionally with
// *Options (nil for the defaults) and checks it with the one check that
// Validate, and so Program.Validate, runs again.
//
// Start from examples/tiers (go run ./examples/tiers): spend-based tiers with
// a yearly review, showing what a member sees.
package tiers
