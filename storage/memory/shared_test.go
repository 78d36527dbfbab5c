package memory_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

var t0 = time.Date(2026, time.November, 1, 9, 0, 0, 0, time.UTC)

// enrolment is the hand-built change that creates member id, with no entries.
func enrolment(key, id string) *loyalty.Change {
	return &loyalty.Change{Key: key, Fingerprint: "f-" + key, MemberID: id, Member: &loyalty.Member{ID: id},
		Receipt: &loyalty.Receipt{Key: key, Fingerprint: "f-" + key, MemberID: id, Version: 1}}
}

// adjustment is storagetest's hand-built change at t0: of member from
// version from, adding amount with one entry and planning the balance want.
func adjustment(key, member string, from, amount, want int64) *loyalty.Change {
	return storagetest.Adjustment(t0, key, member, from, amount, want)
}

func commit(t *testing.T, s loyalty.Store, c *loyalty.Change) {
	t.Helper()
	_, err := s.Commit(context.Background(), c)
	require.NoError(t, err)
}

func view(t *testing.T, s loyalty.Store, id string) *memory.Store {
	t.Helper()
	v, err := s.(loyalty.ProgramStore).ForProgram(id)
	require.NoError(t, err)
	return v.(*memory.Store)
}

func available(t *testing.T, s loyalty.Store, member string) int64 {
	t.Helper()
	st, err := s.Load(context.Background(), member, loyalty.Query{})
	require.NoError(t, err)
	return st.Balance(ledger.PointsAccount).Available
}

func claimed(t *testing.T, s *memory.Store, counter, period string) int64 {
	t.Helper()
	c, err := s.SharedCounter(context.Background(), counter, period)
	require.NoError(t, err)
	return c.Claimed
}

func TestProgramsOnOneStoreDoNotSeeEachOthersMembersKeysOrdersOrSharedState(t *testing.T) {
	ctx := context.Background()
	a := memory.New()
	b := view(t, a, "brand-b")

	commit(t, a, enrolment("enrol", "ann"))
	withOrder := adjustment("k1", "ann", 1, 10, 10)
	withOrder.Orders = []ledger.OrderRecord{{ID: "o1", MemberID: "ann", Currency: "USD", PlacedAt: t0, Points: 10}}
	commit(t, a, withOrder)
	require.NoError(t, a.SetLimit(ctx, "stock", 5))
	require.NoError(t, a.ReserveCode(ctx, ledger.Code{Code: "WELCOME", Kind: "coupon", CreatedAt: t0}))

	_, err := b.Load(ctx, "ann", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, err = b.Receipt(ctx, "k1")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	ids, err := b.Members(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, ids)
	_, err = b.SharedCounter(ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
	_, err = b.Code(ctx, "WELCOME")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)

	// The same member, key, order ID and code in the other program.
	commit(t, b, enrolment("enrol", "ann"))
	commit(t, b, enrolment("enrol-bob", "bob"))
	other := adjustment("k1", "bob", 1, 20, 20)
	other.Orders = []ledger.OrderRecord{{ID: "o1", MemberID: "bob", Currency: "USD", PlacedAt: t0, Points: 20}}
	commit(t, b, other)
	require.NoError(t, b.ReserveCode(ctx, ledger.Code{Code: "WELCOME", Kind: "referral", Owner: "bob", CreatedAt: t0}))

	assert.Equal(t, int64(10), available(t, a, "ann"))
	assert.Equal(t, int64(0), available(t, b, "ann"))
	assert.Equal(t, int64(20), available(t, b, "bob"))
	_, err = a.Load(ctx, "bob", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	ra, err := a.Receipt(ctx, "k1")
	require.NoError(t, err)
	rb, err := b.Receipt(ctx, "k1")
	require.NoError(t, err)
	assert.Equal(t, "ann", ra.MemberID)
	assert.Equal(t, "bob", rb.MemberID)
	ka, err := a.Code(ctx, "WELCOME")
	require.NoError(t, err)
	kb, err := b.Code(ctx, "WELCOME")
	require.NoError(t, err)
	assert.Equal(t, "coupon", ka.Kind)
	assert.Equal(t, ledger.Code{Code: "WELCOME", Kind: "referral", Owner: "bob", CreatedAt: t0}, kb)
	ids, err = a.Members(ctx, "", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"ann"}, ids)
	ids, err = b.Members(ctx, "", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"ann", "bob"}, ids)

	// A view of a view is that program's view; the default program is the
	// store New returned.
	assert.Equal(t, int64(10), available(t, view(t, b, loyalty.DefaultProgram), "ann"))
	assert.Equal(t, int64(20), available(t, view(t, a, "brand-b"), "bob"))
	assert.Equal(t, int64(20), available(t, view(t, b, "brand-b"), "bob"))
}

func TestForProgramRefusesAnEmptyOrInvalidID(t *testing.T) {
	s := memory.New()
	for _, id := range []string{"", "bad\x00id", "\xff"} {
		_, err := s.ForProgram(id)
		require.ErrorIs(t, err, loyalty.ErrInvalidID, "%q", id)
	}
}

// Sixteen members race for the last unit of stock: exactly one commits, the
// others are told nothing is left and write nothing.
func TestSixteenWritersRacingForTheLastUnitOfStockOneCommits(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	require.NoError(t, s.SetLimit(ctx, "stock", 5))
	commit(t, s, enrolment("enrol-first", "first"))
	first := adjustment("first-claims", "first", 1, 1, 1)
	first.Claims = []ledger.Claim{{Counter: "stock", Amount: 4}}
	commit(t, s, first)
	require.Equal(t, int64(4), claimed(t, s, "stock", ""))

	const n = 16
	for i := range n {
		commit(t, s, enrolment("enrol-"+strconv.Itoa(i), "m"+strconv.Itoa(i)))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			c := adjustment("claim-"+strconv.Itoa(i), "m"+strconv.Itoa(i), 1, 1, 1)
			c.Claims = []ledger.Claim{{Counter: "stock", Amount: 1}}
			<-start
			_, errs[i] = s.Commit(ctx, c)
		})
	}
	close(start)
	wg.Wait()

	won := 0
	for i, err := range errs {
		m := "m" + strconv.Itoa(i)
		st, lerr := s.Load(ctx, m, loyalty.Query{})
		require.NoError(t, lerr)
		if err == nil {
			won++
			assert.Equal(t, int64(2), st.Version)
			assert.Equal(t, int64(1), st.Balance(ledger.PointsAccount).Available)
			continue
		}
		var ce *loyalty.ClaimError
		require.ErrorAs(t, err, &ce)
		assert.ErrorIs(t, err, loyalty.ErrLimitReached)
		assert.Equal(t, loyalty.ClaimError{Counter: "stock", Asked: 1, Left: 0, Err: loyalty.ErrLimitReached}, *ce)
		assert.Equal(t, int64(1), st.Version, "a refused claim moved %s's version", m)
		assert.Equal(t, int64(0), st.Balance(ledger.PointsAccount).Available)
		_, rerr := s.Receipt(ctx, "claim-"+strconv.Itoa(i))
		assert.ErrorIs(t, rerr, loyalty.ErrNotFound)
	}
	assert.Equal(t, 1, won)
	assert.Equal(t, int64(5), claimed(t, s, "stock", ""))
}

func TestARejectedChangeClaimsReservesAndUsesNothing(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	require.NoError(t, s.SetLimit(ctx, "stock", 3))
	require.NoError(t, s.ReserveCode(ctx, ledger.Code{Code: "ONCE", MaxUses: 1, CreatedAt: t0}))
	commit(t, s, enrolment("enrol", "ann"))

	shared := func(c *loyalty.Change) *loyalty.Change {
		c.Claims = []ledger.Claim{{Counter: "stock", Amount: 1}}
		c.Codes = []ledger.Code{{Code: "NEW-1", Owner: "ann", CreatedAt: t0}}
		c.CodeUses = []ledger.CodeUse{{Code: "ONCE", Uses: 1}}
		return c
	}
	cases := map[string]struct {
		c    *loyalty.Change
		want error
	}{
		"bad balance":    {shared(adjustment("k1", "ann", 1, 5, 7)), loyalty.ErrUnbalanced},
		"stale version":  {shared(adjustment("k2", "ann", 0, 5, 5)), loyalty.ErrConflict},
		"unknown member": {shared(adjustment("k3", "zed", 1, 5, 5)), loyalty.ErrUnknownMember},
		"a later claim beyond the limit": {func() *loyalty.Change {
			c := shared(adjustment("k4", "ann", 1, 5, 5))
			c.Claims = append(c.Claims, ledger.Claim{Counter: "stock", Amount: 3})
			return c
		}(), loyalty.ErrLimitReached},
		"a claim on an unknown counter": {func() *loyalty.Change {
			c := shared(adjustment("k5", "ann", 1, 5, 5))
			c.Claims = append(c.Claims, ledger.Claim{Counter: "budget", Amount: 1})
			return c
		}(), loyalty.ErrUnknownCounter},
		"a code taken already": {func() *loyalty.Change {
			c := shared(adjustment("k6", "ann", 1, 5, 5))
			c.Codes = append(c.Codes, ledger.Code{Code: "ONCE"})
			return c
		}(), loyalty.ErrCodeTaken},
		"a use of an unknown code": {func() *loyalty.Change {
			c := shared(adjustment("k7", "ann", 1, 5, 5))
			c.CodeUses = append(c.CodeUses, ledger.CodeUse{Code: "NOPE", Uses: 1})
			return c
		}(), loyalty.ErrUnknownCode},
		"a code used twice": {func() *loyalty.Change {
			c := shared(adjustment("k8", "ann", 1, 5, 5))
			c.CodeUses = append(c.CodeUses, ledger.CodeUse{Code: "ONCE", Uses: 1})
			return c
		}(), loyalty.ErrCodeUsedUp},
		"a new new member's claim beyond the limit": {func() *loyalty.Change {
			c := enrolment("k9", "bob")
			c.Claims = []ledger.Claim{{Counter: "stock", Amount: 4}}
			return c
		}(), loyalty.ErrLimitReached},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.Commit(ctx, tc.c)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, int64(0), claimed(t, s, "stock", ""))
			once, err := s.Code(ctx, "ONCE")
			require.NoError(t, err)
			assert.Equal(t, int64(0), once.Uses)
			_, err = s.Code(ctx, "NEW-1")
			assert.ErrorIs(t, err, loyalty.ErrUnknownCode)
			st, err := s.Load(ctx, "ann", loyalty.Query{})
			require.NoError(t, err)
			assert.Equal(t, int64(1), st.Version)
			_, err = s.Load(ctx, "bob", loyalty.Query{})
			assert.ErrorIs(t, err, loyalty.ErrUnknownMember)
			_, err = s.Receipt(ctx, tc.c.Key)
			assert.ErrorIs(t, err, loyalty.ErrNotFound)
		})
	}

	// The same change, well formed, commits all of it.
	commit(t, s, shared(adjustment("ok", "ann", 1, 5, 5)))
	assert.Equal(t, int64(1), claimed(t, s, "stock", ""))
	once, err := s.Code(ctx, "ONCE")
	require.NoError(t, err)
	assert.Equal(t, int64(1), once.Uses)
	fresh, err := s.Code(ctx, "NEW-1")
	require.NoError(t, err)
	assert.Equal(t, ledger.Code{Code: "NEW-1", Owner: "ann", CreatedAt: t0}, fresh)
}

func TestAReplayedKeyDoesNotClaimAgain(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	require.NoError(t, s.SetLimit(ctx, "stock", 10))
	commit(t, s, enrolment("enrol", "ann"))
	c := adjustment("k1", "ann", 1, 5, 5)
	c.Claims = []ledger.Claim{{Counter: "stock", Amount: 3}}
	commit(t, s, c)
	again := adjustment("k1", "ann", 1, 5, 5)
	again.Claims = []ledger.Claim{{Counter: "stock", Amount: 3}}
	_, err := s.Commit(ctx, again)
	var kc *loyalty.KeyCommittedError
	require.ErrorAs(t, err, &kc)
	assert.Equal(t, int64(3), claimed(t, s, "stock", ""))
	assert.Equal(t, int64(5), available(t, s, "ann"))
}

func TestClaimsOnOneCounterInOneChangeAddUpAndReleasesGiveBack(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	require.NoError(t, s.SetLimit(ctx, "budget", 300))
	commit(t, s, enrolment("enrol", "ann"))

	c := adjustment("k1", "ann", 1, 5, 5)
	c.Claims = []ledger.Claim{{Counter: "budget", PeriodKey: "2026-11", Amount: 200}, {Counter: "budget", PeriodKey: "2026-11", Amount: 200}}
	_, err := s.Commit(ctx, c)
	var ce *loyalty.ClaimError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, loyalty.ClaimError{Counter: "budget", PeriodKey: "2026-11", Asked: 200, Left: 100, Err: loyalty.ErrLimitReached}, *ce)
	assert.Equal(t, int64(0), claimed(t, s, "budget", "2026-11"))

	c = adjustment("k2", "ann", 1, 5, 5)
	c.Claims = []ledger.Claim{{Counter: "budget", PeriodKey: "2026-11", Amount: 200}, {Counter: "budget", PeriodKey: "2026-11", Amount: 100},
		{Counter: "budget", PeriodKey: "2026-12", Amount: 250}}
	commit(t, s, c)
	assert.Equal(t, int64(300), claimed(t, s, "budget", "2026-11"))
	assert.Equal(t, int64(250), claimed(t, s, "budget", "2026-12"))
	assert.Equal(t, int64(0), claimed(t, s, "budget", "2027-01"), "a period never claimed from starts at zero")

	// A release gives back what was taken, never more.
	c = adjustment("k3", "ann", 2, 5, 10)
	c.Claims = []ledger.Claim{{Counter: "budget", PeriodKey: "2026-12", Amount: 50, Release: true}, {Counter: "budget", PeriodKey: "2026-12", Amount: 201, Release: true}}
	_, err = s.Commit(ctx, c)
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, loyalty.ErrInvalidClaim)
	assert.Equal(t, int64(201), ce.Asked)
	assert.Equal(t, int64(250), claimed(t, s, "budget", "2026-12"))
	c.Claims[1].Amount = 200
	commit(t, s, c)
	sc, err := s.SharedCounter(ctx, "budget", "2026-12")
	require.NoError(t, err)
	assert.Equal(t, ledger.SharedCounter{Name: "budget", PeriodKey: "2026-12", Limit: 300, Claimed: 0}, sc)
	assert.Equal(t, int64(300), sc.Left())
}

func TestSetLimitRefusesANegativeLimitOrOneBelowWhatWasClaimed(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	require.ErrorIs(t, s.SetLimit(ctx, "stock", -1), loyalty.ErrInvalidAmount)
	require.ErrorIs(t, s.SetLimit(ctx, "", 1), loyalty.ErrInvalidID)
	_, err := s.SharedCounter(ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter, "a refused SetLimit defines nothing")

	require.NoError(t, s.SetLimit(ctx, "stock", 10))
	commit(t, s, enrolment("enrol", "ann"))
	c := adjustment("k1", "ann", 1, 5, 5)
	c.Claims = []ledger.Claim{{Counter: "stock", PeriodKey: "a", Amount: 6}, {Counter: "stock", PeriodKey: "b", Amount: 8}}
	commit(t, s, c)

	err = s.SetLimit(ctx, "stock", 7)
	var le *loyalty.LimitError
	require.ErrorAs(t, err, &le)
	require.ErrorIs(t, err, loyalty.ErrLimitBelowClaimed)
	assert.Equal(t, loyalty.LimitError{Counter: "stock", PeriodKey: "b", Limit: 7, Claimed: 8}, *le)
	sc, err := s.SharedCounter(ctx, "stock", "a")
	require.NoError(t, err)
	assert.Equal(t, int64(10), sc.Limit, "a refused SetLimit changes nothing")

	require.NoError(t, s.SetLimit(ctx, "stock", 8))
	sc, err = s.SharedCounter(ctx, "stock", "never")
	require.NoError(t, err)
	assert.Equal(t, ledger.SharedCounter{Name: "stock", PeriodKey: "never", Limit: 8}, sc)
}

func TestUseCodeCountsUsesAndVoids(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	exp := t0.AddDate(0, 1, 0)
	require.NoError(t, s.ReserveCode(ctx, ledger.Code{Code: "TWICE", Kind: "coupon", Owner: "ann", Ref: "g1", MaxUses: 2, CreatedAt: t0, ExpiresAt: exp}))
	var ce *loyalty.CodeError
	err := s.ReserveCode(ctx, ledger.Code{Code: "TWICE"})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, loyalty.CodeError{Code: "TWICE", Err: loyalty.ErrCodeTaken}, *ce)
	require.ErrorIs(t, s.ReserveCode(ctx, ledger.Code{Code: "has space"}), loyalty.ErrInvalidCode)
	require.ErrorIs(t, s.ReserveCode(ctx, ledger.Code{Code: "USED", Uses: 1}), loyalty.ErrInvalidClaim)

	k, err := s.UseCode(ctx, ledger.CodeUse{Code: "TWICE", Uses: 1})
	require.NoError(t, err)
	assert.Equal(t, ledger.Code{Code: "TWICE", Kind: "coupon", Owner: "ann", Ref: "g1", MaxUses: 2, Uses: 1, CreatedAt: t0, ExpiresAt: exp}, k)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "TWICE", Uses: 2})
	require.ErrorIs(t, err, loyalty.ErrCodeUsedUp)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "TWICE", Uses: -2})
	require.ErrorIs(t, err, loyalty.ErrInvalidClaim)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "TWICE"})
	require.ErrorIs(t, err, loyalty.ErrInvalidClaim, "a use that changes nothing")
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "NOPE", Uses: 1})
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)

	k, err = s.UseCode(ctx, ledger.CodeUse{Code: "TWICE", Uses: -1, Void: true})
	require.NoError(t, err)
	assert.Equal(t, int64(0), k.Uses)
	assert.True(t, k.Void)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "TWICE", Uses: 1})
	require.ErrorIs(t, err, loyalty.ErrCodeVoid)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "TWICE", Void: true})
	require.NoError(t, err, "voiding a void code again")
	err = s.ReserveCode(ctx, ledger.Code{Code: "TWICE"})
	require.ErrorIs(t, err, loyalty.ErrCodeTaken, "a void code stays taken")
	k, err = s.Code(ctx, "TWICE")
	require.NoError(t, err)
	assert.Equal(t, ledger.Code{Code: "TWICE", Kind: "coupon", Owner: "ann", Ref: "g1", MaxUses: 2, Void: true, CreatedAt: t0, ExpiresAt: exp}, k)
}

func TestACodeReservedInAChangeMayBeUsedInIt(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	commit(t, s, enrolment("enrol", "ann"))
	c := adjustment("k1", "ann", 1, 5, 5)
	c.Codes = []ledger.Code{{Code: "GIFT", Kind: "gift-card", Owner: "ann", MaxUses: 1, CreatedAt: t0}}
	c.CodeUses = []ledger.CodeUse{{Code: "GIFT", Uses: 1}}
	commit(t, s, c)
	k, err := s.Code(ctx, "GIFT")
	require.NoError(t, err)
	assert.Equal(t, int64(1), k.Uses)
}

// Writers race to reserve one code, through members' changes and
// ReserveCode: exactly one gets it.
func TestACodeReservedByRacingWritersGoesToOne(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	const n = 16
	for i := range n {
		commit(t, s, enrolment("enrol-"+strconv.Itoa(i), "m"+strconv.Itoa(i)))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			m := "m" + strconv.Itoa(i)
			<-start
			if i%2 == 0 {
				errs[i] = s.ReserveCode(ctx, ledger.Code{Code: "LUCKY", Owner: m, CreatedAt: t0})
				return
			}
			c := adjustment("k-"+m, m, 1, 1, 1)
			c.Codes = []ledger.Code{{Code: "LUCKY", Owner: m, CreatedAt: t0}}
			_, errs[i] = s.Commit(ctx, c)
		})
	}
	close(start)
	wg.Wait()
	winner := ""
	for i, err := range errs {
		m := "m" + strconv.Itoa(i)
		if err == nil {
			require.Empty(t, winner, "two writers got the code")
			winner = m
			continue
		}
		var ce *loyalty.CodeError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, loyalty.CodeError{Code: "LUCKY", Err: loyalty.ErrCodeTaken}, *ce)
		st, lerr := s.Load(ctx, m, loyalty.Query{})
		require.NoError(t, lerr)
		assert.Equal(t, int64(1), st.Version)
	}
	require.NotEmpty(t, winner)
	k, err := s.Code(ctx, "LUCKY")
	require.NoError(t, err)
	assert.Equal(t, winner, k.Owner)
}

func TestGrantsUpsertByIDAndLoadAsAsked(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	commit(t, s, enrolment("enrol", "ann"))
	g1 := ledger.Grant{ID: "g1", MemberID: "ann", Reward: "free-coffee", Code: "C1", Value: money.MinorUnits(300, "USD"), GrantedAt: t0, Status: ledger.GrantOpen, Source: "birthday"}
	g2 := ledger.Grant{ID: "g2", MemberID: "ann", Reward: "tote", GrantedAt: t0, Status: ledger.GrantOpen}
	c := adjustment("k1", "ann", 1, 5, 5)
	c.Grants = []ledger.Grant{g1, g2}
	commit(t, s, c)

	used := g1
	used.Uses, used.Status = 1, ledger.GrantUsed
	c = adjustment("k2", "ann", 2, 5, 10)
	c.Grants = []ledger.Grant{used}
	commit(t, s, c)

	load := func(q loyalty.Query) []ledger.Grant {
		st, err := s.Load(ctx, "ann", q)
		require.NoError(t, err)
		return st.Grants
	}
	assert.Empty(t, load(loyalty.Query{}))
	assert.Equal(t, []ledger.Grant{g2}, load(loyalty.Query{Grants: true}))
	assert.Equal(t, []ledger.Grant{used}, load(loyalty.Query{GrantIDs: []string{"g1", "nope"}}))
	assert.Equal(t, []ledger.Grant{g2, used}, load(loyalty.Query{Grants: true, GrantIDs: []string{"g1", "g2", "g1"}}))

	// What Load hands out is the caller's.
	got := load(loyalty.Query{Grants: true})
	got[0].Status = ledger.GrantVoid
	assert.Equal(t, []ledger.Grant{g2}, load(loyalty.Query{Grants: true}))

	// Grants belong to one program.
	b := view(t, s, "other")
	commit(t, b, enrolment("enrol", "ann"))
	st, err := b.Load(ctx, "ann", loyalty.Query{Grants: true, GrantIDs: []string{"g1"}})
	require.NoError(t, err)
	assert.Empty(t, st.Grants)
}

// Many grants (past the point the member's list gets an index) load and
// update the same.
func TestManyGrantsOfOneMember(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	commit(t, s, enrolment("enrol", "ann"))
	const n = 40
	for i := range n {
		c := adjustment("k"+strconv.Itoa(i), "ann", int64(i+1), 1, int64(i+1))
		c.Grants = []ledger.Grant{{ID: "g" + strconv.Itoa(i), MemberID: "ann", Reward: "r", Status: ledger.GrantOpen}}
		if i >= 20 { // and close the grant granted 20 writes before
			c.Grants = append(c.Grants, ledger.Grant{ID: "g" + strconv.Itoa(i-20), MemberID: "ann", Reward: "r", Status: ledger.GrantExpired})
		}
		commit(t, s, c)
	}
	st, err := s.Load(ctx, "ann", loyalty.Query{Grants: true, GrantIDs: []string{"g3"}})
	require.NoError(t, err)
	require.Len(t, st.Grants, 21)
	for i, g := range st.Grants[:20] {
		assert.Equal(t, "g"+strconv.Itoa(20+i), g.ID)
		assert.Equal(t, ledger.GrantOpen, g.Status)
	}
	assert.Equal(t, ledger.Grant{ID: "g3", MemberID: "ann", Reward: "r", Status: ledger.GrantExpired}, st.Grants[20])
}

func TestSharedStoreRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	_, err := s.Code(ctx, "")
	require.ErrorIs(t, err, loyalty.ErrInvalidCode)
	_, err = s.Code(ctx, string(make([]byte, loyalty.MaxCodeLength+1)))
	require.ErrorIs(t, err, loyalty.ErrInvalidCode)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "a\tb", Uses: 1})
	require.ErrorIs(t, err, loyalty.ErrInvalidCode)
	_, err = s.SharedCounter(ctx, "", "")
	require.ErrorIs(t, err, loyalty.ErrInvalidID)
	_, err = s.SharedCounter(ctx, "stock", "\x00")
	require.ErrorIs(t, err, loyalty.ErrInvalidID)

	commit(t, s, enrolment("enrol", "ann"))
	require.NoError(t, s.SetLimit(ctx, "stock", 1))
	c := adjustment("k1", "ann", 1, 1, 1)
	c.Claims = []ledger.Claim{{Counter: "stock", Amount: 0}}
	_, err = s.Commit(ctx, c)
	require.ErrorIs(t, err, loyalty.ErrInvalidClaim)
	assert.True(t, errors.As(err, new(*loyalty.ClaimError)))
	assert.Equal(t, int64(0), claimed(t, s, "stock", ""))
	assert.Equal(t, int64(0), available(t, s, "ann"))
}
