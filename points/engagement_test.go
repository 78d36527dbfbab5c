package points_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEngagementOncePerLifetimeEarnsOnlyTheFirstTime(t *testing.T) {
	p := program(t, must(points.NewEngagement("follow", loyalty.ActionSocial, 25, points.Limit{Times: 1})))

	first := evaluate(t, p, state(), action(loyalty.ActionSocial), sunday)
	wantPoints(t, first, 25)
	c := counter(t, first, "follow")
	require.Equal(t, ledger.Counter{Name: "follow", Value: 1}, c, "lifetime counter at 1")

	later := evaluate(t, p, withCounters(state(), c), action(loyalty.ActionSocial), sunday.AddDate(3, 0, 0))
	wantPoints(t, later, 0)
	assert.Empty(t, later.Explanation, "a capped action explains nothing")
	assert.Empty(t, later.Counters, "a capped action counts nothing")
}

func TestEngagementCapsPerDayWeekAndMonth(t *testing.T) {
	for _, tc := range []struct {
		per     calendar.Period
		current string // sunday's period
		earlier string
	}{
		{calendar.Day, "2026-11-22", "2026-11-21"},
		{calendar.Week, "2026-W47", "2026-W46"},
		{calendar.Month, "2026-11", "2026-10"},
	} {
		t.Run(tc.per.String(), func(t *testing.T) {
			p := program(t, must(points.NewEngagement("review", loyalty.ActionReview, 50, points.Limit{Times: 2, Per: tc.per})))

			// One review counted in this period: the second still earns.
			st := withCounters(state(), ledger.Counter{Name: "review", PeriodKey: tc.current, Value: 1})
			res := evaluate(t, p, st, action(loyalty.ActionReview), sunday)
			wantPoints(t, res, 50)
			assert.Equal(t, ledger.Counter{Name: "review", PeriodKey: tc.current, Value: 2}, counter(t, res, "review"))

			// Two counted: the third earns nothing.
			st = withCounters(state(), ledger.Counter{Name: "review", PeriodKey: tc.current, Value: 2})
			wantPoints(t, evaluate(t, p, st, action(loyalty.ActionReview), sunday), 0)

			// Two counted in an earlier period: this one starts afresh.
			st = withCounters(state(), ledger.Counter{Name: "review", PeriodKey: tc.earlier, Value: 2})
			res = evaluate(t, p, st, action(loyalty.ActionReview), sunday)
			wantPoints(t, res, 50)
			assert.Equal(t, ledger.Counter{Name: "review", PeriodKey: tc.current, Value: 1}, counter(t, res, "review"))
		})
	}
}

func TestEngagementWeekRollsOverOnMonday(t *testing.T) {
	p := program(t, must(points.NewEngagement("visit", loyalty.ActionVisit, 5, points.Limit{Times: 1, Per: calendar.Week})))
	st := withCounters(state(), ledger.Counter{Name: "visit", PeriodKey: "2026-W47", Value: 1})
	lastMinute := time.Date(2026, 11, 22, 23, 59, 59, 0, time.UTC)
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionVisit), lastMinute), 0)
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionVisit), monday), 5)
}

func TestEngagementCountsPeriodsInUTCUnlessGivenALocation(t *testing.T) {
	rule := must(points.NewEngagement("visit", loyalty.ActionVisit, 5, points.Limit{Times: 1, Per: calendar.Day}))
	p := program(t, rule)
	tokyo := time.FixedZone("JST", 9*3600)
	now := time.Date(2026, 11, 23, 5, 0, 0, 0, tokyo) // still the 22nd in UTC

	res := evaluate(t, p, state(), action(loyalty.ActionVisit), now)
	assert.Equal(t, "2026-11-22", counter(t, res, "visit").PeriodKey, "the UTC day")
	rule.Location = tokyo
	res = evaluate(t, p, state(), action(loyalty.ActionVisit), now)
	assert.Equal(t, "2026-11-23", counter(t, res, "visit").PeriodKey, "the Tokyo day")
}

func TestUnlimitedEngagementKeepsNoCounter(t *testing.T) {
	p := program(t, must(points.NewEngagement("newsletter", loyalty.ActionNewsletter, 10, points.Limit{})))
	res := evaluate(t, p, state(), action(loyalty.ActionNewsletter), sunday)
	wantPoints(t, res, 10)
	assert.Empty(t, res.Counters)
}

func TestEngagementIgnoresOtherActionsAndOrders(t *testing.T) {
	p := program(t, must(points.NewEngagement("review", loyalty.ActionReview, 50, points.Limit{Times: 1, Per: calendar.Day})))
	wantPoints(t, evaluate(t, p, state(), action(loyalty.ActionVisit), sunday), 0)
	wantPoints(t, evaluate(t, p, state(), order(line("a", "x", 1, "10.00")), sunday), 0)
	custom := &loyalty.Action{Kind: "quiz", MemberID: "m1", At: sunday}
	q := program(t, must(points.NewEngagement("quiz", "quiz", 7, points.Limit{})))
	wantPoints(t, evaluate(t, q, state(), custom, sunday), 7)
}

func TestWelcomePointsOnSignupOnce(t *testing.T) {
	p := program(t, must(points.NewWelcome("welcome", 100)))
	first := evaluate(t, p, state(), action(loyalty.ActionSignup), sunday)
	wantPoints(t, first, 100)
	require.NotEmpty(t, first.Explanation)
	assert.Equal(t, "welcome", first.Explanation[0].Rule, "explanation %s", first.Explanation[0].String())
	assert.Equal(t, "signup, once per lifetime", first.Explanation[0].Note)
	c := counter(t, first, "welcome")
	wantPoints(t, evaluate(t, p, withCounters(state(), c), action(loyalty.ActionSignup), sunday), 0)
}

func TestBirthdayPointsOnTheBirthdayOncePerYear(t *testing.T) {
	p := program(t, must(points.NewBirthday("birthday", 200)))
	st := state()
	st.Member.Birthday = time.Date(1990, 11, 22, 0, 0, 0, 0, time.UTC)

	res := evaluate(t, p, st, action(loyalty.ActionBirthday), sunday)
	wantPoints(t, res, 200)
	c := counter(t, res, "birthday")
	require.Equal(t, ledger.Counter{Name: "birthday", PeriodKey: "2026", Value: 1}, c)

	// The host's job runs twice the same day: paid once.
	st.Counters = []ledger.Counter{c}
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), sunday.Add(time.Hour)), 0)
	// Next year it pays again.
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), sunday.AddDate(1, 0, 0)), 200)
	// Not the birthday: nothing.
	st.Counters = nil
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), sunday.AddDate(0, 0, 1)), 0)
	// No birthday on file: nothing.
	wantPoints(t, evaluate(t, p, state(), action(loyalty.ActionBirthday), sunday), 0)
}

func TestBirthdayOnLeapDayIsCelebratedOnTheLastDayOfFebruary(t *testing.T) {
	p := program(t, must(points.NewBirthday("birthday", 200)))
	st := state()
	st.Member.Birthday = time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), time.Date(2027, 2, 28, 9, 0, 0, 0, time.UTC)), 200)
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), time.Date(2028, 2, 28, 9, 0, 0, 0, time.UTC)), 0)
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC)), 200)
}

func TestBirthdayIsReadInTheLocationOfNow(t *testing.T) {
	p := program(t, must(points.NewBirthday("birthday", 200)))
	st := state()
	st.Member.Birthday = time.Date(1990, 11, 23, 0, 0, 0, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*3600)
	// 05:00 on the 23rd in Tokyo is the 22nd in UTC.
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), time.Date(2026, 11, 23, 5, 0, 0, 0, tokyo)), 200)
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)), 0)
}

func TestNewEngagementRejectsAnInvalidDefinition(t *testing.T) {
	for name, err := range map[string]error{
		"empty kind":       second(points.NewEngagement("e", "", 10, points.Limit{})),
		"zero points":      second(points.NewEngagement("e", loyalty.ActionReview, 0, points.Limit{})),
		"negative limit":   second(points.NewEngagement("e", loyalty.ActionReview, 10, points.Limit{Times: -1})),
		"unknown period":   second(points.NewEngagement("e", loyalty.ActionReview, 10, points.Limit{Times: 1, Per: 42})),
		"negative welcome": second(points.NewWelcome("w", -5)),
		"empty birthday":   second(points.NewBirthday("", 5)),
	} {
		t.Run(name, func(t *testing.T) { assert.ErrorIs(t, err, loyalty.ErrInvalidProgram) })
	}
}
