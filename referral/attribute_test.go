package referral_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/referral"
)

func TestAttributeGivesTheWelcomeOnce(t *testing.T) {
	f := newFixture(t, config())
	code := f.code(t, "ann")
	a := f.signup(t, "bob", code)
	assert.Equal(t, "ann", a.Referrer)
	require.NotNil(t, a.Welcome)
	require.Len(t, a.Welcome.Grants, 1)
	g := a.Welcome.Grants[0]
	assert.Equal(t, "welcome-10", g.Reward)
	assert.NotEmpty(t, g.Code)
	assert.True(t, g.Value.Amount.Equal(dec("10")))
	assert.Equal(t, start.AddDate(0, 0, 30), g.ExpiresAt)
	assert.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100}, f.balance(t, "bob"), "100 welcome points")

	// The same signup again (a retry after a crash) returns the attribution
	// and gives nothing more.
	again := f.signup(t, "bob", code)
	assert.Equal(t, "ann", again.Referrer)
	assert.Equal(t, int64(100), f.balance(t, "bob").Available)

	// Another code for bob: already referred.
	_, err := f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: f.code(t, "cat"), JoinedAt: start})
	assert.ErrorIs(t, err, referral.ErrAlreadyReferred)

	st, err := f.p.Engine().Member(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Counter("signups", ""), "one signup on ann's ledger")
}

func TestAttributeRefusalsWriteNothing(t *testing.T) {
	cfg := config()
	cfg.Velocity = referral.Velocity{Max: 2, Per: calendar.Day}
	f := newFixture(t, cfg)
	code := f.code(t, "ann")
	require.NoError(t, f.p.Remember(ctx, "ann", referral.Fingerprint{Kind: "email", Value: "ann@example.com"}))

	refused := func(t *testing.T, s referral.Signup, target error) error {
		t.Helper()
		_, err := f.p.Attribute(ctx, s)
		require.ErrorIs(t, err, target)
		_, merr := f.p.Engine().Member(ctx, s.Friend)
		assert.ErrorIs(t, merr, loyalty.ErrUnknownMember, "nothing written for %s", s.Friend)
		return err
	}

	err := refused(t, referral.Signup{Friend: "ann", Code: code, JoinedAt: start}, referral.ErrSelfReferral)
	var fe *referral.FraudError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, referral.CheckSameMember, fe.Check)
	assert.ErrorIs(t, err, referral.ErrFraud)

	err = refused(t, referral.Signup{Friend: "ann2", Code: code, JoinedAt: start,
		Fingerprints: []referral.Fingerprint{{Kind: "email", Value: "ann@example.com"}}}, referral.ErrSelfReferral)
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, referral.CheckFingerprint, fe.Check)
	assert.Equal(t, "email", fe.Kind)
	assert.NotContains(t, err.Error(), "ann@example.com", "the fingerprint's value is never told")

	err = refused(t, referral.Signup{Friend: "old", Code: code, JoinedAt: start.AddDate(0, -2, 0)}, referral.ErrAlreadyMember)
	var we *referral.WindowError
	require.True(t, errors.As(err, &we))

	refused(t, referral.Signup{Friend: "late", Code: code, JoinedAt: start.Add(-8 * 24 * time.Hour)}, referral.ErrOutsideWindow)
	refused(t, referral.Signup{Friend: "x", Code: "NOPE1234", JoinedAt: start}, loyalty.ErrUnknownCode)
	refused(t, referral.Signup{Friend: "x", Code: "bad code", JoinedAt: start}, loyalty.ErrInvalidCode)
	refused(t, referral.Signup{Friend: "x", Code: code}, loyalty.ErrInvalidEvent)

	// Velocity: two signups a day on the code, the third refused.
	f.signup(t, "bob", code)
	f.signup(t, "cat", code)
	err = refused(t, referral.Signup{Friend: "dan", Code: code, JoinedAt: start}, referral.ErrVelocity)
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, referral.CheckVelocity, fe.Check)
	assert.Equal(t, "2026-12-01", fe.Period)
	// The next day the code takes signups again.
	f.clock.Advance(24 * time.Hour)
	f.signup(t, "dan", code)

	// A member who is a referrer in the program already is not a new friend.
	f.signup(t, "eve", f.code(t, "bob"))
	_, err = f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: f.code(t, "zed"), JoinedAt: f.clock.Now()})
	assert.ErrorIs(t, err, referral.ErrAlreadyReferred)
	_, err = f.p.Attribute(ctx, referral.Signup{Friend: "ann", Code: f.code(t, "zed"), JoinedAt: f.clock.Now()})
	assert.ErrorIs(t, err, referral.ErrAlreadyMember, "ann is in the program as a referrer")
}
