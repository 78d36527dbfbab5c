// Package points holds the rules and policies of a points program: members
// earn points on what they spend and on what they do, and spend them at
// checkout.
//
// Earning rules implement loyalty.Rule, exactly as a host's own rule would:
// Rate (5 points per 1.00, per order line and on included shipping and tax),
// StepRate (10 points per full 50.00, optionally carrying the remainder to
// the next order), the multipliers SKUMultiplier, CategoryMultiplier,
// SegmentMultiplier and WindowMultiplier ("double points weekend"),
// ProductBonus (fixed points per unit of a SKU), OrderCap and PeriodCap, and
// Engagement for actions (NewWelcome on signup, NewBirthday and
// NewAnniversary once a year on the member's day, any other action at most N
// times per day, week, month or lifetime, counted in per-member counters).
// Days, weeks, months and years are those of the program's zone
// (loyalty.Program.Location) unless a rule has a Location of its own, and
// the Engine hands expiry policies the earned time in that zone, so
// EndOfPeriodAfter expires at midnight there. Birthday and anniversary
// rules are loyalty.Periodic: Engine.RunJobs sends their action to the
// members whose day it is. Rules are immutable once a program is evaluated
// and safe for concurrent use; their Evaluate does not allocate for orders.
//
// # Building a rule
//
// Every rule of the program packages (points, tiers, cashback, charity) is
// built one way: its New function takes what the rule needs, positionally,
// and checks it with the rule's Validate, which is the one place its
// definition is checked and which Program.Validate (and so NewEngine) calls
// again; the function then prepares what evaluation needs (exact rates and
// factors, notes), so Evaluate does no parsing and no allocation. A
// hand-made zero value does not validate. What needs no check stays a plain
// field with a useful zero value, set before the program is first
// evaluated: Stack (loyalty.Stacking: exclusive, a priority, stop the rules
// after it), CarryOver, Location. Policies and settings that are plain
// values (Redemption, Limit, the expiry policies, cashback.Schedule,
// charity.Causes, tiers.Tier and tiers.Options) have a Validate of their
// own that the rule's Validate calls.
//
// Rounding does not happen here. Rates earn exact fractions of points
// (loyalty.EarnAt), multipliers multiply them exactly, and the root
// package's Program.Evaluate rounds them with the program's Rounding mode
// (floor by default, half-up, half-even, ceil): once for the whole order by
// default (loyalty.RoundPerOrder), or line by line with
// loyalty.RoundPerLine, after multipliers and before fixed bonuses (which
// are whole points) and caps. The order's total can differ between the two:
// lines earning 1.5, 1.5, 0.75 and 0.75 points make 4 floored per order but
// 2 floored per line.
//
// The policies implement the root package's interfaces: Never, AfterDays
// and EndOfPeriodAfter say when an earned lot expires
// (loyalty.ExpiryPolicy), and Redemption turns points into money off at
// checkout with a conversion, a minimum, an increment and a cap as a share
// of the order (loyalty.RedemptionPolicy).
//
// Start with ExampleNewRate: a program of a rate, a category multiplier and
// a cap, earning on an order and explaining every point.
package points
