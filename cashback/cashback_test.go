package cashback_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func usd(s string) money.Money { return money.New(dec(s), "USD") }

// amount is m's amount as its exact decimal without trailing zeros ("8",
// "5.5"), so assert.Equal compares money by value: decimal.Decimal itself is
// never compared with == or reflect.DeepEqual (8 and 8.00 differ there).
func amount(m money.Money) string { return m.Amount.String() }

// fixture is a loyaltytest harness on a memory store kept typed, because
// cashback.Payout lists its members and a test reads its receipts.
type fixture struct {
	*loyaltytest.Harness
	store *memory.Store
	n     int
}

func newFixture(t *testing.T, p *loyalty.Program, start time.Time) *fixture {
	t.Helper()
	store := memory.New()
	return &fixture{Harness: loyaltytest.New(t, p, &loyaltytest.Options{Start: start, Store: store}), store: store}
}

func (f *fixture) key() string { f.n++; return "k" + strconv.Itoa(f.n) }

func (f *fixture) enroll(ids ...string) {
	f.T.Helper()
	for _, id := range ids {
		f.Enroll(id)
	}
}

// buy earns member's order orderID: one line of amount, now.
func (f *fixture) buy(member, orderID, amount string) *loyalty.Receipt {
	f.T.Helper()
	return f.Earn("order-"+orderID, loyaltytest.Order(member, orderID).Line("sku-"+orderID, amount, 1).Build())
}

// giveBack returns amount of member's order orderID, now.
func (f *fixture) giveBack(member, orderID, amount string) *loyalty.Receipt {
	f.T.Helper()
	return f.Return(f.key(), loyaltytest.ReturnOf(member, "ret-"+f.key(), orderID).Amount(amount).Build())
}

// wantBalance asserts the member's balance in a money account, which is
// never held: want available, nothing pending.
func (f *fixture) wantBalance(member string, a ledger.Account, want int64) bool {
	f.T.Helper()
	return f.AssertAccountBalance(member, a, want, 0)
}

// payoutReceipt returns the receipt Payout committed for member and period.
func (f *fixture) payoutReceipt(member, period string) *loyalty.Receipt {
	f.T.Helper()
	rc, err := f.store.Receipt(f.Ctx, "shop/"+string(cashback.PayoutAction)+"/"+period+"/"+member)
	require.NoError(f.T, err, "payout receipt of %s for %s", member, period)
	return rc
}

// moves renders a receipt's entries as "kind account amount", in order.
func moves(rc *loyalty.Receipt) []string {
	out := make([]string, 0, len(rc.Entries))
	for _, e := range rc.Entries {
		out = append(out, string(e.Kind)+" "+string(e.Account)+" "+strconv.FormatInt(e.Amount, 10))
	}
	return out
}

// noticeKinds lists the kinds of a receipt's notices, in order.
func noticeKinds(rc *loyalty.Receipt) []loyalty.NoticeKind {
	out := make([]loyalty.NoticeKind, 0, len(rc.Notices))
	for _, n := range rc.Notices {
		out = append(out, n.Kind)
	}
	return out
}

func (f *fixture) cashback(member string) *cashback.Balance {
	f.T.Helper()
	b, err := cashback.BalanceOf(f.Ctx, f.Engine, member)
	require.NoError(f.T, err, "cashback balance of %s", member)
	return b
}

func (f *fixture) payout(period string) *cashback.PayoutReport {
	f.T.Helper()
	rep, err := cashback.Payout(f.Ctx, f.Engine, f.store, period, nil)
	require.NoError(f.T, err, "payout of %q", period)
	return rep
}

func mustPercentage(t *testing.T, pct string, s *cashback.Schedule) *cashback.Percentage {
	t.Helper()
	r, err := cashback.NewPercentage("cashback", dec(pct), s)
	require.NoError(t, err)
	return r
}

func mustPayout(t *testing.T, s *cashback.Schedule) *cashback.PayoutRule {
	t.Helper()
	r, err := cashback.NewPayoutRule("payout", s)
	require.NoError(t, err)
	return r
}

// quarterly is 2% cashback accruing per calendar quarter, paid from 5.00.
func quarterly(t *testing.T, clawback loyalty.ClawbackPolicy, certMonths int) *loyalty.Program {
	s := &cashback.Schedule{Every: calendar.Quarter, Minimum: dec("5.00"), CertificateMonths: certMonths}
	return &loyalty.Program{Name: "shop", Currency: "USD", Clawback: clawback,
		Rules: []loyalty.Rule{mustPercentage(t, "2", s), mustPayout(t, s)}}
}

var (
	nov2026 = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	jan2027 = time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC)
	feb2027 = time.Date(2027, 2, 15, 9, 0, 0, 0, time.UTC)
	apr2027 = time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)
)

const q4 = ledger.Account("cashback:2026-Q4")

func TestPercentageCreditsTwoPercentAsStoreCreditAtOnce(t *testing.T) {
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{mustPercentage(t, "2", nil)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ann")
	rc := f.buy("ann", "o1", "123.45") // 2% = 2.469, rounded down
	f.wantBalance("ann", cashback.CreditAccount, 246)
	assert.Zero(t, rc.Points(), "cashback earns no points")
	assert.Equal(t, []string{"earn credit 246"}, moves(rc), "one earn of 246 into credit")
	require.NotEmpty(t, rc.Explanation)
	assert.Equal(t, "cashback", rc.Explanation[0].Rule, "the explanation names the rule")
}

func TestPercentageWithFractionalRateAndYen(t *testing.T) {
	p := &loyalty.Program{Name: "jp", Currency: "JPY", Rules: []loyalty.Rule{mustPercentage(t, "1.5", nil)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ken")
	f.Earn("o", loyaltytest.Order("ken", "o").Line("a", "10000", 1).Currency("JPY").Build())
	f.wantBalance("ken", cashback.CreditAccount, 150) // 1.5% of ¥10,000
}

func TestPercentageAccruesIntoTheQuarterOfTheOrder(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "o1", "200.00")
	f.wantBalance("ann", q4, 400)
	f.wantBalance("ann", cashback.CreditAccount, 0)
	b := f.cashback("ann")
	require.Len(t, b.Accrued, 1, "accrued %+v, want 4.00 in 2026-Q4", b.Accrued)
	assert.Equal(t, "2026-Q4", b.Accrued[0].Period)
	assert.Equal(t, "4", amount(b.Accrued[0].Amount))
	assert.True(t, b.Credit.IsZero(), "credit %s, want none", b.Credit)
}

func TestSteppedPaysTenForEveryFullHundred(t *testing.T) {
	r, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), nil)
	require.NoError(t, err)
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}, nov2026)
	f.enroll("ann")
	f.buy("ann", "o1", "99.99")
	f.wantBalance("ann", cashback.CreditAccount, 0)
	f.buy("ann", "o2", "250.00")
	f.wantBalance("ann", cashback.CreditAccount, 2000)
	st, err := f.Engine.Member(f.Ctx, "ann")
	require.NoError(t, err)
	assert.Zero(t, st.Counter("ten-per-hundred", ""), "without carry-over the rule keeps no remainder")
}

func TestSteppedCarriesTheRemainderToTheNextOrder(t *testing.T) {
	r, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), nil)
	require.NoError(t, err)
	r.CarryOver = true
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}, nov2026)
	f.enroll("ann")
	carry := func() int64 {
		st, err := f.Engine.Member(f.Ctx, "ann")
		require.NoError(t, err)
		return st.Counter("ten-per-hundred", "")
	}
	f.buy("ann", "o1", "150.00")
	f.wantBalance("ann", cashback.CreditAccount, 1000)
	require.Equal(t, int64(5000), carry(), "carry after 150.00 (50.00)")
	rc := f.buy("ann", "o2", "60.00") // 60 + 50 carried = 110: one more step
	f.wantBalance("ann", cashback.CreditAccount, 2000)
	require.Equal(t, int64(1000), carry(), "carry after 60.00 (10.00)")
	require.NotEmpty(t, rc.Explanation)
	assert.Equal(t, "1 × 10 back for every full 100, with 50.00 USD carried over", rc.Explanation[0].Note)
	f.buy("ann", "o3", "89.99") // 99.99: no step, carry grows
	f.wantBalance("ann", cashback.CreditAccount, 2000)
	require.Equal(t, int64(9999), carry(), "carry after 89.99")
}

func TestQuarterlyPayoutPaysCompletedQuarterAboveMinimum(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann", "bob")
	f.buy("ann", "a1", "400.00") // 8.00
	f.buy("bob", "b1", "150.00") // 3.00, below the 5.00 minimum

	f.Clock.Set(jan2027)
	rep := f.payout("2026-Q4")
	require.Equal(t, 2, rep.Members, "report %+v", rep)
	require.Equal(t, 1, rep.Paid, "report %+v", rep)
	require.Equal(t, 1, rep.BelowMinimum, "report %+v", rep)
	require.Equal(t, "8", amount(rep.Amount), "report %+v", rep)
	// One receipt moves the quarter's accrual into store credit.
	rc := f.payoutReceipt("ann", "2026-Q4")
	require.Equal(t, []string{"earn credit 800", "redeem cashback:2026-Q4 -800"}, moves(rc), "ann's payout")
	assert.Equal(t, "payout", rc.Entries[1].Source, "the accrual's redeem entry")
	assert.Equal(t, "2026-Q4", rc.Entries[1].Ref, "the accrual's redeem entry")
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.wantBalance("ann", q4, 0)
	b := f.cashback("ann")
	assert.Empty(t, b.Accrued, "ann has nothing accrued")
	assert.Equal(t, "8", amount(b.Credit), "ann's credit")
	f.wantBalance("bob", cashback.CreditAccount, 0)
	f.wantBalance("bob", q4, 300) // below the minimum: nothing moved
	rc = f.payoutReceipt("bob", "2026-Q4")
	assert.Empty(t, moves(rc), "bob's payout moves nothing")
	assert.Equal(t, []loyalty.NoticeKind{cashback.NoticeBelowMinimum}, noticeKinds(rc), "bob's payout notices")

	// Bob's Q4 rolls over into the Q1 payout.
	f.Clock.Set(feb2027)
	f.buy("bob", "b2", "125.00") // 2.50 in 2027-Q1
	f.wantBalance("bob", "cashback:2027-Q1", 250)
	f.Clock.Set(apr2027)
	rep = f.payout("2027-Q1")
	require.Equal(t, 1, rep.Paid, "report %+v, want bob paid 5.50", rep)
	require.Equal(t, "5.5", amount(rep.Amount), "report %+v, want bob paid 5.50", rep)
	f.wantBalance("bob", cashback.CreditAccount, 550)
	f.wantBalance("bob", q4, 0)
	f.wantBalance("bob", "cashback:2027-Q1", 0)
	assert.Equal(t, []string{"earn credit 550", "redeem cashback:2026-Q4 -300", "redeem cashback:2027-Q1 -250"},
		moves(f.payoutReceipt("bob", "2027-Q1")), "bob's Q1 payout: both quarters into credit in one receipt")
	lines, err := f.Engine.Statement(f.Ctx, "bob", ledger.EntryID{}, 100)
	require.NoError(t, err)
	var credits []string
	for _, l := range lines {
		if l.Account == cashback.CreditAccount {
			credits = append(credits, l.String())
		}
	}
	assert.Equal(t, []string{"2027-04-01 earn +550 credit (cashback-payout 2027-Q1) — payout: bonus (cashback of 2026-Q4, 2027-Q1) = +550"},
		credits, "bob's credit statement")
}

func TestPayoutRunTwicePaysOnce(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.Clock.Set(jan2027)
	first := f.payout("2026-Q4")
	n := len(f.History("ann"))
	f.Advance(time.Hour)
	again := f.payout("2026-Q4")
	assert.Equal(t, first.Members, again.Members, "second run's members")
	assert.Equal(t, first.Paid, again.Paid, "second run's paid")
	assert.Equal(t, amount(first.Amount), amount(again.Amount), "second run's amount")
	f.wantBalance("ann", cashback.CreditAccount, 800)
	assert.Len(t, f.History("ann"), n, "the second run writes no entry")
}

func TestPayoutReplayReturnsTheFirstReceipt(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.Clock.Set(jan2027)
	act := &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Ref: "2026-Q4", Data: map[string]string{"period": "2026-Q4"}}
	// Engine.Act, not the harness's ActWith: the action has no At, so the
	// replay an hour later is the same request.
	first, err := f.Engine.Act(f.Ctx, "pay-ann-q4", act)
	require.NoError(t, err)
	f.Advance(time.Hour)
	again, err := f.Engine.Act(f.Ctx, "pay-ann-q4", act)
	require.NoError(t, err)
	assert.Equal(t, []string{"earn credit 800", "redeem cashback:2026-Q4 -800"}, moves(first), "first payout")
	assert.Equal(t, first.Version, again.Version, "the replay is the first receipt")
	assert.Equal(t, moves(first), moves(again), "the replay is the first receipt")
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.wantBalance("ann", q4, 0)
}

func TestMalformedPayoutActionIsRefusedAndWritesNothing(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.Clock.Set(jan2027)
	n := len(f.History("ann"))
	for _, period := range []string{"2026-11", "Q4", "2027-Q2"} { // a month, nonsense, a quarter not started
		_, err := f.Engine.Act(f.Ctx, "pay", &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Data: map[string]string{"period": period}})
		assert.ErrorIs(t, err, loyalty.ErrRefused, "period %q", period)
	}
	assert.Len(t, f.History("ann"), n, "refused payouts write no entry")
	f.wantBalance("ann", q4, 800)
	// The refused writes did not use up the key.
	rc := f.ActWith("pay", &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Data: map[string]string{"period": "2026-Q4"}})
	require.Equal(t, []string{"earn credit 800", "redeem cashback:2026-Q4 -800"}, moves(rc), "payout under the refused key")
	_, err := cashback.Payout(f.Ctx, f.Engine, f.store, "2027-Q3", nil)
	assert.ErrorIs(t, err, loyalty.ErrRefused, "Payout of a quarter not started")
}

func TestPayoutOfARunningPeriodIsRefusedWithoutUsingItsKey(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00 in 2026-Q4
	n := len(f.History("ann"))

	// It is still November: the batch call and a single payout action are
	// both refused, typed, and write nothing.
	rep, err := cashback.Payout(f.Ctx, f.Engine, f.store, "2026-Q4", nil)
	require.ErrorIs(t, err, cashback.ErrPeriodNotOver, "Payout during the quarter")
	require.ErrorIs(t, err, loyalty.ErrRefused, "Payout during the quarter")
	require.NotNil(t, rep)
	require.Zero(t, rep.Members, "Payout during the quarter visits no member")
	key := "shop/" + string(cashback.PayoutAction) + "/2026-Q4/ann" // the key Payout uses
	_, err = f.Engine.Act(f.Ctx, key, &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Ref: "2026-Q4", Data: map[string]string{"period": "2026-Q4"}})
	require.ErrorIs(t, err, cashback.ErrPeriodNotOver, "payout action during the quarter")
	_, err = f.store.Receipt(f.Ctx, key)
	require.ErrorIs(t, err, loyalty.ErrNotFound, "the quarter's key holds a receipt: the real payout would pay nothing")
	require.Len(t, f.History("ann"), n, "refused payouts write no entry")
	f.wantBalance("ann", q4, 800)

	// At the quarter's end the same payout pays all 8.00.
	f.Clock.Set(jan2027)
	rep = f.payout("2026-Q4")
	require.Equal(t, 1, rep.Paid, "payout at the quarter's end %+v", rep)
	require.Equal(t, "8", amount(rep.Amount), "payout at the quarter's end %+v", rep)
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.wantBalance("ann", q4, 0)
}

func TestPayoutRefusesAPeriodOfAnotherSchedule(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	_, err := cashback.Payout(f.Ctx, f.Engine, f.store, "2026-11", nil)
	assert.ErrorIs(t, err, loyalty.ErrInvalidEvent, "monthly key on a quarterly schedule")
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{mustPercentage(t, "2", nil)}}
	g := newFixture(t, p, nov2026)
	_, err = cashback.Payout(g.Ctx, g.Engine, g.store, "2026-Q4", nil)
	assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "program without payout rule")
}

func TestPayoutAsCertificateExpiresOnItsOwnDate(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 3), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.Clock.Set(jan2027)
	rep := f.payout("2026-Q4")
	require.Equal(t, 1, rep.Paid, "report %+v", rep)
	var cert ledger.Entry
	for _, e := range f.History("ann") {
		if e.Account == cashback.CreditAccount && e.Kind == ledger.EntryEarn {
			cert = e
		}
	}
	require.Equal(t, int64(800), cert.Amount, "certificate entry %+v", cert)
	require.Equal(t, "reward certificate for 2026-Q4, valid until 2027-04-02", cert.Note, "certificate entry %+v", cert)
	assert.Equal(t, []string{"earn credit 800", "redeem cashback:2026-Q4 -800"}, moves(f.payoutReceipt("ann", "2026-Q4")), "certificate payout")
	f.wantBalance("ann", q4, 0)
	f.Clock.Set(time.Date(2027, 4, 2, 8, 59, 0, 0, time.UTC))
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.Clock.Set(time.Date(2027, 4, 2, 9, 0, 0, 0, time.UTC))
	f.wantBalance("ann", cashback.CreditAccount, 0)
	rc := f.Settle("settle", "ann")
	assert.Equal(t, []string{"expire credit -800"}, moves(rc), "settle expires the certificate's 8.00")
}

func TestStoreCreditRedeemedAtCheckoutAndRestoredOnCancel(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "500.00") // 10.00
	f.Clock.Set(jan2027)
	f.payout("2026-Q4")
	f.wantBalance("ann", cashback.CreditAccount, 1000)

	// A 4.00 cart takes 4.00 of the credit, no more.
	rc := f.Redeem("r1", loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "o9", Total: usd("4.00"), Account: cashback.CreditAccount})
	require.NotNil(t, rc.Redemption)
	require.Equal(t, int64(400), rc.Redemption.Points, "redemption %+v, want 4.00 off", rc.Redemption)
	require.Equal(t, "4", amount(rc.Redemption.Value), "redemption %+v, want 4.00 off", rc.Redemption)
	f.wantBalance("ann", cashback.CreditAccount, 600)
	// Asking for more than is left fails and writes nothing.
	_, err := f.Engine.Redeem(f.Ctx, "r2", loyalty.Redemption{ID: "r2", MemberID: "ann", Total: usd("50.00"), Points: 700, Account: cashback.CreditAccount})
	require.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "overspend")
	f.wantBalance("ann", cashback.CreditAccount, 600)
	// The order is cancelled: the 4.00 comes back.
	f.CancelRedemption("c1", "ann", "r1")
	f.wantBalance("ann", cashback.CreditAccount, 1000)
	b := f.cashback("ann")
	assert.Equal(t, "10", amount(b.Credit), "credit")
	assert.Empty(t, b.Accrued, "nothing accrued")
}

func TestReturnBeforePayoutReducesThePeriodAccrual(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00
	rc := f.giveBack("ann", "a1", "100.00")
	require.Equal(t, []string{"reverse cashback:2026-Q4 -200"}, moves(rc), "the return reverses 2.00 from %s", q4)
	f.wantBalance("ann", q4, 600)
	f.Clock.Set(jan2027)
	assert.Equal(t, "6", amount(f.payout("2026-Q4").Amount), "paid")
	f.wantBalance("ann", cashback.CreditAccount, 600)
}

func TestReturnAfterPayoutIsForgivenWhenClampingAtZero(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.Clock.Set(jan2027)
	f.payout("2026-Q4")
	n := len(f.History("ann"))
	rc := f.giveBack("ann", "a1", "400.00")
	// The payout spent the accrual: the reversal clamps at zero and takes
	// nothing; the 8.00 is forgiven.
	require.Empty(t, moves(rc), "return entries: the paid accrual is empty")
	require.Len(t, f.History("ann"), n, "the return writes no entry")
	f.wantBalance("ann", q4, 0)
	f.wantBalance("ann", cashback.CreditAccount, 800) // the member keeps the paid credit
	b := f.cashback("ann")
	assert.True(t, b.Owed.IsZero(), "owed %s, want nothing", b.Owed)
	assert.Empty(t, b.Accrued, "nothing accrued")
	// The next payout pays the next quarter in full.
	f.Clock.Set(feb2027)
	f.buy("ann", "a2", "300.00") // 6.00
	f.Clock.Set(apr2027)
	rep := f.payout("2027-Q1")
	assert.Equal(t, "6", amount(rep.Amount), "paid: nothing is recovered")
	assert.Equal(t, []string{"earn credit 600", "redeem cashback:2027-Q1 -600"}, moves(f.payoutReceipt("ann", "2027-Q1")), "Q1 payout")
	f.wantBalance("ann", q4, 0)
	f.wantBalance("ann", cashback.CreditAccount, 1400)
}

func TestReturnAfterPayoutIsRecoveredFromTheNextPayoutWhenNegativeAllowed(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.AllowNegative, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00
	f.Clock.Set(jan2027)
	f.payout("2026-Q4")
	rc := f.giveBack("ann", "a1", "100.00") // 2.00 of paid cashback
	require.Equal(t, []string{"reverse cashback:2026-Q4 -200"}, moves(rc), "return")
	f.wantBalance("ann", q4, -200) // the paid accrual goes negative: a debt
	f.wantBalance("ann", cashback.CreditAccount, 800)
	assert.Equal(t, "2", amount(f.cashback("ann").Owed), "owed")
	f.Clock.Set(feb2027)
	f.buy("ann", "a2", "350.00")   // 7.00 in Q1
	f.wantBalance("ann", q4, -200) // a new quarter's accrual does not repay Q4 by itself
	f.Clock.Set(apr2027)
	rep := f.payout("2027-Q1")
	require.Equal(t, "5", amount(rep.Amount), "report %+v, want 5.00 paid after recovering 2.00", rep)
	// One receipt: 2.00 of Q1 repays Q4, the other 5.00 becomes credit.
	pr := f.payoutReceipt("ann", "2027-Q1")
	assert.Equal(t, []string{"earn cashback:2026-Q4 200", "earn credit 500", "redeem cashback:2027-Q1 -200", "redeem cashback:2027-Q1 -500"}, moves(pr), "payout")
	assert.Equal(t, []loyalty.NoticeKind{cashback.NoticeRecovered, cashback.NoticePaid}, noticeKinds(pr), "notices: recovered then paid")
	f.wantBalance("ann", q4, 0)
	f.wantBalance("ann", "cashback:2027-Q1", 0)
	f.wantBalance("ann", cashback.CreditAccount, 1300)
	b := f.cashback("ann")
	assert.True(t, b.Owed.IsZero(), "owed %s, want nothing", b.Owed)
	assert.Empty(t, b.Accrued, "nothing accrued")
}

func TestDebtLargerThanLaterAccrualStaysOwed(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.AllowNegative, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00
	f.Clock.Set(jan2027)
	f.payout("2026-Q4")
	f.giveBack("ann", "a1", "400.00") // all 8.00 owed
	f.Clock.Set(feb2027)
	f.buy("ann", "a2", "150.00") // 3.00 in Q1
	f.Clock.Set(apr2027)
	rc := f.ActWith("manual-payout", &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Data: map[string]string{"period": "2027-Q1"}})
	assert.Equal(t, []string{"earn cashback:2026-Q4 300", "redeem cashback:2027-Q1 -300"}, moves(rc), "payout: Q1's 3.00 repays Q4, nothing paid")
	require.Equal(t, []loyalty.NoticeKind{cashback.NoticeRecovered}, noticeKinds(rc), "notices: 3.00 recovered")
	require.Equal(t, "3.00 USD of cashback returned after payout, from the cashback of 2027-Q1", rc.Notices[0].Detail)
	f.wantBalance("ann", q4, -500)
	f.wantBalance("ann", "cashback:2027-Q1", 0)
	b := f.cashback("ann")
	assert.Equal(t, "5", amount(b.Owed), "still owed")
	assert.Empty(t, b.Accrued, "nothing accrued")
	assert.Equal(t, "8", amount(b.Credit), "credit")
}

func TestReturnOfImmediateCashbackTakesBackStoreCredit(t *testing.T) {
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{mustPercentage(t, "2", nil)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ann")
	f.buy("ann", "o1", "300.00") // 6.00
	f.giveBack("ann", "o1", "100.00")
	f.wantBalance("ann", cashback.CreditAccount, 400)
}

func TestSteppedReturnTakesBackInProportionToValue(t *testing.T) {
	r, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), nil)
	require.NoError(t, err)
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}, nov2026)
	f.enroll("ann")
	f.buy("ann", "o1", "150.00")
	f.giveBack("ann", "o1", "50.00")
	f.wantBalance("ann", cashback.CreditAccount, 667) // 10.00 − 10.00 × 50/150
}

func TestValidateRefusesBadCashback(t *testing.T) {
	for name, err := range map[string]error{
		"rate above 100%":           errOf(cashback.NewPercentage("x", dec("100.01"), nil)),
		"negative percentage":       errOf(cashback.NewPercentage("x", dec("-2"), nil)),
		"zero percentage":           errOf(cashback.NewPercentage("x", dec("0"), nil)),
		"no name":                   errOf(cashback.NewPercentage("", dec("2"), nil)),
		"step above 100%":           errOf(cashback.NewStepped("x", dec("150"), dec("100"), nil)),
		"negative step":             errOf(cashback.NewStepped("x", dec("-10"), dec("100"), nil)),
		"schedule with no period":   errOf(cashback.NewPercentage("x", dec("2"), &cashback.Schedule{Minimum: dec("5")})),
		"unknown period":            errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: 9})),
		"a daily schedule":          errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: calendar.Day})),
		"an hourly schedule":        errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: calendar.Hour})),
		"payout without schedule":   errOf(cashback.NewPayoutRule("x", nil)),
		"negative minimum":          errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: calendar.Month, Minimum: dec("-1")})),
		"negative certificate life": errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: calendar.Year, CertificateMonths: -1})),
		"credit into points":        errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: calendar.Year, Credit: ledger.PointsAccount})),
	} {
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}
	assert.ErrorIs(t, (&cashback.Schedule{}).Validate(), loyalty.ErrInvalidProgram, "Schedule{}.Validate()")
}

func errOf[T any](_ T, err error) error { return err }

func TestEngineRefusesUnbuiltRulesAndWritesNothing(t *testing.T) {
	for _, r := range []loyalty.Rule{&cashback.Percentage{}, &cashback.Stepped{}, &cashback.PayoutRule{}} {
		store := memory.New()
		p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}
		assert.ErrorIs(t, p.Validate(), loyalty.ErrInvalidProgram, "%T: Validate()", r)
		_, err := loyalty.NewEngine(p, store, nil)
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, "%T: NewEngine", r)
		ids, err := store.Members(t.Context(), "", 10)
		require.NoError(t, err)
		assert.Empty(t, ids, "%T: the store has members", r)
	}
}

func TestRulesDeclareTheCashbackProgramType(t *testing.T) {
	s := &cashback.Schedule{Every: calendar.Month}
	st, err := cashback.NewStepped("s", dec("1"), dec("10"), s)
	require.NoError(t, err)
	for _, r := range []loyalty.Typed{mustPercentage(t, "2", s), st, mustPayout(t, s)} {
		assert.Equal(t, "cashback", r.ProgramType(), "%T.ProgramType()", r)
	}
}

func TestPeriodKeysAndDue(t *testing.T) {
	at := time.Date(2026, 11, 22, 13, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		p        calendar.Period
		key, due string
	}{{calendar.Month, "2026-11", "2026-10"}, {calendar.Quarter, "2026-Q4", "2026-Q3"}, {calendar.Year, "2026", "2025"}} {
		s := &cashback.Schedule{Every: c.p}
		assert.Equal(t, c.key, s.Key(at), "%s key", c.p)
		assert.Equal(t, c.due, s.Due(at), "%s due", c.p)
		start, end, err := s.Bounds(c.key)
		if assert.NoError(t, err, "%s bounds", c.p) {
			assert.True(t, start.Equal(c.p.Start(at)), "%s starts %v, want %v", c.p, start, c.p.Start(at))
			assert.True(t, end.Equal(c.p.End(at)), "%s ends %v, want %v", c.p, end, c.p.End(at))
		}
	}
	_, _, err := (&cashback.Schedule{Every: calendar.Quarter}).Bounds("2026-Q5")
	assert.ErrorIs(t, err, loyalty.ErrInvalidEvent, "Q5 parsed")
}

func TestMonthlyScheduleInTheShopsTimeZone(t *testing.T) {
	s := &cashback.Schedule{Every: calendar.Month, Location: loyaltytest.Zone(t, "America/New_York")}
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{mustPercentage(t, "2", s), mustPayout(t, s)}}
	// 1 December 02:00 UTC is still 30 November in New York.
	f := newFixture(t, p, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	f.enroll("ann")
	f.buy("ann", "o1", "100.00")
	f.wantBalance("ann", "cashback:2026-11", 200)
}

func TestRecoveryMovesOnlyTheDebtWhenTheRestIsBelowTheMinimum(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.AllowNegative, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00
	f.Clock.Set(jan2027)
	f.payout("2026-Q4")
	f.giveBack("ann", "a1", "100.00") // 2.00 owed
	f.Clock.Set(feb2027)
	f.buy("ann", "a2", "300.00") // 6.00 in Q1
	f.Clock.Set(apr2027)
	rep := f.payout("2027-Q1")
	require.Zero(t, rep.Paid, "report %+v, want 4.00 left below the 5.00 minimum", rep)
	require.Equal(t, 1, rep.BelowMinimum, "report %+v, want 4.00 left below the 5.00 minimum", rep)
	assert.Equal(t, []string{"earn cashback:2026-Q4 200", "redeem cashback:2027-Q1 -200"}, moves(f.payoutReceipt("ann", "2027-Q1")), "payout")
	f.wantBalance("ann", q4, 0)
	f.wantBalance("ann", "cashback:2027-Q1", 400) // rolls over
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.Clock.Set(time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC))
	f.buy("ann", "a3", "50.00") // 1.00 in Q2
	f.Clock.Set(time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC))
	rep = f.payout("2027-Q2")
	require.Equal(t, "5", amount(rep.Amount), "report %+v, want Q1's 4.00 and Q2's 1.00 paid", rep)
	assert.Equal(t, []string{"earn credit 500", "redeem cashback:2027-Q1 -400", "redeem cashback:2027-Q2 -100"}, moves(f.payoutReceipt("ann", "2027-Q2")), "payout")
	b := f.cashback("ann")
	assert.True(t, b.Owed.IsZero(), "owed %s, want nothing", b.Owed)
	assert.Empty(t, b.Accrued, "nothing accrued")
	assert.Equal(t, "13", amount(b.Credit), "credit")
}

func TestPercentageInTheProgramsOwnUnitUsesItsDeclaredDigits(t *testing.T) {
	// A house currency without a minor unit: 2% of 123 is 2.46, 2 whole
	// units. Read as two digits (the ISO default for unknown codes) it would
	// credit 246 hundredths.
	p := &loyalty.Program{Name: "mall", Currency: "MLC", Units: []money.CurrencyUnit{{Code: "MLC", MinorDigits: 0}},
		Rules: []loyalty.Rule{mustPercentage(t, "2", nil)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ann")
	f.Earn("o", loyaltytest.Order("ann", "o").Line("a", "123", 1).Build())
	f.wantBalance("ann", cashback.CreditAccount, 2)
}
