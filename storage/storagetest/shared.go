package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// A shared counter is a tally all the members of a program draw from, with a
// limit per period (loyalty.SharedStore, ledger.Claim). A member's change
// claims from it when it commits, all of it or nothing: a claim beyond the
// limit is a *loyalty.ClaimError that says what was left, of members racing
// for the last unit exactly one commits, a change refused for any reason
// takes nothing, and a replayed key does not claim twice.

// sharedTests are run by Run.
var sharedTests = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) loyalty.Store)
}{
	{"SharedCounterLimitRoundTrips", testSetLimit},
	{"UnknownSharedCounterIsRefused", testUnknownCounter},
	{"NegativeLimitOrLimitBelowClaimedIsRefusedAndChangesNothing", testLimitRefused},
	{"ClaimOfZeroOrLessWritesNothing", testInvalidClaim},
	{"ClaimBeyondLimitSaysWhatWasLeftAndWritesNothing", testClaimBeyondLimit},
	{"ClaimsOfOneCounterInOneChangeAddUp", testClaimsAddUp},
	{"SharedCounterPeriodsCountApart", testCounterPeriods},
	{"ReleaseGivesBackButNeverBelowZero", testRelease},
	{"LastUnitRacedBy16MembersGoesToExactlyOne", testLastUnitRace},
	{"BudgetClaimedConcurrentlyIsNeverOverspent", testBudgetRace},
	{"ChangeRefusedForAnotherReasonClaimsNothing", testRefusedChangeClaimsNothing},
	{"ReplayedKeyClaimsNothing", testReplayClaimsNothing},
	{"SharedCountersArePerProgram", testCountersPerProgram},
}

// sharedOf returns s as a loyalty.SharedStore, failing t when it is not one.
func sharedOf(t testing.TB, s loyalty.Store) loyalty.SharedStore {
	t.Helper()
	ss, ok := s.(loyalty.SharedStore)
	require.True(t, ok, "%T does not implement loyalty.SharedStore: the adapter must implement it (every adapter of this module does)", s)
	return ss
}

func (h *harness) shared() loyalty.SharedStore { return sharedOf(h.t, h.store) }

// setLimit defines counter name with limit.
func (h *harness) setLimit(name string, limit int64) {
	h.t.Helper()
	require.NoError(h.t, h.shared().SetLimit(h.ctx, name, limit))
}

// counter reads counter name in period, which must exist.
func (h *harness) counter(name, period string) ledger.SharedCounter {
	h.t.Helper()
	c, err := h.shared().SharedCounter(h.ctx, name, period)
	require.NoError(h.t, err)
	return c
}

// bump is a well-formed change of member planned from its stored state: it
// adds one point with an adjustment, so that what else it is given (claims,
// codes, grants) commits with a ledger write, as the Engine's would.
func (h *harness) bump(key, member string) *loyalty.Change {
	h.t.Helper()
	st, err := h.store.Load(h.ctx, member, loyalty.Query{})
	require.NoError(h.t, err)
	return adjustment(key, member, st.Version, 1, st.Balance(ledger.PointsAccount).Available+1)
}

// claim commits a bump of member under key that makes claims, which must
// commit, and returns its receipt.
func (h *harness) claim(key, member string, claims ...ledger.Claim) *loyalty.Receipt {
	h.t.Helper()
	c := h.bump(key, member)
	c.Claims = claims
	r, err := h.store.Commit(h.ctx, c)
	require.NoError(h.t, err, "commit %s claiming %+v", key, claims)
	h.check(member)
	return r
}

// refused runs f, which must fail with want, and proves it wrote nothing:
// member's state and history are as they were, key has no receipt and each
// counter of stay reads as given. It returns f's error.
func (h *harness) refused(member, key string, want error, stay []ledger.SharedCounter, f func() error) error {
	h.t.Helper()
	var err error
	h.unchanged(member, want, func() error { err = f(); return err })
	if key != "" {
		_, rerr := h.store.Receipt(h.ctx, key)
		require.ErrorIs(h.t, rerr, loyalty.ErrNotFound, "a refused change left a receipt under %s", key)
	}
	for _, c := range stay {
		require.Equal(h.t, c, h.counter(c.Name, c.PeriodKey), "a refused change changed a shared counter")
	}
	return err
}

// refusedClaim commits a bump of member under key with claims, which must be
// refused with want and write nothing, and returns the *loyalty.ClaimError.
func (h *harness) refusedClaim(member, key string, want error, stay []ledger.SharedCounter, claims ...ledger.Claim) *loyalty.ClaimError {
	h.t.Helper()
	c := h.bump(key, member)
	c.Claims = claims
	err := h.refused(member, key, want, stay, func() error {
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	var ce *loyalty.ClaimError
	require.True(h.t, errors.As(err, &ce), "got %T %v, want a *loyalty.ClaimError", err, err)
	return ce
}

func take(counter, period string, amount int64) ledger.Claim {
	return ledger.Claim{Counter: counter, PeriodKey: period, Amount: amount}
}

func giveBack(counter, period string, amount int64) ledger.Claim {
	return ledger.Claim{Counter: counter, PeriodKey: period, Amount: amount, Release: true}
}

func testSetLimit(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.setLimit("stock", 5)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5}, h.counter("stock", ""))
	require.Equal(t, ledger.SharedCounter{Name: "stock", PeriodKey: "2026-03", Limit: 5}, h.counter("stock", "2026-03"),
		"a period never claimed from reads Claimed 0 under the counter's limit")
	require.Equal(t, int64(5), h.counter("stock", "").Left())

	// A limit changes, up and down, and 0 is a limit.
	h.setLimit("stock", 12)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 12}, h.counter("stock", ""))
	h.setLimit("stock", 0)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 0}, h.counter("stock", ""))
	h.setLimit("sign-ups", loyalty.NoLimit)
	require.Equal(t, ledger.SharedCounter{Name: "sign-ups", Limit: loyalty.NoLimit}, h.counter("sign-ups", ""))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 0}, h.counter("stock", ""), "one counter's limit is not another's")

	// A counter with no limit counts.
	h.enroll("ann")
	h.claim("k1", "ann", take("sign-ups", "", 1))
	h.claim("k2", "ann", take("sign-ups", "", 1<<40))
	require.Equal(t, ledger.SharedCounter{Name: "sign-ups", Limit: loyalty.NoLimit, Claimed: 1<<40 + 1}, h.counter("sign-ups", ""))
}

func testUnknownCounter(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	_, err := h.shared().SharedCounter(h.ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
	_, err = h.shared().SharedCounter(h.ctx, "stock", "2026-01")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter)

	h.enroll("ann")
	h.setLimit("known", 10)
	ce := h.refusedClaim("ann", "k1", loyalty.ErrUnknownCounter, []ledger.SharedCounter{{Name: "known", Limit: 10}},
		take("known", "", 1), take("stock", "", 1))
	require.Equal(t, "stock", ce.Counter)
	require.Equal(t, int64(1), ce.Asked)
	_, err = h.shared().SharedCounter(h.ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter, "a refused claim defined the counter")
	ce = h.refusedClaim("ann", "k2", loyalty.ErrUnknownCounter, nil, giveBack("stock", "", 1))
	require.Equal(t, "stock", ce.Counter)
}

func testLimitRefused(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	require.ErrorIs(t, h.shared().SetLimit(h.ctx, "stock", -1), loyalty.ErrInvalidAmount)
	_, err := h.shared().SharedCounter(h.ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter, "a refused limit defined the counter")

	h.setLimit("stock", 10)
	require.ErrorIs(t, h.shared().SetLimit(h.ctx, "stock", -5), loyalty.ErrInvalidAmount)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 10}, h.counter("stock", ""))

	h.enroll("ann")
	h.claim("k1", "ann", take("stock", "2026-01", 7))
	err = h.shared().SetLimit(h.ctx, "stock", 6)
	require.ErrorIs(t, err, loyalty.ErrLimitBelowClaimed)
	var le *loyalty.LimitError
	require.True(t, errors.As(err, &le), "got %T %v, want a *loyalty.LimitError", err, err)
	require.Equal(t, loyalty.LimitError{Counter: "stock", PeriodKey: "2026-01", Limit: 6, Claimed: 7}, *le)
	require.Equal(t, ledger.SharedCounter{Name: "stock", PeriodKey: "2026-01", Limit: 10, Claimed: 7}, h.counter("stock", "2026-01"),
		"a refused limit changed the counter")

	// A limit equal to what was claimed leaves nothing.
	h.setLimit("stock", 7)
	c := h.counter("stock", "2026-01")
	require.Equal(t, ledger.SharedCounter{Name: "stock", PeriodKey: "2026-01", Limit: 7, Claimed: 7}, c)
	require.Equal(t, int64(0), c.Left())
}

func testInvalidClaim(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.setLimit("stock", 10)
	h.claim("k0", "ann", take("stock", "", 2))
	stay := []ledger.SharedCounter{{Name: "stock", Limit: 10, Claimed: 2}}
	for i, amount := range []int64{0, -1, -10} {
		key := fmt.Sprintf("k%d", i+1)
		ce := h.refusedClaim("ann", key, loyalty.ErrInvalidClaim, stay, take("stock", "", amount))
		require.Equal(t, amount, ce.Asked)
		// Alongside a valid claim too: the whole change is refused.
		h.refusedClaim("ann", key, loyalty.ErrInvalidClaim, stay, take("stock", "", 1), take("stock", "", amount))
		h.refusedClaim("ann", key, loyalty.ErrInvalidClaim, stay, giveBack("stock", "", amount))
	}
	// A counter name that is no ID.
	h.refused("ann", "k9", loyalty.ErrInvalidID, stay, func() error {
		c := h.bump("k9", "ann")
		c.Claims = []ledger.Claim{take("", "", 1)}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	require.Equal(t, int64(1), h.balance("ann").Available, "k0's point alone")
}

func testClaimBeyondLimit(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.setLimit("stock", 5)
	h.claim("k1", "ann", take("stock", "", 3))
	stay := []ledger.SharedCounter{{Name: "stock", Limit: 5, Claimed: 3}}
	ce := h.refusedClaim("ann", "k2", loyalty.ErrLimitReached, stay, take("stock", "", 4))
	require.Equal(t, loyalty.ClaimError{Counter: "stock", Asked: 4, Left: 2, Err: ce.Err}, *ce)
	require.Contains(t, ce.Error(), "only 2 left")

	// The claim that fits commits, and then none is left.
	h.claim("k3", "ann", take("stock", "", 2))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 5}, h.counter("stock", ""))
	ce = h.refusedClaim("ann", "k4", loyalty.ErrLimitReached, []ledger.SharedCounter{{Name: "stock", Limit: 5, Claimed: 5}}, take("stock", "", 1))
	require.Equal(t, loyalty.ClaimError{Counter: "stock", Asked: 1, Left: 0, Err: ce.Err}, *ce)

	// A limit of 0 refuses every claim, in a period too.
	h.setLimit("closed", 0)
	ce = h.refusedClaim("ann", "k5", loyalty.ErrLimitReached, []ledger.SharedCounter{{Name: "closed", PeriodKey: "2026-02"}}, take("closed", "2026-02", 1))
	require.Equal(t, loyalty.ClaimError{Counter: "closed", PeriodKey: "2026-02", Asked: 1, Left: 0, Err: ce.Err}, *ce)
	require.Equal(t, int64(2), h.balance("ann").Available, "k1 and k3 alone committed, a point each")
}

func testClaimsAddUp(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.setLimit("stock", 10)
	h.setLimit("budget", 100)
	h.claim("k1", "ann", take("stock", "", 3), take("budget", "", 40), take("stock", "", 4))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 10, Claimed: 7}, h.counter("stock", ""))
	require.Equal(t, ledger.SharedCounter{Name: "budget", Limit: 100, Claimed: 40}, h.counter("budget", ""))

	// 2 and 2 fit apart but not together: the whole change is refused,
	// budget's claim with it.
	stay := []ledger.SharedCounter{{Name: "stock", Limit: 10, Claimed: 7}, {Name: "budget", Limit: 100, Claimed: 40}}
	h.refusedClaim("ann", "k2", loyalty.ErrLimitReached, stay, take("budget", "", 1), take("stock", "", 2), take("stock", "", 2))

	// Claims that fit together commit together.
	h.claim("k3", "ann", take("stock", "", 1), take("stock", "", 2))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 10, Claimed: 10}, h.counter("stock", ""))
	require.Equal(t, ledger.SharedCounter{Name: "budget", Limit: 100, Claimed: 40}, h.counter("budget", ""))
}

func testCounterPeriods(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.setLimit("budget", 2)
	h.claim("k1", "ann", take("budget", "2026-01", 2))
	h.claim("k2", "ann", take("budget", "2026-02", 1))
	h.claim("k3", "ann", take("budget", "", 2))
	require.Equal(t, ledger.SharedCounter{Name: "budget", PeriodKey: "2026-01", Limit: 2, Claimed: 2}, h.counter("budget", "2026-01"))
	require.Equal(t, ledger.SharedCounter{Name: "budget", PeriodKey: "2026-02", Limit: 2, Claimed: 1}, h.counter("budget", "2026-02"))
	require.Equal(t, ledger.SharedCounter{Name: "budget", Limit: 2, Claimed: 2}, h.counter("budget", ""))
	require.Equal(t, ledger.SharedCounter{Name: "budget", PeriodKey: "2026-03", Limit: 2}, h.counter("budget", "2026-03"))

	// January is spent; February has one left.
	stay := []ledger.SharedCounter{
		{Name: "budget", PeriodKey: "2026-01", Limit: 2, Claimed: 2},
		{Name: "budget", PeriodKey: "2026-02", Limit: 2, Claimed: 1},
	}
	ce := h.refusedClaim("ann", "k4", loyalty.ErrLimitReached, stay, take("budget", "2026-02", 1), take("budget", "2026-01", 1))
	require.Equal(t, "2026-01", ce.PeriodKey)
	require.Equal(t, int64(0), ce.Left)
	h.claim("k5", "ann", take("budget", "2026-02", 1))
	require.Equal(t, int64(2), h.counter("budget", "2026-02").Claimed)

	// A new limit applies to every period; none went below what it claimed.
	h.setLimit("budget", 3)
	require.Equal(t, ledger.SharedCounter{Name: "budget", PeriodKey: "2026-01", Limit: 3, Claimed: 2}, h.counter("budget", "2026-01"))
	require.Equal(t, ledger.SharedCounter{Name: "budget", PeriodKey: "2026-03", Limit: 3}, h.counter("budget", "2026-03"))
}

func testRelease(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.setLimit("stock", 5)
	h.claim("k1", "ann", take("stock", "", 5))
	h.claim("k2", "ann", giveBack("stock", "", 2))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 3}, h.counter("stock", ""))

	// What was given back may be taken again.
	h.claim("k3", "ann", take("stock", "", 2))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 5}, h.counter("stock", ""))

	// Never below zero: a release of more than was claimed writes nothing.
	h.claim("k4", "ann", giveBack("stock", "", 4))
	stay := []ledger.SharedCounter{{Name: "stock", Limit: 5, Claimed: 1}}
	ce := h.refusedClaim("ann", "k5", loyalty.ErrInvalidClaim, stay, giveBack("stock", "", 2))
	require.Equal(t, "stock", ce.Counter)
	require.Equal(t, int64(2), ce.Asked)
	// Nor in a period never claimed from.
	h.refusedClaim("ann", "k6", loyalty.ErrInvalidClaim, []ledger.SharedCounter{{Name: "stock", PeriodKey: "2026-05", Limit: 5}},
		giveBack("stock", "2026-05", 1))
	h.claim("k7", "ann", giveBack("stock", "", 1))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5}, h.counter("stock", ""))
}

// claimChange is a change of member from version, whose points balance is
// balance, that adds one point and makes claims; for goroutines, which may
// not call require.
func claimChange(key, member string, version, balance int64, claims ...ledger.Claim) *loyalty.Change {
	c := adjustment(key, member, version, 1, balance+1)
	c.Claims = claims
	return c
}

// commitRacing commits c, which its goroutine alone writes for its member,
// again while the store reports ErrConflict, as the Engine would after it
// planned again: a store under serializable isolation may fail a write that
// raced another on shared state as a conflict, having written nothing.
func commitRacing(h *harness, c *loyalty.Change) (*loyalty.Receipt, error) {
	for range 100 {
		r, err := h.store.Commit(h.ctx, c)
		if !errors.Is(err, loyalty.ErrConflict) {
			return r, err
		}
	}
	return nil, fmt.Errorf("commit %s: a conflict 100 times over", c.Key)
}

func testLastUnitRace(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	const workers = 16
	for w := range workers {
		h.enroll(fmt.Sprintf("m%02d", w))
	}
	h.setLimit("stock", 5)
	h.claim("k-first", "m00", take("stock", "", 4))
	v := h.version("m01") // every racer but m00 enrolled and is at the same version

	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("m%02d", w)
			from, bal := v, int64(0)
			if w == 0 {
				from, bal = v+1, 1
			}
			<-start
			_, errs[w] = commitRacing(h, claimChange("last-"+id, id, from, bal, take("stock", "", 1)))
		}()
	}
	close(start)
	wg.Wait()

	winner := -1
	for w, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "members %d and %d both claimed the last unit", winner, w)
			winner = w
			continue
		}
		require.ErrorIs(t, err, loyalty.ErrLimitReached, "member %d", w)
		var ce *loyalty.ClaimError
		require.True(t, errors.As(err, &ce), "member %d: got %T %v, want a *loyalty.ClaimError", w, err, err)
		require.Equal(t, loyalty.ClaimError{Counter: "stock", Asked: 1, Left: 0, Err: ce.Err}, *ce, "member %d", w)
	}
	require.NotEqual(t, -1, winner, "no member claimed the last unit")
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 5}, h.counter("stock", ""))
	for w := range workers {
		id := fmt.Sprintf("m%02d", w)
		want := int64(0)
		if w == 0 {
			want = 1
		}
		_, err := h.store.Receipt(h.ctx, "last-"+id)
		if w == winner {
			want++
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, loyalty.ErrNotFound, "member %s lost the race and left a receipt", id)
		}
		require.Equal(t, want, h.balance(id).Available, "member %s", id)
		h.check(id)
	}
}

func testBudgetRace(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	const workers, budget = 16, 60
	for w := range workers {
		h.enroll(fmt.Sprintf("m%02d", w))
	}
	h.setLimit("budget", budget)
	v := h.version("m00")

	// Each member claims 1 to 5 until the budget says none is left, asking
	// for what is left when that is less than it wanted.
	taken := make([]int64, workers)
	commits := make([]int64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("m%02d", w)
			<-start
			ask := int64(w%5 + 1)
			for try := 0; try < 4*budget; try++ {
				c := claimChange(fmt.Sprintf("b-%s-%d", id, try), id, v+commits[w], commits[w], take("budget", "", ask))
				_, err := commitRacing(h, c)
				var ce *loyalty.ClaimError
				switch {
				case err == nil:
					taken[w] += ask
					commits[w]++
				case errors.As(err, &ce) && errors.Is(err, loyalty.ErrLimitReached):
					if ce.Asked != ask || ce.Left >= ask || ce.Left < 0 {
						errs[w] = fmt.Errorf("asked %d, refused with %+v", ask, *ce)
						return
					}
					if ce.Left == 0 {
						return
					}
					ask = ce.Left
				default:
					errs[w] = err
					return
				}
			}
			errs[w] = errors.New("never saw the budget spent")
		}()
	}
	close(start)
	wg.Wait()

	var sum int64
	for w := range workers {
		require.NoError(t, errs[w], "member %d", w)
		sum += taken[w]
		id := fmt.Sprintf("m%02d", w)
		require.Equal(t, commits[w], h.balance(id).Available, "member %s: one point per committed claim", id)
		require.Equal(t, v+commits[w], h.version(id), "member %s", id)
	}
	require.Equal(t, int64(budget), sum, "the claims that committed add up to the budget")
	require.Equal(t, ledger.SharedCounter{Name: "budget", Limit: budget, Claimed: budget}, h.counter("budget", ""))
}

func testRefusedChangeClaimsNothing(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.enroll("bob")
	h.setLimit("stock", 5)
	h.claim("k0", "bob", take("stock", "", 1))
	h.earn(h.engine, "ann-A-1", order("A-1", "ann", "10.00"))
	stay := []ledger.SharedCounter{{Name: "stock", Limit: 5, Claimed: 1}}

	// Unbalanced: the planned balance is not the stored one plus the entry.
	h.refused("bob", "u1", loyalty.ErrUnbalanced, stay, func() error {
		c := h.bump("u1", "bob")
		c.Balances[0].Available += 10
		c.Claims = []ledger.Claim{take("stock", "", 1)}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	// Stale: planned from an older version.
	h.refused("bob", "u2", loyalty.ErrConflict, stay, func() error {
		st, err := h.store.Load(h.ctx, "bob", loyalty.Query{})
		require.NoError(t, err)
		c := claimChange("u2", "bob", st.Version-1, st.Balance(ledger.PointsAccount).Available, take("stock", "", 1))
		_, err = h.store.Commit(h.ctx, c)
		return err
	})
	// An unknown member.
	_, err := h.store.Commit(h.ctx, claimChange("u3", "cy", 3, 0, take("stock", "", 1)))
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	// An order another member owns.
	err = h.refused("bob", "u4", loyalty.ErrDuplicate, stay, func() error {
		c := h.bump("u4", "bob")
		c.Orders = []ledger.OrderRecord{{ID: "A-1", MemberID: "bob", Currency: "USD", PlacedAt: epoch}}
		c.Claims = []ledger.Claim{take("stock", "", 1)}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	var owner *loyalty.OrderOwnerError
	require.True(t, errors.As(err, &owner), "got %T %v, want a *loyalty.OrderOwnerError", err, err)
	// A taken code in the same change.
	require.NoError(t, h.shared().ReserveCode(h.ctx, ledger.Code{Code: "TAKEN-1", Kind: "coupon", Owner: "ann", CreatedAt: epoch}))
	h.refused("bob", "u5", loyalty.ErrCodeTaken, stay, func() error {
		c := h.bump("u5", "bob")
		c.Claims = []ledger.Claim{take("stock", "", 1)}
		c.Codes = []ledger.Code{{Code: "TAKEN-1", Kind: "coupon", Owner: "bob", CreatedAt: epoch}}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	// A claim of another counter that is spent.
	h.setLimit("spent", 0)
	h.refusedClaim("bob", "u6", loyalty.ErrLimitReached, stay, take("stock", "", 1), take("spent", "", 1))

	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 1}, h.counter("stock", ""))
	require.Equal(t, int64(1), h.balance("bob").Available, "k0 alone committed for bob")
}

func testReplayClaimsNothing(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.setLimit("stock", 5)
	first := h.claim("k1", "ann", take("stock", "", 2))
	kept := h.receipt("k1")
	require.Equal(t, jsonOf(t, first), jsonOf(t, kept))

	// The same change again, and one planned from the new version.
	for _, from := range []int64{first.Version - 1, first.Version} {
		c := claimChange("k1", "ann", from, from-first.Version+1, take("stock", "", 2))
		h.committedKey("ann", kept, c)
		require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 2}, h.counter("stock", ""), "a replayed key claimed again")
	}
	// Even one that would be refused is only reported committed.
	h.committedKey("ann", kept, claimChange("k1", "ann", first.Version, 1, take("stock", "", 50)))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 2}, h.counter("stock", ""))
	require.Equal(t, int64(1), h.balance("ann").Available)
}

func testCountersPerProgram(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	a, b := h.program("shop"), h.program("club")
	a.setLimit("stock", 5)
	_, err := b.shared().SharedCounter(h.ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter, "a counter of one program is not another's")
	_, err = h.shared().SharedCounter(h.ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter, "a counter of a program is not the default program's")

	b.setLimit("stock", 1)
	a.enroll("ann")
	b.enroll("ann")
	a.claim("k1", "ann", take("stock", "", 3))
	b.claim("k1", "ann", take("stock", "", 1))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 3}, a.counter("stock", ""))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 1, Claimed: 1}, b.counter("stock", ""))
	b.refusedClaim("ann", "k2", loyalty.ErrLimitReached, []ledger.SharedCounter{{Name: "stock", Limit: 1, Claimed: 1}}, take("stock", "", 1))
	a.claim("k2", "ann", take("stock", "", 2))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 5}, a.counter("stock", ""))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 1, Claimed: 1}, b.counter("stock", ""))

	// A limit below what one program claimed is no concern of the other.
	b.setLimit("stock", 1)
	require.ErrorIs(t, b.shared().SetLimit(h.ctx, "stock", 0), loyalty.ErrLimitBelowClaimed)
	a.claim("k3", "ann", giveBack("stock", "", 5))
	require.ErrorIs(t, b.shared().SetLimit(h.ctx, "stock", 0), loyalty.ErrLimitBelowClaimed)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5}, a.counter("stock", ""))
}
