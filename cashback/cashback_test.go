package cashback_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
)

var ctx = context.Background()

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func usd(s string) loyalty.Money { return loyalty.NewMoney(dec(s), "USD") }

type fixture struct {
	t     *testing.T
	clock *loyalty.ManualClock
	store *memory.Store
	e     *loyalty.Engine
	n     int
}

func newFixture(t *testing.T, p *loyalty.Program, start time.Time) *fixture {
	t.Helper()
	f := &fixture{t: t, store: memory.New()}
	kit := loyaltytest.New(t, p, &loyaltytest.Options{Start: start, Store: f.store})
	f.clock, f.e = kit.Clock, kit.Engine
	return f
}

func (f *fixture) key() string { f.n++; return "k" + strconv.Itoa(f.n) }

func (f *fixture) enroll(ids ...string) {
	f.t.Helper()
	for _, id := range ids {
		if _, err := f.e.Enroll(ctx, "enroll-"+id, loyalty.Member{ID: id}); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) buy(member, orderID, amount string) *loyalty.Receipt {
	f.t.Helper()
	rc, err := f.e.Earn(ctx, "order-"+orderID, &loyalty.Order{ID: orderID, MemberID: member, Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "sku-" + orderID, Quantity: 1, UnitPrice: dec(amount)}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return rc
}

func (f *fixture) giveBack(member, orderID, amount string) *loyalty.Receipt {
	f.t.Helper()
	rc, err := f.e.Return(ctx, f.key(), &loyalty.Return{ID: "ret-" + f.key(), OrderID: orderID, MemberID: member, Amount: dec(amount)})
	if err != nil {
		f.t.Fatal(err)
	}
	return rc
}

func (f *fixture) balance(member string, a loyalty.Account) int64 {
	f.t.Helper()
	b, err := f.e.AccountBalance(ctx, member, a)
	if err != nil {
		f.t.Fatal(err)
	}
	if b.Pending != 0 {
		f.t.Fatalf("%s %s: pending %d, money accounts are never held", member, a, b.Pending)
	}
	return b.Available
}

func (f *fixture) wantBalance(member string, a loyalty.Account, want int64) {
	f.t.Helper()
	if got := f.balance(member, a); got != want {
		f.t.Errorf("%s %s = %d, want %d", member, a, got, want)
	}
}

// payoutReceipt returns the receipt Payout committed for member and period.
func (f *fixture) payoutReceipt(member, period string) *loyalty.Receipt {
	f.t.Helper()
	rc, err := f.store.Receipt(ctx, "shop/"+string(cashback.PayoutAction)+"/"+period+"/"+member)
	if err != nil {
		f.t.Fatal(err)
	}
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

func (f *fixture) cashback(member string) *cashback.Balance {
	f.t.Helper()
	b, err := cashback.BalanceOf(ctx, f.e, member)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) payout(period string) *cashback.PayoutReport {
	f.t.Helper()
	rep, err := cashback.Payout(ctx, f.e, f.store, period, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return rep
}

func (f *fixture) history(member string) []loyalty.Entry {
	f.t.Helper()
	h, err := f.e.History(ctx, member, loyalty.EntryID{}, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

func mustPercentage(t *testing.T, pct string, s *cashback.Schedule) *cashback.Percentage {
	t.Helper()
	r, err := cashback.NewPercentage("cashback", dec(pct), s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustPayout(t *testing.T, s *cashback.Schedule) *cashback.PayoutRule {
	t.Helper()
	r, err := cashback.NewPayoutRule("payout", s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// quarterly is 2% cashback accruing per calendar quarter, paid from 5.00.
func quarterly(t *testing.T, clawback loyalty.ClawbackPolicy, certMonths int) *loyalty.Program {
	s := &cashback.Schedule{Every: cashback.Quarterly, Minimum: dec("5.00"), CertificateMonths: certMonths}
	return &loyalty.Program{Name: "shop", Currency: "USD", Clawback: clawback,
		Rules: []loyalty.Rule{mustPercentage(t, "2", s), mustPayout(t, s)}}
}

var (
	nov2026 = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	jan2027 = time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC)
	feb2027 = time.Date(2027, 2, 15, 9, 0, 0, 0, time.UTC)
	apr2027 = time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)
)

const q4 = loyalty.Account("cashback:2026-Q4")

func TestPercentageCreditsTwoPercentAsStoreCreditAtOnce(t *testing.T) {
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{mustPercentage(t, "2", nil)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ann")
	rc := f.buy("ann", "o1", "123.45") // 2% = 2.469, rounded down
	f.wantBalance("ann", cashback.CreditAccount, 246)
	if rc.Points() != 0 {
		t.Errorf("cashback earned %d points, want none", rc.Points())
	}
	if len(rc.Entries) != 1 || rc.Entries[0].Account != cashback.CreditAccount || rc.Entries[0].Amount != 246 || rc.Entries[0].Kind != loyalty.EntryEarn {
		t.Fatalf("entries %+v, want one earn of 246 into credit", rc.Entries)
	}
	if len(rc.Explanation) == 0 || rc.Explanation[0].Rule != "cashback" {
		t.Errorf("explanation %+v does not name the rule", rc.Explanation)
	}
}

func TestPercentageWithFractionalRateAndYen(t *testing.T) {
	p := &loyalty.Program{Name: "jp", Currency: "JPY", Rules: []loyalty.Rule{mustPercentage(t, "1.5", nil)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ken")
	if _, err := f.e.Earn(ctx, "o", &loyalty.Order{ID: "o", MemberID: "ken", Currency: "JPY",
		Lines: []loyalty.OrderLine{{SKU: "a", Quantity: 1, UnitPrice: dec("10000")}}}); err != nil {
		t.Fatal(err)
	}
	f.wantBalance("ken", cashback.CreditAccount, 150) // 1.5% of ¥10,000
}

func TestPercentageAccruesIntoTheQuarterOfTheOrder(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "o1", "200.00")
	f.wantBalance("ann", q4, 400)
	f.wantBalance("ann", cashback.CreditAccount, 0)
	b, err := cashback.BalanceOf(ctx, f.e, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Accrued) != 1 || b.Accrued[0].Period != "2026-Q4" || !b.Accrued[0].Amount.Amount.Equal(dec("4")) || !b.Credit.IsZero() {
		t.Errorf("balance %+v, want 4.00 accrued in 2026-Q4 and no credit", b)
	}
}

func TestSteppedPaysTenForEveryFullHundred(t *testing.T) {
	r, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}, nov2026)
	f.enroll("ann")
	f.buy("ann", "o1", "99.99")
	f.wantBalance("ann", cashback.CreditAccount, 0)
	f.buy("ann", "o2", "250.00")
	f.wantBalance("ann", cashback.CreditAccount, 2000)
	if st, _ := f.e.Member(ctx, "ann"); st.Counter("ten-per-hundred", "") != 0 {
		t.Errorf("without carry-over the rule keeps no remainder")
	}
}

func TestSteppedCarriesTheRemainderToTheNextOrder(t *testing.T) {
	r, err := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.CarryOver = true
	f := newFixture(t, &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}, nov2026)
	f.enroll("ann")
	carry := func() int64 {
		st, err := f.e.Member(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		return st.Counter("ten-per-hundred", "")
	}
	f.buy("ann", "o1", "150.00")
	f.wantBalance("ann", cashback.CreditAccount, 1000)
	if c := carry(); c != 5000 {
		t.Fatalf("carry after 150.00 = %d, want 5000 (50.00)", c)
	}
	rc := f.buy("ann", "o2", "60.00") // 60 + 50 carried = 110: one more step
	f.wantBalance("ann", cashback.CreditAccount, 2000)
	if c := carry(); c != 1000 {
		t.Fatalf("carry after 60.00 = %d, want 1000 (10.00)", c)
	}
	if n := rc.Explanation[0].Note; n != "1 × 10 back for every full 100, with 50.00 USD carried over" {
		t.Errorf("note %q", n)
	}
	f.buy("ann", "o3", "89.99") // 99.99: no step, carry grows
	f.wantBalance("ann", cashback.CreditAccount, 2000)
	if c := carry(); c != 9999 {
		t.Fatalf("carry after 89.99 = %d, want 9999", c)
	}
}

func TestQuarterlyPayoutPaysCompletedQuarterAboveMinimum(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann", "bob")
	f.buy("ann", "a1", "400.00") // 8.00
	f.buy("bob", "b1", "150.00") // 3.00, below the 5.00 minimum

	f.clock.Set(jan2027)
	rep := f.payout("2026-Q4")
	if rep.Members != 2 || rep.Paid != 1 || rep.BelowMinimum != 1 || !rep.Amount.Amount.Equal(dec("8")) {
		t.Fatalf("report %+v, want 2 members, 1 paid 8.00, 1 below minimum", rep)
	}
	// One receipt moves the quarter's accrual into store credit.
	rc := f.payoutReceipt("ann", "2026-Q4")
	if got, want := moves(rc), []string{"earn credit 800", "redeem cashback:2026-Q4 -800"}; !slices.Equal(got, want) {
		t.Errorf("ann's payout moved %q, want %q", got, want)
	}
	if e := rc.Entries[1]; e.Source != "payout" || e.Ref != "2026-Q4" {
		t.Errorf("the accrual's redeem entry %+v, want Source payout, Ref 2026-Q4", e)
	}
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.wantBalance("ann", q4, 0)
	if b := f.cashback("ann"); len(b.Accrued) != 0 || !b.Credit.Amount.Equal(dec("8")) {
		t.Errorf("ann sees %+v, want 8.00 credit and nothing accrued", b)
	}
	f.wantBalance("bob", cashback.CreditAccount, 0)
	f.wantBalance("bob", q4, 300) // below the minimum: nothing moved
	if rc := f.payoutReceipt("bob", "2026-Q4"); len(rc.Entries) != 0 || len(rc.Notices) != 1 || rc.Notices[0].Kind != cashback.NoticeBelowMinimum {
		t.Errorf("bob's payout entries %q notices %+v, want only a below-minimum notice", moves(rc), rc.Notices)
	}

	// Bob's Q4 rolls over into the Q1 payout.
	f.clock.Set(feb2027)
	f.buy("bob", "b2", "125.00") // 2.50 in 2027-Q1
	f.wantBalance("bob", "cashback:2027-Q1", 250)
	f.clock.Set(apr2027)
	rep = f.payout("2027-Q1")
	if rep.Paid != 1 || !rep.Amount.Amount.Equal(dec("5.5")) {
		t.Fatalf("report %+v, want bob paid 5.50", rep)
	}
	f.wantBalance("bob", cashback.CreditAccount, 550)
	f.wantBalance("bob", q4, 0)
	f.wantBalance("bob", "cashback:2027-Q1", 0)
	if got, want := moves(f.payoutReceipt("bob", "2027-Q1")), []string{"earn credit 550", "redeem cashback:2026-Q4 -300", "redeem cashback:2027-Q1 -250"}; !slices.Equal(got, want) {
		t.Errorf("bob's Q1 payout moved %q, want %q: both quarters into credit in one receipt", got, want)
	}
	lines, err := f.e.Statement(ctx, "bob", loyalty.EntryID{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var credits []string
	for _, l := range lines {
		if l.Account == cashback.CreditAccount {
			credits = append(credits, l.String())
		}
	}
	want := "2027-04-01 earn +550 credit (cashback-payout 2027-Q1) — payout: bonus (cashback of 2026-Q4, 2027-Q1) = +550"
	if len(credits) != 1 || credits[0] != want {
		t.Errorf("bob's credit statement %q, want [%q]", credits, want)
	}
}

func TestPayoutRunTwicePaysOnce(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.clock.Set(jan2027)
	first := f.payout("2026-Q4")
	n := len(f.history("ann"))
	f.clock.Advance(time.Hour)
	again := f.payout("2026-Q4")
	if again.Members != first.Members || again.Paid != first.Paid || !again.Amount.Amount.Equal(first.Amount.Amount) {
		t.Errorf("second run reported %+v, first %+v", again, first)
	}
	f.wantBalance("ann", cashback.CreditAccount, 800)
	if m := len(f.history("ann")); m != n {
		t.Errorf("second run wrote %d entries", m-n)
	}
}

func TestPayoutReplayReturnsTheFirstReceipt(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.clock.Set(jan2027)
	act := &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Ref: "2026-Q4", Data: map[string]string{"period": "2026-Q4"}}
	first, err := f.e.Act(ctx, "pay-ann-q4", act)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	again, err := f.e.Act(ctx, "pay-ann-q4", act)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != first.Version || !slices.Equal(moves(again), moves(first)) || !slices.Equal(moves(first), []string{"earn credit 800", "redeem cashback:2026-Q4 -800"}) {
		t.Errorf("replay %q at version %d, first %q at version %d", moves(again), again.Version, moves(first), first.Version)
	}
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.wantBalance("ann", q4, 0)
}

func TestMalformedPayoutActionIsRefusedAndWritesNothing(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.clock.Set(jan2027)
	n := len(f.history("ann"))
	for _, period := range []string{"2026-11", "Q4", "2027-Q2"} { // a month, nonsense, a quarter not started
		_, err := f.e.Act(ctx, "pay", &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Data: map[string]string{"period": period}})
		if !errors.Is(err, loyalty.ErrRefused) {
			t.Errorf("period %q: %v, want ErrRefused", period, err)
		}
	}
	if m := len(f.history("ann")); m != n {
		t.Errorf("refused payouts wrote %d entries", m-n)
	}
	f.wantBalance("ann", q4, 800)
	// The refused writes did not use up the key.
	rc, err := f.e.Act(ctx, "pay", &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Data: map[string]string{"period": "2026-Q4"}})
	if err != nil || !slices.Equal(moves(rc), []string{"earn credit 800", "redeem cashback:2026-Q4 -800"}) {
		t.Fatalf("payout under the refused key: %v %v", rc, err)
	}
	if _, err := cashback.Payout(ctx, f.e, f.store, "2027-Q3", nil); !errors.Is(err, loyalty.ErrRefused) {
		t.Errorf("Payout of a quarter not started: %v, want ErrRefused", err)
	}
}

func TestPayoutOfARunningPeriodIsRefusedWithoutUsingItsKey(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00 in 2026-Q4
	n := len(f.history("ann"))

	// It is still November: the batch call and a single payout action are
	// both refused, typed, and write nothing.
	rep, err := cashback.Payout(ctx, f.e, f.store, "2026-Q4", nil)
	if !errors.Is(err, cashback.ErrPeriodNotOver) || !errors.Is(err, loyalty.ErrRefused) || rep.Members != 0 {
		t.Fatalf("Payout during the quarter: %+v, %v; want ErrPeriodNotOver and no member visited", rep, err)
	}
	key := "shop/" + string(cashback.PayoutAction) + "/2026-Q4/ann" // the key Payout uses
	_, err = f.e.Act(ctx, key, &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Ref: "2026-Q4", Data: map[string]string{"period": "2026-Q4"}})
	if !errors.Is(err, cashback.ErrPeriodNotOver) {
		t.Fatalf("payout action during the quarter: %v, want ErrPeriodNotOver", err)
	}
	if _, err := f.store.Receipt(ctx, key); !errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("the quarter's key holds a receipt (%v): the real payout would pay nothing", err)
	}
	if m := len(f.history("ann")); m != n {
		t.Fatalf("refused payouts wrote %d entries", m-n)
	}
	f.wantBalance("ann", q4, 800)

	// At the quarter's end the same payout pays all 8.00.
	f.clock.Set(jan2027)
	rep = f.payout("2026-Q4")
	if rep.Paid != 1 || !rep.Amount.Amount.Equal(dec("8")) {
		t.Fatalf("payout at the quarter's end %+v, want ann paid 8.00", rep)
	}
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.wantBalance("ann", q4, 0)
}

func TestPayoutRefusesAPeriodOfAnotherSchedule(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	if _, err := cashback.Payout(ctx, f.e, f.store, "2026-11", nil); !errors.Is(err, loyalty.ErrInvalidEvent) {
		t.Errorf("monthly key on a quarterly schedule: %v, want ErrInvalidEvent", err)
	}
	p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{mustPercentage(t, "2", nil)}}
	g := newFixture(t, p, nov2026)
	if _, err := cashback.Payout(ctx, g.e, g.store, "2026-Q4", nil); !errors.Is(err, loyalty.ErrInvalidProgram) {
		t.Errorf("program without payout rule: %v, want ErrInvalidProgram", err)
	}
}

func TestPayoutAsCertificateExpiresOnItsOwnDate(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 3), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.clock.Set(jan2027)
	rep := f.payout("2026-Q4")
	if rep.Paid != 1 {
		t.Fatalf("report %+v", rep)
	}
	var cert loyalty.Entry
	for _, e := range f.history("ann") {
		if e.Account == cashback.CreditAccount && e.Kind == loyalty.EntryEarn {
			cert = e
		}
	}
	if cert.Amount != 800 || cert.Note != "reward certificate for 2026-Q4, valid until 2027-04-02" {
		t.Fatalf("certificate entry %+v", cert)
	}
	if got, want := moves(f.payoutReceipt("ann", "2026-Q4")), []string{"earn credit 800", "redeem cashback:2026-Q4 -800"}; !slices.Equal(got, want) {
		t.Errorf("certificate payout moved %q, want %q", got, want)
	}
	f.wantBalance("ann", q4, 0)
	f.clock.Set(time.Date(2027, 4, 2, 8, 59, 0, 0, time.UTC))
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.clock.Set(time.Date(2027, 4, 2, 9, 0, 0, 0, time.UTC))
	f.wantBalance("ann", cashback.CreditAccount, 0)
	rc, err := f.e.Settle(ctx, "settle", "ann")
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Entries) != 1 || rc.Entries[0].Kind != loyalty.EntryExpire || rc.Entries[0].Amount != -800 {
		t.Errorf("settle entries %+v, want the certificate's 8.00 expired", rc.Entries)
	}
}

func TestStoreCreditRedeemedAtCheckoutAndRestoredOnCancel(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "500.00") // 10.00
	f.clock.Set(jan2027)
	f.payout("2026-Q4")
	f.wantBalance("ann", cashback.CreditAccount, 1000)

	// A 4.00 cart takes 4.00 of the credit, no more.
	rc, err := f.e.Redeem(ctx, "r1", loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "o9", Total: usd("4.00"), Account: cashback.CreditAccount})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Redemption.Points != 400 || !rc.Redemption.Value.Amount.Equal(dec("4")) {
		t.Fatalf("redemption %+v, want 4.00 off", rc.Redemption)
	}
	f.wantBalance("ann", cashback.CreditAccount, 600)
	// Asking for more than is left fails and writes nothing.
	if _, err := f.e.Redeem(ctx, "r2", loyalty.Redemption{ID: "r2", MemberID: "ann", Total: usd("50.00"), Points: 700, Account: cashback.CreditAccount}); !errors.Is(err, loyalty.ErrInsufficientPoints) {
		t.Fatalf("overspend: %v, want ErrInsufficientPoints", err)
	}
	f.wantBalance("ann", cashback.CreditAccount, 600)
	// The order is cancelled: the 4.00 comes back.
	if _, err := f.e.CancelRedemption(ctx, "c1", "ann", "r1"); err != nil {
		t.Fatal(err)
	}
	f.wantBalance("ann", cashback.CreditAccount, 1000)
	b, err := cashback.BalanceOf(ctx, f.e, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Credit.Amount.Equal(dec("10")) || len(b.Accrued) != 0 {
		t.Errorf("balance %+v, want 10.00 credit and nothing accrued", b)
	}
}

func TestReturnBeforePayoutReducesThePeriodAccrual(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00
	rc := f.giveBack("ann", "a1", "100.00")
	if len(rc.Entries) != 1 || rc.Entries[0].Account != q4 || rc.Entries[0].Amount != -200 || rc.Entries[0].Kind != loyalty.EntryReverse {
		t.Fatalf("return entries %+v, want 2.00 reversed from %s", rc.Entries, q4)
	}
	f.wantBalance("ann", q4, 600)
	f.clock.Set(jan2027)
	if rep := f.payout("2026-Q4"); !rep.Amount.Amount.Equal(dec("6")) {
		t.Errorf("paid %s, want 6.00", rep.Amount)
	}
	f.wantBalance("ann", cashback.CreditAccount, 600)
}

func TestReturnAfterPayoutIsForgivenWhenClampingAtZero(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.ClampAtZero, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00")
	f.clock.Set(jan2027)
	f.payout("2026-Q4")
	n := len(f.history("ann"))
	rc := f.giveBack("ann", "a1", "400.00")
	// The payout spent the accrual: the reversal clamps at zero and takes
	// nothing; the 8.00 is forgiven.
	if len(rc.Entries) != 0 || len(f.history("ann")) != n {
		t.Fatalf("return entries %q, want none: the paid accrual is empty", moves(rc))
	}
	f.wantBalance("ann", q4, 0)
	f.wantBalance("ann", cashback.CreditAccount, 800) // the member keeps the paid credit
	if b := f.cashback("ann"); !b.Owed.IsZero() || len(b.Accrued) != 0 {
		t.Errorf("ann sees %+v, want nothing owed", b)
	}
	// The next payout pays the next quarter in full.
	f.clock.Set(feb2027)
	f.buy("ann", "a2", "300.00") // 6.00
	f.clock.Set(apr2027)
	rep := f.payout("2027-Q1")
	if !rep.Amount.Amount.Equal(dec("6")) {
		t.Errorf("paid %s, want 6.00: nothing is recovered", rep.Amount)
	}
	if got, want := moves(f.payoutReceipt("ann", "2027-Q1")), []string{"earn credit 600", "redeem cashback:2027-Q1 -600"}; !slices.Equal(got, want) {
		t.Errorf("Q1 payout moved %q, want %q", got, want)
	}
	f.wantBalance("ann", q4, 0)
	f.wantBalance("ann", cashback.CreditAccount, 1400)
}

func TestReturnAfterPayoutIsRecoveredFromTheNextPayoutWhenNegativeAllowed(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.AllowNegative, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00
	f.clock.Set(jan2027)
	f.payout("2026-Q4")
	rc := f.giveBack("ann", "a1", "100.00") // 2.00 of paid cashback
	if got, want := moves(rc), []string{"reverse cashback:2026-Q4 -200"}; !slices.Equal(got, want) {
		t.Fatalf("return moved %q, want %q", got, want)
	}
	f.wantBalance("ann", q4, -200) // the paid accrual goes negative: a debt
	f.wantBalance("ann", cashback.CreditAccount, 800)
	if b := f.cashback("ann"); !b.Owed.Amount.Equal(dec("2")) {
		t.Errorf("owed %s, want 2.00", b.Owed)
	}
	f.clock.Set(feb2027)
	f.buy("ann", "a2", "350.00")   // 7.00 in Q1
	f.wantBalance("ann", q4, -200) // a new quarter's accrual does not repay Q4 by itself
	f.clock.Set(apr2027)
	rep := f.payout("2027-Q1")
	if !rep.Amount.Amount.Equal(dec("5")) {
		t.Fatalf("report %+v, want 5.00 paid after recovering 2.00", rep)
	}
	// One receipt: 2.00 of Q1 repays Q4, the other 5.00 becomes credit.
	pr := f.payoutReceipt("ann", "2027-Q1")
	if got, want := moves(pr), []string{"earn cashback:2026-Q4 200", "earn credit 500", "redeem cashback:2027-Q1 -200", "redeem cashback:2027-Q1 -500"}; !slices.Equal(got, want) {
		t.Errorf("payout moved %q, want %q", got, want)
	}
	if len(pr.Notices) != 2 || pr.Notices[0].Kind != cashback.NoticeRecovered || pr.Notices[1].Kind != cashback.NoticePaid {
		t.Errorf("notices %+v, want recovered then paid", pr.Notices)
	}
	f.wantBalance("ann", q4, 0)
	f.wantBalance("ann", "cashback:2027-Q1", 0)
	f.wantBalance("ann", cashback.CreditAccount, 1300)
	if b := f.cashback("ann"); !b.Owed.IsZero() || len(b.Accrued) != 0 {
		t.Errorf("ann sees %+v, want nothing owed or accrued", b)
	}
}

func TestDebtLargerThanLaterAccrualStaysOwed(t *testing.T) {
	f := newFixture(t, quarterly(t, loyalty.AllowNegative, 0), nov2026)
	f.enroll("ann")
	f.buy("ann", "a1", "400.00") // 8.00
	f.clock.Set(jan2027)
	f.payout("2026-Q4")
	f.giveBack("ann", "a1", "400.00") // all 8.00 owed
	f.clock.Set(feb2027)
	f.buy("ann", "a2", "150.00") // 3.00 in Q1
	f.clock.Set(apr2027)
	rc, err := f.e.Act(ctx, "manual-payout", &loyalty.Action{Kind: cashback.PayoutAction, MemberID: "ann", Data: map[string]string{"period": "2027-Q1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := moves(rc), []string{"earn cashback:2026-Q4 300", "redeem cashback:2027-Q1 -300"}; !slices.Equal(got, want) {
		t.Errorf("payout moved %q, want %q: Q1's 3.00 repays Q4, nothing paid", got, want)
	}
	if len(rc.Notices) != 1 || rc.Notices[0].Kind != cashback.NoticeRecovered || rc.Notices[0].Detail != "3.00 USD of cashback returned after payout, from the cashback of 2027-Q1" {
		t.Fatalf("notices %+v, want 3.00 recovered", rc.Notices)
	}
	f.wantBalance("ann", q4, -500)
	f.wantBalance("ann", "cashback:2027-Q1", 0)
	b := f.cashback("ann")
	if !b.Owed.Amount.Equal(dec("5")) || len(b.Accrued) != 0 || !b.Credit.Amount.Equal(dec("8")) {
		t.Errorf("ann sees %+v, want 5.00 still owed, nothing accrued, 8.00 credit", b)
	}
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
	r, _ := cashback.NewStepped("ten-per-hundred", dec("10.00"), dec("100.00"), nil)
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
		"payout without schedule":   errOf(cashback.NewPayoutRule("x", nil)),
		"negative minimum":          errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: cashback.Monthly, Minimum: dec("-1")})),
		"negative certificate life": errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: cashback.Yearly, CertificateMonths: -1})),
		"credit into points":        errOf(cashback.NewPayoutRule("x", &cashback.Schedule{Every: cashback.Yearly, Credit: loyalty.PointsAccount})),
	} {
		if !errors.Is(err, loyalty.ErrInvalidProgram) {
			t.Errorf("%s: %v, want ErrInvalidProgram", name, err)
		}
	}
	if err := (&cashback.Schedule{}).Validate(); !errors.Is(err, loyalty.ErrInvalidProgram) {
		t.Errorf("Schedule{}.Validate() = %v", err)
	}
}

func errOf[T any](_ T, err error) error { return err }

func TestEngineRefusesUnbuiltRulesAndWritesNothing(t *testing.T) {
	for _, r := range []loyalty.Rule{&cashback.Percentage{}, &cashback.Stepped{}, &cashback.PayoutRule{}} {
		store := memory.New()
		p := &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{r}}
		if err := p.Validate(); !errors.Is(err, loyalty.ErrInvalidProgram) {
			t.Errorf("%T: Validate() = %v, want ErrInvalidProgram", r, err)
		}
		if _, err := loyalty.NewEngine(p, store, nil); !errors.Is(err, loyalty.ErrInvalidProgram) {
			t.Errorf("%T: NewEngine = %v, want ErrInvalidProgram", r, err)
		}
		if ids, _ := store.Members(ctx, "", 10); len(ids) != 0 {
			t.Errorf("%T: store has members %v", r, ids)
		}
	}
}

func TestRulesDeclareTheCashbackProgramType(t *testing.T) {
	s := &cashback.Schedule{Every: cashback.Monthly}
	st, _ := cashback.NewStepped("s", dec("1"), dec("10"), s)
	for _, r := range []loyalty.Typed{mustPercentage(t, "2", s), st, mustPayout(t, s)} {
		if r.ProgramType() != "cashback" {
			t.Errorf("%T.ProgramType() = %q", r, r.ProgramType())
		}
	}
}

func TestPeriodKeysAndDue(t *testing.T) {
	at := time.Date(2026, 11, 22, 13, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		p        cashback.Period
		key, due string
	}{{cashback.Monthly, "2026-11", "2026-10"}, {cashback.Quarterly, "2026-Q4", "2026-Q3"}, {cashback.Yearly, "2026", "2025"}} {
		s := &cashback.Schedule{Every: c.p}
		if k := s.Key(at); k != c.key {
			t.Errorf("%s key %q, want %q", c.p, k, c.key)
		}
		if d := s.Due(at); d != c.due {
			t.Errorf("%s due %q, want %q", c.p, d, c.due)
		}
		start, end, err := s.Bounds(c.key)
		if err != nil || !start.Equal(c.p.Start(at)) || !end.Equal(c.p.End(at)) {
			t.Errorf("%s bounds %v %v %v", c.p, start, end, err)
		}
	}
	if _, err := cashback.Quarterly.Parse("2026-Q5", nil); !errors.Is(err, loyalty.ErrInvalidEvent) {
		t.Errorf("Q5 parsed: %v", err)
	}
}

func TestMonthlyScheduleInTheShopsTimeZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	s := &cashback.Schedule{Every: cashback.Monthly, Location: ny}
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
	f.clock.Set(jan2027)
	f.payout("2026-Q4")
	f.giveBack("ann", "a1", "100.00") // 2.00 owed
	f.clock.Set(feb2027)
	f.buy("ann", "a2", "300.00") // 6.00 in Q1
	f.clock.Set(apr2027)
	if rep := f.payout("2027-Q1"); rep.Paid != 0 || rep.BelowMinimum != 1 {
		t.Fatalf("report %+v, want 4.00 left below the 5.00 minimum", rep)
	}
	if got, want := moves(f.payoutReceipt("ann", "2027-Q1")), []string{"earn cashback:2026-Q4 200", "redeem cashback:2027-Q1 -200"}; !slices.Equal(got, want) {
		t.Errorf("payout moved %q, want %q", got, want)
	}
	f.wantBalance("ann", q4, 0)
	f.wantBalance("ann", "cashback:2027-Q1", 400) // rolls over
	f.wantBalance("ann", cashback.CreditAccount, 800)
	f.clock.Set(time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC))
	f.buy("ann", "a3", "50.00") // 1.00 in Q2
	f.clock.Set(time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC))
	if rep := f.payout("2027-Q2"); !rep.Amount.Amount.Equal(dec("5")) {
		t.Fatalf("report %+v, want Q1's 4.00 and Q2's 1.00 paid", rep)
	}
	if got, want := moves(f.payoutReceipt("ann", "2027-Q2")), []string{"earn credit 500", "redeem cashback:2027-Q1 -400", "redeem cashback:2027-Q2 -100"}; !slices.Equal(got, want) {
		t.Errorf("payout moved %q, want %q", got, want)
	}
	if b := f.cashback("ann"); !b.Owed.IsZero() || len(b.Accrued) != 0 || !b.Credit.Amount.Equal(dec("13")) {
		t.Errorf("ann sees %+v, want 13.00 credit, nothing owed or accrued", b)
	}
}

func TestPercentageInTheProgramsOwnUnitUsesItsDeclaredDigits(t *testing.T) {
	// A house currency without a minor unit: 2% of 123 is 2.46, 2 whole
	// units. Read as two digits (the ISO default for unknown codes) it would
	// credit 246 hundredths.
	p := &loyalty.Program{Name: "mall", Currency: "MLC", Units: []loyalty.CurrencyUnit{{Code: "MLC", MinorDigits: 0}},
		Rules: []loyalty.Rule{mustPercentage(t, "2", nil)}}
	f := newFixture(t, p, nov2026)
	f.enroll("ann")
	if _, err := f.e.Earn(ctx, "o", &loyalty.Order{ID: "o", MemberID: "ann", Currency: "MLC",
		Lines: []loyalty.OrderLine{{SKU: "a", Quantity: 1, UnitPrice: dec("123")}}}); err != nil {
		t.Fatal(err)
	}
	f.wantBalance("ann", cashback.CreditAccount, 2)
}
