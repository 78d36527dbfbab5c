package cashback_test

import (
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/charity"
	"github.com/loyaltykit/loyalty/points"
)

// tenPerHundred is the "10.00 reward for every 100.00 spent, plus a birthday
// gift" program: stepped cashback as store credit and 500 birthday points
// worth 5.00 at checkout.
func tenPerHundred(t *testing.T) *loyalty.Program {
	t.Helper()
	step, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), nil)
	if err != nil {
		t.Fatal(err)
	}
	step.CarryOver = true
	bday, err := points.NewBirthday("birthday-gift", 500)
	if err != nil {
		t.Fatal(err)
	}
	return &loyalty.Program{Name: "ten-per-hundred", Currency: "USD", Rules: []loyalty.Rule{step, bday},
		Redemption: points.Redemption{Points: 100, Value: usd("1.00")}}
}

func TestHybridTenPerHundredPlusBirthdayGift(t *testing.T) {
	f := newFixture(t, tenPerHundred(t), time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	if _, err := f.e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann", Birthday: time.Date(1990, 3, 4, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	f.buy("ann", "o1", "180.00") // 10.00, 80.00 carried
	f.buy("ann", "o2", "40.00")  // 120.00: 10.00, 20.00 carried
	f.wantBalance("ann", cashback.CreditAccount, 2000)
	f.wantBalance("ann", loyalty.PointsAccount, 0)

	birthday := func(key string) *loyalty.Receipt {
		rc, err := f.e.Act(ctx, key, &loyalty.Action{Kind: loyalty.ActionBirthday, MemberID: "ann", At: f.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	if rc := birthday("bday-early"); rc.Points() != 0 {
		t.Errorf("gift a day early: %d points", rc.Points())
	}
	f.clock.Set(time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC))
	if rc := birthday("bday"); rc.Points() != 500 {
		t.Errorf("birthday gift %d points, want 500", rc.Points())
	}
	if rc := birthday("bday-again"); rc.Points() != 0 {
		t.Errorf("second gift the same year: %d points", rc.Points())
	}
	// At checkout the member spends the credit, then the gift.
	credit, err := f.e.Redeem(ctx, "r1", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: usd("32.00"), Account: cashback.CreditAccount})
	if err != nil {
		t.Fatal(err)
	}
	gift, err := f.e.Redeem(ctx, "r2", loyalty.Redemption{ID: "r2", MemberID: "ann", Total: usd("12.00")})
	if err != nil {
		t.Fatal(err)
	}
	if !credit.Redemption.Value.Amount.Equal(dec("20")) || !gift.Redemption.Value.Amount.Equal(dec("5")) {
		t.Errorf("took %s credit and %s of points off, want 20.00 and 5.00", credit.Redemption.Value, gift.Redemption.Value)
	}
	f.wantBalance("ann", cashback.CreditAccount, 0)
	f.wantBalance("ann", loyalty.PointsAccount, 0)
	if w := tenPerHundred(t).Warnings(); len(w) != 0 {
		t.Errorf("a plain hybrid warns %q", w)
	}
}

func TestSteppedAccruesPerQuarterWhenScheduled(t *testing.T) {
	s := &cashback.Schedule{Every: cashback.Quarterly}
	step, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), s)
	if err != nil {
		t.Fatal(err)
	}
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{step, mustPayout(t, s)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ann")
	f.buy("ann", "o1", "230.00")
	f.wantBalance("ann", q4, 2000)
	f.clock.Set(jan2027)
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
	if err != nil {
		t.Fatal(err)
	}
	p.Rules = append(p.Rules, pledge, typedRule{"spin-the-wheel", "games"}, typedRule{"vip-fee", "membership"})
	w := p.Warnings()
	if len(w) != 2 || !strings.Contains(w[0], "mixes 4 program types (cashback, charity, games, membership)") ||
		!strings.Contains(w[1], "combines cashback, games and a paid fee") {
		t.Fatalf("warnings %q", w)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("a confusing mix is still valid: %v", err)
	}
}
