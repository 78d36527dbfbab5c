package loyalty_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
)

// shop is a harness for a USD program "shop" of rules in loc (nil is UTC),
// its clock at start.
func shop(t *testing.T, loc *time.Location, start time.Time, p *loyalty.Program) *loyaltytest.Harness {
	t.Helper()
	p.Name, p.Currency = "shop", "USD"
	return loyaltytest.New(t, p, &loyaltytest.Options{Location: loc, Start: start})
}

// buy earns on member's order id of one tee at price, now.
func buy(h *loyaltytest.Harness, id, member, price string) *loyalty.Receipt {
	h.T.Helper()
	return h.Earn("earn-"+id, loyaltytest.Order(member, id).Line("tee", price, 1).Category("apparel").Build())
}

// lister is the harness's store as the MemberLister RunJobs pages through.
func lister(t *testing.T, h *loyaltytest.Harness) loyalty.MemberLister {
	t.Helper()
	l, ok := h.Store.(loyalty.MemberLister)
	require.True(t, ok, "the memory store lists its members")
	return l
}

// It is 01:00 on 28 February 2027 in Auckland (NZDT, +13), still the 27th in
// UTC. Ann's birthday is today there, Bob joined on 29 February 2024, Dave
// has held points activating now and a lot expiring now, Carl has nothing due.
func TestRunJobsRunsEachDueStepOnceAndASecondRunWritesNothing(t *testing.T) {
	akl := loyaltytest.Zone(t, "Pacific/Auckland")
	runAt := time.Date(2027, 2, 28, 1, 0, 0, 0, akl)
	h := shop(t, akl, runAt.AddDate(0, 0, -30), &loyalty.Program{PendingDays: 10, Expiry: points.AfterDays(30),
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")),
			mustRule(t)(points.NewBirthday("birthday", 500)), mustRule(t)(points.NewAnniversary("anniversary", 200))}})
	ctx, store := h.Ctx, h.Store
	h.EnrollMember(loyaltytest.Member("ann").Birthday(1990, time.February, 28).Joined(utc(2026, 6, 1, 0, 0)).Build())
	h.EnrollMember(loyaltytest.Member("bob").Joined(time.Date(2024, 2, 29, 10, 0, 0, 0, akl)).Build())
	h.EnrollMember(loyaltytest.Member("carl").Birthday(1985, time.March, 1).Joined(utc(2026, 2, 27, 0, 0)).Build())
	h.EnrollMember(loyaltytest.Member("dave").Joined(utc(2026, 6, 1, 0, 0)).Build())
	// Dave: 100 points 30 days ago, expiring now; 50 held points 10 days ago,
	// activating now.
	h.Adjust("credit-dave", "dave", 100, "goodwill")
	h.AdvanceTo(runAt.AddDate(0, 0, -10))
	buy(h, "d1", "dave", "50.00")

	h.AdvanceTo(runAt)
	var progress []int
	rep, err := h.Engine.RunJobs(ctx, lister(t, h), &loyalty.JobOptions{PageSize: 3, ProgressEvery: 2,
		Progress: func(r loyalty.JobReport) { progress = append(progress, r.Members) }})
	require.NoError(t, err)
	require.Equal(t, loyalty.JobReport{Members: 4, Written: 4,
		Jobs: map[string]int{"activate": 1, "expire": 1, "birthday": 1, "anniversary": 1}}, rep)
	require.Equal(t, []int{2, 4, 4}, progress, "after every 2 members, then at the end")

	h.AssertBalance("ann", 500, 0)
	h.AssertBalance("bob", 200, 0) // 29 February's anniversary on the 28th
	h.AssertBalance("carl", 0, 0)
	h.AssertBalance("dave", 50, 0)

	// Dave's steps are two writes, activation first, under keys of the
	// program-zone date.
	act, err := store.Receipt(ctx, "shop/jobs/2027-02-28/activate/dave")
	require.NoError(t, err)
	require.Len(t, act.Entries, 1)
	require.Equal(t, ledger.EntryActivate, act.Entries[0].Kind)
	require.Equal(t, int64(50), act.Entries[0].Amount)
	exp, err := store.Receipt(ctx, "shop/jobs/2027-02-28/expire/dave")
	require.NoError(t, err)
	require.Len(t, exp.Entries, 1)
	require.Equal(t, ledger.EntryExpire, exp.Entries[0].Kind)
	require.Equal(t, int64(-100), exp.Entries[0].Amount)
	require.Greater(t, exp.Version, act.Version)
	bday, err := store.Receipt(ctx, "shop/jobs/2027-02-28/grant/birthday/ann")
	require.NoError(t, err)
	require.Equal(t, int64(500), bday.Points())
	_, err = store.Receipt(ctx, "shop/jobs/2027-02-28/grant/birthday/carl")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "nothing due, nothing written")

	// A second run the same day writes nothing new.
	before := map[string]int{}
	for _, id := range []string{"ann", "bob", "carl", "dave"} {
		before[id] = len(h.History(id))
	}
	h.Advance(20 * time.Hour)
	require.Equal(t, loyalty.JobReport{Members: 4, Jobs: map[string]int{}}, h.RunJobs(nil))
	for id, n := range before {
		require.Len(t, h.History(id), n, "member %s", id)
	}
}

// Tier reviews run from the jobs on the review date in the program's zone:
// 1 January in Los Angeles begins at 08:00 UTC.
func TestRunJobsReviewsTiersOnTheReviewDateInTheProgramsZone(t *testing.T) {
	la := loyaltytest.Zone(t, "America/Los_Angeles")
	ladder, err := tiers.NewLadder("vip", tiers.Spend("USD"), tiers.CalendarYear, []tiers.Tier{
		{Name: "Bronze", Threshold: decimal.Zero},
		{Name: "Gold", Threshold: decimal.NewFromInt(1500)},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	require.NoError(t, err)
	h := shop(t, la, utc(2025, 3, 1, 20, 0), &loyalty.Program{Rules: []loyalty.Rule{ladder}})
	h.Enroll("ann")
	h.Enroll("bob")
	buy(h, "a1", "ann", "1600.00") // Gold in 2025, kept through 2026
	tier := func(id string) string {
		st, err := h.Engine.Member(h.Ctx, id)
		require.NoError(t, err)
		return ladder.Status(st, h.Now().In(la)).Tier
	}
	require.Equal(t, "Gold", tier("ann"))

	// 05:00 UTC on 1 January 2027 is still 31 December in Los Angeles.
	h.AdvanceTo(utc(2027, 1, 1, 5, 0))
	require.Equal(t, 0, h.RunJobs(nil).Written, "no review before the review date there")
	require.Equal(t, "Gold", tier("ann"))

	h.AdvanceTo(utc(2027, 1, 1, 9, 0))
	require.Equal(t, loyalty.JobReport{Members: 2, Written: 1, Jobs: map[string]int{"tier-review/vip": 1}}, h.RunJobs(nil), "bob has nothing to review")
	require.Equal(t, "Bronze", tier("ann"))
	r, err := h.Store.Receipt(h.Ctx, "shop/jobs/2027-01-01/review/tier-review/vip/ann")
	require.NoError(t, err)
	require.Equal(t, []loyalty.Notice{{Rule: "vip", Kind: tiers.NoticeChanged, Detail: "Gold -> Bronze", From: "Gold", To: "Bronze"}}, r.Notices)
	h.AssertNotice(r, tiers.NoticeChanged)

	require.Equal(t, 0, h.RunJobs(nil).Written, "a second run on the review date writes nothing")
}

// A cashback period ends at midnight in the program's zone; the jobs pay it
// out from then, under the key cashback.Payout uses, so the two never pay twice.
func TestRunJobsPaysCashbackOnceThePeriodIsOverInTheProgramsZone(t *testing.T) {
	la := loyaltytest.Zone(t, "America/Los_Angeles")
	s := &cashback.Schedule{Every: calendar.Quarter}
	pct, err := cashback.NewPercentage("cashback", decimal.NewFromInt(2), s)
	require.NoError(t, err)
	pay, err := cashback.NewPayoutRule("payout", s)
	require.NoError(t, err)
	// 22:00 on 31 December in Los Angeles is 06:00 on 1 January in UTC.
	h := shop(t, la, utc(2027, 1, 1, 6, 0), &loyalty.Program{Rules: []loyalty.Rule{pct, pay}})
	h.Enroll("ann")
	buy(h, "a1", "ann", "400.00")
	h.AssertAccountBalance("ann", "cashback:2026-Q4", 800, 0) // the order accrues in Q4 of Los Angeles

	h.AdvanceTo(utc(2027, 1, 1, 7, 0)) // 23:00 on 31 December there: Q4 runs
	require.Equal(t, 0, h.RunJobs(nil).Written)
	_, err = cashback.Payout(h.Ctx, h.Engine, lister(t, h), "2026-Q4", nil)
	require.ErrorIs(t, err, cashback.ErrPeriodNotOver)

	h.AdvanceTo(utc(2027, 1, 1, 9, 0)) // 01:00 on 1 January there
	require.Equal(t, map[string]int{string(cashback.PayoutAction): 1}, h.RunJobs(nil).Jobs)
	h.AssertAccountBalance("ann", cashback.CreditAccount, 800, 0)
	h.AssertAccountBalance("ann", "cashback:2026-Q4", 0, 0)
	n := len(h.History("ann"))
	prep, err := cashback.Payout(h.Ctx, h.Engine, lister(t, h), "2026-Q4", nil)
	require.NoError(t, err)
	require.Equal(t, 1, prep.Paid, "Payout replays the jobs' receipt")
	require.Len(t, h.History("ann"), n)
	h.AssertAccountBalance("ann", cashback.CreditAccount, 800, 0)
}

// nameless is a Periodic rule with a broken job for member "bad".
type nameless struct{}

func (nameless) Name() string                                                     { return "nameless" }
func (nameless) Evaluate(_ *loyalty.Input, out []loyalty.Effect) []loyalty.Effect { return out }
func (nameless) Due(c *loyalty.Input, stage loyalty.JobStage, jobs []loyalty.Job) []loyalty.Job {
	if stage == loyalty.StageGrant && c.Member.ID == "bad" {
		return append(jobs, loyalty.Job{Action: loyalty.Action{Kind: "gift"}})
	}
	if stage == loyalty.StageGrant && c.Member.ID == "worse" {
		panic("boom")
	}
	return jobs
}

func TestRunJobsReportsAFailingMemberAndGoesOnWithTheOthers(t *testing.T) {
	h := shop(t, nil, now, &loyalty.Program{Rules: []loyalty.Rule{nameless{}, mustRule(t)(points.NewBirthday("birthday", 500))}})
	for _, id := range []string{"bad", "worse", "ann"} {
		h.EnrollMember(loyaltytest.Member(id).Birthday(now.Date()).Build())
	}
	rep, err := h.Engine.RunJobs(h.Ctx, nil, nil)
	var je *loyalty.JobError
	require.ErrorAs(t, err, &je)
	require.Equal(t, "bad", je.Member)
	require.Equal(t, loyalty.StageGrant, je.Stage)
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	require.Equal(t, 3, rep.Members)
	require.Equal(t, 2, rep.Failed)
	require.Equal(t, map[string]int{"birthday": 1}, rep.Jobs, "ann still got her birthday")
	h.AssertBalance("ann", 500, 0)
	h.AssertEntries("bad") // a failing member's jobs write nothing
}

func TestRunJobsNeedsAMemberLister(t *testing.T) {
	e, err := loyalty.NewEngine(&loyalty.Program{Name: "shop", Currency: "USD"}, storeOnly{memory.New()}, nil)
	require.NoError(t, err)
	_, err = e.RunJobs(context.Background(), nil, nil)
	require.ErrorContains(t, err, "MemberLister")
}

// storeOnly hides every method but the Store's.
type storeOnly struct{ loyalty.Store }

func TestRunJobsPagesThroughManyMembersReportingProgress(t *testing.T) {
	h := shop(t, nil, now, &loyalty.Program{Rules: []loyalty.Rule{mustRule(t)(points.NewBirthday("birthday", 10))}})
	const n = 2500
	for i := range n {
		m := loyaltytest.Member("m" + strconv.Itoa(i))
		if i%100 == 0 {
			m.Birthday(now.Date()) // 25 birthdays today
		}
		h.EnrollMember(m.Build())
	}
	var seen []loyalty.JobReport
	rep := h.RunJobs(&loyalty.JobOptions{Progress: func(r loyalty.JobReport) { seen = append(seen, r) }})
	require.Equal(t, loyalty.JobReport{Members: n, Written: 25, Jobs: map[string]int{"birthday": 25}}, rep)
	require.Len(t, seen, 3)
	require.Equal(t, []int{1000, 2000, 2500}, []int{seen[0].Members, seen[1].Members, seen[2].Members})
	require.Equal(t, 10, seen[0].Written, "birthdays of m0, m100, ..., m900")
	seen[2].Jobs["birthday"] = 0 // a report handed to Progress is the host's copy
	require.Equal(t, 25, rep.Jobs["birthday"])
}
