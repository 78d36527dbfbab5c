package games_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/games"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/points"
)

func enrol(t *testing.T, p *loyalty.Program, opts *loyaltytest.Options) *loyaltytest.Harness {
	h := loyaltytest.New(t, p, opts)
	_, err := h.Engine.Enroll(h.Ctx, "enrol-ann", loyalty.Member{ID: "ann", JoinedAt: h.Clock.Now()})
	require.NoError(t, err)
	return h
}

func order(t *testing.T, h *loyaltytest.Harness, id, sku, cat, price string, qty int64) *loyalty.Receipt {
	b := loyaltytest.Order("ann", id).Currency("USD").Line(sku, price, qty)
	if cat != "" {
		b = b.Category(cat)
	}
	r, err := h.Engine.Earn(h.Ctx, id, b.At(h.Clock.Now()).Build())
	require.NoError(t, err)
	return r
}

func state(t *testing.T, h *loyaltytest.Harness) *loyalty.State {
	st, err := h.Engine.Member(h.Ctx, "ann")
	require.NoError(t, err)
	return st
}

func TestPunchCardTenthCoffeeFreeAndTheCardResets(t *testing.T) {
	card, err := games.NewPunchCard("coffee-card", 10, games.PunchOptions{SKUs: []string{"latte"}, PerUnit: true, Reward: &ledger.Grant{Reward: "free-coffee"}})
	require.NoError(t, err)
	h := enrol(t, program(card), nil)
	for i := range 4 { // 4 × 2 lattes = 8 stamps
		order(t, h, "o"+strconv.Itoa(i), "latte", "", "4.00", 2)
	}
	order(t, h, "tea", "tea", "", "3.00", 1) // not a latte: no stamp
	assert.Equal(t, "8 of 10 stamps", card.Progress(h.Program, state(t, h), h.Clock.Now()).String())
	r := order(t, h, "o5", "latte", "", "4.00", 3) // 8 + 3 = 11: one card full, 1 stamp on the next
	require.Len(t, r.Grants, 1)
	assert.Equal(t, "free-coffee", r.Grants[0].Reward)
	loyaltytest.AssertNotice(t, r, games.NoticeCardFull)
	p := card.Progress(h.Program, state(t, h), h.Clock.Now())
	assert.Equal(t, games.Progress{Rule: "coffee-card", Unit: "stamps", Done: 1, Of: 10, Completed: 1}, p)
}

func TestSummaryListsThePunchCardsProgressAndTheFreeCoffee(t *testing.T) {
	card, err := games.NewPunchCard("coffee-card", 10, games.PunchOptions{SKUs: []string{"latte"}, PerUnit: true, Reward: &ledger.Grant{Reward: "free-coffee"}})
	require.NoError(t, err)
	h := enrol(t, program(card), nil)
	order(t, h, "o1", "latte", "", "4.00", 3)
	s, err := h.Engine.Summary(h.Ctx, "ann", nil)
	require.NoError(t, err)
	assert.Equal(t, []loyalty.Progress{{Rule: "coffee-card", Unit: "stamps", Done: 3, Of: 10}}, s.Progress)
	assert.Empty(t, s.Rewards)

	order(t, h, "o2", "latte", "", "4.00", 8) // 11 stamps: a free coffee, 1 on the next card
	s, err = h.Engine.Summary(h.Ctx, "ann", nil)
	require.NoError(t, err)
	assert.Equal(t, []loyalty.Progress{{Rule: "coffee-card", Unit: "stamps", Done: 1, Of: 10}}, s.Progress)
	require.Len(t, s.Rewards, 1)
	assert.Equal(t, "free-coffee", s.Rewards[0].Reward)
	assert.Equal(t, ledger.GrantOpen, s.Rewards[0].Status)
}

func TestPunchCardRefusesABadDefinition(t *testing.T) {
	_, err := games.NewPunchCard("c", 1, games.PunchOptions{Points: 10})
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
	_, err = games.NewPunchCard("c", 10, games.PunchOptions{})
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
}

// weeklyStreak runs a 3-week streak in zone loc and orders at the given
// local wall times; it returns the streak lengths after each order.
func weeklyStreak(t *testing.T, loc *time.Location, at ...time.Time) ([]int64, *loyaltytest.Harness, *games.Streak) {
	s, err := games.NewStreak("weekly", calendar.Week, []games.Milestone{{Length: 3, Points: 300}})
	require.NoError(t, err)
	p := program(s)
	p.Location = loc
	h := enrol(t, p, &loyaltytest.Options{Start: at[0]})
	var lens []int64
	for i, tm := range at {
		h.Clock.Set(tm)
		order(t, h, "o"+strconv.Itoa(i), "tee", "", "10.00", 1)
		lens = append(lens, s.Length(h.Program, state(t, h), tm))
	}
	return lens, h, s
}

// Sunday 23:30 in New York (behind UTC) is Monday in UTC: the order counts
// in the local week that is ending, so Sunday night then Monday morning
// are two weeks in a row, not the same week.
func TestStreakCountsWeeksInTheProgramZoneBehindUTC(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	lens, h, s := weeklyStreak(t, ny,
		time.Date(2026, 1, 4, 23, 30, 0, 0, ny), // Sunday, week 1 (UTC: Monday 5th, week 2)
		time.Date(2026, 1, 5, 9, 0, 0, 0, ny),   // Monday, week 2
		time.Date(2026, 1, 11, 23, 0, 0, 0, ny), // Sunday, week 2 again
		time.Date(2026, 1, 12, 9, 0, 0, 0, ny),  // week 3: milestone
	)
	assert.Equal(t, []int64{1, 2, 2, 3}, lens)
	b, err := h.Engine.Balance(h.Ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(300), b.Available)
	// No order in the week of 19 January: broken by the 26th.
	assert.Equal(t, int64(3), s.Length(h.Program, state(t, h), time.Date(2026, 1, 25, 12, 0, 0, 0, ny)))
	assert.Equal(t, int64(0), s.Length(h.Program, state(t, h), time.Date(2026, 1, 26, 12, 0, 0, 0, ny)))
}

// Monday 08:00 in Auckland (ahead of UTC) is still Sunday in UTC: it is the
// new local week, so a gap week in between breaks the streak.
func TestStreakCountsWeeksInTheProgramZoneAheadOfUTCAndResetsAfterAGap(t *testing.T) {
	akl, err := time.LoadLocation("Pacific/Auckland")
	require.NoError(t, err)
	lens, h, s := weeklyStreak(t, akl,
		time.Date(2026, 1, 4, 20, 0, 0, 0, akl),  // Sunday, week 1
		time.Date(2026, 1, 5, 8, 0, 0, 0, akl),   // Monday local = Sunday UTC: week 2
		time.Date(2026, 1, 19, 8, 0, 0, 0, akl),  // week 4: week 3 missed, starts again
		time.Date(2026, 1, 26, 10, 0, 0, 0, akl), // week 5
	)
	assert.Equal(t, []int64{1, 2, 1, 2}, lens)
	assert.Equal(t, games.Progress{Rule: "weekly", Unit: "weeks", Done: 2, Of: 3, Completed: 2}, s.Progress(h.Program, state(t, h), h.Clock.Now()))
	b, err := h.Engine.Balance(h.Ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(0), b.Available, "the milestone of 3 was never reached")
}

func quiz(t *testing.T, opts games.QuizOptions) *games.Quiz {
	q, err := games.NewQuiz("coffee-quiz", "quiz", []games.Question{{ID: "origin", Answer: "ethiopia"}, {ID: "roast", Answer: "light"}}, opts)
	require.NoError(t, err)
	return q
}

func answer(h *loyaltytest.Harness, key string, data map[string]string) (*loyalty.Receipt, error) {
	return h.Engine.Act(h.Ctx, key, &loyalty.Action{Kind: "quiz", MemberID: "ann", At: h.Clock.Now(), Data: data})
}

func TestQuizPaysCorrectAnswersOncePerMember(t *testing.T) {
	q := quiz(t, games.QuizOptions{PointsPerCorrect: 20, Reward: &ledger.Grant{Reward: "quiz-badge-coupon"}})
	h := enrol(t, program(q), nil)
	r, err := answer(h, "a1", map[string]string{"origin": "ethiopia", "roast": "light"})
	require.NoError(t, err)
	require.Len(t, r.Grants, 1)
	b, _ := h.Engine.Balance(h.Ctx, "ann")
	assert.Equal(t, int64(40), b.Available, "2 correct × 20")
	err = assertNothingWritten(t, h, func() error {
		_, err := answer(h, "a2", map[string]string{"origin": "ethiopia", "roast": "light"})
		return err
	})
	require.ErrorIs(t, err, games.ErrAlreadyAnswered)
	require.ErrorIs(t, err, loyalty.ErrRefused)
	assert.Equal(t, games.Progress{Rule: "coffee-quiz", Unit: "correct", Done: 2, Of: 2, Complete: true}, q.Progress(h.Program, state(t, h), h.Clock.Now()))
}

func TestQuizRefusesAnAnswerAfterItClosedOrToAnUnknownQuestion(t *testing.T) {
	q := quiz(t, games.QuizOptions{PointsPerCorrect: 20, Closes: loyaltytest.Start.Add(time.Hour)})
	h := enrol(t, program(q), nil)
	err := assertNothingWritten(t, h, func() error {
		_, err := answer(h, "a0", map[string]string{"altitude": "high"})
		return err
	})
	require.ErrorIs(t, err, games.ErrInvalidAnswer)
	h.Clock.Advance(time.Hour)
	err = assertNothingWritten(t, h, func() error {
		_, err := answer(h, "a1", map[string]string{"origin": "ethiopia"})
		return err
	})
	require.ErrorIs(t, err, games.ErrClosed)
	require.ErrorIs(t, err, loyalty.ErrRefused)
	st := state(t, h)
	assert.Equal(t, int64(0), st.Counter("coffee-quiz:answered", ""))
	assert.Equal(t, int64(0), st.Balance(ledger.PointsAccount).Available)
}

func TestQuestGivesTheBadgeAndRewardWhenEveryStepIsDone(t *testing.T) {
	q, err := games.NewQuest("explorer", []games.Step{
		{Name: "categories", Target: 2, Categories: []string{"shoes", "bags", "hats"}},
		{Name: "reviews", Target: 2, Action: loyalty.ActionReview},
	}, games.QuestOptions{Badge: "Explorer", Points: 500, Ends: loyaltytest.Start.AddDate(0, 1, 0)})
	require.NoError(t, err)
	review, err := points.NewEngagement("review-points", loyalty.ActionReview, 10, points.Limit{})
	require.NoError(t, err)
	h := enrol(t, program(q, review), nil)
	order(t, h, "o1", "boot", "shoes", "50.00", 1)
	order(t, h, "o2", "boot", "shoes", "50.00", 1) // the same category again
	p := q.Progress(h.Program, state(t, h), h.Clock.Now())
	assert.Equal(t, "0 of 2 steps", p.String())
	assert.Equal(t, "1 of 2", p.Steps[0].String())
	_, err = h.Engine.Act(h.Ctx, "r1", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: h.Clock.Now(), Ref: "rv1"})
	require.NoError(t, err)
	_, err = h.Engine.Act(h.Ctx, "r2", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: h.Clock.Now(), Ref: "rv2"})
	require.NoError(t, err)
	r := order(t, h, "o3", "cap", "hats", "20.00", 1)
	loyaltytest.AssertNotice(t, r, games.NoticeBadge)
	b, _ := h.Engine.Balance(h.Ctx, "ann")
	assert.Equal(t, int64(520), b.Available, "500 for the quest + 2 reviews × 10")
	assert.True(t, q.Progress(h.Program, state(t, h), h.Clock.Now()).Complete)
	// Done once: another review earns its own points only.
	_, err = h.Engine.Act(h.Ctx, "r3", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: h.Clock.Now(), Ref: "rv3"})
	require.NoError(t, err)
	b, _ = h.Engine.Balance(h.Ctx, "ann")
	assert.Equal(t, int64(530), b.Available)
}

func TestQuestOutsideItsWindowCountsNothing(t *testing.T) {
	q, err := games.NewQuest("visits", []games.Step{{Name: "visits", Target: 5, Orders: true}}, games.QuestOptions{Points: 100, Starts: loyaltytest.Start.Add(time.Hour)})
	require.NoError(t, err)
	h := enrol(t, program(q), nil)
	order(t, h, "o1", "tee", "", "10.00", 1)
	assert.Equal(t, "0 of 5", q.Progress(h.Program, state(t, h), h.Clock.Now()).Steps[0].String())
	h.Clock.Advance(time.Hour)
	order(t, h, "o2", "tee", "", "10.00", 1)
	assert.Equal(t, "1 of 5", q.Progress(h.Program, state(t, h), h.Clock.Now()).Steps[0].String())
}

func TestQuestWithNoStepsIsRefused(t *testing.T) {
	q, err := games.NewQuest("empty", nil, games.QuestOptions{Points: 1})
	require.ErrorIs(t, err, games.ErrNoSteps)
	require.Nil(t, q)
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
}

func TestProgressOfListsEveryTracker(t *testing.T) {
	card, err := games.NewPunchCard("card", 5, games.PunchOptions{Points: 50})
	require.NoError(t, err)
	h := enrol(t, program(card, quiz(t, games.QuizOptions{PointsPerCorrect: 1})), nil)
	order(t, h, "o1", "tee", "", "10.00", 1)
	ps := games.ProgressOf(h.Program, state(t, h), h.Clock.Now())
	require.Len(t, ps, 2)
	assert.Equal(t, "1 of 5 stamps", ps[0].String())
	assert.Equal(t, "0 of 2 correct", ps[1].String())
}

// A step may count actions of several kinds: "3 reviews or visits" counts
// both, and nothing else; a step naming a kind twice, or both Action and
// Actions, is refused.
func TestQuestStepCountsReviewsAndVisitsTogether(t *testing.T) {
	q, err := games.NewQuest("regular", []games.Step{
		{Name: "engaged", Target: 3, Actions: []loyalty.ActionKind{loyalty.ActionReview, loyalty.ActionVisit}},
		{Name: "orders", Target: 1, Orders: true},
	}, games.QuestOptions{Badge: "Regular", Points: 200})
	require.NoError(t, err)
	share, err := points.NewEngagement("share-points", loyalty.ActionSocial, 5, points.Limit{})
	require.NoError(t, err)
	h := enrol(t, program(q, share), nil)
	act := func(key string, kind loyalty.ActionKind) *loyalty.Receipt {
		r, err := h.Engine.Act(h.Ctx, key, &loyalty.Action{Kind: kind, MemberID: "ann", At: h.Clock.Now(), Ref: key})
		require.NoError(t, err)
		return r
	}
	act("r1", loyalty.ActionReview)
	act("v1", loyalty.ActionVisit)
	act("s1", loyalty.ActionSocial) // 5 points from its own rule, not a step
	order(t, h, "o1", "tee", "", "10.00", 1)
	p := q.Progress(h.Program, state(t, h), h.Clock.Now())
	assert.Equal(t, "1 of 2 steps", p.String())
	assert.Equal(t, "2 of 3", p.Steps[0].String())
	r := act("v2", loyalty.ActionVisit)
	loyaltytest.AssertNotice(t, r, games.NoticeBadge)
	assert.True(t, q.Progress(h.Program, state(t, h), h.Clock.Now()).Complete)
	b, err := h.Engine.Balance(h.Ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(205), b.Available, "200 for the quest + 5 for the share")

	for name, step := range map[string]games.Step{
		"twice": {Name: "s", Target: 1, Actions: []loyalty.ActionKind{loyalty.ActionVisit, loyalty.ActionVisit}},
		"both":  {Name: "s", Target: 1, Action: loyalty.ActionVisit, Actions: []loyalty.ActionKind{loyalty.ActionReview}},
		"empty": {Name: "s", Target: 1, Actions: []loyalty.ActionKind{""}},
	} {
		q, err := games.NewQuest("bad", []games.Step{step}, games.QuestOptions{Points: 1})
		require.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
		require.Nil(t, q, name)
	}
}
