// Package calendar is the shop's calendar as the program packages count it:
// a Period (Hour, Day, the ISO Week, Month, Quarter, Year, or Lifetime), the
// key that names the period an instant falls in ("2026-11", "2026-Q4",
// "2026-W47"), its Start and End, Parse of a key back to its start, and
// AddMonths, calendar months on with the day clamped to a shorter month's
// end.
//
// Every function reads an instant in its own location: a program passes
// t.In(program.Zone()), so that a period ends at midnight in the shop's
// zone, not in UTC. The package imports only the standard library.
//
// One Period serves every package, and each says which it accepts: points'
// caps and engagement limits and the rewards and games limits take Lifetime
// to Year; cashback accrues and membership bills per Month, Quarter or Year;
// a referral code's velocity is counted per Hour or Day.
package calendar
