package charity_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/charity"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var causes = charity.Causes{
	List:      []charity.Cause{{ID: "ocean", Name: "Ocean Cleanup"}, {ID: "forests", Name: "Replant Forests"}},
	Default:   "ocean",
	Attribute: charity.ChoiceAttribute,
}

// fixture is a loyaltytest harness on a memory store it keeps, for
// charity.Totals, which lists the store's members.
type fixture struct {
	*loyaltytest.Harness
	store *memory.Store
	n     int
}

func program(t *testing.T, percent string, cs charity.Causes) *loyalty.Program {
	t.Helper()
	p, err := charity.NewPledge("pledge", dec(percent), cs)
	require.NoError(t, err)
	d, err := charity.NewDonation("donate", 100, dec("1.00"), cs)
	require.NoError(t, err)
	return &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{p, d}}
}

var nov2026 = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, p *loyalty.Program) *fixture {
	t.Helper()
	f := &fixture{store: memory.New()}
	f.Harness = loyaltytest.New(t, p, &loyaltytest.Options{Start: nov2026, Store: f.store})
	return f
}

func (f *fixture) key() string { f.n++; return "k" + strconv.Itoa(f.n) }

// enroll enrolls id, with cause as their choice unless it is empty.
func (f *fixture) enroll(id, cause string) {
	f.T.Helper()
	m := loyaltytest.Member(id)
	if cause != "" {
		m.Attr(charity.ChoiceAttribute, cause)
	}
	f.EnrollMember(m.Build())
}

// buy records order orderID of one line at amount, placed now.
func (f *fixture) buy(member, orderID, amount string) *loyalty.Receipt {
	f.T.Helper()
	return f.Earn("order-"+orderID, loyaltytest.Order(member, orderID).Line("sku", amount, 1).Build())
}

// giveBack returns amount of order orderID, now.
func (f *fixture) giveBack(member, orderID, amount string) {
	f.T.Helper()
	key := f.key()
	f.Return(key, loyaltytest.ReturnOf(member, "r"+f.key(), orderID).Amount(amount).Build())
}

// want checks the member's balance in account a: want available, nothing
// pending.
func (f *fixture) want(member string, a ledger.Account, want int64) {
	f.T.Helper()
	f.AssertAccountBalance(member, a, want, 0)
}

// assertAmount reports an error unless m's amount is want, an exact decimal
// compared by value ("5" is "5.00").
func assertAmount(t *testing.T, want string, m money.Money, what string, args ...any) bool {
	t.Helper()
	if m.Amount.Equal(dec(want)) {
		return true
	}
	return assert.Fail(t, fmt.Sprintf("%s: amount %s, want %s", fmt.Sprintf(what, args...), m, want))
}

// moves renders a receipt's entries as "kind account amount", in order.
func moves(rc *loyalty.Receipt) []string {
	out := make([]string, 0, len(rc.Entries))
	for _, e := range rc.Entries {
		out = append(out, string(e.Kind)+" "+string(e.Account)+" "+strconv.FormatInt(e.Amount, 10))
	}
	return out
}

func TestPledgesTenPercentOfEachOrderToTheProgramsCause(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "")
	rc := f.buy("ann", "o1", "80.00")
	f.want("ann", charity.Account("ocean"), 800)
	f.want("ann", charity.Account("forests"), 0)
	assert.Zero(t, rc.Points(), "a pledge earned points")
	require.NotEmpty(t, rc.Explanation)
	assert.Equal(t, "10% of the order to Ocean Cleanup (program's cause)", rc.Explanation[0].Note, "explanation note")
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
	require.NotEmpty(t, rc.Explanation)
	assert.Equal(t, "10% of the order to Replant Forests (member's choice)", rc.Explanation[0].Note, "explanation note")
}

func TestUnknownMemberChoiceFallsBackToTheDefaultCause(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "puppies")
	rc := f.buy("ann", "o1", "50.00")
	f.want("ann", charity.Account("ocean"), 500)
	f.want("ann", charity.Account("puppies"), 0)
	require.NotEmpty(t, rc.Explanation)
	assert.Contains(t, rc.Explanation[0].Note, `member's choice "puppies" is not a cause of the program`,
		"the explanation note does not say the choice was unknown")
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
	f.Adjust("gift", "ann", 1200, "welcome gift")
	d, err := charity.Donate(f.Ctx, f.Engine, "don-1", "ann", "forests", 500)
	require.NoError(t, err)
	assert.Equal(t, "forests", d.Cause.ID, "donation %+v: cause", d)
	assert.Equal(t, int64(500), d.Points, "donation %+v: points", d)
	assertAmount(t, "5", d.Pledged, "donation of 500 points: pledged")
	f.want("ann", ledger.PointsAccount, 700)
	f.want("ann", charity.Account("forests"), 500)
	// One write: the points spent and the pledge credited, in one receipt.
	require.Equal(t, []string{"earn pledge:forests 500", "redeem points -500"}, moves(d.Receipt), "the donation's entries")
	pledge, debit := d.Receipt.Entries[0], d.Receipt.Entries[1]
	assert.Equal(t, string(charity.DonateAction), pledge.Source, "pledge entry %+v: source", pledge)
	assert.Equal(t, "don-1", pledge.Ref, "pledge entry %+v: ref", pledge)
	assert.Equal(t, "donate", debit.Source, "points entry %+v: source", debit)
	assert.Equal(t, "don-1", debit.Ref, "points entry %+v: ref", debit)
	assert.Equal(t, "500 points donated to Replant Forests", debit.Note, "points entry %+v: note", debit)
	// The same donation again (a retry) replays the first receipt and debits
	// nothing more, even now that the member holds too few points for it.
	f.Adjust("spend", "ann", -400, "spent elsewhere")
	n := len(f.History("ann"))
	again, err := charity.Donate(f.Ctx, f.Engine, "don-1", "ann", "forests", 500)
	require.NoError(t, err)
	assert.Equal(t, d.Receipt.Version, again.Receipt.Version, "replay %+v: want the first receipt", again)
	assert.Equal(t, int64(500), again.Points, "replay %+v: points", again)
	assert.Equal(t, "forests", again.Cause.ID, "replay %+v: cause", again)
	assertAmount(t, "5", again.Pledged, "replay: pledged")
	assert.Len(t, f.History("ann"), n, "the replay wrote entries")
	f.want("ann", ledger.PointsAccount, 300)
	f.want("ann", charity.Account("forests"), 500)
	// Without a cause, the donation goes to the member's cause (here the default).
	d, err = charity.Donate(f.Ctx, f.Engine, "don-2", "ann", "", 150)
	require.NoError(t, err)
	require.Equal(t, "ocean", d.Cause.ID, "donation %+v without a cause", d)
	f.want("ann", charity.Account("ocean"), 150)
	f.want("ann", ledger.PointsAccount, 150)
}

func TestDonationWithoutACauseGoesToTheMembersChoice(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "forests")
	f.Adjust("gift", "ann", 200, "gift")
	d, err := charity.Donate(f.Ctx, f.Engine, "d1", "ann", "", 200)
	require.NoError(t, err)
	assert.Equal(t, "Replant Forests", d.Cause.Name, "donation %+v: cause", d)
	assert.Equal(t, []string{"earn pledge:forests 200", "redeem points -200"}, moves(d.Receipt), "donation %+v: entries, want 2.00 to forests", d)
}

func TestDonationRefusalsWriteNothing(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "")
	f.Adjust("gift", "ann", 300, "welcome gift")
	before := f.History("ann")
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
		_, err := charity.Donate(f.Ctx, f.Engine, "d-"+name, "ann", c.cause, c.points)
		assert.ErrorIs(t, err, c.want, name)
	}
	assert.Len(t, f.History("ann"), len(before), "refused donations wrote entries")
	f.want("ann", ledger.PointsAccount, 300)
	f.want("ann", charity.Account("ocean"), 0)
	// The short write did not use up its key: with enough points it goes through.
	f.Adjust("top-up", "ann", 200, "top-up")
	d, err := charity.Donate(f.Ctx, f.Engine, "d-too few points", "ann", "ocean", 500)
	require.NoError(t, err, "donation after top-up")
	require.Equal(t, int64(500), d.Points, "donation %+v after top-up", d)
	f.want("ann", ledger.PointsAccount, 0)
	f.want("ann", charity.Account("ocean"), 500)
}

func TestDonationThatDoesNotConvertExactlyIsRefused(t *testing.T) {
	d, err := charity.NewDonation("donate", 1000, dec("1.00"), causes)
	require.NoError(t, err)
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{d}})
	f.enroll("ann", "")
	f.Adjust("gift", "ann", 1000, "gift")
	_, err = charity.Donate(f.Ctx, f.Engine, "d1", "ann", "ocean", 15)
	assert.ErrorIs(t, err, loyalty.ErrInvalidAmount, "15 points at 1000 = 1.00")
	// Acted directly, the rule refuses it.
	_, err = f.Engine.Act(f.Ctx, "d1", &loyalty.Action{Kind: charity.DonateAction, MemberID: "ann", Data: map[string]string{"points": "15"}})
	assert.ErrorIs(t, err, loyalty.ErrRefused, "15 points acted directly")
	f.want("ann", ledger.PointsAccount, 1000)
	r, err := charity.Donate(f.Ctx, f.Engine, "d2", "ann", "ocean", 20)
	if assert.NoError(t, err, "20 points") {
		assertAmount(t, "0.02", r.Pledged, "20 points: pledged")
	}
	f.want("ann", ledger.PointsAccount, 980)
}

func TestDonateActedDirectlyIsOneWriteOrRefused(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "")
	f.Adjust("gift", "ann", 250, "gift")
	n := len(f.History("ann"))
	donate := func(data map[string]string) (*loyalty.Receipt, error) {
		return f.Engine.Act(f.Ctx, "x", &loyalty.Action{Kind: charity.DonateAction, MemberID: "ann", Data: data})
	}
	for name, data := range map[string]map[string]string{
		"no points":           {},
		"points not a number": {"points": "lots"},
		"negative points":     {"points": "-100"},
		"unknown cause":       {"points": "100", "cause": "puppies"},
	} {
		_, err := donate(data)
		assert.ErrorIs(t, err, loyalty.ErrRefused, name)
	}
	_, err := donate(map[string]string{"points": "300"})
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "300 of 250 points")
	assert.Len(t, f.History("ann"), n, "refused and short donations wrote entries")
	f.want("ann", ledger.PointsAccount, 250)
	// The key was not used up; a valid donation under it is one write.
	rc, err := donate(map[string]string{"points": "200", "cause": "forests"})
	require.NoError(t, err)
	assert.Equal(t, []string{"earn pledge:forests 200", "redeem points -200"}, moves(rc), "the donation's entries")
	f.want("ann", ledger.PointsAccount, 50)
}

func TestImpactStatementForAPeriod(t *testing.T) {
	f := newFixture(t, program(t, "10", causes))
	f.enroll("ann", "forests")
	f.buy("ann", "o1", "120.00") // 12.00 to forests, November
	f.Adjust("gift", "ann", 1000, "gift")
	_, err := charity.Donate(f.Ctx, f.Engine, "d1", "ann", "ocean", 300) // 3.00 to ocean
	require.NoError(t, err)
	f.AdvanceTo(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	f.buy("ann", "o2", "30.00") // 3.00 to forests, December
	f.AdvanceTo(time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
	f.giveBack("ann", "o1", "60.00") // 6.00 back, January

	impact := func(from, to time.Time) *charity.Impact {
		imp, err := charity.ImpactOf(f.Ctx, f.Engine, "ann", from, to)
		require.NoError(t, err)
		return imp
	}
	imp := impact(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	require.Len(t, imp.Causes, 2, "Q4 impact %+v, want two causes", imp)
	assertAmount(t, "18", imp.Total, "Q4 impact: total")
	ocean, forests := imp.Causes[0], imp.Causes[1]
	assert.Equal(t, "Ocean Cleanup", ocean.Cause.Name, "ocean %+v", ocean)
	assertAmount(t, "3", ocean.Donations, "ocean: donations")
	assertAmount(t, "0", ocean.Purchases, "ocean: purchases")
	assert.Zero(t, ocean.Orders, "ocean %+v: orders", ocean)
	assert.Equal(t, "Replant Forests", forests.Cause.Name, "forests %+v", forests)
	assertAmount(t, "15", forests.Purchases, "forests: purchases")
	assert.Equal(t, 2, forests.Orders, "forests %+v: orders", forests)
	assertAmount(t, "15", forests.Net, "forests: net")
	assert.Equal(t, 1, forests.Members, "forests %+v: members", forests)

	jan := impact(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})
	if assert.Len(t, jan.Causes, 1, "January impact %+v, want 6.00 returned from forests", jan) {
		assertAmount(t, "6", jan.Causes[0].Returned, "January: returned")
	}
	assertAmount(t, "-6", jan.Total, "January: total")
	assertAmount(t, "12", impact(time.Time{}, time.Time{}).Total, "lifetime impact")
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
	tot, err := charity.Totals(f.Ctx, f.Engine, f.store, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, tot.Causes, 2, "totals %+v, want two causes", tot)
	assertAmount(t, "22", tot.Total, "totals")
	ocean, forests := tot.Causes[0], tot.Causes[1]
	assert.Equal(t, "ocean", ocean.Cause.ID, "ocean %+v", ocean)
	assert.Equal(t, 1, ocean.Members, "ocean %+v: members", ocean)
	assert.Equal(t, 1, ocean.Orders, "ocean %+v: orders", ocean)
	assertAmount(t, "7", ocean.Net, "ocean: net, from bob's one order")
	assert.Equal(t, 2, forests.Members, "forests %+v: members", forests)
	assert.Equal(t, 3, forests.Orders, "forests %+v: orders", forests)
	assertAmount(t, "16", forests.Purchases, "forests: purchases")
	assertAmount(t, "1", forests.Returned, "forests: returned")
	assertAmount(t, "15", forests.Net, "forests: net")
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
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}
}

func TestEngineRefusesUnbuiltRulesAndWritesNothing(t *testing.T) {
	for _, r := range []loyalty.Rule{&charity.Pledge{}, &charity.Donation{}} {
		store := memory.New()
		_, err := loyalty.NewEngine(&loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}, store, nil)
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "%T: NewEngine", r)
		ids, _ := store.Members(t.Context(), "", 10)
		assert.Empty(t, ids, "%T: the store has members", r)
	}
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD"})
	_, err := charity.Donate(f.Ctx, f.Engine, "k", "ann", "ocean", 100)
	assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "Donate without a Donation rule")
}

func TestRulesDeclareTheCharityProgramType(t *testing.T) {
	for _, r := range program(t, "10", causes).Rules {
		assert.Equal(t, "charity", r.(loyalty.Typed).ProgramType(), "%T.ProgramType()", r)
	}
}
