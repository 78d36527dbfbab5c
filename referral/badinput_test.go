package referral_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/referral"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// ledgers is what a refusal must leave as it was: the referrer's and the
// friend's ledgers in both programs, and the code's velocity counter.
type ledgers struct {
	annRef, annShop, bobShop []ledger.Entry
	bobRef                   error
	velocity                 int64
}

func (f *shopFixture) ledgers(t *testing.T, code string) ledgers {
	t.Helper()
	var l ledgers
	var err error
	l.annRef, err = f.p.Engine().History(ctx, "ann", ledger.EntryID{}, 100)
	if errors.Is(err, loyalty.ErrUnknownMember) {
		err = nil
	}
	require.NoError(t, err)
	l.annShop, err = f.shop.History(ctx, "ann", ledger.EntryID{}, 100)
	require.NoError(t, err)
	l.bobShop, err = f.shop.History(ctx, "bob", ledger.EntryID{}, 100)
	require.NoError(t, err)
	_, l.bobRef = f.p.Engine().Member(ctx, "bob")
	sc, err := f.p.Engine().SharedCounter(ctx, "referral.velocity:"+code, "2026-12-01")
	require.NoError(t, err)
	l.velocity = sc.Claimed
	return l
}

// The bad input, each a typed error that writes nothing: an unknown
// or malformed code, a code of another program, a friend who joined before
// the campaign, an attribution after the window, a commission over 100%, a
// negative reward.
func TestBadInputIsATypedErrorAndWritesNothing(t *testing.T) {
	cfg := ambassadorConfig()
	cfg.Velocity = referral.Velocity{Max: 5, Per: calendar.Day}
	f := newShop(t, cfg)
	f.join(t, "ann", "bob")
	code := f.code(t, "ann")
	_, err := f.shop.Earn(ctx, "earn/A-1", order("A-1", "ann", start, "30"))
	require.NoError(t, err)
	// A code of another program: the shop's own coupon.
	require.NoError(t, f.shop.ReserveCode(ctx, ledger.Code{Code: "SHOP10", Kind: "coupon", Owner: "ann"}))
	before := f.ledgers(t, code)
	assert.ErrorIs(t, before.bobRef, loyalty.ErrUnknownMember)

	signup := func(code string, joined time.Time) error {
		_, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code, JoinedAt: joined})
		return err
	}
	var we *referral.WindowError
	var ve *loyalty.ValidationError
	for name, c := range map[string]struct {
		err    error
		target error
		as     any
	}{
		"unknown code":            {signup("NOPE1234", start), loyalty.ErrUnknownCode, nil},
		"malformed code":          {signup("bad code", start), loyalty.ErrInvalidCode, &ve},
		"empty code":              {signup("", start), loyalty.ErrInvalidCode, &ve},
		"code of another program": {signup("SHOP10", start), loyalty.ErrUnknownCode, nil},
		"joined before the start": {signup(code, start.AddDate(0, -2, 0)), referral.ErrAlreadyMember, &we},
		"after the window":        {signup(code, start.Add(-8*24*time.Hour)), referral.ErrOutsideWindow, &we},
		"commission, unknown code": {func() error {
			_, err := f.p.Commission(ctx, "NOPE1234", order("S-1", "bob", start, "10"))
			return err
		}(), loyalty.ErrUnknownCode, nil},
		"commission, not an ambassador": {func() error {
			_, err := f.p.Commission(ctx, code, order("S-1", "bob", start, "10"))
			return err
		}(), referral.ErrNotAmbassador, nil},
		"negative payout": {func() error {
			_, err := f.p.PayOut(ctx, "payout", "ann", -5)
			return err
		}(), loyalty.ErrInvalidAmount, &ve},
		"order of no one referred": {func() error {
			_, err := f.p.OnOrder(ctx, order("A-2", "ann", start, "60"))
			return err
		}(), referral.ErrNotReferred, nil},
		"return of no one referred": {func() error {
			_, err := f.p.OnReturn(ctx, &loyalty.Return{ID: "R", OrderID: "A-1", MemberID: "ann", ReturnedAt: start, Amount: dec("1")})
			return err
		}(), referral.ErrNotReferred, nil},
	} {
		require.ErrorIs(t, c.err, c.target, name)
		if c.as != nil {
			assert.True(t, errors.As(c.err, c.as), "%s: %T", name, c.err)
		}
		assert.Equal(t, before, f.ledgers(t, code), "%s wrote nothing", name)
	}
	require.True(t, errors.As(signup(code, start.AddDate(0, -2, 0)), &we))
	assert.Equal(t, start.AddDate(0, -1, 0), we.Limit, "the campaign's start")

	// A commission over 100% and a negative reward never make a program,
	// so nothing can be written with them.
	for name, mod := range map[string]func(*referral.Config){
		"commission over 100%":     func(c *referral.Config) { c.Ambassador.Commission = dec("100.01") },
		"negative commission":      func(c *referral.Config) { c.Ambassador.Commission = dec("-5") },
		"negative referrer reward": func(c *referral.Config) { c.ReferrerPoints = -500 },
		"negative friend reward":   func(c *referral.Config) { c.FriendPoints = -1 },
		"negative welcome":         func(c *referral.Config) { c.Welcome.Points = -100 },
	} {
		c := config()
		mod(&c)
		c.CreditTo = f.shop.Program()
		p, err := referral.New(c, crashStore{sharedStore: nil, c: &crashes{}}, nil)
		require.ErrorIs(t, err, referral.ErrInvalidConfig, name)
		assert.Nil(t, p)
		assert.ErrorIs(t, c.Validate(), referral.ErrInvalidConfig, name)
	}
	assert.Equal(t, before, f.ledgers(t, code))
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Pending: 30}, f.points(t, "ann"))
}

// Fingerprints are kept hashed: the raw email is nowhere in the database
// file, yet a second account with it is refused.
func TestFingerprintsAreStoredHashedNeverRaw(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	store, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	require.NoError(t, store.Migrate(ctx))
	f := newFixtureOn(t, config(), store)
	code := f.code(t, "ann")
	require.NoError(t, f.p.Remember(ctx, "ann", referral.Fingerprint{Kind: "email", Value: "ann.secret@example.com"}))
	f.clock.Advance(time.Minute)
	_, err = f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: code, JoinedAt: f.clock.Now(),
		Fingerprints: []referral.Fingerprint{{Kind: "phone", Value: "+15550001111"}, {Kind: "device", Value: "device-7f3a-raw"}}})
	require.NoError(t, err)
	_, err = f.p.Attribute(ctx, referral.Signup{Friend: "ann2", Code: code, JoinedAt: f.clock.Now(),
		Fingerprints: []referral.Fingerprint{{Kind: "email", Value: "ann.secret@example.com"}}})
	require.ErrorIs(t, err, referral.ErrSelfReferral)
	require.NoError(t, store.Close())
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		b, err := os.ReadFile(path + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		require.NoError(t, err)
		for _, raw := range []string{"ann.secret@example.com", "+15550001111", "device-7f3a-raw"} {
			assert.False(t, strings.Contains(string(b), raw), "%s holds %s", path+suffix, raw)
		}
		if suffix == "" {
			assert.True(t, strings.Contains(string(b), code), "the file is readable: it holds the referral code")
		}
	}
}

// Precedence when a checkout carries a coupon and a referral code: the
// coupon is price, the referral code attribution. A friend's first order
// paid partly with a coupon qualifies on its value after the discount; an
// ambassador's commission is on the value after the discount.
func TestCouponAndReferralCodeOnOneOrder(t *testing.T) {
	cfg := ambassadorConfig()
	f := newFixture(t, cfg)
	code := f.code(t, "ann")
	a := f.signup(t, "bob", code)
	coupon := a.Welcome.Grants[0].Code
	f.signup(t, "cat", code)

	// 55.00 less the 10.00 welcome coupon: 45.00, below the 50.00 minimum.
	o := order("B-1", "bob", start, "55.00")
	o.Discount, o.Codes = dec("10"), []string{coupon}
	out, err := f.p.OnOrder(ctx, o)
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonBelowMinimum, out.Reason)
	// 70.00 less 10.00: 60.00, qualifies.
	o = order("C-1", "cat", start, "70.00")
	o.Discount, o.Codes = dec("10"), []string{"SHOP-COUPON"}
	out, err = f.p.OnOrder(ctx, o)
	require.NoError(t, err)
	assert.Equal(t, referral.ReasonPending, out.Reason)

	_, err = f.p.Promote(ctx, "promote/ann", "ann", "by hand")
	require.NoError(t, err)
	s := order("S-1", "zoe", start, "80.00")
	s.Discount, s.Codes = dec("20"), []string{"SUMMER20"}
	_, err = f.p.Commission(ctx, code, s)
	require.NoError(t, err)
	b, err := f.p.Engine().AccountBalance(ctx, "ann", referral.Payable)
	require.NoError(t, err)
	assert.Equal(t, int64(600), b.Available, "10% of 80.00 - 20.00")
}
