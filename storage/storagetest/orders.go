package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
)

// An order ID is unique in the store, whoever claims it: the store refuses
// an earn of an order ID that another member's order record holds
// (ErrDuplicate, a *loyalty.OrderOwnerError), when it commits, so that of
// members racing with one order ID exactly one earns.

// orderTests are run by Run.
var orderTests = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) loyalty.Store)
}{
	{"OrderIDEarnedByAnotherMemberIsADuplicateAndWritesNothing", testOrderOfAnotherMember},
	{"OrderIDRacedByManyMembersEarnsForExactlyOne", testOrderRace},
	{"ReturnsFindTheirOrderOnceItsIDIsClaimed", testReturnAfterClaim},
}

func testOrderOfAnotherMember(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.enroll("bob")
	first := h.earn(h.engine, "ann-A-1001", order("A-1001", "ann", "10.00"))
	require.Equal(t, int64(100), first.Points())
	h.earn(h.engine, "bob-B-7", order("B-7", "bob", "3.00")) // bob has a ledger of his own: 30
	annBefore := h.history("ann")

	var err error
	h.unchanged("bob", loyalty.ErrDuplicate, func() error {
		_, err = h.engine.Earn(h.ctx, "bob-A-1001", order("A-1001", "bob", "25.00"))
		return err
	})
	var owner *loyalty.OrderOwnerError
	require.True(t, errors.As(err, &owner), "got %T %v, want a *loyalty.OrderOwnerError", err, err)
	require.Equal(t, loyalty.OrderOwnerError{OrderID: "A-1001", MemberID: "bob", Owner: "ann"}, *owner)
	require.Equal(t, int64(30), h.balance("bob").Available, "bob keeps his 30 points and no more")
	require.Len(t, h.history("bob"), 1)
	require.Equal(t, int64(100), h.balance("ann").Available, "ann keeps her 100 points")
	require.Equal(t, jsonOf(t, annBefore), jsonOf(t, h.history("ann")), "ann's history is unchanged")
	_, err = h.store.Receipt(h.ctx, "bob-A-1001")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "the refused key stays unused")

	// The same member replaying its key still gets the first receipt.
	again, err := h.engine.Earn(h.ctx, "ann-A-1001", order("A-1001", "ann", "10.00"))
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Equal(t, jsonOf(t, first), jsonOf(t, replayOf(again)))
	// And ann's own order under another key is the duplicate it always was.
	h.unchanged("ann", loyalty.ErrDuplicate, func() error {
		_, err := h.engine.Earn(h.ctx, "ann-A-1001-again", order("A-1001", "ann", "10.00"))
		return err
	})
	require.Equal(t, int64(100), h.balance("ann").Available)
	h.check("ann")
	h.check("bob")
}

func testOrderRace(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	const workers = 16
	for w := range workers {
		h.enroll(fmt.Sprintf("m%02d", w))
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("m%02d", w)
			_, errs[w] = h.engine.Earn(h.ctx, "earn-"+id, order("A-1001", id, "10.00"))
		}()
	}
	wg.Wait()
	winner := -1
	for w, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "members %d and %d both earned order A-1001", winner, w)
			winner = w
			continue
		}
		require.ErrorIs(t, err, loyalty.ErrDuplicate, "member %d", w)
	}
	require.NotEqual(t, -1, winner, "no member earned order A-1001")
	for w := range workers {
		id := fmt.Sprintf("m%02d", w)
		want, entries := int64(0), 0
		if w == winner {
			want, entries = 100, 1
		} else {
			var owner *loyalty.OrderOwnerError
			require.True(t, errors.As(errs[w], &owner), "member %d: got %T %v", w, errs[w], errs[w])
			require.Equal(t, fmt.Sprintf("m%02d", winner), owner.Owner)
		}
		require.Equal(t, want, h.balance(id).Available, "member %s", id)
		require.Len(t, h.history(id), entries, "member %s", id)
		h.check(id)
	}
}

func testReturnAfterClaim(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.enroll("bob")
	h.earn(h.engine, "ann-A-1001", order("A-1001", "ann", "10.00", "5.00"))
	h.unchanged("bob", loyalty.ErrDuplicate, func() error {
		_, err := h.engine.Earn(h.ctx, "bob-A-1001", order("A-1001", "bob", "10.00", "5.00"))
		return err
	})
	// ann's returns update her order record: not a claim of another's.
	r1, err := h.engine.Return(h.ctx, "ann-ret-1", &loyalty.Return{ID: "ret-1", OrderID: "A-1001", MemberID: "ann",
		Lines: []loyalty.ReturnLine{{SKU: "sku-2", Quantity: 1}}})
	require.NoError(t, err)
	require.Equal(t, int64(-50), r1.Points(), "the 5.00 line earned 50")
	r2, err := h.engine.Return(h.ctx, "ann-ret-2", &loyalty.Return{ID: "ret-2", OrderID: "A-1001", MemberID: "ann",
		Lines: []loyalty.ReturnLine{{SKU: "sku-1", Quantity: 1}}})
	require.NoError(t, err)
	require.Equal(t, int64(-100), r2.Points(), "the 10.00 line earned 100")
	require.Equal(t, int64(0), h.balance("ann").Available, "150 earned, 50 and 100 returned")
	h.check("ann")
	// bob never earned on A-1001: his return of it finds no order.
	h.unchanged("bob", loyalty.ErrUnknownOrder, func() error {
		_, err := h.engine.Return(h.ctx, "bob-ret-1", &loyalty.Return{ID: "ret-1", OrderID: "A-1001", MemberID: "bob",
			Lines: []loyalty.ReturnLine{{SKU: "sku-1", Quantity: 1}}})
		return err
	})
}
