package referral_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/referral"
)

func TestCodeForIsStableAndResolvesToItsMember(t *testing.T) {
	f := newFixture(t, config())
	c1, err := f.p.CodeFor(ctx, "ann")
	require.NoError(t, err)
	c2, err := f.p.CodeFor(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, c1.Code, c2.Code, "a second call returns the same code")
	assert.Len(t, c1.Code, 8)
	assert.Equal(t, referral.CodeKind, c1.Kind)
	bob, err := f.p.CodeFor(ctx, "bob")
	require.NoError(t, err)
	assert.NotEqual(t, c1.Code, bob.Code)

	who, err := f.p.Resolve(ctx, c1.Code)
	require.NoError(t, err)
	assert.Equal(t, "ann", who)

	link, err := referral.Link("https://shop.example/join", "", c1.Code)
	require.NoError(t, err)
	assert.Equal(t, "https://shop.example/join?ref="+c1.Code, link)
}

func TestCodesDependOnTheSecret(t *testing.T) {
	a := newFixture(t, config())
	cfg := config()
	cfg.Secret = []byte("another secret of enough bytes")
	b := newFixture(t, cfg)
	assert.NotEqual(t, a.code(t, "ann"), b.code(t, "ann"))
	assert.Equal(t, a.code(t, "ann"), newFixture(t, config()).code(t, "ann"), "same secret, same code on a fresh store")
}

func TestResolveRefusesBadCodes(t *testing.T) {
	f := newFixture(t, config())
	_, err := f.p.Resolve(ctx, "NOSUCHCODE")
	assert.ErrorIs(t, err, loyalty.ErrUnknownCode)
	_, err = f.p.Resolve(ctx, "has space")
	assert.ErrorIs(t, err, loyalty.ErrInvalidCode)
	_, err = f.p.Resolve(ctx, "")
	assert.ErrorIs(t, err, loyalty.ErrInvalidCode)
	_, err = f.p.Resolve(ctx, "~f0000")
	assert.ErrorIs(t, err, loyalty.ErrUnknownCode, "index codes never resolve")

	// A coupon of the same program is not a referral code.
	require.NoError(t, f.p.Engine().ReserveCode(ctx, ledger.Code{Code: "SAVE10", Kind: "coupon"}))
	_, err = f.p.Resolve(ctx, "SAVE10")
	assert.ErrorIs(t, err, referral.ErrNotReferralCode)

	// A code of another program on the same store is unknown here.
	other := config()
	other.ID = "brand-b"
	pb, err := referral.New(other, f.store, nil)
	require.NoError(t, err)
	code, err := pb.CodeFor(ctx, "carl")
	require.NoError(t, err)
	_, err = f.p.Resolve(ctx, code.Code)
	assert.ErrorIs(t, err, loyalty.ErrUnknownCode)

	// A void code is refused.
	ann := f.code(t, "ann")
	_, err = f.p.Engine().UseCode(ctx, ledger.CodeUse{Code: ann, Void: true})
	require.NoError(t, err)
	_, err = f.p.Resolve(ctx, ann)
	assert.ErrorIs(t, err, loyalty.ErrCodeVoid)
}

func TestVanityCodes(t *testing.T) {
	f := newFixture(t, config())
	require.NoError(t, f.p.Vanity(ctx, "ann", "ANNA10"))
	who, err := f.p.Resolve(ctx, "ANNA10")
	require.NoError(t, err)
	assert.Equal(t, "ann", who)
	assert.ErrorIs(t, f.p.Vanity(ctx, "bob", "ANNA10"), loyalty.ErrCodeTaken)
	assert.ErrorIs(t, f.p.Vanity(ctx, "bob", "~X"), referral.ErrReservedCode)
}

func TestConfigRefusesBadValues(t *testing.T) {
	for name, mod := range map[string]func(*referral.Config){
		"negative reward":   func(c *referral.Config) { c.ReferrerPoints = -1 },
		"negative cap":      func(c *referral.Config) { c.MonthlyCap = -3 },
		"short secret":      func(c *referral.Config) { c.Secret = []byte("short") },
		"commission > 100%": func(c *referral.Config) { c.Ambassador.Commission = dec("100.5") },
		"velocity period":   func(c *referral.Config) { c.Velocity = referral.Velocity{Max: 3, Per: calendar.Week} },
		"negative minimum":  func(c *referral.Config) { c.MinOrder = dec("-1") },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := config()
			mod(&cfg)
			_, err := referral.New(cfg, newFixture(t, config()).store, nil)
			require.ErrorIs(t, err, referral.ErrInvalidConfig)
			var ve *loyalty.ValidationError
			assert.True(t, errors.As(err, &ve) || errors.Is(err, loyalty.ErrInvalidProgram), "%v", err)
		})
	}
	cfg := config()
	cfg.ReferrerPoints = -1
	assert.ErrorIs(t, cfg.Validate(), loyalty.ErrInvalidAmount)
}
