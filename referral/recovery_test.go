package referral_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/referral"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// A crash after the friend's enrolment, before the referrer's write: the
// same Attribute again completes it, and the welcome is not given twice.
func TestAttributeAfterACrashCompletesTheReferrersWrite(t *testing.T) {
	f := newFixture(t, config())
	code := f.code(t, "ann")
	// What Attribute's first write commits, alone.
	_, err := f.p.Engine().Enroll(ctx, "referral/attribute/bob", loyalty.Member{ID: "bob", JoinedAt: start,
		Attributes: map[string]string{"referrer": "ann", "code": code}})
	require.NoError(t, err)
	s, err := f.p.Statement(ctx, "ann")
	require.NoError(t, err)
	assert.Empty(t, s.Lines, "the referrer's write is missing")

	a := f.signup(t, "bob", code)
	assert.Equal(t, "ann", a.Referrer)
	s, err = f.p.Statement(ctx, "ann")
	require.NoError(t, err)
	require.Len(t, s.Lines, 1)
	assert.Equal(t, "bob", s.Lines[0].Friend)
	assert.Equal(t, int64(100), f.balance(t, "bob").Available, "one welcome")
}

// A crash after the friend's order, before the referrer's reward (or
// after its commit, the reply lost): the same OnOrder again writes the
// reward, once.
func TestOnOrderAfterACrashWritesTheRewardOnce(t *testing.T) {
	for _, after := range []bool{false, true} {
		c := &crashes{}
		f := newFixtureOn(t, config(), crashStore{memory.New(), loyalty.DefaultProgram, c})
		f.signup(t, "bob", f.code(t, "ann"))
		o := order("o1", "bob", start, "80")
		c.crashOn("referral", "referral/reward/", after)
		_, err := f.p.OnOrder(ctx, o)
		require.ErrorIs(t, err, errCrash)
		want := int64(0)
		if after {
			want = 500
		}
		assert.Equal(t, want, f.balance(t, "ann").Pending)
		assert.Equal(t, int64(0), f.balance(t, "bob").Pending, "the friend's reward comes after")
		for range 2 {
			out, err := f.p.OnOrder(ctx, o)
			require.NoError(t, err)
			assert.Equal(t, referral.ReasonPending, out.Reason)
		}
		assert.Equal(t, int64(500), f.balance(t, "ann").Pending)
		assert.Equal(t, int64(200), f.balance(t, "bob").Pending)
		st, err := f.p.Engine().Member(ctx, "ann")
		require.NoError(t, err)
		assert.Equal(t, int64(1), st.Counter("rewarded", ""))
	}
}
