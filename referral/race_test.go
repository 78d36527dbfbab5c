package referral_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/referral"
)

// Sixteen friends race to sign up on one code whose velocity is 5 a day:
// exactly five are attributed, and the referrer's ledger counts five.
func TestVelocityIsExactUnderConcurrency(t *testing.T) {
	velocityRace(t, newFixture(t, velocityConfig()))
}

func velocityConfig() referral.Config {
	cfg := config()
	cfg.Velocity = referral.Velocity{Max: 5, Per: calendar.Day}
	return cfg
}

func velocityRace(t *testing.T, f *fixture) {
	code := f.code(t, "ann")
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = f.p.Attribute(ctx, referral.Signup{Friend: fmt.Sprintf("friend-%02d", i), Code: code, JoinedAt: start})
		})
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, referral.ErrVelocity):
			refused++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	assert.Equal(t, 5, ok)
	assert.Equal(t, 11, refused)
	st, err := f.p.Engine().Member(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(5), st.Counter("signups", ""))
	s, err := f.p.Statement(ctx, "ann")
	require.NoError(t, err)
	assert.Len(t, s.Lines, 5)
}

// Sixteen referrers race to claim one friend: exactly one wins, the others
// are told the friend was referred already, and only the winner's ledger
// counts a signup.
func TestOneFriendIsAttributedOnceUnderConcurrency(t *testing.T) {
	f := newFixture(t, config())
	codes := make([]string, 16)
	for i := range codes {
		codes[i] = f.code(t, fmt.Sprintf("ref-%02d", i))
	}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = f.p.Attribute(ctx, referral.Signup{Friend: "bob", Code: codes[i], JoinedAt: start})
		})
	}
	wg.Wait()
	winners := 0
	for _, err := range errs {
		if err == nil {
			winners++
			continue
		}
		assert.ErrorIs(t, err, referral.ErrAlreadyReferred)
	}
	assert.Equal(t, 1, winners)
	st, err := f.p.Engine().Member(ctx, "bob")
	require.NoError(t, err)
	signups := int64(0)
	for i := range codes {
		s, err := f.p.Engine().Member(ctx, fmt.Sprintf("ref-%02d", i))
		if errors.Is(err, loyalty.ErrUnknownMember) {
			continue
		}
		require.NoError(t, err)
		signups += s.Counter("signups", "")
	}
	assert.Equal(t, int64(1), signups)
	assert.Equal(t, int64(100), f.balance(t, "bob").Available, "one welcome")
	_ = st
}

// Eight friends' first orders race against a monthly cap of 3: exactly
// three rewards are written, the other five are refused by the cap.
func TestMonthlyCapIsExactUnderConcurrency(t *testing.T) {
	cfg := config()
	cfg.MonthlyCap = 3
	f := newFixture(t, cfg)
	code := f.code(t, "ann")
	for i := range 8 {
		f.signup(t, fmt.Sprintf("f%d", i), code)
	}
	var wg sync.WaitGroup
	outs := make([]*referral.Outcome, 8)
	errs := make([]error, 8)
	for i := range outs {
		wg.Go(func() {
			outs[i], errs[i] = f.p.OnOrder(ctx, order(fmt.Sprintf("o%d", i), fmt.Sprintf("f%d", i), start, "60"))
		})
	}
	wg.Wait()
	paid, capped := 0, 0
	for i, out := range outs {
		require.NoError(t, errs[i])
		if out.Refusal != nil {
			assert.ErrorIs(t, out.Refusal, referral.ErrCapReached)
			capped++
			continue
		}
		paid++
	}
	assert.Equal(t, 3, paid)
	assert.Equal(t, 5, capped)
	assert.Equal(t, int64(1500), f.balance(t, "ann").Pending)
}
