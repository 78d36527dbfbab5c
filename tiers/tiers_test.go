package tiers_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
	"github.com/shopspring/decimal"
)

func TestReachingAThresholdUpgradesOnTheQualifyingOrder(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	h.enroll("m")
	h.wantTier("m", "Bronze")

	_, r := h.buy("m", "400.00")
	if got := notices(r, tiers.NoticeChanged); len(got) != 0 {
		t.Fatalf("400.00 announced %v, want nothing (Bronze starts at 0)", got)
	}
	h.wantTier("m", "Bronze")

	_, r = h.buy("m", "100.00") // exactly 500.00
	if got := notices(r, tiers.NoticeChanged); !slices.Equal(got, []string{"Bronze -> Silver"}) {
		t.Fatalf("notices %v, want [Bronze -> Silver]", got)
	}
	s := h.status("m")
	if s.Tier != "Silver" || s.Level != 2 || s.Earned != "Silver" || s.Amount != 50000 {
		t.Fatalf("status %+v, want Silver, level 2, 500.00 counted", s)
	}
}

func TestQualifyingOrderEarnsAtTheOldTierAndTheNextOrderAtTheNew(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	h.enroll("m")
	_, r := h.buy("m", "1500.00")
	if r.Points() != 1500 {
		t.Fatalf("qualifying order earned %d, want 1500 (Bronze has no multiplier)", r.Points())
	}
	if got := notices(r, tiers.NoticeChanged); !slices.Equal(got, []string{"Bronze -> Gold"}) {
		t.Fatalf("notices %v, want a jump straight to Gold", got)
	}
	_, r = h.buy("m", "100.00")
	if r.Points() != 150 {
		t.Fatalf("next order earned %d, want 150 (Gold ×1.5)", r.Points())
	}
	found := false
	for _, x := range r.Explanation {
		if x.Rule == "vip" && x.Note == "tier Gold" && x.Points == 50 {
			found = true
		}
	}
	if !found {
		t.Fatalf("explanation %v lacks the tier multiplier's +50", r.Explanation)
	}
}

func TestFirstTierAboveZeroLeavesNewMembersWithoutATier(t *testing.T) {
	l, err := tiers.NewLadder("club", tiers.Spend("USD"), tiers.Lifetime, []tiers.Tier{
		{Name: "Member", Threshold: dec("100")},
		{Name: "VIP", Threshold: dec("1000")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	if s := h.status("m"); s.Tier != "" || s.Level != 0 {
		t.Fatalf("new member status %+v, want no tier", s)
	}
	if _, ok := l.Current(h.state("m"), h.clock.Now()); ok {
		t.Fatal("Current reports a tier for a member below the first threshold")
	}
	_, r := h.buy("m", "100.00")
	if len(r.Notices) != 1 {
		t.Fatalf("notices %v, want one", r.Notices)
	}
	from, to, ok := tiers.ParseChange(r.Notices[0])
	if !ok || from != "" || to != "Member" || r.Notices[0].Detail != "none -> Member" || r.Notices[0].Rule != "club" {
		t.Fatalf("notice %+v parsed as %q -> %q (%v), want none -> Member from rule club", r.Notices[0], from, to, ok)
	}
}

func TestLifetimeWindowKeepsSpendForever(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 1, 10))
	h.enroll("m")
	h.buy("m", "600.00")
	h.at(day(2030, 1, 1))
	if st := h.review(); st.Members != 1 || st.Changed != 0 {
		t.Fatalf("review stats %+v, want 1 member reviewed and none changed", st)
	}
	h.wantTier("m", "Silver")
	if a := h.status("m").Amount; a != 60000 {
		t.Fatalf("lifetime amount %d, want 60000", a)
	}
}

func TestCalendarYearKeepsATierThroughTheNextYear(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 3, 1))
	h.enroll("m")
	h.buy("m", "1500.00")
	h.wantTier("m", "Gold")

	h.at(day(2027, 1, 1))
	if st := h.review(); st.Changed != 0 {
		t.Fatalf("2027 review changed %d members; 2026 spend keeps Gold through 2027", st.Changed)
	}
	s := h.status("m")
	if s.Tier != "Gold" || s.Amount != 0 {
		t.Fatalf("status %+v, want Gold with nothing counted yet in 2027", s)
	}
	h.at(day(2027, 6, 1))
	h.buy("m", "600.00")
	h.wantTier("m", "Gold")
	// Kept through 2027 by 2026; past the 2028 review only by 2027's spend.
	if p := h.progress("m"); p.ToKeep != 90000 || !p.KeepBy.Equal(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("progress %+v, want 900.00 more in 2027 to keep Gold past 2028-01-01", p)
	}

	h.at(day(2028, 1, 1))
	if st := h.review(); st.Changed != 1 {
		t.Fatalf("2028 review changed %d, want 1", st.Changed)
	}
	h.wantTier("m", "Silver")
	if got := h.takeDelivered(tiers.NoticeChanged); !slices.Equal(got, []string{"Bronze -> Gold", "Gold -> Silver"}) {
		t.Fatalf("delivered %v", got)
	}
}

func TestRolling12MonthsCountsTheCurrentMonthAndTheTwelveBefore(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Rolling12Months, &tiers.Options{Downgrade: tiers.ToQualified}), day(2026, 1, 15))
	h.enroll("m")
	h.buy("m", "300.00")
	h.at(day(2026, 6, 15))
	h.buy("m", "300.00")
	h.wantTier("m", "Silver")

	h.at(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	h.review() // January 2026 is still one of the last twelve months
	h.wantTier("m", "Silver")
	if a := h.status("m").Amount; a != 60000 {
		t.Fatalf("amount on 2027-01-01 %d, want 60000", a)
	}

	h.at(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC))
	if a := h.status("m").Amount; a != 30000 {
		t.Fatalf("amount on 2027-02-01 %d, want 30000: January 2026 left the window", a)
	}
	h.review()
	h.wantTier("m", "Bronze")
}

func TestRollingBucketReusedThirteenMonthsLaterReadsZero(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Rolling12Months, nil), day(2026, 1, 15))
	h.enroll("m")
	h.buy("m", "300.00")
	h.at(day(2027, 1, 20))
	if a := h.status("m").Amount; a != 30000 {
		t.Fatalf("amount %d, want 30000", a)
	}
	h.at(day(2027, 2, 10)) // same bucket as January 2026
	h.buy("m", "200.00")
	c, ok := counter(h.state("m"), "vip:m02")
	if !ok || c.PeriodKey != "2027-02" || c.Value != 20000 {
		t.Fatalf("bucket %+v (%v), want 20000 in 2027-02, not added to January 2026", c, ok)
	}
	if a := h.status("m").Amount; a != 20000 {
		t.Fatalf("amount %d, want 20000", a)
	}
}

func TestPointsMetricCountsThePointsTheOrderEarned(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Points(), tiers.Lifetime, []tiers.Tier{
		{Name: "Member", Threshold: dec("0")},
		{Name: "Insider", Threshold: dec("1000"), Multiplier: dec("1.5")},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	_, r := h.buy("m", "999.99")
	if r.Points() != 999 || len(r.Notices) != 0 {
		t.Fatalf("earned %d with notices %v, want 999 and no change", r.Points(), r.Notices)
	}
	_, r = h.buy("m", "1.00") // reaches 1000 points in this very write
	if got := notices(r, tiers.NoticeChanged); !slices.Equal(got, []string{"Member -> Insider"}) {
		t.Fatalf("notices %v, want Member -> Insider on the qualifying order", got)
	}
	_, r = h.buy("m", "100.00")
	if r.Points() != 150 {
		t.Fatalf("earned %d, want 150 (Insider ×1.5)", r.Points())
	}
	if c, _ := counter(h.state("m"), "vip:total"); c.Value != 1150 {
		t.Fatalf("points counted %d, want 999+1+150 = 1150", c.Value)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	rate, err := points.NewRate("base", 1, dec("1"))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{l, countingRate{rate, &calls}}}
	st := &loyalty.State{Member: loyalty.Member{ID: "m"}}
	o := &loyalty.Order{ID: "o1", MemberID: "m", Currency: "USD", Lines: []loyalty.OrderLine{{SKU: "a", Quantity: 1, UnitPrice: dec("120.00")}}}
	res, err := p.Evaluate(st, o, day(2026, 1, 10))
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("the rate was evaluated %d times for one order, want 1: the ladder must not run the program again", calls)
	}
	if res.Points() != 120 || len(res.Notices) != 1 || res.Notices[0].Kind != tiers.NoticeChanged || res.Notices[0].Detail != "Member -> Insider" {
		t.Fatalf("earned %d with notices %v, want 120 (at Member) and Member -> Insider", res.Points(), res.Notices)
	}
	if n := res.Notices[0]; n.From != "Member" || n.To != "Insider" {
		t.Fatalf("notice %+v, want From Member and To Insider", n)
	}
	if from, to, ok := tiers.ParseChange(res.Notices[0]); !ok || from != "Member" || to != "Insider" {
		t.Fatalf("ParseChange = %q, %q, %v", from, to, ok)
	}
	if c, ok := resultCounter(res, "vip:total"); !ok || c.Value != 120 {
		t.Fatalf("counted %+v (%v), want the 120 points earned", c, ok)
	}
}

func resultCounter(r *loyalty.Result, name string) (loyalty.Counter, bool) {
	for _, c := range r.Counters {
		if c.Name == name {
			return c, true
		}
	}
	return loyalty.Counter{}, false
}

func TestSpendingPointsDoesNotDemote(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Points(), tiers.Rolling12Months, []tiers.Tier{
		{Name: "Member", Threshold: dec("0")},
		{Name: "Insider", Threshold: dec("1000")},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	h.buy("m", "1000.00")
	if _, err := h.engine.Redeem(h.ctx, "redeem-1", loyalty.Redemption{ID: "x1", MemberID: "m", Total: loyalty.MinorUnits(100000, "USD"), Points: 1000}); err != nil {
		t.Fatal(err)
	}
	if b, _ := h.engine.Balance(h.ctx, "m"); b.Available != 0 {
		t.Fatalf("balance %+v, want everything spent", b)
	}
	h.at(day(2026, 2, 1))
	h.review()
	s := h.status("m")
	if s.Tier != "Insider" || s.Amount != 1000 {
		t.Fatalf("status %+v after spending every point, want Insider on 1000 points earned", s)
	}
}

func TestOrderCountMetricForgetsAFullyReturnedOrder(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Orders(), tiers.Lifetime, []tiers.Tier{
		{Name: "Newcomer", Threshold: dec("0")},
		{Name: "Regular", Threshold: dec("3")},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	h.buy("m", "10.00")
	h.buy("m", "10.00")
	third, r := h.buy("m", "10.00")
	if got := notices(r, tiers.NoticeChanged); !slices.Equal(got, []string{"Newcomer -> Regular"}) {
		t.Fatalf("notices %v", got)
	}
	h.giveBack("m", third, "5.00")
	if a := h.status("m").Amount; a != 3 {
		t.Fatalf("orders %d after a partial return, want 3", a)
	}
	h.giveBack("m", third, "5.00")
	if a := h.status("m").Amount; a != 2 {
		t.Fatalf("orders %d after the full return, want 2", a)
	}
	h.wantTier("m", "Regular") // until the review
	h.at(day(2026, 2, 1))
	h.review()
	h.wantTier("m", "Newcomer")
	if got := l.Amount(2); got != "2 orders" {
		t.Fatalf("Amount(2) = %q", got)
	}
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
		if _, err := tiers.Review(h.ctx, h.engine, h.mem, prefix); err != nil {
			t.Fatal(err)
		}
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
	if st.Changed != 0 || st.Graced != 1 {
		t.Fatalf("review stats %+v, want one member in grace and no change", st)
	}
	if got := h.takeDelivered(tiers.NoticeGrace); !slices.Equal(got, []string{"Gold -> Bronze on 2028-04-01"}) {
		t.Fatalf("grace notices %v", got)
	}
	s := h.status("m")
	if s.Tier != "Gold" || s.DowngradeTo != "Bronze" || !s.DowngradeOn.Equal(time.Date(2028, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("status %+v, want Gold with a downgrade to Bronze on 2028-04-01", s)
	}
	h.at(day(2028, 3, 31))
	p := h.progress("m")
	if p.Tier != "Gold" || !p.KeepBy.Equal(s.DowngradeOn) || p.ToKeep != 150000 {
		t.Fatalf("progress %+v, want Gold kept by spending 1500.00 before 2028-04-01", p)
	}
	h.review() // a review during grace changes nothing
	h.wantTier("m", "Gold")

	h.at(day(2028, 4, 1))
	h.wantTier("m", "Bronze")
	_, r := h.buy("m", "10.00")
	if r.Points() != 10 {
		t.Fatalf("earned %d after the grace ended, want 10 (no multiplier)", r.Points())
	}
	if got := notices(r, tiers.NoticeChanged); !slices.Equal(got, []string{"Gold -> Bronze"}) {
		t.Fatalf("notices %v, want the downgrade announced by the next write", got)
	}
}

func TestQualifyingAgainDuringGraceKeepsTheTier(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.CalendarYear, &tiers.Options{Downgrade: tiers.OneDown, GraceMonths: 3}), day(2026, 2, 1))
	h.enroll("m")
	h.buy("m", "1500.00")
	h.at(day(2028, 1, 1))
	h.review()
	if s := h.status("m"); s.DowngradeTo != "Silver" {
		t.Fatalf("status %+v, want a pending downgrade to Silver", s)
	}
	h.at(day(2028, 2, 1))
	_, r := h.buy("m", "1500.00")
	if len(r.Notices) != 0 {
		t.Fatalf("notices %v, want none: the tier did not change", r.Notices)
	}
	h.at(day(2028, 5, 1))
	s := h.status("m")
	if s.Tier != "Gold" || !s.DowngradeOn.IsZero() {
		t.Fatalf("status %+v, want Gold with no pending downgrade", s)
	}
}

func TestManualTierIsAFloorUntilItsEndDate(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, &tiers.Options{Downgrade: tiers.ToQualified})
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	a, err := l.Assign("m", "Gold", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if a.Data["tier"] != "Gold" || a.Data["until"] != "2026-07-01" || a.Kind != tiers.ActionAssign {
		t.Fatalf("action %+v", a)
	}
	r := h.act("m", a)
	if got := notices(r, tiers.NoticeChanged); !slices.Equal(got, []string{"Bronze -> Gold"}) {
		t.Fatalf("notices %v", got)
	}
	s := h.status("m")
	if s.Tier != "Gold" || s.Earned != "Bronze" || s.Floor != "Gold" || !s.FloorUntil.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("status %+v", s)
	}
	if _, r := h.buy("m", "100.00"); r.Points() != 150 {
		t.Fatalf("earned %d under the Gold floor, want 150", r.Points())
	}
	h.at(day(2026, 3, 1))
	h.review() // the floor holds through reviews
	h.wantTier("m", "Gold")

	h.at(day(2026, 7, 1))
	h.wantTier("m", "Bronze")
	if _, r := h.buy("m", "100.00"); r.Points() != 100 || !slices.Equal(notices(r, tiers.NoticeChanged), []string{"Gold -> Bronze"}) {
		t.Fatalf("after the floor: earned %d, notices %v", r.Points(), r.Notices)
	}
}

func TestEarningAboveAManualFloorRaisesTheTier(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	a, _ := l.Assign("m", "Silver", day(2027, 1, 1))
	h.act("m", a)
	_, r := h.buy("m", "6000.00")
	if got := notices(r, tiers.NoticeChanged); !slices.Equal(got, []string{"Silver -> Platinum"}) {
		t.Fatalf("notices %v", got)
	}
	// Removing the floor leaves the earned tier.
	a, _ = l.Assign("m", "", time.Time{})
	if r := h.act("m", a); len(r.Notices) != 0 {
		t.Fatalf("notices %v removing a floor below the earned tier", r.Notices)
	}
	if s := h.status("m"); s.Tier != "Platinum" || s.Floor != "" {
		t.Fatalf("status %+v", s)
	}
}

func TestAssignRejectsWhatItCannotApply(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	if _, err := l.Assign("m", "Diamond", day(2027, 1, 1)); !errors.Is(err, loyalty.ErrInvalidEvent) {
		t.Fatalf("unknown tier: %v", err)
	}
	if _, err := l.Assign("m", "Gold", time.Time{}); !errors.Is(err, loyalty.ErrInvalidEvent) {
		t.Fatalf("no end date: %v", err)
	}
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
		_, err := h.engine.Act(h.ctx, "bad-"+strconv.Itoa(i), &loyalty.Action{Kind: tiers.ActionAssign, MemberID: "m", Data: data})
		if !errors.Is(err, loyalty.ErrRefused) {
			t.Fatalf("%v: %v, want ErrRefused", data, err)
		}
	}
	if st := h.state("m"); st.Version != before || len(st.Counters) != 0 {
		t.Fatalf("refused assignments wrote: version %d -> %d, counters %v", before, st.Version, st.Counters)
	}
	if got := h.takeDelivered(tiers.NoticeChanged); len(got) != 0 {
		t.Fatalf("refused assignments delivered %v", got)
	}
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
	if len(r.Notices) != 0 {
		t.Fatalf("return announced %v; tiers change at reviews", r.Notices)
	}
	st := h.state("m")
	if c, _ := counter(st, "vip:m02"); c.PeriodKey != "2026-01" || c.Value != 10000 {
		t.Fatalf("January bucket %+v, want 10000 left in 2026-01", c)
	}
	if c, _ := counter(st, "vip:m03"); c.PeriodKey != "2026-02" || c.Value != 20000 {
		t.Fatalf("February bucket %+v, want untouched", c)
	}
	s := h.status("m")
	if s.Tier != "Silver" || s.Amount != 30000 {
		t.Fatalf("status %+v, want Silver until the review, 300.00 counted", s)
	}
	h.at(day(2026, 4, 1))
	h.review()
	h.wantTier("m", "Bronze")
}

func TestTierReachedOnlyThroughAReturnedOrderIsLostAtTheNextReview(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, &tiers.Options{Downgrade: tiers.NoDowngrade}), day(2026, 1, 10))
	h.enroll("m", "n")
	h.buy("m", "600.00")
	x, r := h.buy("m", "1000.00")
	if got := notices(r, tiers.NoticeChanged); !slices.Equal(got, []string{"Silver -> Gold"}) {
		t.Fatalf("notices %v", got)
	}
	h.at(day(2026, 1, 20))
	h.giveBack("m", x, "1000.00")
	h.wantTier("m", "Gold") // until the review

	// A partial return that still qualifies keeps the tier.
	h.at(day(2026, 1, 10))
	h.buy("n", "400.00")
	y, _ := h.buy("n", "200.00")
	h.giveBack("n", y, "50.00")

	h.at(day(2026, 2, 1))
	if st := h.review(); st.Changed != 1 || st.Members != 2 {
		t.Fatalf("review stats %+v, want 2 reviewed, 1 changed", st)
	}
	h.wantTier("m", "Silver")
	h.wantTier("n", "Silver")
	if got := h.takeDelivered(tiers.NoticeChanged); got[len(got)-1] != "Gold -> Silver" {
		t.Fatalf("delivered %v, want Gold -> Silver last", got)
	}
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
	p := h.progress("m")
	want := tiers.Progress{Tier: "Gold", Next: "Platinum", Amount: 160000, ToNext: 340000,
		NextReview: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), KeepBy: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), ToKeep: 0}
	if p != want {
		t.Fatalf("progress\n got %+v\nwant %+v", p, want)
	}
	// After the January review the next is in April, when February 2026 has
	// left the window: 1,200.00 of the 1,500.00 will still count.
	h.at(day(2027, 1, 2))
	p = h.progress("m")
	if !p.NextReview.Equal(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)) || p.ToKeep != 30000 || p.Amount != 160000 {
		t.Fatalf("progress %+v, want 300.00 to spend before 2027-04-01", p)
	}
	if got := l.Amount(p.ToKeep); got != "300.00 USD" {
		t.Fatalf("Amount = %q", got)
	}

	// At the top there is no next tier; with NoDowngrade nothing to keep.
	top := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	top.enroll("m")
	top.buy("m", "5000.00")
	p = top.progress("m")
	if p.Tier != "Platinum" || p.Next != "" || p.ToNext != 0 || p.ToKeep != 0 {
		t.Fatalf("progress at the top %+v", p)
	}
}

func TestTierChangeNoticeReachesAfterCommitOnceCommitted(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	h.enroll("m")
	o := h.order("o1", "m", "500.00")
	r1, err := h.engine.Earn(h.ctx, "k1", o)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.takeDelivered(tiers.NoticeChanged); !slices.Equal(got, []string{"Bronze -> Silver"}) {
		t.Fatalf("delivered %v", got)
	}
	r2, err := h.engine.Earn(h.ctx, "k1", o)
	if err != nil || r2.Key != r1.Key || r2.Version != r1.Version {
		t.Fatalf("replay: %v", err)
	}
	if got := h.takeDelivered(tiers.NoticeChanged); len(got) != 0 {
		t.Fatalf("a replay delivered %v again", got)
	}
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
	if _, err := h.engine.Earn(h.ctx, "k1", h.order("o1", "m", "2000.00")); err == nil {
		t.Fatal("the write succeeded on a failing store")
	}
	if got := h.takeDelivered(tiers.NoticeChanged); len(got) != 0 {
		t.Fatalf("a failed write delivered %v", got)
	}
	if s := h.status("m"); s.Tier != "Bronze" || s.Amount != 0 {
		t.Fatalf("status %+v after a failed write", s)
	}
	fs.fail = false
	if _, err := h.engine.Earn(h.ctx, "k1", h.order("o1", "m", "2000.00")); err != nil {
		t.Fatal(err)
	}
	if got := h.takeDelivered(tiers.NoticeChanged); !slices.Equal(got, []string{"Bronze -> Gold"}) {
		t.Fatalf("delivered %v after the retry", got)
	}
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
	want := tiers.ReviewStats{Members: n, Written: n / 2, Changed: n / 2}
	if st := h.review(); st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	if got := h.takeDelivered(tiers.NoticeChanged); len(got) != n/2 || got[0] != "Silver -> Bronze" {
		t.Fatalf("delivered %d notices (%v), want %d Silver -> Bronze", len(got), got, n/2)
	}
	if v := h.state("mba").Version; v != unchanged {
		t.Fatalf("an unchanged member was written: version %d -> %d", unchanged, v)
	}
	// Again the same day: every member is already reviewed; nothing is
	// written or delivered.
	if st := h.review(); st != (tiers.ReviewStats{Members: n}) {
		t.Fatalf("rerun stats %+v, want %d members and nothing written", st, n)
	}
	if got := h.takeDelivered(tiers.NoticeChanged); len(got) != 0 {
		t.Fatalf("rerun delivered %v", got)
	}
	if _, err := tiers.Review(h.ctx, h.engine, h.mem, ""); !errors.Is(err, loyalty.ErrMissingKey) {
		t.Fatalf("empty prefix: %v", err)
	}
}

func TestReviewStopsWhenTheContextEnds(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 3, 1))
	h.enroll("a", "b")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tiers.Review(ctx, h.engine, h.mem, "r/"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestBenefitsFollowTheTier(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	b := l.Benefits(h.state("m"), h.clock.Now())
	if b.Tier != "Bronze" || !b.Multiplier.Equal(decimal.NewFromInt(1)) || !b.Discount.IsZero() || b.FreeShipping || len(b.Perks) != 0 {
		t.Fatalf("Bronze benefits %+v", b)
	}
	h.buy("m", "1500.00")
	b = l.Benefits(h.state("m"), h.clock.Now())
	if b.Tier != "Gold" || !b.Multiplier.Equal(dec("1.5")) || !b.Discount.Equal(dec("10")) || !b.FreeShipping || !b.Has("early access") || b.Has("events") {
		t.Fatalf("Gold benefits %+v", b)
	}
	off := b.DiscountOn(loyalty.NewMoney(dec("123.45"), "USD"))
	if off.String() != "12.34 USD" {
		t.Fatalf("discount %s, want 12.34 USD (10%%, rounded down)", off)
	}
}

func TestNextReviewFollowsTheSchedule(t *testing.T) {
	yearly := spendLadder(t, tiers.Lifetime, nil)
	if got := yearly.NextReview(day(2026, 6, 1)); !got.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("yearly: %v", got)
	}
	if got := yearly.NextReview(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("yearly, at a review: %v", got)
	}
	quarterly := spendLadder(t, tiers.Lifetime, &tiers.Options{Reviews: tiers.Schedule{First: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), Months: 3}})
	if got := quarterly.NextReview(day(2026, 5, 1)); !got.Equal(time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("quarterly: %v", got)
	}
	if got := quarterly.NextReview(day(2025, 12, 1)); !got.Equal(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("quarterly, before the first: %v", got)
	}
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
			if !errors.Is(err, loyalty.ErrInvalidProgram) || l != nil {
				t.Fatalf("got %v, %v; want an error wrapping ErrInvalidProgram", l, err)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("error %q does not say %q", err, tc.reason)
			}
		})
	}
}

func TestProgramWithAnUnbuiltLadderIsRefusedAndNothingWritten(t *testing.T) {
	store := memory.New()
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{&tiers.Ladder{}}}
	if _, err := loyalty.NewEngine(p, store, nil); !errors.Is(err, loyalty.ErrInvalidProgram) {
		t.Fatalf("NewEngine: %v, want ErrInvalidProgram", err)
	}
	if ids, err := store.Members(context.Background(), "", 10); err != nil || len(ids) != 0 {
		t.Fatalf("store holds %v (%v), want nothing", ids, err)
	}
}

func TestLadderIsARuleOfTheTiersProgramType(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	var r loyalty.Rule = l
	if typed, ok := r.(loyalty.Typed); !ok || typed.ProgramType() != "tiers" {
		t.Fatalf("rule %s is not of program type tiers", r.Name())
	}
	if got := l.Metric().String() + ", " + l.Window().String(); got != "spend in USD, lifetime" {
		t.Fatalf("describes itself as %q", got)
	}
}

func TestActionForAnotherLadderIsIgnored(t *testing.T) {
	l := spendLadder(t, tiers.Lifetime, nil)
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	// No rule of the program reacts to it: refused, nothing written.
	_, err := h.engine.Act(h.ctx, "assign-other", &loyalty.Action{Kind: tiers.ActionAssign, MemberID: "m", Data: map[string]string{tiers.DataLadder: "other", "tier": "Gold", "until": "2027-01-01"}})
	if !errors.Is(err, loyalty.ErrUnknownAction) || h.status("m").Tier != "Bronze" {
		t.Fatalf("an assignment for another ladder: %v, tier %s; want ErrUnknownAction and Bronze", err, h.status("m").Tier)
	}
}

func TestPeriodsFollowTheLadderLocation(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	l := spendLadder(t, tiers.Rolling12Months, &tiers.Options{Location: est})
	// 03:00 UTC on 1 February is still 31 January in EST.
	h := newHarness(t, l, time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC))
	h.enroll("m")
	h.buy("m", "100.00")
	if c, ok := counter(h.state("m"), "vip:m02"); !ok || c.PeriodKey != "2026-01" || c.Value != 10000 {
		t.Fatalf("bucket %+v (%v), want January 2026", c, ok)
	}
}

func TestPointsMetricReturnTakesBackPointsInProportion(t *testing.T) {
	l, err := tiers.NewLadder("vip", tiers.Points(), tiers.Lifetime, []tiers.Tier{
		{Name: "Member", Threshold: dec("0")},
		{Name: "Insider", Threshold: dec("1000")},
	}, &tiers.Options{Downgrade: tiers.ToQualified})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, l, day(2026, 1, 10))
	h.enroll("m")
	o, _ := h.buy("m", "1000.00")
	r := h.giveBack("m", o, "250.00")
	if r.Points() != -250 {
		t.Fatalf("return reversed %d points, want 250", -r.Points())
	}
	if s := h.status("m"); s.Amount != 750 || s.Tier != "Insider" {
		t.Fatalf("status %+v, want 750 points counted, Insider until the review", s)
	}
	h.at(day(2026, 2, 1))
	h.review()
	h.wantTier("m", "Member")
}

func TestSpendCountsMinorUnitsWhenPricesHaveFinerFractions(t *testing.T) {
	h := newHarness(t, spendLadder(t, tiers.Lifetime, nil), day(2026, 1, 10))
	h.enroll("m")
	o := &loyalty.Order{ID: "o1", MemberID: "m", PlacedAt: h.clock.Now(), Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "fuel", Quantity: 3, UnitPrice: dec("166.6675")}}} // 500.0025
	if _, err := h.engine.Earn(h.ctx, "k", o); err != nil {
		t.Fatal(err)
	}
	if s := h.status("m"); s.Amount != 50000 || s.Tier != "Silver" {
		t.Fatalf("status %+v, want 50000 cents (500.0025 rounded down) and Silver", s)
	}
}
