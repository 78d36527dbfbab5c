package loyalty_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
)

// historyLen is how many entries member has.
func historyLen(t *testing.T, e *loyalty.Engine, member string) int {
	t.Helper()
	h, err := e.History(context.Background(), member, loyalty.EntryID{}, 1000)
	require.NoError(t, err)
	return len(h)
}

func balanceOf(t *testing.T, e *loyalty.Engine, member string, a loyalty.Account) loyalty.Balance {
	t.Helper()
	b, err := e.AccountBalance(context.Background(), member, a)
	require.NoError(t, err)
	return b
}

func buyAt(t *testing.T, e *loyalty.Engine, id, member, price string, at time.Time) {
	t.Helper()
	o := orderOf(line("tee", "apparel", 1, price))
	o.ID, o.MemberID, o.PlacedAt = id, member, at
	_, err := e.Earn(context.Background(), "earn-"+id, o)
	require.NoError(t, err)
}

// It is 01:00 on 28 February 2027 in Auckland (NZDT, +13), still the 27th in
// UTC. Ann's birthday is today there, Bob joined on 29 February 2024, Dave
// has held points activating now and a lot expiring now, Carl has nothing due.
func TestRunJobsRunsEachDueStepOnceAndASecondRunWritesNothing(t *testing.T) {
	ctx := context.Background()
	akl := zone(t, "Pacific/Auckland")
	runAt := time.Date(2027, 2, 28, 1, 0, 0, 0, akl)
	e, clock, store := zoned(t, akl, runAt.AddDate(0, 0, -30), &loyalty.Program{PendingDays: 10, Expiry: points.AfterDays(30),
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")),
			mustRule(t)(points.NewBirthday("birthday", 500)), mustRule(t)(points.NewAnniversary("anniversary", 200))}})
	for _, m := range []loyalty.Member{
		{ID: "ann", Birthday: time.Date(1990, 2, 28, 0, 0, 0, 0, time.UTC), JoinedAt: utc(2026, 6, 1, 0, 0)},
		{ID: "bob", JoinedAt: time.Date(2024, 2, 29, 10, 0, 0, 0, akl)},
		{ID: "carl", Birthday: time.Date(1985, 3, 1, 0, 0, 0, 0, time.UTC), JoinedAt: utc(2026, 2, 27, 0, 0)},
		{ID: "dave", JoinedAt: utc(2026, 6, 1, 0, 0)},
	} {
		_, err := e.Enroll(ctx, "enroll-"+m.ID, m)
		require.NoError(t, err)
	}
	// Dave: 100 points 30 days ago, expiring now; 50 held points 10 days ago,
	// activating now.
	_, err := e.Adjust(ctx, "credit-dave", "dave", 100, "goodwill")
	require.NoError(t, err)
	clock.Set(runAt.AddDate(0, 0, -10))
	buyAt(t, e, "d1", "dave", "50.00", clock.Now())

	clock.Set(runAt)
	var progress []int
	rep, err := e.RunJobs(ctx, store, &loyalty.JobOptions{PageSize: 3, ProgressEvery: 2,
		Progress: func(r loyalty.JobReport) { progress = append(progress, r.Members) }})
	require.NoError(t, err)
	require.Equal(t, loyalty.JobReport{Members: 4, Written: 4,
		Jobs: map[string]int{"activate": 1, "expire": 1, "birthday": 1, "anniversary": 1}}, rep)
	require.Equal(t, []int{2, 4, 4}, progress, "after every 2 members, then at the end")

	require.Equal(t, int64(500), balanceOf(t, e, "ann", loyalty.PointsAccount).Available)
	require.Equal(t, int64(200), balanceOf(t, e, "bob", loyalty.PointsAccount).Available, "29 February's anniversary on the 28th")
	require.Equal(t, int64(0), balanceOf(t, e, "carl", loyalty.PointsAccount).Available)
	require.Equal(t, loyalty.Balance{Account: loyalty.PointsAccount, Available: 50}, balanceOf(t, e, "dave", loyalty.PointsAccount))

	// Dave's steps are two writes, activation first, under keys of the
	// program-zone date.
	act, err := store.Receipt(ctx, "shop/jobs/2027-02-28/activate/dave")
	require.NoError(t, err)
	require.Len(t, act.Entries, 1)
	require.Equal(t, loyalty.EntryActivate, act.Entries[0].Kind)
	require.Equal(t, int64(50), act.Entries[0].Amount)
	exp, err := store.Receipt(ctx, "shop/jobs/2027-02-28/expire/dave")
	require.NoError(t, err)
	require.Len(t, exp.Entries, 1)
	require.Equal(t, loyalty.EntryExpire, exp.Entries[0].Kind)
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
		before[id] = historyLen(t, e, id)
	}
	clock.Advance(20 * time.Hour)
	again, err := e.RunJobs(ctx, nil, nil)
	require.NoError(t, err)
	require.Equal(t, loyalty.JobReport{Members: 4, Jobs: map[string]int{}}, again)
	for id, n := range before {
		require.Equal(t, n, historyLen(t, e, id), "member %s", id)
	}
}

// Tier reviews run from the jobs on the review date in the program's zone:
// 1 January in Los Angeles begins at 08:00 UTC.
func TestRunJobsReviewsTiersOnTheReviewDateInTheProgramsZone(t *testing.T) {
	ctx := context.Background()
	la := zone(t, "America/Los_Angeles")
	ladder, err := tiers.NewLadder("vip", tiers.Spend("USD"), tiers.CalendarYear, []tiers.Tier{
		{Name: "Bronze", Threshold: decimal.Zero},
		{Name: "Gold", Threshold: decimal.NewFromInt(1500)},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	require.NoError(t, err)
	e, clock, store := zoned(t, la, utc(2025, 3, 1, 20, 0), &loyalty.Program{Rules: []loyalty.Rule{ladder}})
	for _, id := range []string{"ann", "bob"} {
		_, err := e.Enroll(ctx, "enroll-"+id, loyalty.Member{ID: id})
		require.NoError(t, err)
	}
	buyAt(t, e, "a1", "ann", "1600.00", clock.Now()) // Gold in 2025, kept through 2026
	tier := func(id string) string {
		st, err := e.Member(ctx, id)
		require.NoError(t, err)
		return ladder.Status(st, clock.Now().In(la)).Tier
	}
	require.Equal(t, "Gold", tier("ann"))

	// 05:00 UTC on 1 January 2027 is still 31 December in Los Angeles.
	clock.Set(utc(2027, 1, 1, 5, 0))
	rep, err := e.RunJobs(ctx, store, nil)
	require.NoError(t, err)
	require.Equal(t, 0, rep.Written, "no review before the review date there")
	require.Equal(t, "Gold", tier("ann"))

	clock.Set(utc(2027, 1, 1, 9, 0))
	rep, err = e.RunJobs(ctx, store, nil)
	require.NoError(t, err)
	require.Equal(t, loyalty.JobReport{Members: 2, Written: 1, Jobs: map[string]int{"tier-review/vip": 1}}, rep, "bob has nothing to review")
	require.Equal(t, "Bronze", tier("ann"))
	r, err := store.Receipt(ctx, "shop/jobs/2027-01-01/review/tier-review/vip/ann")
	require.NoError(t, err)
	require.Equal(t, []loyalty.Notice{{Rule: "vip", Kind: tiers.NoticeChanged, Detail: "Gold -> Bronze", From: "Gold", To: "Bronze"}}, r.Notices)

	rep, err = e.RunJobs(ctx, store, nil)
	require.NoError(t, err)
	require.Equal(t, 0, rep.Written, "a second run on the review date writes nothing")
}

// A cashback period ends at midnight in the program's zone; the jobs pay it
// out from then, under the key cashback.Payout uses, so the two never pay twice.
func TestRunJobsPaysCashbackOnceThePeriodIsOverInTheProgramsZone(t *testing.T) {
	ctx := context.Background()
	la := zone(t, "America/Los_Angeles")
	s := &cashback.Schedule{Every: cashback.Quarterly}
	pct, err := cashback.NewPercentage("cashback", decimal.NewFromInt(2), s)
	require.NoError(t, err)
	pay, err := cashback.NewPayoutRule("payout", s)
	require.NoError(t, err)
	// 22:00 on 31 December in Los Angeles is 06:00 on 1 January in UTC.
	e, clock, store := zoned(t, la, utc(2027, 1, 1, 6, 0), &loyalty.Program{Rules: []loyalty.Rule{pct, pay}})
	_, err = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	buyAt(t, e, "a1", "ann", "400.00", clock.Now())
	require.Equal(t, int64(800), balanceOf(t, e, "ann", "cashback:2026-Q4").Available, "the order accrues in Q4 of Los Angeles")

	clock.Set(utc(2027, 1, 1, 7, 0)) // 23:00 on 31 December there: Q4 runs
	rep, err := e.RunJobs(ctx, store, nil)
	require.NoError(t, err)
	require.Equal(t, 0, rep.Written)
	_, err = cashback.Payout(ctx, e, store, "2026-Q4", nil)
	require.ErrorIs(t, err, cashback.ErrPeriodNotOver)

	clock.Set(utc(2027, 1, 1, 9, 0)) // 01:00 on 1 January there
	rep, err = e.RunJobs(ctx, store, nil)
	require.NoError(t, err)
	require.Equal(t, map[string]int{string(cashback.PayoutAction): 1}, rep.Jobs)
	require.Equal(t, int64(800), balanceOf(t, e, "ann", cashback.CreditAccount).Available)
	require.Equal(t, int64(0), balanceOf(t, e, "ann", "cashback:2026-Q4").Available)
	n := historyLen(t, e, "ann")
	prep, err := cashback.Payout(ctx, e, store, "2026-Q4", nil)
	require.NoError(t, err)
	require.Equal(t, 1, prep.Paid, "Payout replays the jobs' receipt")
	require.Equal(t, n, historyLen(t, e, "ann"))
	require.Equal(t, int64(800), balanceOf(t, e, "ann", cashback.CreditAccount).Available)
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
	ctx := context.Background()
	e, _, store := zoned(t, nil, now, &loyalty.Program{Rules: []loyalty.Rule{nameless{}, mustRule(t)(points.NewBirthday("birthday", 500))}})
	for _, id := range []string{"bad", "worse", "ann"} {
		_, err := e.Enroll(ctx, "enroll-"+id, loyalty.Member{ID: id, Birthday: now})
		require.NoError(t, err)
	}
	rep, err := e.RunJobs(ctx, store, nil)
	var je *loyalty.JobError
	require.ErrorAs(t, err, &je)
	require.Equal(t, "bad", je.Member)
	require.Equal(t, loyalty.StageGrant, je.Stage)
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	require.Equal(t, 3, rep.Members)
	require.Equal(t, 2, rep.Failed)
	require.Equal(t, map[string]int{"birthday": 1}, rep.Jobs, "ann still got her birthday")
	require.Equal(t, int64(500), balanceOf(t, e, "ann", loyalty.PointsAccount).Available)
	require.Equal(t, int64(0), balanceOf(t, e, "bad", loyalty.PointsAccount).Available, "a failing member's jobs write nothing")
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
	ctx := context.Background()
	e, _, store := zoned(t, nil, now, &loyalty.Program{Rules: []loyalty.Rule{mustRule(t)(points.NewBirthday("birthday", 10))}})
	const n = 2500
	for i := range n {
		m := loyalty.Member{ID: "m" + strconv.Itoa(i)}
		if i%100 == 0 {
			m.Birthday = now // 25 birthdays today
		}
		_, err := e.Enroll(ctx, "enroll-"+m.ID, m)
		require.NoError(t, err)
	}
	var seen []loyalty.JobReport
	rep, err := e.RunJobs(ctx, store, &loyalty.JobOptions{Progress: func(r loyalty.JobReport) { seen = append(seen, r) }})
	require.NoError(t, err)
	require.Equal(t, loyalty.JobReport{Members: n, Written: 25, Jobs: map[string]int{"birthday": 25}}, rep)
	require.Len(t, seen, 3)
	require.Equal(t, []int{1000, 2000, 2500}, []int{seen[0].Members, seen[1].Members, seen[2].Members})
	require.Equal(t, 10, seen[0].Written, "birthdays of m0, m100, ..., m900")
	seen[2].Jobs["birthday"] = 0 // a report handed to Progress is the host's copy
	require.Equal(t, 25, rep.Jobs["birthday"])
}
