package referral_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/referral"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// sharedStore is a program's view of the memory store.
type sharedStore interface {
	loyalty.Store
	loyalty.SharedStore
}

// crashStore is a store whose commits crash when the test says: before the
// commit (nothing written) or after it (written, the reply lost).
type crashStore struct {
	sharedStore
	program string
	c       *crashes
}

type crashes struct {
	mu sync.Mutex
	// at decides, per change, whether to crash, and whether after committing.
	at func(program string, c *loyalty.Change) (crash, after bool)
	n  int
}

var errCrash = errors.New("test: crash")

func (s crashStore) ForProgram(id string) (loyalty.Store, error) {
	v, err := s.sharedStore.(loyalty.ProgramStore).ForProgram(id)
	if err != nil {
		return nil, err
	}
	return crashStore{v.(sharedStore), id, s.c}, nil
}

func (s crashStore) Commit(ctx context.Context, ch *loyalty.Change) (*loyalty.Receipt, error) {
	s.c.mu.Lock()
	crash, after := false, false
	if s.c.at != nil {
		crash, after = s.c.at(s.program, ch)
	}
	if crash {
		s.c.n++
		s.c.at = nil // one crash
	}
	s.c.mu.Unlock()
	if crash && !after {
		return nil, errCrash
	}
	r, err := s.sharedStore.Commit(ctx, ch)
	if crash && err == nil {
		return nil, errCrash
	}
	return r, err
}

// crashOn crashes the first commit to program whose key starts with prefix.
func (c *crashes) crashOn(program, prefix string, after bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = func(p string, ch *loyalty.Change) (bool, bool) {
		return p == program && strings.HasPrefix(ch.Key, prefix), after
	}
}

// shopFixture is a shop: a points program (1 point per 1.00, held 14 days,
// expiring after a year) and the referral program crediting it, on one
// memory store that crashes on demand.
type shopFixture struct {
	clock   *loyalty.ManualClock
	shop    *loyalty.Engine
	p       *referral.Program
	crashes *crashes
}

func shopProgram(t testing.TB) *loyalty.Program {
	rate, err := points.NewRate("base-rate", 1, dec("1"))
	require.NoError(t, err)
	return &loyalty.Program{ID: "points", Name: "Acme Rewards", Currency: "USD", Rules: []loyalty.Rule{rate, referral.Spendable()}, PendingDays: 14,
		Expiry: points.AfterDays(365)}
}

func newShop(t testing.TB, cfg referral.Config) *shopFixture {
	t.Helper()
	c := &crashes{}
	f := newShopOn(t, cfg, crashStore{memory.New(), loyalty.DefaultProgram, c})
	f.crashes = c
	return f
}

// newShopOn is newShop on another store (that does not crash).
func newShopOn(t testing.TB, cfg referral.Config, store loyalty.Store) *shopFixture {
	t.Helper()
	f := &shopFixture{clock: loyalty.NewManualClock(start)}
	prog := shopProgram(t)
	var err error
	f.shop, err = loyalty.NewEngine(prog, store, &loyalty.EngineOptions{Clock: f.clock, Random: bytes.NewReader(make([]byte, 32))})
	require.NoError(t, err)
	cfg.CreditTo = f.shop.Program()
	f.p, err = referral.New(cfg, store, &loyalty.EngineOptions{Clock: f.clock, Random: bytes.NewReader(make([]byte, 32))})
	require.NoError(t, err)
	return f
}

func (f *shopFixture) join(t testing.TB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		_, err := f.shop.Enroll(ctx, "enroll/"+id, loyalty.Member{ID: id, JoinedAt: f.clock.Now()})
		require.NoError(t, err)
	}
}

func (f *shopFixture) points(t testing.TB, member string) ledger.Balance {
	t.Helper()
	b, err := f.shop.Balance(ctx, member)
	require.NoError(t, err)
	return b
}

func (f *shopFixture) code(t testing.TB, member string) string {
	t.Helper()
	c, err := f.p.CodeFor(ctx, member)
	require.NoError(t, err)
	return c.Code
}

func TestRewardsAreCreditedToTheShopsPointsProgram(t *testing.T) {
	f := newShop(t, config())
	f.join(t, "ann", "bob")
	code := f.code(t, "ann")
	// Ann's own order earns her 30 points in the shop.
	_, err := f.shop.Earn(ctx, "earn/A-1", order("A-1", "ann", start, "30"))
	require.NoError(t, err)

	a, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code, JoinedAt: start})
	require.NoError(t, err)
	require.Len(t, a.Welcome.Grants, 1)
	assert.Equal(t, "welcome-10", a.Welcome.Grants[0].Reward)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100}, f.points(t, "bob"), "the welcome in the shop's points")
	st, err := f.shop.Member(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Balance(ledger.RewardsAccount).Available, "the welcome coupon is a grant of the shop's program")
	c, err := f.shop.Code(ctx, a.Welcome.Grants[0].Code)
	require.NoError(t, err, "its code is the shop's, usable at checkout")
	assert.Equal(t, "bob", c.Owner)
	ref, err := f.p.Engine().Balance(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, ref, "nothing in the referral program's own points")

	// A retry returns the same welcome and gives nothing more.
	again, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code, JoinedAt: start})
	require.NoError(t, err)
	assert.True(t, again.Welcome.Replayed)
	assert.Equal(t, a.Welcome.Grants[0].Code, again.Welcome.Grants[0].Code)
	assert.Equal(t, int64(100), f.points(t, "bob").Available)

	// Bob's first order: 80 points of his own from the shop, 200 from the
	// referral, held; ann's 500 held beside her 30.
	f.clock.Advance(time.Hour)
	o := order("B-1", "bob", start.Add(time.Hour), "80")
	_, err = f.shop.Earn(ctx, "earn/B-1", o)
	require.NoError(t, err)
	out, err := f.p.OnOrder(ctx, o)
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Pending: 530}, f.points(t, "ann"), "30 + 500, both held 14 days")
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100, Pending: 280}, f.points(t, "bob"), "100 + 80 + 200")
	memo, err := f.p.Engine().AccountBalance(ctx, "ann", referral.CreditedPoints)
	require.NoError(t, err)
	assert.Equal(t, int64(500), memo.Available, "the referral program's memo of the credit")
	s, err := f.p.Statement(ctx, "ann")
	require.NoError(t, err)
	require.Len(t, s.Lines, 1)
	assert.Equal(t, referral.ReasonPending, s.Lines[0].Status)
	assert.Equal(t, int64(500), s.PendingPoints)
	assert.Equal(t, start.Add(time.Hour).AddDate(0, 0, 14), s.Lines[0].AvailableAt)

	// After the window ann spends all 530 in the shop, as one balance.
	f.clock.Set(start.Add(time.Hour).AddDate(0, 0, 14))
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 530}, f.points(t, "ann"))
	_, err = f.shop.Adjust(ctx, "spend/ann", "ann", -530, "a gift")
	require.NoError(t, err)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, f.points(t, "ann"))
	s, err = f.p.Statement(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPaid, s.Lines[0].Status)
	assert.Equal(t, "paid: order B-1 kept past its return window, credited to program points", s.Lines[0].Detail)
	assert.Equal(t, int64(500), s.PaidPoints)

	// The reward's lot expires by the shop's policy: a year after the order.
	es, err := f.shop.History(ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	var reward *ledger.Entry
	for i := range es {
		if es[i].Amount+es[i].Pending == 500 {
			reward = &es[i]
		}
	}
	require.NotNil(t, reward)
	assert.Equal(t, ledger.EntryEarn, reward.Kind)
	assert.NotEqual(t, "B-1", reward.Ref, "recorded under an ID of its own, apart from the host's orders")
}

func TestReturnInTheWindowVoidsTheCreditedRewards(t *testing.T) {
	creditedAndVoided(t, newShop(t, config()))
}

// creditedAndVoided: bob's order credits ann and bob in the shop's points,
// its return in the window voids both there.
func creditedAndVoided(t *testing.T, f *shopFixture) {
	f.join(t, "ann", "bob")
	_, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: f.code(t, "ann"), JoinedAt: start})
	require.NoError(t, err)
	_, err = f.p.OnOrder(ctx, order("B-1", "bob", start, "80"))
	require.NoError(t, err)
	f.clock.Advance(3 * 24 * time.Hour)
	voided, err := f.p.OnReturn(ctx, &loyalty.Return{ID: "R-1", OrderID: "B-1", MemberID: "bob", ReturnedAt: f.clock.Now(), Amount: dec("80")})
	require.NoError(t, err)
	assert.True(t, voided)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, f.points(t, "ann"), "ann's 500 voided in the shop")
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100}, f.points(t, "bob"), "bob keeps the welcome, loses the 200")
	memo, err := f.p.Engine().AccountBalance(ctx, "ann", referral.CreditedPoints)
	require.NoError(t, err)
	assert.Equal(t, int64(0), memo.Available)
	st, err := f.p.Engine().Member(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(0), st.Counter("rewarded", ""), "the voided reward counts against no cap")
	s, err := f.p.Statement(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonReturned, s.Lines[0].Status)
	assert.Equal(t, int64(500), s.Returned)
}

func TestCreditNeedsMembersOfThePointsProgramAndWritesNothingWithout(t *testing.T) {
	f := newShop(t, config())
	f.join(t, "ann")
	code := f.code(t, "ann")
	_, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code, JoinedAt: start})
	var ne *referral.NotEnrolledError
	require.True(t, errors.As(err, &ne), "%v", err)
	assert.Equal(t, "friend", ne.Role)
	assert.Equal(t, "points", ne.Program)
	assert.ErrorIs(t, err, referral.ErrNotEnrolled)
	assert.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, err = f.p.Engine().Member(ctx, "bob")
	assert.ErrorIs(t, err, loyalty.ErrUnknownMember, "no attribution written")

	// A referrer outside the shop's program: refused too.
	f.join(t, "bob")
	_, err = f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: f.code(t, "zed"), JoinedAt: start})
	require.True(t, errors.As(err, &ne))
	assert.Equal(t, "referrer", ne.Role)
	_, err = f.p.Engine().Member(ctx, "bob")
	assert.ErrorIs(t, err, loyalty.ErrUnknownMember)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, f.points(t, "bob"), "no welcome")
}

func TestConfigCreditToMustBeAnotherProgramInTheSameCurrency(t *testing.T) {
	cfg := config()
	cfg.CreditTo = &loyalty.Program{ID: "referral", Currency: "USD"}
	assert.ErrorIs(t, cfg.Validate(), referral.ErrInvalidConfig)
	cfg.CreditTo = &loyalty.Program{ID: "points", Currency: "EUR"}
	err := cfg.Validate()
	assert.ErrorIs(t, err, referral.ErrInvalidConfig)
	assert.ErrorIs(t, err, loyalty.ErrCurrencyMismatch)
	cfg.CreditTo = &loyalty.Program{ID: "points", Currency: "USD"}
	cfg.Ambassador.Account = ledger.PointsAccount
	assert.ErrorIs(t, cfg.Validate(), referral.ErrInvalidConfig, "commission is not points")
}

// A crash between the referral program's record of the reward and its
// credit in the shop's program, before or after the credit's commit: the
// retried OnOrder credits exactly once.
func TestCrashBetweenTheRecordAndTheCreditIsCompletedOnceByTheRetry(t *testing.T) {
	for _, after := range []bool{false, true} {
		f := newShop(t, config())
		f.join(t, "ann", "bob")
		_, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: f.code(t, "ann"), JoinedAt: start})
		require.NoError(t, err)
		f.crashes.crashOn("points", "referral:referral/reward/", after)
		o := order("B-1", "bob", start, "80")
		_, err = f.p.OnOrder(ctx, o)
		require.ErrorIs(t, err, errCrash)
		memo, err := f.p.Engine().AccountBalance(ctx, "ann", referral.CreditedPoints)
		require.NoError(t, err)
		assert.Equal(t, int64(500), memo.Available, "the record committed")
		want := int64(0)
		if after {
			want = 500
		}
		assert.Equal(t, want, f.points(t, "ann").Pending, "after=%v: the credit's commit", after)
		s, err := f.p.Statement(ctx, "ann")
		require.NoError(t, err)
		assert.Equal(t, referral.ReasonPending, s.Lines[0].Status)

		for range 2 {
			out, err := f.p.OnOrder(ctx, o)
			require.NoError(t, err)
			assert.Equal(t, referral.ReasonPending, out.Reason)
			assert.Equal(t, int64(500), f.points(t, "ann").Pending, "after=%v: credited once", after)
			assert.Equal(t, int64(200), f.points(t, "bob").Pending)
		}
		st, err := f.p.Engine().Member(ctx, "ann")
		require.NoError(t, err)
		assert.Equal(t, int64(1), st.Counter("rewarded", ""), "counted once")
		assert.Equal(t, 1, f.crashes.n)
	}
}

// A crash at the welcome's write (after the attribution committed) and at
// the void's credit: each retry completes the rest, once.
func TestCrashAtTheWelcomeAndAtTheVoidAreCompletedOnce(t *testing.T) {
	f := newShop(t, config())
	f.join(t, "ann", "bob")
	code := f.code(t, "ann")
	f.crashes.crashOn("points", "referral:referral/welcome/", true)
	_, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code, JoinedAt: start})
	require.ErrorIs(t, err, errCrash)
	a, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code, JoinedAt: start})
	require.NoError(t, err)
	assert.True(t, a.Welcome.Replayed)
	assert.Equal(t, int64(100), f.points(t, "bob").Available, "one welcome")

	_, err = f.p.OnOrder(ctx, order("B-1", "bob", start, "80"))
	require.NoError(t, err)
	f.crashes.crashOn("points", "referral:referral/void/", false)
	ret := &loyalty.Return{ID: "R-1", OrderID: "B-1", MemberID: "bob", ReturnedAt: start.Add(time.Hour), Amount: dec("80")}
	_, err = f.p.OnReturn(ctx, ret)
	require.ErrorIs(t, err, errCrash)
	assert.Equal(t, int64(500), f.points(t, "ann").Pending, "not voided yet in the shop")
	for range 2 {
		voided, err := f.p.OnReturn(ctx, ret)
		require.NoError(t, err)
		assert.True(t, voided)
		assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, f.points(t, "ann"))
		assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100}, f.points(t, "bob"))
	}
}

// Store-credit commission lands in the shop's program, spendable there;
// a return reverses it there; a crash before the credit is completed once.
func TestStoreCreditCommissionIsCreditedToTheShop(t *testing.T) {
	cfg := ambassadorConfig()
	cfg.Ambassador.Payable = false
	f := newShop(t, cfg)
	f.join(t, "ann", "zoe")
	code := f.code(t, "ann")
	_, err := f.p.Promote(ctx, "promote/ann", "ann", "by hand")
	require.NoError(t, err)

	f.crashes.crashOn("points", "referral:referral/commission/", false)
	o := order("S-1", "zoe", start, "80.00")
	o.Codes = []string{"SHOP-COUPON"} // the shop's coupon: price, not attribution
	_, err = f.p.Commission(ctx, code, o)
	require.ErrorIs(t, err, errCrash)
	r, err := f.p.Commission(ctx, code, o)
	require.NoError(t, err)
	require.Len(t, r.Entries, 1)
	assert.Equal(t, referral.StoreCredit, r.Entries[0].Account)
	credit, err := f.shop.AccountBalance(ctx, "ann", referral.StoreCredit)
	require.NoError(t, err)
	assert.Equal(t, int64(800), credit.Available, "10% of 80.00, once, in the shop's ledger")
	_, err = f.p.Commission(ctx, code, o)
	require.NoError(t, err)
	credit, err = f.shop.AccountBalance(ctx, "ann", referral.StoreCredit)
	require.NoError(t, err)
	assert.Equal(t, int64(800), credit.Available, "a retry credits nothing more")

	// A quarter comes back: 2.00 reversed there.
	_, err = f.p.OnReturn(ctx, &loyalty.Return{ID: "R-1", OrderID: "S-1", MemberID: "zoe", ReturnedAt: start, Amount: dec("20.00")})
	require.NoError(t, err)
	credit, err = f.shop.AccountBalance(ctx, "ann", referral.StoreCredit)
	require.NoError(t, err)
	assert.Equal(t, int64(600), credit.Available)
	s, err := f.p.AmbassadorStatement(ctx, "ann", start.AddDate(0, 0, -1), start.AddDate(0, 0, 1))
	require.NoError(t, err)
	assert.Equal(t, []string{"S-1"}, s.Orders)
	assert.Equal(t, referral.CreditedCommission, s.Account)
	assert.Equal(t, int64(800), s.Earned)
	assert.Equal(t, int64(200), s.Reversed)
	assert.Equal(t, int64(600), s.Balance)

	// Ann spends it at the shop's checkout.
	_, err = f.shop.Redeem(ctx, "redeem/A-9", loyalty.Redemption{ID: "A-9", MemberID: "ann", OrderID: "A-9",
		Total: money.Money{Amount: dec("25"), Currency: "USD"}, Points: 600, Account: referral.StoreCredit})
	require.NoError(t, err)
	credit, err = f.shop.AccountBalance(ctx, "ann", referral.StoreCredit)
	require.NoError(t, err)
	assert.Equal(t, int64(0), credit.Available)

	// An ambassador outside the shop's program: refused, nothing written.
	_, err = f.p.Promote(ctx, "promote/bea", "bea", "staff")
	require.NoError(t, err)
	_, err = f.p.Commission(ctx, f.code(t, "bea"), order("S-2", "zoe", start, "10"))
	assert.ErrorIs(t, err, referral.ErrNotEnrolled)
	b, err := f.p.Engine().AccountBalance(ctx, "bea", referral.CreditedCommission)
	require.NoError(t, err)
	assert.Equal(t, int64(0), b.Available)
}

// Review, the monthly cap and a void with CreditTo: the points program sees
// only the rewards the referral program decided, and a voided one frees its
// place under the cap.
func TestReviewAndCapsDecideWhatIsCreditedToTheShop(t *testing.T) {
	cfg := config()
	cfg.MonthlyCap, cfg.FriendPoints = 2, 0
	f := newShop(t, cfg)
	f.join(t, "ann", "bob", "cat", "dan", "eve")
	code := f.code(t, "ann")
	for _, fr := range []string{"bob", "cat", "dan", "eve"} {
		_, err := f.p.Attribute(ctx, referral.Signup{Friend: fr, Code: code, JoinedAt: start, Review: fr == "dan"})
		require.NoError(t, err)
	}
	pending := func() int64 { return f.points(t, "ann").Pending }

	_, err := f.p.OnOrder(ctx, order("B-1", "bob", start, "60"))
	require.NoError(t, err)
	assert.Equal(t, int64(500), pending())
	out, err := f.p.OnOrder(ctx, order("D-1", "dan", start, "60"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPendingReview, out.Reason)
	assert.Equal(t, int64(500), pending(), "nothing credited before review")
	out, err = f.p.Approve(ctx, "dan")
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason)
	require.NotNil(t, out.ReferrerReward)
	assert.Equal(t, int64(500), out.ReferrerReward.Entries[0].Pending, "the credit's receipt, in the shop's ledger")
	assert.Equal(t, int64(1000), pending())

	out, err = f.p.OnOrder(ctx, order("C-1", "cat", start, "60"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonCapMonth, out.Reason)
	assert.ErrorIs(t, out.Refusal, referral.ErrCapReached)
	assert.Nil(t, out.ReferrerReward, "nothing credited")
	assert.NotNil(t, out.ReferrerRecord, "the refusal is recorded in the referral program")
	assert.Equal(t, int64(1000), pending())

	_, err = f.p.OnReturn(ctx, &loyalty.Return{ID: "R", OrderID: "B-1", MemberID: "bob", ReturnedAt: start.Add(time.Hour), Amount: dec("60")})
	require.NoError(t, err)
	assert.Equal(t, int64(500), pending())
	f.clock.Advance(2 * time.Hour)
	out, err = f.p.OnOrder(ctx, order("E-1", "eve", f.clock.Now(), "60"))
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason, "bob's voided reward freed its place")
	assert.Equal(t, int64(1000), pending())
	memo, err := f.p.Engine().AccountBalance(ctx, "ann", referral.CreditedPoints)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), memo.Available, "the memo agrees with the shop")
}
