// Package membership models a paid VIP program, as Amazon Prime is one:
// members pay a fee per period (monthly, quarterly, yearly) for benefits
// that start at once: an earn multiplier, a percentage discount, free
// shipping, member-only rewards in the catalog and named perks. A plan may
// offer a free trial, a first-period discount (the sign-up offer), and a
// longer plan priced lower per month (a yearly plan billed as ten months:
// BilledAs).
//
// The host owns billing and reports what happened through Engine.Act:
// ActionTrial, ActionPayment, ActionCancel, ActionChangePlan. The library
// keeps each member's membership in counters named after it in the member's
// own ledger state ("<name>:plan", "<name>:end", ...): counters travel with
// every loyalty.State the Engine loads, so the earn sees the membership
// without a further read, and a payment changes it in one exactly-once
// write. (Grants were the other choice; they need a second read per write
// and a membership is one evolving record, not a reward a member holds.)
//
// A paid period runs from its start to the same wall-clock time Months
// later in the program's zone (the day clamped to a shorter month's end).
// A renewal paid before, on or after the end (inside the grace) extends
// from the original end, so benefits run without a gap and a late payer
// gets no free days. A missed renewal leaves GraceDays of grace with the
// benefits; then the membership lapses and the benefits stop at that
// instant, judged by the Engine's clock in the zone. A cancellation keeps
// the benefits to the end of the paid period, with no grace. A plan change
// is prorated to the minor unit (see Membership.Proration). Notices
// (NoticeStarted, NoticeRenewed, NoticeGraceStarted, NoticeLapsed,
// NoticeCancelled, NoticePlanChanged) reach EngineOptions.AfterCommit after
// the write commits; grace and lapse are announced by the periodic jobs
// (Engine.RunJobs; a Membership is a loyalty.Periodic). Economics reads a
// member's fee revenue and benefit cost per period.
//
// Start from examples/membership (go run ./examples/membership).
package membership
