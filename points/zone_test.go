package points_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zonedProgram is program in loc.
func zonedProgram(t testing.TB, loc *time.Location, rules ...loyalty.Rule) *loyalty.Program {
	p := program(t, rules...)
	p.Location = loc
	return p
}

func TestPeriodCapCountsInTheProgramsZone(t *testing.T) {
	for _, tc := range []struct {
		zone  string
		at    time.Time
		month string
	}{
		// 12:00 UTC on 30 November is 01:00 on 1 December in Auckland (+13).
		{"Pacific/Auckland", time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), "2026-12"},
		// 05:00 UTC on 1 December is 21:00 on 30 November in Los Angeles.
		{"America/Los_Angeles", time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC), "2026-11"},
		// Los Angeles leaves PDT on 1 November 2026 at 09:00 UTC: 07:30 UTC is
		// 00:30 PDT on 1 November, 06:30 UTC still 23:30 PDT on 31 October.
		{"America/Los_Angeles", time.Date(2026, 11, 1, 7, 30, 0, 0, time.UTC), "2026-11"},
		{"America/Los_Angeles", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), "2026-10"},
	} {
		cp := must(points.NewPeriodCap("monthly", 500, calendar.Month))
		p := zonedProgram(t, loyaltytest.Zone(t, tc.zone), must(points.NewRate("base", 1, dec("1"))), cp)
		res := evaluate(t, p, state(), order(line("a", "x", 1, "10.00")), tc.at)
		assert.Equal(t, ledger.Counter{Name: "monthly", PeriodKey: tc.month, Value: 10}, counter(t, res, "monthly"), "%s at %v", tc.zone, tc.at)
	}
}

func TestRuleLocationOverridesTheProgramsZone(t *testing.T) {
	cp := must(points.NewPeriodCap("daily", 100, calendar.Day))
	cp.Location = time.FixedZone("JST", 9*3600)
	p := zonedProgram(t, loyaltytest.Zone(t, "America/Los_Angeles"), must(points.NewRate("base", 1, dec("1"))), cp)
	late := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC) // the 23rd in Tokyo, the 22nd in Los Angeles
	res := evaluate(t, p, state(), order(line("a", "x", 1, "10.00")), late)
	assert.Equal(t, "2026-11-23", counter(t, res, "daily").PeriodKey, "the Tokyo day")
}

func TestEngagementLimitCountsDaysInTheProgramsZone(t *testing.T) {
	rule := must(points.NewEngagement("visit", loyalty.ActionVisit, 5, points.Limit{Times: 1, Per: calendar.Day}))
	p := zonedProgram(t, loyaltytest.Zone(t, "Pacific/Auckland"), rule)
	// 11:30 UTC on 22 November is 00:30 on the 23rd in Auckland.
	st := withCounters(state(), ledger.Counter{Name: "visit", PeriodKey: "2026-11-22", Value: 1})
	res := evaluate(t, p, st, action(loyalty.ActionVisit), time.Date(2026, 11, 22, 11, 30, 0, 0, time.UTC))
	wantPoints(t, res, 5)
	assert.Equal(t, "2026-11-23", counter(t, res, "visit").PeriodKey, "the Auckland day")
}

func TestBirthdayRuleReadsTheDayInTheProgramsZone(t *testing.T) {
	p := zonedProgram(t, loyaltytest.Zone(t, "Pacific/Auckland"), must(points.NewBirthday("birthday", 200)))
	st := state()
	st.Member.Birthday = time.Date(1990, 12, 7, 0, 0, 0, 0, time.UTC)
	// 12:00 UTC on 6 December is 01:00 on the 7th in Auckland.
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)), 200)
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionBirthday), time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)), 0)
}

func TestBirthdayAndAnniversaryRulesAreDueOnTheirDayOnceAYear(t *testing.T) {
	akl := loyaltytest.Zone(t, "Pacific/Auckland")
	bday := must(points.NewBirthday("birthday", 200))
	anniv := must(points.NewAnniversary("anniversary", 100))
	p := zonedProgram(t, akl, bday, anniv)
	st := state()
	st.Member.Birthday = time.Date(1990, 2, 28, 0, 0, 0, 0, time.UTC)
	st.Member.JoinedAt = time.Date(2024, 2, 29, 9, 0, 0, 0, akl)
	now := time.Date(2027, 2, 27, 12, 0, 0, 0, time.UTC) // 01:00 on 28 February in Auckland
	c := &loyalty.Input{Now: now, Program: p, State: st, Member: &st.Member}
	jobs := anniv.Due(c, loyalty.StageGrant, bday.Due(c, loyalty.StageGrant, nil))
	// Compared by name, action kind and ref: what the rules decide.
	got := make([]loyalty.Job, len(jobs))
	for i, j := range jobs {
		got[i] = loyalty.Job{Name: j.Name, Action: loyalty.Action{Kind: j.Action.Kind, Ref: j.Action.Ref}}
	}
	require.Equal(t, []loyalty.Job{
		{Name: "birthday", Action: loyalty.Action{Kind: loyalty.ActionBirthday, Ref: "2027-02-28"}},
		{Name: "anniversary", Action: loyalty.Action{Kind: loyalty.ActionAnniversary, Ref: "2027-02-28"}},
	}, got, "jobs %+v", jobs)
	wantPoints(t, evaluate(t, p, st, action(loyalty.ActionAnniversary), now), 100)
	assert.Empty(t, bday.Due(c, loyalty.StageReview, nil), "due at the review stage")
	// Paid this year: nothing due.
	st.Counters = []ledger.Counter{{Name: "birthday", PeriodKey: "2027", Value: 1}}
	assert.Empty(t, bday.Due(c, loyalty.StageGrant, nil), "due again after this year's gift")
	// The day before, in Auckland: nothing due.
	c.Now = time.Date(2027, 2, 26, 12, 0, 0, 0, time.UTC)
	assert.Empty(t, anniv.Due(c, loyalty.StageGrant, nil), "anniversary due a day early")
}
