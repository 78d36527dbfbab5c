package charity_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/charity"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
)

var ctx = context.Background()

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var causes = charity.Causes{
	List:      []charity.Cause{{ID: "ocean", Name: "Ocean Cleanup"}, {ID: "forests", Name: "Replant Forests"}},
	Default:   "ocean",
	Attribute: charity.ChoiceAttribute,
}

type fixture struct {
	t     *testing.T
	clock *loyalty.ManualClock
	store *memory.Store
	e     *loyalty.Engine
	n     int
}

func program(t *testing.T, percent string, cs charity.Causes) *loyalty.Program {
	t.Helper()
	p, err := charity.NewPledge("pledge", dec(percent), cs)
	if err != nil {
		t.Fatal(err)
	}
	d, err := charity.NewDonation("donate", 100, dec("1.00"), cs)
	if err != nil {
		t.Fatal(err)
	}
	return &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{p, d}}
}

var nov2026 = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, p *loyalty.Program) *fixture {
	t.Helper()
	f := &fixture{t: t, store: memory.New()}
	kit := loyaltytest.New(t, p, &loyaltytest.Options{Start: nov2026, Store: f.store})
	f.clock, f.e = kit.Clock, kit.Engine
	return f
}

func (f *fixture) key() string { f.n++; return "k" + strconv.Itoa(f.n) }

func (f *fixture) enroll(id, cause string) {
	f.t.Helper()
	m := loyalty.Member{ID: id}
	if cause != "" {
		m.Attributes = map[string]string{charity.ChoiceAttribute: cause}
	}
	if _, err := f.e.Enroll(ctx, "enroll-"+id, m); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) buy(member, orderID, amount string) *loyalty.Receipt {
	f.t.Helper()
	rc, err := f.e.Earn(ctx, "order-"+orderID, &loyalty.Order{ID: orderID, MemberID: member, Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "sku", Quantity: 1, UnitPrice: dec(amount)}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return rc
}

func (f *fixture) giveBack(member, orderID, amount string) {
	f.t.Helper()
	if _, err := f.e.Return(ctx, f.key(), &loyalty.Return{ID: "r" + f.key(), OrderID: orderID, MemberID: member, Amount: dec(amount)}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) balance(member string, a loyalty.Account) int64 {
	f.t.Helper()
	b, err := f.e.AccountBalance(ctx, member, a)
	if err != nil {
		f.t.Fatal(err)
	}
	return b.Available
}

func (f *fixture) history(member string) []loyalty.Entry {
	f.t.Helper()
	h, err := f.e.History(ctx, member, loyalty.EntryID{}, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// moves renders a receipt's entries as "kind account amount", in order.
func moves(rc *loyalty.Receipt) []string {
	out := make([]string, 0, len(rc.Entries))
	for _, e := range rc.Entries {
		out = append(out, string(e.Kind)+" "+string(e.Account)+" "+strconv.FormatInt(e.Amount, 10))
	}
	return out
}

func (f *fixture) want(member string, a loyalty.Account, want int64) {
	f.t.Helper()
	if got := f.balance(member, a); got != want {
		f.t.Errorf("%s %s = %d, want %d", member, a, got, want)
	}
}

func TestPledgesTenPercentOfEachOrderToTheProgramsCause(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "")
	rc := f.buy("ann", "o1", "80.00")
	f.want("ann", charity.Account("ocean"), 800)
	f.want("ann", charity.Account("forests"), 0)
	if rc.Points() != 0 {
		t.Errorf("a pledge earned %d points", rc.Points())
	}
	if n := rc.Explanation[0].Note; n != "10% of the order to Ocean Cleanup (program's cause)" {
		t.Errorf("explanation note %q", n)
	}
}

func TestOnePercentPledgeRoundsDown(t *testing.T) {
	f := newFixture(t, program(t, "1", causes))
	f.enroll("ann", "")
	f.buy("ann", "o1", "19.99")
	f.want("ann", charity.Account("ocean"), 19) // 0.1999
}

func TestMemberChoosesTheirCause(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "forests")
	rc := f.buy("ann", "o1", "50.00")
	f.want("ann", charity.Account("forests"), 500)
	f.want("ann", charity.Account("ocean"), 0)
	if n := rc.Explanation[0].Note; n != "10% of the order to Replant Forests (member's choice)" {
		t.Errorf("explanation note %q", n)
	}
}

func TestUnknownMemberChoiceFallsBackToTheDefaultCause(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "puppies")
	rc := f.buy("ann", "o1", "50.00")
	f.want("ann", charity.Account("ocean"), 500)
	f.want("ann", charity.Account("puppies"), 0)
	if n := rc.Explanation[0].Note; !strings.Contains(n, `member's choice "puppies" is not a cause of the program`) {
		t.Errorf("explanation note %q does not say the choice was unknown", n)
	}
}

func TestMemberChoiceIgnoredWhenTheProgramChooses(t *testing.T) {
	cs := causes
	cs.Attribute = ""
	f := newFixture(t, program(t, "10", cs))
	f.enroll("ann", "forests")
	f.buy("ann", "o1", "50.00")
	f.want("ann", charity.Account("ocean"), 500)
}

func TestReturnsReducePledgesInProportion(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "forests")
	f.buy("ann", "o1", "200.00")
	f.giveBack("ann", "o1", "50.00")
	f.want("ann", charity.Account("forests"), 1500)
	f.giveBack("ann", "o1", "150.00")
	f.want("ann", charity.Account("forests"), 0)
}

func TestDonatingPointsPledgesAtTheStatedRate(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "")
	if _, err := f.e.Adjust(ctx, "gift", "ann", 1200, "welcome gift"); err != nil {
		t.Fatal(err)
	}
	d, err := charity.Donate(ctx, f.e, "don-1", "ann", "forests", 500)
	if err != nil {
		t.Fatal(err)
	}
	if d.Cause.ID != "forests" || d.Points != 500 || !d.Pledged.Amount.Equal(dec("5")) {
		t.Fatalf("donation %+v, want 500 points = 5.00 to forests", d)
	}
	f.want("ann", loyalty.PointsAccount, 700)
	f.want("ann", charity.Account("forests"), 500)
	// One write: the points spent and the pledge credited, in one receipt.
	if got, want := moves(d.Receipt), []string{"earn pledge:forests 500", "redeem points -500"}; !slices.Equal(got, want) {
		t.Fatalf("donation moved %q, want %q", got, want)
	}
	pledge, debit := d.Receipt.Entries[0], d.Receipt.Entries[1]
	if pledge.Source != string(charity.DonateAction) || pledge.Ref != "don-1" {
		t.Errorf("pledge entry %+v, want Source donate, Ref don-1", pledge)
	}
	if debit.Source != "donate" || debit.Ref != "don-1" || debit.Note != "500 points donated to Replant Forests" {
		t.Errorf("points entry %+v", debit)
	}
	// The same donation again (a retry) replays the first receipt and debits
	// nothing more, even now that the member holds too few points for it.
	if _, err := f.e.Adjust(ctx, "spend", "ann", -400, "spent elsewhere"); err != nil {
		t.Fatal(err)
	}
	n := len(f.history("ann"))
	again, err := charity.Donate(ctx, f.e, "don-1", "ann", "forests", 500)
	if err != nil {
		t.Fatal(err)
	}
	if again.Receipt.Version != d.Receipt.Version || again.Points != 500 || again.Cause.ID != "forests" || !again.Pledged.Amount.Equal(dec("5")) {
		t.Errorf("replay %+v, want the first receipt (version %d)", again, d.Receipt.Version)
	}
	if m := len(f.history("ann")); m != n {
		t.Errorf("the replay wrote %d entries", m-n)
	}
	f.want("ann", loyalty.PointsAccount, 300)
	f.want("ann", charity.Account("forests"), 500)
	// Without a cause, the donation goes to the member's cause (here the default).
	if d, err = charity.Donate(ctx, f.e, "don-2", "ann", "", 150); err != nil || d.Cause.ID != "ocean" {
		t.Fatalf("donation %+v, %v", d, err)
	}
	f.want("ann", charity.Account("ocean"), 150)
	f.want("ann", loyalty.PointsAccount, 150)
}

func TestDonationWithoutACauseGoesToTheMembersChoice(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "forests")
	f.e.Adjust(ctx, "gift", "ann", 200, "gift")
	d, err := charity.Donate(ctx, f.e, "d1", "ann", "", 200)
	if err != nil {
		t.Fatal(err)
	}
	if d.Cause.Name != "Replant Forests" || !slices.Equal(moves(d.Receipt), []string{"earn pledge:forests 200", "redeem points -200"}) {
		t.Errorf("donation %+v moved %q, want 2.00 to forests", d, moves(d.Receipt))
	}
}

func TestDonationRefusalsWriteNothing(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "")
	if _, err := f.e.Adjust(ctx, "gift", "ann", 300, "welcome gift"); err != nil {
		t.Fatal(err)
	}
	before, _ := f.e.History(ctx, "ann", loyalty.EntryID{}, 100)
	for name, c := range map[string]struct {
		cause  string
		points int64
		want   error
	}{
		"too few points":  {"ocean", 500, loyalty.ErrInsufficientPoints},
		"unknown cause":   {"puppies", 100, loyalty.ErrInvalidEvent},
		"no points":       {"ocean", 0, loyalty.ErrInvalidAmount},
		"negative points": {"ocean", -5, loyalty.ErrInvalidAmount},
	} {
		if _, err := charity.Donate(ctx, f.e, "d-"+name, "ann", c.cause, c.points); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	after, _ := f.e.History(ctx, "ann", loyalty.EntryID{}, 100)
	if len(after) != len(before) {
		t.Errorf("refused donations wrote %d entries", len(after)-len(before))
	}
	f.want("ann", loyalty.PointsAccount, 300)
	f.want("ann", charity.Account("ocean"), 0)
	// The short write did not use up its key: with enough points it goes through.
	if _, err := f.e.Adjust(ctx, "top-up", "ann", 200, "top-up"); err != nil {
		t.Fatal(err)
	}
	if d, err := charity.Donate(ctx, f.e, "d-too few points", "ann", "ocean", 500); err != nil || d.Points != 500 {
		t.Fatalf("donation after top-up: %+v %v", d, err)
	}
	f.want("ann", loyalty.PointsAccount, 0)
	f.want("ann", charity.Account("ocean"), 500)
}

func TestDonationThatDoesNotConvertExactlyIsRefused(t *testing.T) {
	d, err := charity.NewDonation("donate", 1000, dec("1.00"), causes)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{d}})
	f.enroll("ann", "")
	f.e.Adjust(ctx, "gift", "ann", 1000, "gift")
	if _, err := charity.Donate(ctx, f.e, "d1", "ann", "ocean", 15); !errors.Is(err, loyalty.ErrInvalidAmount) {
		t.Errorf("15 points at 1000 = 1.00: %v, want ErrInvalidAmount", err)
	}
	// Acted directly, the rule refuses it.
	if _, err := f.e.Act(ctx, "d1", &loyalty.Action{Kind: charity.DonateAction, MemberID: "ann", Data: map[string]string{"points": "15"}}); !errors.Is(err, loyalty.ErrRefused) {
		t.Errorf("15 points acted directly: %v, want ErrRefused", err)
	}
	f.want("ann", loyalty.PointsAccount, 1000)
	if r, err := charity.Donate(ctx, f.e, "d2", "ann", "ocean", 20); err != nil || !r.Pledged.Amount.Equal(dec("0.02")) {
		t.Errorf("20 points: %+v %v, want 0.02", r, err)
	}
	f.want("ann", loyalty.PointsAccount, 980)
}

func TestDonateActedDirectlyIsOneWriteOrRefused(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "")
	f.e.Adjust(ctx, "gift", "ann", 250, "gift")
	n := len(f.history("ann"))
	for name, data := range map[string]map[string]string{
		"no points":           {},
		"points not a number": {"points": "lots"},
		"negative points":     {"points": "-100"},
		"unknown cause":       {"points": "100", "cause": "puppies"},
	} {
		if _, err := f.e.Act(ctx, "x", &loyalty.Action{Kind: charity.DonateAction, MemberID: "ann", Data: data}); !errors.Is(err, loyalty.ErrRefused) {
			t.Errorf("%s: %v, want ErrRefused", name, err)
		}
	}
	if _, err := f.e.Act(ctx, "x", &loyalty.Action{Kind: charity.DonateAction, MemberID: "ann", Data: map[string]string{"points": "300"}}); !errors.Is(err, loyalty.ErrInsufficientPoints) {
		t.Errorf("300 of 250 points: %v, want ErrInsufficientPoints", err)
	}
	if m := len(f.history("ann")); m != n {
		t.Errorf("refused and short donations wrote %d entries", m-n)
	}
	f.want("ann", loyalty.PointsAccount, 250)
	// The key was not used up; a valid donation under it is one write.
	rc, err := f.e.Act(ctx, "x", &loyalty.Action{Kind: charity.DonateAction, MemberID: "ann", Data: map[string]string{"points": "200", "cause": "forests"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := moves(rc), []string{"earn pledge:forests 200", "redeem points -200"}; !slices.Equal(got, want) {
		t.Errorf("donation moved %q, want %q", got, want)
	}
	f.want("ann", loyalty.PointsAccount, 50)
}

func TestImpactStatementForAPeriod(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "forests")
	f.buy("ann", "o1", "120.00") // 12.00 to forests, November
	f.e.Adjust(ctx, "gift", "ann", 1000, "gift")
	if _, err := charity.Donate(ctx, f.e, "d1", "ann", "ocean", 300); err != nil { // 3.00 to ocean
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	f.buy("ann", "o2", "30.00") // 3.00 to forests, December
	f.clock.Set(time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
	f.giveBack("ann", "o1", "60.00") // 6.00 back, January

	q4 := func(from, to time.Time) *charity.Impact {
		imp, err := charity.ImpactOf(ctx, f.e, "ann", from, to)
		if err != nil {
			t.Fatal(err)
		}
		return imp
	}
	imp := q4(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if len(imp.Causes) != 2 || !imp.Total.Amount.Equal(dec("18")) {
		t.Fatalf("Q4 impact %+v, want 18.00 to two causes", imp)
	}
	ocean, forests := imp.Causes[0], imp.Causes[1]
	if ocean.Cause.Name != "Ocean Cleanup" || !ocean.Donations.Amount.Equal(dec("3")) || !ocean.Purchases.IsZero() || ocean.Orders != 0 {
		t.Errorf("ocean %+v, want 3.00 donated", ocean)
	}
	if forests.Cause.Name != "Replant Forests" || !forests.Purchases.Amount.Equal(dec("15")) || forests.Orders != 2 || !forests.Net.Amount.Equal(dec("15")) || forests.Members != 1 {
		t.Errorf("forests %+v, want 15.00 from 2 orders", forests)
	}
	jan := q4(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})
	if len(jan.Causes) != 1 || !jan.Causes[0].Returned.Amount.Equal(dec("6")) || !jan.Total.Amount.Equal(dec("-6")) {
		t.Errorf("January impact %+v, want 6.00 returned from forests", jan)
	}
	all := q4(time.Time{}, time.Time{})
	if !all.Total.Amount.Equal(dec("12")) {
		t.Errorf("lifetime impact %s, want 12.00", all.Total)
	}
}

func TestTotalsPerCauseAcrossMembers(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "forests")
	f.enroll("bob", "")
	f.enroll("cy", "forests")
	f.enroll("dee", "") // buys nothing
	f.buy("ann", "a1", "100.00")
	f.buy("ann", "a2", "50.00")
	f.buy("bob", "b1", "70.00")
	f.buy("cy", "c1", "10.00")
	f.giveBack("cy", "c1", "10.00")
	tot, err := charity.Totals(ctx, f.e, f.store, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tot.Causes) != 2 || !tot.Total.Amount.Equal(dec("22")) {
		t.Fatalf("totals %+v, want 22.00 over two causes", tot)
	}
	ocean, forests := tot.Causes[0], tot.Causes[1]
	if ocean.Cause.ID != "ocean" || ocean.Members != 1 || ocean.Orders != 1 || !ocean.Net.Amount.Equal(dec("7")) {
		t.Errorf("ocean %+v, want 7.00 from bob's one order", ocean)
	}
	if forests.Members != 2 || forests.Orders != 3 || !forests.Purchases.Amount.Equal(dec("16")) ||
		!forests.Returned.Amount.Equal(dec("1")) || !forests.Net.Amount.Equal(dec("15")) {
		t.Errorf("forests %+v, want 16.00 pledged by 2 members over 3 orders, 1.00 returned", forests)
	}
}

func TestValidateRefusesBadCharity(t *testing.T) {
	errOf := func(_ any, err error) error { return err }
	unknownDefault := causes
	unknownDefault.Default = "puppies"
	dup := causes
	dup.List = append(dup.List, charity.Cause{ID: "ocean"})
	for name, err := range map[string]error{
		"negative percentage":     errOf(charity.NewPledge("p", dec("-10"), causes)),
		"zero percentage":         errOf(charity.NewPledge("p", dec("0"), causes)),
		"more than the order":     errOf(charity.NewPledge("p", dec("101"), causes)),
		"pledge to unknown cause": errOf(charity.NewPledge("p", dec("10"), unknownDefault)),
		"no default cause":        errOf(charity.NewPledge("p", dec("10"), charity.Causes{List: causes.List})),
		"no causes":               errOf(charity.NewPledge("p", dec("10"), charity.Causes{Default: "ocean"})),
		"duplicate cause":         errOf(charity.NewPledge("p", dec("10"), dup)),
		"cause without id":        errOf(charity.NewPledge("p", dec("10"), charity.Causes{List: []charity.Cause{{Name: "x"}}, Default: ""})),
		"no name":                 errOf(charity.NewPledge("", dec("10"), causes)),
		"donation of no points":   errOf(charity.NewDonation("d", 0, dec("1"), causes)),
		"donation worth nothing":  errOf(charity.NewDonation("d", 100, dec("0"), causes)),
		"donation unknown cause":  errOf(charity.NewDonation("d", 100, dec("1"), unknownDefault)),
	} {
		if !errors.Is(err, loyalty.ErrInvalidProgram) {
			t.Errorf("%s: %v, want ErrInvalidProgram", name, err)
		}
	}
}

func TestEngineRefusesUnbuiltRulesAndWritesNothing(t *testing.T) {
	for _, r := range []loyalty.Rule{&charity.Pledge{}, &charity.Donation{}} {
		store := memory.New()
		if _, err := loyalty.NewEngine(&loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}, store, nil); !errors.Is(err, loyalty.ErrInvalidProgram) {
			t.Errorf("%T: NewEngine = %v, want ErrInvalidProgram", r, err)
		}
		if ids, _ := store.Members(ctx, "", 10); len(ids) != 0 {
			t.Errorf("%T: store has members %v", r, ids)
		}
	}
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD"})
	if _, err := charity.Donate(ctx, f.e, "k", "ann", "ocean", 100); !errors.Is(err, loyalty.ErrInvalidProgram) {
		t.Errorf("Donate without a Donation rule: %v", err)
	}
}

func TestRulesDeclareTheCharityProgramType(t *testing.T) {
	for _, r := range program(t, "10", causes).Rules {
		if ty := r.(loyalty.Typed).ProgramType(); ty != "charity" {
			t.Errorf("%T.ProgramType() = %q", r, ty)
		}
	}
}
