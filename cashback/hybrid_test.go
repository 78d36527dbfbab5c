package cashback_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/charity"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tenPerHundred is the "10.00 reward for every 100.00 spent, plus a birthday
// gift" program: stepped cashback as store credit and 500 birthday points
// worth 5.00 at checkout.
func tenPerHundred(t *testing.T) *loyalty.Program {
	t.Helper()
	step, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), nil)
	require.NoError(t, err)
	step.CarryOver = true
	bday, err := points.NewBirthday("birthday-gift", 500)
	require.NoError(t, err)
	return &loyalty.Program{Name: "ten-per-hundred", Currency: "USD", Rules: []loyalty.Rule{step, bday},
		Redemption: points.Redemption{Points: 100, Value: usd("1.00")}}
}

func TestHybridTenPerHundredPlusBirthdayGift(t *testing.T) {
	f := newFixture(t, tenPerHundred(t), time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	f.EnrollMember(loyaltytest.Member("ann").Birthday(1990, time.March, 4).Build())
	f.buy("ann", "o1", "180.00") // 10.00, 80.00 carried
	f.buy("ann", "o2", "40.00")  // 120.00: 10.00, 20.00 carried
	f.wantBalance("ann", cashback.CreditAccount, 2000)
	f.wantBalance("ann", ledger.PointsAccount, 0)

	assert.Zero(t, f.Act("bday-early", "ann", loyalty.ActionBirthday, "").Points(), "gift a day early")
	f.Clock.Set(time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC))
	assert.Equal(t, int64(500), f.Act("bday", "ann", loyalty.ActionBirthday, "").Points(), "birthday gift")
	assert.Zero(t, f.Act("bday-again", "ann", loyalty.ActionBirthday, "").Points(), "second gift the same year")
	// At checkout the member spends the credit, then the gift.
	credit := f.Redeem("r1", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: usd("32.00"), Account: cashback.CreditAccount})
	gift := f.Redeem("r2", loyalty.Redemption{ID: "r2", MemberID: "ann", Total: usd("12.00")})
	assert.Equal(t, "20", amount(credit.Redemption.Value), "credit taken off")
	assert.Equal(t, "5", amount(gift.Redemption.Value), "points taken off")
	f.wantBalance("ann", cashback.CreditAccount, 0)
	f.wantBalance("ann", ledger.PointsAccount, 0)
	assert.Empty(t, tenPerHundred(t).Warnings(), "a plain hybrid warns")
}

func TestSteppedAccruesPerQuarterWhenScheduled(t *testing.T) {
	s := &cashback.Schedule{Every: calendar.Quarter}
	step, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), s)
	require.NoError(t, err)
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{step, mustPayout(t, s)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ann")
	f.buy("ann", "o1", "230.00")
	f.wantBalance("ann", q4, 2000)
	f.Clock.Set(jan2027)
	f.payout("2026-Q4")
	f.wantBalance("ann", cashback.CreditAccount, 2000)
}

// Host rules of kinds the library does not ship yet, for the mix below.
type typedRule struct{ name, kind string }

func (r typedRule) Name() string        { return r.name }
func (r typedRule) ProgramType() string { return r.kind }
func (r typedRule) Evaluate(_ *loyalty.Input, e []loyalty.Effect) []loyalty.Effect {
	return e
}

func TestWarningsFlagAConfusingMixWithoutRefusingIt(t *testing.T) {
	p := tenPerHundred(t)
	pledge, err := charity.NewPledge("one-percent", dec("1"), charity.Causes{List: []charity.Cause{{ID: "ocean"}}, Default: "ocean"})
	require.NoError(t, err)
	p.Rules = append(p.Rules, pledge, typedRule{"spin-the-wheel", "games"}, typedRule{"vip-fee", "membership"})
	w := p.Warnings()
	require.Len(t, w, 2, "warnings %q", w)
	assert.Contains(t, w[0], "mixes 4 program types (cashback, charity, games, membership)")
	assert.Contains(t, w[1], "combines cashback, games and a paid fee")
	assert.NoError(t, p.Validate(), "a confusing mix is still valid")
}
