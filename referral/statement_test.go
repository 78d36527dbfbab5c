package referral_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/referral"
)

func TestStatementSaysWhoSignedUpQualifiedIsPendingAndPaid(t *testing.T) {
	cfg := config()
	cfg.MonthlyCap = 2
	f := newFixture(t, cfg)
	code := f.code(t, "ann")
	for _, fr := range []string{"bob", "cat", "dan", "eve"} {
		f.signup(t, fr, code)
	}
	_, err := f.p.Attribute(ctx, referral.Signup{Friend: "fay", Code: code, JoinedAt: start, Review: true})
	require.NoError(t, err)
	day0 := f.clock.Now()
	_, err = f.p.OnOrder(ctx, order("o-bob", "bob", day0, "60"))
	require.NoError(t, err)
	f.clock.Advance(20 * 24 * time.Hour) // bob's window passed
	day20 := f.clock.Now()
	_, err = f.p.OnOrder(ctx, order("o-cat", "cat", day20, "60"))
	require.NoError(t, err)
	_, err = f.p.OnReturn(ctx, &loyalty.Return{ID: "r", OrderID: "o-cat", MemberID: "cat", ReturnedAt: day20, Amount: dec("60")})
	require.NoError(t, err)
	_, err = f.p.OnOrder(ctx, order("o-dan", "dan", day20, "60"))
	require.NoError(t, err)
	_, err = f.p.OnOrder(ctx, order("o-eve", "eve", day20, "60"))
	require.NoError(t, err)

	s, err := f.p.Statement(ctx, "ann")
	require.NoError(t, err)
	require.Len(t, s.Lines, 5)
	got := map[string]referral.Reason{}
	for _, l := range s.Lines {
		got[l.Friend] = l.Status
	}
	assert.Equal(t, map[string]referral.Reason{
		"bob": referral.ReasonPaid,
		"cat": referral.ReasonReturned,
		"dan": referral.ReasonPending,
		"eve": referral.ReasonCapMonth, // December's cap of 2: bob and dan (cat's voided reward no longer counts)
		"fay": referral.ReasonPendingReview,
	}, got)
	assert.Equal(t, "bob", s.Lines[0].Friend, "oldest first")
	assert.Equal(t, 5, s.SignedUp)
	assert.Equal(t, 4, s.Qualified)
	assert.Equal(t, 1, s.Pending)
	assert.Equal(t, int64(500), s.PendingPoints)
	assert.Equal(t, 1, s.Paid)
	assert.Equal(t, int64(500), s.PaidPoints)
	assert.Equal(t, int64(500), s.Returned)
	assert.Equal(t, day20.AddDate(0, 0, 14), s.Lines[2].AvailableAt)

	empty, err := f.p.Statement(ctx, "nobody")
	require.NoError(t, err)
	assert.Empty(t, empty.Lines)
}
