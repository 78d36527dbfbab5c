package tiers_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
)

func TestReachingAThresholdUpgradesOnTheQualifyingOrder(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	h.enroll("m")
	h.wantTier("m", "Bronze")

	_, r := h.buy("m", "400.00")
	assert.Empty(t, notices(r, tiers.NoticeChanged), "400.00 announced a change (Bronze starts at 0)")
	h.wantTier("m", "Bronze")

	_, r = h.buy("m", "100.00") // exactly 500.00
	assert.Equal(t, []string{"Bronze -> Silver"}, notices(r, tiers.NoticeChanged))
	s := h.status("m")
	assert.Equal(t, "Silver", s.Tier, "status %+v", s)
	assert.Equal(t, 2, s.Level, "status %+v", s)
	assert.Equal(t, "Silver", s.Earned, "status %+v", s)
	assert.Equal(t, int64(50000), s.Amount, "status %+v: 500.00 counted", s)
}

func TestQualifyingOrderEarnsAtTheOldTierAndTheNextOrderAtTheNew(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	h.enroll("m")
	_, r := h.buy("m", "1500.00")
	assert.Equal(t, int64(1500), r.Points(), "the qualifying order earns at Bronze, which has no multiplier")
	assert.Equal(t, []string{"Bronze -> Gold"}, notices(r, tiers.NoticeChanged), "a jump straight to Gold")
	_, r = h.buy("m", "100.00")
	assert.Equal(t, int64(150), r.Points(), "the next order earns at Gold ×1.5")
	assert.True(t, slices.ContainsFunc(r.Explanation, func(x loyalty.Explanation) bool {
		return x.Rule == "vip" && x.Note == "tier Gold" && x.Points == 50
	}), "explanation %v lacks the tier multiplier's +50", r.Explanation)
}

func TestFirstTierAboveZeroLeavesNewMembersWithoutATier(t *testing.T) {
	l, err := tiers.NewLadder("club", tiers.Spend("USD"), tiers.Lifetime, []tiers.Tier{
		{Name: "Member", Threshold: dec("100")},
		{Name: "VIP", Threshold: dec("1000")},
	}, nil)
	require.NoError(t, err)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	s := h.status("m")
	assert.Empty(t, s.Tier, "new member status %+v, want no tier", s)
	assert.Zero(t, s.Level, "new member status %+v, want no tier", s)
	_, ok := l.Current(h.state("m"), h.Now())
	assert.False(t, ok, "Current reports a tier for a member below the first threshold")
	_, r := h.buy("m", "100.00")
	require.Len(t, r.Notices, 1, "notices %v", r.Notices)
	n := r.Notices[0]
	from, to, ok := tiers.ParseChange(n)
	assert.True(t, ok, "ParseChange(%+v) failed", n)
	assert.Equal(t, [2]string{"", "Member"}, [2]string{from, to}, "notice %+v parsed as from, to", n)
	assert.Equal(t, "none -> Member", n.Detail, "notice %+v", n)
	assert.Equal(t, "club", n.Rule, "notice %+v", n)
}

func TestLifetimeWindowKeepsSpendForever(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 1, 10))
	h.enroll("m")
	h.buy("m", "600.00")
	h.at(day(2030, 1, 1))
	st := h.review()
	assert.Equal(t, 1, st.Members, "review stats %+v: members reviewed", st)
	assert.Zero(t, st.Changed, "review stats %+v: members changed", st)
	h.wantTier("m", "Silver")
	assert.Equal(t, int64(60000), h.status("m").Amount, "lifetime amount")
}

func TestCalendarYearKeepsATierThroughTheNextYear(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 3, 1))
	h.enroll("m")
	h.buy("m", "1500.00")
	h.wantTier("m", "Gold")

	h.at(day(2027, 1, 1))
	assert.Zero(t, h.review().Changed, "2027 review changed members; 2026 spend keeps Gold through 2027")
	h.assertStatus("m", "Gold", 0) // nothing counted yet in 2027
	h.at(day(2027, 6, 1))
	h.buy("m", "600.00")
	h.wantTier("m", "Gold")
	// Kept through 2027 by 2026; past the 2028 review only by 2027's spend.
	p := h.progress("m")
	assert.Equal(t, int64(90000), p.ToKeep, "progress %+v: 900.00 more in 2027 keeps Gold", p)
	assert.WithinDuration(t, midnight(2028, 1, 1), p.KeepBy, 0, "progress %+v: kept by", p)

	h.at(day(2028, 1, 1))
	assert.Equal(t, 1, h.review().Changed, "2028 review: members changed")
	h.wantTier("m", "Silver")
	assert.Equal(t, []string{"Bronze -> Gold", "Gold -> Silver"}, h.takeDelivered(tiers.NoticeChanged), "delivered")
}

func TestRolling12MonthsCountsTheCurrentMonthAndTheTwelveBefore(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Rolling12Months, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 1, 15))
	h.enroll("m")
	h.buy("m", "300.00")
	h.at(day(2026, 6, 15))
	h.buy("m", "300.00")
	h.wantTier("m", "Silver")

	h.at(midnight(2027, 1, 1))
	h.review() // January 2026 is still one of the last twelve months
	h.wantTier("m", "Silver")
	assert.Equal(t, int64(60000), h.status("m").Amount, "amount on 2027-01-01")

	h.at(midnight(2027, 2, 1))
	assert.Equal(t, int64(30000), h.status("m").Amount, "amount on 2027-02-01: January 2026 left the window")
	h.review()
	h.wantTier("m", "Bronze")
}

func TestRollingBucketReusedThirteenMonthsLaterReadsZero(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Rolling12Months, nil), day(2026, 1, 15))
	h.enroll("m")
	h.buy("m", "300.00")
	h.at(day(2027, 1, 20))
	assert.Equal(t, int64(30000), h.status("m").Amount, "amount")
	h.at(day(2027, 2, 10)) // same bucket as January 2026
	h.buy("m", "200.00")
	// 20000 in 2027-02, not added to January 2026.
	assertCounter(t, h.state("m").Counters, "vip:m02", "2027-02", 20000)
	assert.Equal(t, int64(20000), h.status("m").Amount, "amount")
}

func TestPointsMetricCountsThePointsTheOrderEarned(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Points(), tiers.Lifetime, []tiers.Tier{
		{Name: "Member", Threshold: dec("0")},
		{Name: "Insider", Threshold: dec("1000"), Multiplier: dec("1.5")},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	require.NoError(t, err)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	_, r := h.buy("m", "999.99")
	assert.Equal(t, int64(999), r.Points(), "earned")
	assert.Empty(t, r.Notices, "999 points changed the tier")
	_, r = h.buy("m", "1.00") // reaches 1000 points in this very write
	assert.Equal(t, []string{"Member -> Insider"}, notices(r, tiers.NoticeChanged), "the qualifying order's notices")
	_, r = h.buy("m", "100.00")
	assert.Equal(t, int64(150), r.Points(), "earned at Insider ×1.5")
	c, _ := counter(h.state("m").Counters, "vip:total")
	assert.Equal(t, int64(1150), c.Value, "points counted, want 999+1+150")
}

// countingRate is a rate rule that counts how often it is evaluated.
type countingRate struct {
	*points.Rate
	calls *int
}

func (r countingRate) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	*r.calls++
	return r.Rate.Evaluate(c, out)
}

func TestPointsLadderRaisesOnTheQualifyingOrderWithOneEvaluationOfTheProgram(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Points(), tiers.Lifetime, []tiers.Tier{
		{Name: "Member", Threshold: dec("0")},
		{Name: "Insider", Threshold: dec("100"), Multiplier: dec("2")},
	}, nil)
	require.NoError(t, err)
	rate, err := points.NewRate("base", 1, dec("1"))
	require.NoError(t, err)
	calls := 0
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{l, countingRate{rate, &calls}}}
	st := &loyalty.State{Member: loyalty.Member{ID: "m"}}
	o := loyaltytest.Order("m", "o1").Line("a", "120.00", 1).Currency("USD").Build()
	res, err := p.Evaluate(st, o, day(2026, 1, 10))
	require.NoError(t, err)
	assert.Equal(t, 1, calls, "evaluations of the rate for one order: the ladder must not run the program again")
	assert.Equal(t, int64(120), res.Points(), "earned, at Member")
	require.Len(t, res.Notices, 1, "notices %v", res.Notices)
	n := res.Notices[0]
	assert.Equal(t, tiers.NoticeChanged, n.Kind, "notice %+v", n)
	assert.Equal(t, "Member -> Insider", n.Detail, "notice %+v", n)
	assert.Equal(t, "Member", n.From, "notice %+v", n)
	assert.Equal(t, "Insider", n.To, "notice %+v", n)
	from, to, ok := tiers.ParseChange(n)
	assert.True(t, ok, "ParseChange(%+v) failed", n)
	assert.Equal(t, [2]string{"Member", "Insider"}, [2]string{from, to}, "ParseChange from, to")
	c, ok := counter(res.Counters, "vip:total")
	require.True(t, ok, "no counter vip:total in %+v", res.Counters)
	assert.Equal(t, int64(120), c.Value, "counted, want the 120 points earned")
}

func TestSpendingPointsDoesNotDemote(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Points(), tiers.Rolling12Months, []tiers.Tier{
		{Name: "Member", Threshold: dec("0")},
		{Name: "Insider", Threshold: dec("1000")},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	require.NoError(t, err)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	h.buy("m", "1000.00")
	h.Redeem("redeem-1", loyalty.Redemption{ID: "x1", MemberID: "m", Total: money.MinorUnits(100000, "USD"), Points: 1000})
	assert.Zero(t, h.Balance("m").Available, "balance after spending everything")
	h.at(day(2026, 2, 1))
	h.review()
	h.assertStatus("m", "Insider", 1000) // on the 1000 points earned, every one spent
}

func TestOrderCountMetricForgetsAFullyReturnedOrder(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Orders(), tiers.Lifetime, []tiers.Tier{
		{Name: "Newcomer", Threshold: dec("0")},
		{Name: "Regular", Threshold: dec("3")},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	require.NoError(t, err)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	h.buy("m", "10.00")
	h.buy("m", "10.00")
	third, r := h.buy("m", "10.00")
	assert.Equal(t, []string{"Newcomer -> Regular"}, notices(r, tiers.NoticeChanged))
	h.giveBack("m", third, "5.00")
	assert.Equal(t, int64(3), h.status("m").Amount, "orders after a partial return")
	h.giveBack("m", third, "5.00")
	assert.Equal(t, int64(2), h.status("m").Amount, "orders after the full return")
	h.wantTier("m", "Regular") // until the review
	h.at(day(2026, 2, 1))
	h.review()
	h.wantTier("m", "Newcomer")
	assert.Equal(t, "2 orders", l.Amount(2), "Amount(2)")
}

func TestDowngradePolicies(t *testing.T) {
	for _, tc := range []struct {
		policy tiers.Downgrade
		want   []string // tier after the reviews of 2028, 2029
	}{
		{tiers.NoDowngrade, []string{"Platinum", "Platinum"}},
		{tiers.OneDown, []string{"Gold", "Silver"}},
		{tiers.ToQualified, []string{"Bronze", "Bronze"}},
	} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tc.policy}), day(2026, 2, 1))
			h.enroll("m")
			h.buy("m", "6000.00")
			h.at(day(2027, 1, 1))
			h.review()
			h.wantTier("m", "Platinum")
			for i, want := range tc.want {
				h.at(day(2028+i, 1, 1))
				h.review()
				h.wantTier("m", want)
				h.review() // the same day again: nothing more
				h.wantTier("m", want)
			}
		})
	}
}

func TestOneDownReviewedTwiceOnTheSameDayUnderAnotherKeyDropsOnce(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.OneDown}), day(2026, 2, 1))
	h.enroll("m")
	h.buy("m", "6000.00")
	h.at(day(2028, 1, 1))
	for _, prefix := range []string{"a/", "b/"} {
		_, err := tiers.Review(h.Ctx, h.Engine, h.mem, prefix)
		require.NoError(t, err, "review under %q", prefix)
	}
	h.wantTier("m", "Gold")
}

func TestGraceDelaysADowngradeUntilItEnds(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.ToQualified, GraceMonths: 3}), day(2026, 2, 1))
	h.enroll("m")
	h.buy("m", "1500.00")
	h.at(time.Date(2028, 1, 1, 9, 0, 0, 0, time.UTC))
	h.takeDelivered(tiers.NoticeChanged)
	st := h.review()
	assert.Zero(t, st.Changed, "review stats %+v: changed", st)
	assert.Equal(t, 1, st.Graced, "review stats %+v: in grace", st)
	assert.Equal(t, []string{"Gold -> Bronze on 2028-04-01"}, h.takeDelivered(tiers.NoticeGrace), "grace notices")
	s := h.status("m")
	assert.Equal(t, "Gold", s.Tier, "status %+v", s)
	assert.Equal(t, "Bronze", s.DowngradeTo, "status %+v", s)
	require.WithinDuration(t, midnight(2028, 4, 1), s.DowngradeOn, 0, "status %+v: downgrade on", s)
	h.at(day(2028, 3, 31))
	p := h.progress("m")
	// Gold kept by spending 1500.00 before 2028-04-01.
	assert.Equal(t, "Gold", p.Tier, "progress %+v", p)
	assert.WithinDuration(t, s.DowngradeOn, p.KeepBy, 0, "progress %+v: kept by", p)
	assert.Equal(t, int64(150000), p.ToKeep, "progress %+v: to keep", p)
	h.review() // a review during grace changes nothing
	h.wantTier("m", "Gold")

	h.at(day(2028, 4, 1))
	h.wantTier("m", "Bronze")
	_, r := h.buy("m", "10.00")
	assert.Equal(t, int64(10), r.Points(), "earned after the grace ended (no multiplier)")
	assert.Equal(t, []string{"Gold -> Bronze"}, notices(r, tiers.NoticeChanged), "the downgrade announced by the next write")
}

func TestQualifyingAgainDuringGraceKeepsTheTier(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.OneDown, GraceMonths: 3}), day(2026, 2, 1))
	h.enroll("m")
	h.buy("m", "1500.00")
	h.at(day(2028, 1, 1))
	h.review()
	s := h.status("m")
	require.Equal(t, "Silver", s.DowngradeTo, "status %+v: a pending downgrade", s)
	h.at(day(2028, 2, 1))
	_, r := h.buy("m", "1500.00")
	assert.Empty(t, r.Notices, "the tier did not change")
	h.at(day(2028, 5, 1))
	s = h.status("m")
	assert.Equal(t, "Gold", s.Tier, "status %+v", s)
	assert.True(t, s.DowngradeOn.IsZero(), "status %+v: a downgrade still pending", s)
}

func TestManualTierIsAFloorUntilItsEndDate(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, &tiers.Options{Downgrade: tiers.ToQualified})
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	a, err := l.Assign("m", "Gold", midnight(2026, 7, 1))
	require.NoError(t, err)
	assert.Equal(t, tiers.ActionAssign, a.Kind, "action %+v", a)
	assert.Equal(t, "Gold", a.Data["tier"], "action %+v", a)
	assert.Equal(t, "2026-07-01", a.Data["until"], "action %+v", a)
	r := h.act(a)
	assert.Equal(t, []string{"Bronze -> Gold"}, notices(r, tiers.NoticeChanged))
	s := h.status("m")
	assert.Equal(t, "Gold", s.Tier, "status %+v", s)
	assert.Equal(t, "Bronze", s.Earned, "status %+v", s)
	assert.Equal(t, "Gold", s.Floor, "status %+v", s)
	assert.WithinDuration(t, midnight(2026, 7, 1), s.FloorUntil, 0, "status %+v: floor until", s)
	_, r = h.buy("m", "100.00")
	assert.Equal(t, int64(150), r.Points(), "earned under the Gold floor")
	h.at(day(2026, 3, 1))
	h.review() // the floor holds through reviews
	h.wantTier("m", "Gold")

	h.at(day(2026, 7, 1))
	h.wantTier("m", "Bronze")
	_, r = h.buy("m", "100.00")
	assert.Equal(t, int64(100), r.Points(), "earned after the floor")
	assert.Equal(t, []string{"Gold -> Bronze"}, notices(r, tiers.NoticeChanged), "notices after the floor")
}

func TestEarningAboveAManualFloorRaisesTheTier(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	a, err := l.Assign("m", "Silver", day(2027, 1, 1))
	require.NoError(t, err)
	h.act(a)
	_, r := h.buy("m", "6000.00")
	assert.Equal(t, []string{"Silver -> Platinum"}, notices(r, tiers.NoticeChanged))
	// Removing the floor leaves the earned tier.
	a, err = l.Assign("m", "", time.Time{})
	require.NoError(t, err)
	assert.Empty(t, h.act(a).Notices, "removing a floor below the earned tier")
	s := h.status("m")
	assert.Equal(t, "Platinum", s.Tier, "status %+v", s)
	assert.Empty(t, s.Floor, "status %+v", s)
}

func TestAssignRejectsWhatItCannotApply(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	_, err := l.Assign("m", "Diamond", day(2027, 1, 1))
	assert.ErrorIs(t, err, loyalty.ErrInvalidEvent, "unknown tier")
	_, err = l.Assign("m", "Gold", time.Time{})
	assert.ErrorIs(t, err, loyalty.ErrInvalidEvent, "no end date")
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	before := h.state("m").Version
	for i, data := range []map[string]string{
		{"tier": "Diamond", "until": "2027-01-01"},
		{"tier": "Gold", "until": "next year"},
		{"tier": "Gold"},
		{"tier": "Gold", "until": "2026-01-10"},
		nil,
	} {
		_, err := h.Engine.Act(h.Ctx, "bad-"+strconv.Itoa(i), &loyalty.Action{Kind: tiers.ActionAssign, MemberID: "m", Data: data})
		assert.ErrorIs(t, err, loyalty.ErrRefused, "assignment %v", data)
	}
	st := h.state("m")
	assert.Equal(t, before, st.Version, "refused assignments wrote")
	assert.Empty(t, st.Counters, "refused assignments wrote counters")
	assert.Empty(t, h.takeDelivered(tiers.NoticeChanged), "refused assignments delivered notices")
}

func TestReturnTakesValueOffTheMonthTheOrderCountedIn(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Rolling12Months, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 1, 15))
	h.enroll("m")
	jan, _ := h.buy("m", "400.00")
	h.at(day(2026, 2, 15))
	h.buy("m", "200.00")
	h.wantTier("m", "Silver")

	h.at(day(2026, 3, 10))
	r := h.giveBack("m", jan, "300.00")
	assert.Empty(t, r.Notices, "a return announced a change; tiers change at reviews")
	st := h.state("m")
	assertCounter(t, st.Counters, "vip:m02", "2026-01", 10000) // January: 100.00 left
	assertCounter(t, st.Counters, "vip:m03", "2026-02", 20000) // February: untouched
	h.assertStatus("m", "Silver", 30000)                       // Silver until the review
	h.at(day(2026, 4, 1))
	h.review()
	h.wantTier("m", "Bronze")
}

func TestTierReachedOnlyThroughAReturnedOrderIsLostAtTheNextReview(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, &tiers.Options{Downgrade: tiers.NoDowngrade}), day(2026, 1, 10))
	h.enroll("m", "n")
	h.buy("m", "600.00")
	x, r := h.buy("m", "1000.00")
	assert.Equal(t, []string{"Silver -> Gold"}, notices(r, tiers.NoticeChanged))
	h.at(day(2026, 1, 20))
	h.giveBack("m", x, "1000.00")
	h.wantTier("m", "Gold") // until the review

	// A partial return that still qualifies keeps the tier.
	h.at(day(2026, 1, 10))
	h.buy("n", "400.00")
	y, _ := h.buy("n", "200.00")
	h.giveBack("n", y, "50.00")

	h.at(day(2026, 2, 1))
	st := h.review()
	assert.Equal(t, 2, st.Members, "review stats %+v: reviewed", st)
	assert.Equal(t, 1, st.Changed, "review stats %+v: changed", st)
	h.wantTier("m", "Silver")
	h.wantTier("n", "Silver")
	got := h.takeDelivered(tiers.NoticeChanged)
	require.NotEmpty(t, got, "nothing delivered")
	assert.Equal(t, "Gold -> Silver", got[len(got)-1], "delivered %v: the last", got)
	h.at(day(2026, 3, 1))
	h.review()
	h.wantTier("m", "Silver") // VIP forever from here on
}

func TestProgressReportsTheNextTierAndWhatKeepsTheCurrentOne(t *testing.T) {
	l := spendLadder(t, tiers.Rolling12Months, &tiers.Options{Downgrade: tiers.ToQualified, Reviews: tiers.Schedule{Months: 3}})
	h := newHarness(t, l, day(2026, 2, 15))
	h.enroll("m")
	h.buy("m", "400.00")
	h.at(day(2026, 11, 15))
	h.buy("m", "1200.00")

	h.at(day(2026, 12, 1))
	want := tiers.Progress{Tier: "Gold", Next: "Platinum", Amount: 160000, ToNext: 340000,
		NextReview: midnight(2027, 1, 1), KeepBy: midnight(2027, 1, 1), ToKeep: 0}
	assert.Equal(t, want, h.progress("m"))
	// After the January review the next is in April, when February 2026 has
	// left the window: 1,200.00 of the 1,500.00 will still count.
	h.at(day(2027, 1, 2))
	p := h.progress("m")
	assert.WithinDuration(t, midnight(2027, 4, 1), p.NextReview, 0, "progress %+v: next review", p)
	assert.Equal(t, int64(30000), p.ToKeep, "progress %+v: 300.00 to spend before 2027-04-01", p)
	assert.Equal(t, int64(160000), p.Amount, "progress %+v: amount", p)
	assert.Equal(t, "300.00 USD", l.Amount(p.ToKeep), "Amount")

	// At the top there is no next tier; with NoDowngrade nothing to keep.
	top := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	top.enroll("m")
	top.buy("m", "5000.00")
	p = top.progress("m")
	assert.Equal(t, "Platinum", p.Tier, "progress at the top %+v", p)
	assert.Empty(t, p.Next, "progress at the top %+v", p)
	assert.Zero(t, p.ToNext, "progress at the top %+v", p)
	assert.Zero(t, p.ToKeep, "progress at the top %+v", p)
}

func TestTierChangeNoticeReachesAfterCommitOnceCommitted(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	h.enroll("m")
	o := h.order("o1", "m", "500.00")
	r1 := h.Earn("k1", o)
	assert.Equal(t, []string{"Bronze -> Silver"}, h.takeDelivered(tiers.NoticeChanged), "delivered")
	r2, err := h.Engine.Earn(h.Ctx, "k1", o)
	require.NoError(t, err, "replay")
	assert.Equal(t, r1.Key, r2.Key, "replay: key")
	assert.Equal(t, r1.Version, r2.Version, "replay: version")
	assert.Empty(t, h.takeDelivered(tiers.NoticeChanged), "a replay delivered again")
}

// failingStore fails every Commit while fail is set.
type failingStore struct {
	loyalty.Store
	fail bool
}

func (f *failingStore) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	if f.fail {
		return nil, errors.New("disk full")
	}
	return f.Store.Commit(ctx, c)
}

func TestFailedWriteDeliversNoNoticeAndChangesNoTier(t *testing.T) {
	var fs *failingStore
	h := newHarnessOn(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10), func(s loyalty.Store) loyalty.Store {
		fs = &failingStore{Store: s}
		return fs
	})
	h.enroll("m")
	fs.fail = true
	_, err := h.Engine.Earn(h.Ctx, "k1", h.order("o1", "m", "2000.00"))
	require.Error(t, err, "the write succeeded on a failing store")
	assert.Empty(t, h.takeDelivered(tiers.NoticeChanged), "a failed write delivered notices")
	h.assertStatus("m", "Bronze", 0) // after a failed write
	fs.fail = false
	h.Earn("k1", h.order("o1", "m", "2000.00"))
	assert.Equal(t, []string{"Bronze -> Gold"}, h.takeDelivered(tiers.NoticeChanged), "delivered after the retry")
}

func TestReviewVisitsEveryMemberOnceAndCanRunAgain(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 3, 1))
	const n = 40
	for i := range n {
		id := "m" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		h.enroll(id)
		if i%2 == 0 {
			h.buy(id, "600.00")
		}
	}
	h.at(day(2028, 1, 1))
	h.takeDelivered(tiers.NoticeChanged)
	unchanged := h.state("mba").Version // never bought: nothing to review
	assert.Equal(t, tiers.ReviewStats{Members: n, Written: n / 2, Changed: n / 2}, h.review(), "stats")
	got := h.takeDelivered(tiers.NoticeChanged)
	if assert.Len(t, got, n/2, "delivered %v", got) {
		assert.Equal(t, "Silver -> Bronze", got[0], "delivered %v", got)
	}
	assert.Equal(t, unchanged, h.state("mba").Version, "an unchanged member was written")
	// Again the same day: every member is already reviewed; nothing is
	// written or delivered.
	assert.Equal(t, tiers.ReviewStats{Members: n}, h.review(), "rerun stats: nothing written")
	assert.Empty(t, h.takeDelivered(tiers.NoticeChanged), "rerun delivered notices")
	_, err := tiers.Review(h.Ctx, h.Engine, h.mem, "")
	assert.ErrorIs(t, err, loyalty.ErrMissingKey, "empty prefix")
}

func TestReviewStopsWhenTheContextEnds(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 3, 1))
	h.enroll("a", "b")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := tiers.Review(ctx, h.Engine, h.mem, "r/")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestBenefitsFollowTheTier(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	b := l.Benefits(h.state("m"), h.Now())
	assert.Equal(t, "Bronze", b.Tier, "Bronze benefits %+v", b)
	assert.True(t, b.Multiplier.Equal(dec("1")), "Bronze benefits %+v: multiplier", b)
	assert.True(t, b.Discount.IsZero(), "Bronze benefits %+v: discount", b)
	assert.False(t, b.FreeShipping, "Bronze benefits %+v: free shipping", b)
	assert.Empty(t, b.Perks, "Bronze benefits %+v: perks", b)
	h.buy("m", "1500.00")
	b = l.Benefits(h.state("m"), h.Now())
	assert.Equal(t, "Gold", b.Tier, "Gold benefits %+v", b)
	assert.True(t, b.Multiplier.Equal(dec("1.5")), "Gold benefits %+v: multiplier", b)
	assert.True(t, b.Discount.Equal(dec("10")), "Gold benefits %+v: discount", b)
	assert.True(t, b.FreeShipping, "Gold benefits %+v: free shipping", b)
	assert.True(t, b.Has("early access"), "Gold benefits %+v: early access", b)
	assert.False(t, b.Has("events"), "Gold benefits %+v: events", b)
	off := b.DiscountOn(money.New(dec("123.45"), "USD"))
	assert.Equal(t, "12.34 USD", off.String(), "discount: 10%, rounded down")
}

func TestNextReviewFollowsTheSchedule(t *testing.T) {
	yearly := spendLadder(t, tiers.Lifetime, nil)
	assert.WithinDuration(t, midnight(2027, 1, 1), yearly.NextReview(day(2026, 6, 1)), 0, "yearly")
	assert.WithinDuration(t, midnight(2028, 1, 1), yearly.NextReview(midnight(2027, 1, 1)), 0, "yearly, at a review")
	quarterly := spendLadder(t, tiers.Lifetime, &tiers.Options{Reviews: tiers.Schedule{First: midnight(2026, 1, 15), Months: 3}})
	assert.WithinDuration(t, midnight(2026, 7, 15), quarterly.NextReview(day(2026, 5, 1)), 0, "quarterly")
	assert.WithinDuration(t, midnight(2026, 1, 15), quarterly.NextReview(day(2025, 12, 1)), 0, "quarterly, before the first")
}

func TestNewLadderRejectsBadDefinitions(t *testing.T) {
	good := usdTiers
	with := func(f func(ts []tiers.Tier) []tiers.Tier) []tiers.Tier { return f(good()) }
	for _, tc := range []struct {
		name   string
		ladder string
		metric tiers.Metric
		window tiers.Window
		tiers  []tiers.Tier
		opts   *tiers.Options
		reason string
	}{
		{"empty ladder name", "", tiers.Spend("USD"), tiers.Lifetime, good(), nil, "name"},
		{"no tiers", "vip", tiers.Spend("USD"), tiers.Lifetime, nil, nil, "at least one tier"},
		{"empty tier name", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[1].Name = ""; return ts }), nil, "tiers[1].name"},
		{"duplicate tier name", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[2].Name = "Silver"; return ts }), nil, "duplicate"},
		{"overlapping thresholds", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[2].Threshold = dec("500"); return ts }), nil, "overlap"},
		{"unordered thresholds", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[1], ts[2] = ts[2], ts[1]; return ts }), nil, "out of order"},
		{"negative threshold", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[0].Threshold = dec("-1"); return ts }), nil, "negative"},
		{"negative discount", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[1].Discount = dec("-5"); return ts }), nil, "negative percentage"},
		{"discount above 100%", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[1].Discount = dec("101"); return ts }), nil, "above 100%"},
		{"negative multiplier", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[1].Multiplier = dec("-2"); return ts }), nil, "multiplier"},
		{"empty perk", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[2].Perks = []string{""}; return ts }), nil, "perks"},
		{"fraction of a cent", "vip", tiers.Spend("USD"), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[1].Threshold = dec("500.001"); return ts }), nil, "minor unit"},
		{"fraction of a point", "vip", tiers.Points(), tiers.Lifetime, with(func(ts []tiers.Tier) []tiers.Tier { ts[1].Threshold = dec("0.5"); return ts }), nil, "whole number"},
		{"no metric", "vip", tiers.Metric{}, tiers.Lifetime, good(), nil, "metric"},
		{"bad currency", "vip", tiers.Spend("usd"), tiers.Lifetime, good(), nil, "currency"},
		{"unknown window", "vip", tiers.Spend("USD"), tiers.Window(9), good(), nil, "window"},
		{"unknown downgrade", "vip", tiers.Spend("USD"), tiers.Lifetime, good(), &tiers.Options{Downgrade: 7}, "downgrade"},
		{"negative grace", "vip", tiers.Spend("USD"), tiers.Lifetime, good(), &tiers.Options{GraceDays: -1}, "grace"},
		{"negative review period", "vip", tiers.Spend("USD"), tiers.Lifetime, good(), &tiers.Options{Reviews: tiers.Schedule{Months: -1}}, "reviews"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := tiers.NewLadder(tc.ladder, tc.metric, tc.window, tc.tiers, tc.opts)
			assert.Nil(t, l, "a ladder built from a bad definition")
			require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
			assert.ErrorContains(t, err, tc.reason, "the error does not say why")
		})
	}
}

func TestProgramWithAnUnbuiltLadderIsRefusedAndNothingWritten(t *testing.T) {
	store := memory.New()
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{&tiers.Ladder{}}}
	_, err := loyalty.NewEngine(p, store, nil)
	assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "NewEngine")
	ids, err := store.Members(t.Context(), "", 10)
	require.NoError(t, err)
	assert.Empty(t, ids, "the store holds members")
}

func TestLadderIsARuleOfTheTiersProgramType(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	var r loyalty.Rule = l
	typed, ok := r.(loyalty.Typed)
	require.True(t, ok, "rule %s declares no program type", r.Name())
	assert.Equal(t, "tiers", typed.ProgramType(), "program type of rule %s", r.Name())
	assert.Equal(t, "spend in USD, lifetime", l.Metric().String()+", "+l.Window().String(), "how the ladder describes itself")
}

func TestActionForAnotherLadderIsIgnored(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	// No rule of the program reacts to it: refused, nothing written.
	_, err := h.Engine.Act(h.Ctx, "assign-other", &loyalty.Action{Kind: tiers.ActionAssign, MemberID: "m", Data: map[string]string{tiers.DataLadder: "other", "tier": "Gold", "until": "2027-01-01"}})
	assert.ErrorIs(t, err, loyalty.ErrUnknownAction, "an assignment for another ladder")
	h.wantTier("m", "Bronze")
}

func TestPeriodsFollowTheLadderLocation(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	l := spendLadder(t, tiers.Rolling12Months, &tiers.Options{Location: est})
	// 03:00 UTC on 1 February is still 31 January in EST.
	h := newHarness(t, l, time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC))
	h.enroll("m")
	h.buy("m", "100.00")
	assertCounter(t, h.state("m").Counters, "vip:m02", "2026-01", 10000) // January 2026
}

func TestPointsMetricReturnTakesBackPointsInProportion(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Points(), tiers.Lifetime, []tiers.Tier{
		{Name: "Member", Threshold: dec("0")},
		{Name: "Insider", Threshold: dec("1000")},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	require.NoError(t, err)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	o, _ := h.buy("m", "1000.00")
	r := h.giveBack("m", o, "250.00")
	assert.Equal(t, int64(-250), r.Points(), "points the return reversed")
	h.assertStatus("m", "Insider", 750) // Insider until the review
	h.at(day(2026, 2, 1))
	h.review()
	h.wantTier("m", "Member")
}

func TestSpendCountsMinorUnitsWhenPricesHaveFinerFractions(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	h.enroll("m")
	h.Earn("k", loyaltytest.Order("m", "o1").Line("fuel", "166.6675", 3).Build()) // 500.0025
	// 50000 cents: 500.0025 rounded down.
	h.assertStatus("m", "Silver", 50000)
}
