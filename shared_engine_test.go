package loyalty_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

var seed = [32]byte{1, 2, 3, 4, 5, 6, 7, 8}

// couponOnEveryOrder grants a 5.00 USD coupon with a code on every order,
// from the stock counter "coupons" when stock is not "".
func couponOnEveryOrder(stock string) rule {
	return rule{name: "coupon", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		if _, ok := c.Event.(*loyalty.Order); !ok {
			return out
		}
		ef := loyalty.GrantReward(ledger.Grant{Reward: "five-off", Value: money.MinorUnits(500, "USD")}, &loyalty.CodeFormat{Prefix: "C-", Kind: "coupon", MaxUses: 1})
		ef.Counter = stock
		return append(out, ef)
	}}
}

// budgetClaim claims up to 100 from the shared counter "budget" per order
// (UpTo), or exactly 100 when hard.
func budgetClaim(hard bool) rule {
	return rule{name: "budget", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		if _, ok := c.Event.(*loyalty.Order); !ok {
			return out
		}
		ef := loyalty.ClaimShared("budget", "", 100)
		ef.UpTo = !hard
		return append(out, ef)
	}}
}

// luckyBonus earns 1 to 100 bonus points drawn from Input.Rand.
var luckyBonus = rule{name: "lucky", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if _, ok := c.Event.(*loyalty.Order); !ok {
		return out
	}
	return append(out, loyalty.Earn(int64(c.Rand.IntN(100)+1), loyalty.OrderLevel, "lucky draw"))
}}

func sharedEngine(t *testing.T, s loyalty.Store, id string, rules ...loyalty.Rule) *loyalty.Engine {
	t.Helper()
	p := &loyalty.Program{ID: id, Name: "shop", Currency: "USD", Rules: append([]loyalty.Rule{storagetest.PerDollar(5)}, rules...)}
	e, err := loyalty.NewEngine(p, s, &loyalty.EngineOptions{Clock: loyalty.NewManualClock(now), Random: rand.NewChaCha8(seed)})
	require.NoError(t, err)
	return e
}

func tenDollars(member, id string) *loyalty.Order {
	return loyaltytest.Order(member, id).Line("tee", "10.00", 1).Currency("USD").Build()
}

func TestTwoProgramsOnOneMemoryStoreKeepSeparateLedgers(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	pts := sharedEngine(t, s, "points")
	ref := sharedEngine(t, s, "referral", luckyBonus)
	for _, e := range []*loyalty.Engine{pts, ref} {
		_, err := e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
		require.NoError(t, err)
		_, err = e.Earn(ctx, "k1", tenDollars("ann", "o1")) // same key, same order ID in both
		require.NoError(t, err)
	}
	bp, err := pts.Balance(ctx, "ann")
	require.NoError(t, err)
	br, err := ref.Balance(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(50), bp.Available)   // 10.00 × 5
	assert.Greater(t, br.Available, int64(50)) // 50 plus the lucky draw
	hp, err := pts.History(ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	require.Len(t, hp, 1)
	assert.Equal(t, int64(50), hp[0].Amount)

	// The default program of the store is a third ledger: ann is not in it.
	def := sharedEngine(t, s, "")
	_, err = def.Balance(ctx, "ann")
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)

	// A Program without an ID writes to the view it is given: on the
	// "points" view it is the points ledger.
	view, err := s.ForProgram("points")
	require.NoError(t, err)
	onView := sharedEngine(t, view, "")
	bv, err := onView.Balance(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(50), bv.Available)
	// With an ID it is scoped to that program, whatever view it was given.
	refOnView := sharedEngine(t, view, "referral")
	brv, err := refOnView.Balance(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, br.Available, brv.Available)
}

func TestEngineRefusesAProgramItsStoreCannotHold(t *testing.T) {
	one := storeOnly{memory.New()} // keeps one program
	p := &loyalty.Program{ID: "shop-2", Name: "shop", Currency: "USD", Rules: []loyalty.Rule{storagetest.PerDollar(5)}}
	_, err := loyalty.NewEngine(p, one, nil)
	require.ErrorIs(t, err, loyalty.ErrUnknownProgram)

	p.ID = loyalty.DefaultProgram
	_, err = loyalty.NewEngine(p, one, nil)
	require.NoError(t, err)

	p.ID = "bad\x00id"
	_, err = loyalty.NewEngine(p, memory.New(), nil)
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
	require.ErrorIs(t, err, loyalty.ErrInvalidID)

	// WithStore scopes its store too: a copy that cannot fails every call.
	e := sharedEngine(t, memory.New(), "shop-2")
	_, err = e.WithStore(one).Earn(context.Background(), "k", tenDollars("ann", "o1"))
	require.ErrorIs(t, err, loyalty.ErrUnknownProgram)
}

func TestNewEngineFailsWhenRandomGivesFewerThan32Bytes(t *testing.T) {
	p := &loyalty.Program{Name: "shop", Currency: "USD"}
	_, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Random: bytes.NewReader(make([]byte, 31))})
	require.Error(t, err)
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Random: bytes.NewReader(seed[:])})
	require.NoError(t, err)
	e2 := sharedEngine(t, memory.New(), "") // seeded with rand.NewChaCha8(seed): another seed
	assert.NotEqual(t, e.SeedDigest(), e2.SeedDigest())
}

// earnCoupons enrols ann and earns three orders on a fresh store with the
// seeded engine, returning the codes and lucky points.
func earnCoupons(t *testing.T, interleave bool) (codes []string, points []int64) {
	ctx := context.Background()
	s := memory.New()
	e := sharedEngine(t, s, "shop", couponOnEveryOrder(""), luckyBonus)
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	if interleave { // another member's writes first: the draws depend on the keys only
		_, err := e.Enroll(ctx, "enroll-bo", loyalty.Member{ID: "bo"})
		require.NoError(t, err)
		_, err = e.Earn(ctx, "bo-1", tenDollars("bo", "b1"))
		require.NoError(t, err)
	}
	for i := range 3 {
		r, err := e.Earn(ctx, "k"+strconv.Itoa(i), tenDollars("ann", "o"+strconv.Itoa(i)))
		require.NoError(t, err)
		require.Len(t, r.Grants, 1)
		codes, points = append(codes, r.Grants[0].Code), append(points, r.Points())
		again, err := e.Earn(ctx, "k"+strconv.Itoa(i), tenDollars("ann", "o"+strconv.Itoa(i)))
		require.NoError(t, err)
		assert.True(t, again.Replayed)
		assert.Equal(t, r.Grants, again.Grants)
	}
	return codes, points
}

func TestSeededEngineMakesTheSameCodesAndDrawsOnEveryStore(t *testing.T) {
	c1, p1 := earnCoupons(t, false)
	c2, p2 := earnCoupons(t, true)
	assert.Equal(t, c1, c2)
	assert.Equal(t, p1, p2)
	for _, c := range c1 {
		assert.Len(t, c, 2+12) // "C-" and 12 of CodeAlphabet
		require.NoError(t, loyalty.CheckCode(c))
	}
	assert.NotEqual(t, c1[0], c1[1])
}

func TestSixteenMembersRacingForAStockOfOneGetOneGrant(t *testing.T) {
	ctx := context.Background()
	e := sharedEngine(t, memory.New(), "shop", couponOnEveryOrder("coupons"))
	require.NoError(t, e.SetLimit(ctx, "coupons", 1))
	for i := range 16 {
		_, err := e.Enroll(ctx, "enroll-"+strconv.Itoa(i), loyalty.Member{ID: "m" + strconv.Itoa(i)})
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	receipts := make([]*loyalty.Receipt, 16)
	errs := make([]error, 16)
	for i := range 16 {
		wg.Go(func() {
			receipts[i], errs[i] = e.Earn(ctx, "k"+strconv.Itoa(i), tenDollars("m"+strconv.Itoa(i), "o"+strconv.Itoa(i)))
		})
	}
	wg.Wait()
	grants := 0
	for i := range 16 {
		require.NoError(t, errs[i])
		assert.Equal(t, int64(50), receipts[i].Points()) // every order earns; one also gets the coupon
		grants += len(receipts[i].Grants)
	}
	assert.Equal(t, 1, grants)
	c, err := e.SharedCounter(ctx, "coupons", "")
	require.NoError(t, err)
	assert.Equal(t, int64(1), c.Claimed)
	assert.Equal(t, int64(0), c.Left())
}

func TestUpToClaimIsCappedByWhatTheBudgetHasLeft(t *testing.T) {
	ctx := context.Background()
	e := sharedEngine(t, memory.New(), "shop", budgetClaim(false))
	require.NoError(t, e.SetLimit(ctx, "budget", 250))
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	var claimed []int64
	for i := range 4 {
		r, err := e.Earn(ctx, "k"+strconv.Itoa(i), tenDollars("ann", "o"+strconv.Itoa(i)))
		require.NoError(t, err)
		var n int64
		for _, c := range r.Claims {
			n += c.Amount
		}
		claimed = append(claimed, n)
	}
	assert.Equal(t, []int64{100, 100, 50, 0}, claimed)
	c, err := e.SharedCounter(ctx, "budget", "")
	require.NoError(t, err)
	assert.Equal(t, int64(250), c.Claimed)

	// A replay returns the first receipt and claims nothing more.
	r, err := e.Earn(ctx, "k0", tenDollars("ann", "o0"))
	require.NoError(t, err)
	assert.True(t, r.Replayed)
	assert.Equal(t, []ledger.Claim{{Counter: "budget", Amount: 100}}, r.Claims)
	c, err = e.SharedCounter(ctx, "budget", "")
	require.NoError(t, err)
	assert.Equal(t, int64(250), c.Claimed)
}

func TestClaimBeyondWhatIsLeftIsRefusedWritingNothing(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	e := sharedEngine(t, s, "shop", budgetClaim(true))
	require.NoError(t, e.SetLimit(ctx, "budget", 150))
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Earn(ctx, "k1", tenDollars("ann", "o1"))
	require.NoError(t, err)
	_, err = e.Earn(ctx, "k2", tenDollars("ann", "o2"))
	var ce *loyalty.ClaimError
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, loyalty.ErrLimitReached)
	assert.Equal(t, loyalty.ClaimError{Counter: "budget", Asked: 100, Left: 50, Err: loyalty.ErrLimitReached}, *ce)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(2), st.Version) // enrol and k1 only
	assert.Equal(t, int64(50), st.Balance(ledger.PointsAccount).Available)
}

func TestBadSharedEffectsAreTypedErrorsAndWriteNothing(t *testing.T) {
	ctx := context.Background()
	effect := func(ef loyalty.Effect) rule {
		return rule{name: "bad", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
			if _, ok := c.Event.(*loyalty.Order); !ok {
				return out
			}
			return append(out, ef)
		}}
	}
	coupon := func(f loyalty.CodeFormat) loyalty.Effect {
		return loyalty.GrantReward(ledger.Grant{Reward: "r"}, &f)
	}
	cases := []struct {
		name string
		ef   loyalty.Effect
		is   []error
	}{
		{"zero claim", loyalty.ClaimShared("budget", "", 0), []error{loyalty.ErrInvalidClaim}},
		{"negative claim", loyalty.ClaimShared("budget", "", -5), []error{loyalty.ErrInvalidClaim}},
		{"empty counter", loyalty.ClaimShared("", "", 5), []error{loyalty.ErrInvalidID}},
		{"unknown counter", loyalty.ClaimShared("nope", "", 5), []error{loyalty.ErrUnknownCounter}},
		{"short code", coupon(loyalty.CodeFormat{Length: 5}), []error{loyalty.ErrInvalidCode, loyalty.ErrInvalidProgram}},
		{"long code", coupon(loyalty.CodeFormat{Length: loyalty.MaxCodeLength + 1}), []error{loyalty.ErrInvalidCode}},
		{"duplicate letters", coupon(loyalty.CodeFormat{Alphabet: "ABCDEFGHIA"}), []error{loyalty.ErrInvalidCode}},
		{"space in alphabet", coupon(loyalty.CodeFormat{Alphabet: "ABCDEFGHI J"}), []error{loyalty.ErrInvalidCode}},
		{"small alphabet", coupon(loyalty.CodeFormat{Alphabet: "ABCDEFGHI"}), []error{loyalty.ErrInvalidCode}},
		{"grant without reward", loyalty.GrantReward(ledger.Grant{}, nil), []error{loyalty.ErrInvalidID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := sharedEngine(t, memory.New(), "shop", effect(tc.ef))
			require.NoError(t, e.SetLimit(ctx, "budget", 1000))
			_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
			require.NoError(t, err)
			_, err = e.Earn(ctx, "k1", tenDollars("ann", "o1"))
			for _, is := range tc.is {
				require.ErrorIs(t, err, is)
			}
			_, err = e.Preview(ctx, "k1", tenDollars("ann", "o1"))
			require.ErrorIs(t, err, tc.is[0])
			h, err := e.History(ctx, "ann", ledger.EntryID{}, 10)
			require.NoError(t, err)
			assert.Empty(t, h)
			c, err := e.SharedCounter(ctx, "budget", "")
			require.NoError(t, err)
			assert.Equal(t, int64(0), c.Claimed)
		})
	}
}

func TestAStoreWithoutSharedStateRefusesAClaim(t *testing.T) {
	ctx := context.Background()
	e := sharedEngine(t, storeOnly{memory.New()}, "", budgetClaim(false))
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Earn(ctx, "k1", tenDollars("ann", "o1"))
	require.ErrorIs(t, err, loyalty.ErrSharedUnsupported)
	h, err := e.History(ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	assert.Empty(t, h)
	require.ErrorIs(t, e.SetLimit(ctx, "budget", 5), loyalty.ErrSharedUnsupported)
}

func TestGrantsAreOnTheMembersStateInHistoryAndFoundByCode(t *testing.T) {
	ctx := context.Background()
	e := sharedEngine(t, memory.New(), "shop", couponOnEveryOrder(""))
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	r, err := e.Earn(ctx, "k1", tenDollars("ann", "o1"))
	require.NoError(t, err)
	require.Len(t, r.Grants, 1)
	g := r.Grants[0]
	assert.Equal(t, ledger.Grant{ID: "k1#1", MemberID: "ann", Reward: "five-off", Code: g.Code, Value: money.MinorUnits(500, "USD"),
		GrantedAt: now, Status: ledger.GrantOpen, Source: "coupon", Ref: "o1"}, g)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Len(t, st.Grants, 1)
	assert.Equal(t, g.ID, st.Grants[0].ID)
	assert.Equal(t, int64(1), st.Balance(ledger.RewardsAccount).Available)
	h, err := e.History(ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	require.Len(t, h, 2) // the points, the grant
	assert.Equal(t, ledger.EntryGrant, h[1].Kind)
	assert.Equal(t, ledger.RewardsAccount, h[1].Account)
	assert.Equal(t, int64(1), h[1].Amount)
	assert.Equal(t, [3]string{"k1#1", "coupon", "five-off"}, [3]string{h[1].Ref, h[1].Source, h[1].Note})
	code, err := e.Code(ctx, g.Code)
	require.NoError(t, err)
	assert.Equal(t, ledger.Code{Code: g.Code, Kind: "coupon", Owner: "ann", Ref: "k1#1", MaxUses: 1, CreatedAt: now}, code)
}

func TestPreviewPlansTheWriteEarnMakesAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	e := sharedEngine(t, memory.New(), "shop", couponOnEveryOrder("coupons"), budgetClaim(false), luckyBonus)
	require.NoError(t, e.SetLimit(ctx, "coupons", 5))
	require.NoError(t, e.SetLimit(ctx, "budget", 60))
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	o := tenDollars("ann", "o1")
	pv, err := e.Preview(ctx, "k1", o)
	require.NoError(t, err)
	before, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	for _, name := range []string{"coupons", "budget"} {
		c, err := e.SharedCounter(ctx, name, "")
		require.NoError(t, err)
		assert.Equal(t, int64(0), c.Claimed, name)
	}
	assert.Equal(t, int64(1), before.Version) // the enrolment only
	assert.Empty(t, before.Grants)

	r, err := e.Earn(ctx, "k1", o)
	require.NoError(t, err)
	assert.Equal(t, r.Entries, pv.Entries)
	assert.Equal(t, r.Balances, pv.Balances)
	assert.Equal(t, r.Claims, pv.Claims)
	assert.Equal(t, r.Grants, pv.Grants)
	assert.Equal(t, []ledger.Claim{{Counter: "coupons", Amount: 1}, {Counter: "budget", Amount: 60}}, pv.Claims)
	require.Len(t, pv.Codes, 1)
	assert.Equal(t, r.Grants[0].Code, pv.Codes[0].Code)
	assert.Equal(t, r.Explanation, pv.Receipt.Explanation)
	assert.Equal(t, int64(1), pv.Version)
}
