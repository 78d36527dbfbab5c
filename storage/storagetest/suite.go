package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// Run runs the conformance suite against the stores newStore makes. Each
// call of newStore must return a fresh, empty store; the suite closes
// nothing, so register cleanup with t.Cleanup in newStore.
func Run(t *testing.T, newStore func(t *testing.T) loyalty.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, func(*testing.T) loyalty.Store)
	}{
		{"ReplayedKeyReturnsFirstReceiptAndWritesOnce", testReplay},
		{"ReusedKeyWithOtherPayloadIsRejected", testKeyReused},
		{"RejectedWritesChangeNothing", testAtomicRejection},
		{"StaleVersionCommitIsAConflictAndWritesNothing", testStaleVersion},
		{"RedeemDrawsEarliestExpiringLotFirst", testFIFOByExpiry},
		{"PendingPointsAreNotSpendableUntilActivated", testPending},
		{"ReturnBeforeActivationVoidsPendingPoints", testVoidPending},
		{"LotExpiringAtNowIsExpired", testExpiry},
		{"ReturnsReverseAtRecordedRateAndNeverMoreThanEarned", testReversal},
		{"ClawbackClampsAtZero", testClawbackClamp},
		{"ClawbackAllowsNegativeAndLaterEarningsRepay", testClawbackNegative},
		{"CancelledRedemptionComesBack", testCancel},
		{"ConcurrentRedemptionsNeverOverspend", testConcurrentRedemptions},
		{"ConcurrentRetriesOfOneKeyWriteOnce", testConcurrentKey},
		{"HistoryCursorNeverSkipsOrRepeatsWhileWritesGoOn", testPagination},
		{"HistoryPagesNewestFirstFromTheZeroCursor", testHistoryNewestFirst},
		{"HistoryBackwardAndForwardMeetAtACursor", testHistoryBothWaysMeetAtACursor},
		{"HistoryBackwardCursorNeverSkipsOrRepeatsWhileWritesGoOn", testHistoryBackwardWhileWritesGoOn},
		{"UnknownMemberIsRejected", testUnknownMember},
		{"ListsMembersWhenItCan", testMembers},
		{"SameScenarioGivesSameEntriesAsReferenceStore", testDeterminism},
	}
	tests = append(tests, guaranteeTests...)
	tests = append(tests, keyTests...)
	tests = append(tests, orderTests...)
	tests = append(tests, programTests...)
	tests = append(tests, sharedTests...)
	tests = append(tests, codeTests...)
	tests = append(tests, grantTests...)
	tests = append(tests, dueTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore) })
	}
}

func testReplay(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	o := order("o1", "ann", "10.00")
	first := h.earn(h.engine, "k-earn", o)
	require.Equal(t, int64(100), first.Points())

	again, err := h.engine.Earn(h.ctx, "k-earn", o)
	require.NoError(t, err)
	require.Equal(t, jsonOf(t, first), jsonOf(t, replayOf(again)), "a replay must return the first receipt")
	require.Len(t, h.history("ann"), 1)
	require.Equal(t, int64(100), h.balance("ann").Available)

	// An action has no natural ID: only the store's key check stops a double credit.
	a := &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: epoch, Ref: "review-1"}
	r1, err := h.engine.Act(h.ctx, "k-review", a)
	require.NoError(t, err)
	r2, err := h.engine.Act(h.ctx, "k-review", a)
	require.NoError(t, err)
	require.Equal(t, jsonOf(t, r1), jsonOf(t, replayOf(r2)))
	require.Equal(t, int64(150), h.balance("ann").Available)
	require.Len(t, h.history("ann"), 2)
	h.check("ann")

	// The replay of an earlier key still returns its receipt after later writes.
	h.clock.Advance(time.Hour)
	later, err := h.engine.Earn(h.ctx, "k-earn", o)
	require.NoError(t, err)
	require.Equal(t, jsonOf(t, first), jsonOf(t, replayOf(later)))

	// The same order under a new key is a duplicate, not a second earning.
	h.unchanged("ann", loyalty.ErrDuplicate, func() error {
		_, err := h.engine.Earn(h.ctx, "k-earn-2", o)
		return err
	})
}

func testKeyReused(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	h.unchanged("ann", loyalty.ErrKeyReused, func() error {
		_, err := h.engine.Earn(h.ctx, "k1", order("o1", "ann", "99.00"))
		return err
	})
	h.unchanged("ann", loyalty.ErrKeyReused, func() error {
		_, err := h.engine.Act(h.ctx, "k1", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: epoch})
		return err
	})
	h.unchanged("ann", loyalty.ErrKeyReused, func() error {
		_, err := h.engine.Adjust(h.ctx, "k1", "ann", 5, "goodwill")
		return err
	})
	require.Equal(t, int64(100), h.balance("ann").Available)
}

func testAtomicRejection(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	total := money.MinorUnits(100_00, "USD")
	h.unchanged("ann", loyalty.ErrInsufficientPoints, func() error {
		_, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: total, Points: 101})
		return err
	})
	h.unchanged("ann", loyalty.ErrInsufficientPoints, func() error {
		_, err := h.engine.Adjust(h.ctx, "k3", "ann", -101, "too much")
		return err
	})
	h.unchanged("ann", loyalty.ErrInvalidAmount, func() error {
		_, err := h.engine.Adjust(h.ctx, "k4", "ann", 0, "nothing")
		return err
	})
	h.unchanged("ann", loyalty.ErrCurrencyMismatch, func() error {
		o := order("o2", "ann", "10.00")
		o.Currency = "EUR"
		_, err := h.engine.Earn(h.ctx, "k5", o)
		return err
	})
	h.unchanged("ann", loyalty.ErrInvalidAmount, func() error {
		o := order("o3", "ann", "10.00")
		o.Lines[0].Quantity = 0
		_, err := h.engine.Earn(h.ctx, "k6", o)
		return err
	})
	h.unchanged("ann", loyalty.ErrOverflow, func() error {
		o := order("o4", "ann", "92233720368547758.07")
		o.Lines[0].Quantity = 2
		_, err := h.engine.Earn(h.ctx, "k7", o)
		return err
	})
	h.unchanged("ann", loyalty.ErrUnknownOrder, func() error {
		_, err := h.engine.Return(h.ctx, "k8", &loyalty.Return{ID: "x", OrderID: "nope", MemberID: "ann", Amount: decimal.NewFromInt(1)})
		return err
	})
	h.unchanged("ann", loyalty.ErrReturnExceedsOrder, func() error {
		_, err := h.engine.Return(h.ctx, "k9", &loyalty.Return{ID: "x", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "sku-1", Quantity: 2}}})
		return err
	})
	h.unchanged("ann", loyalty.ErrReturnExceedsOrder, func() error {
		_, err := h.engine.Return(h.ctx, "k10", &loyalty.Return{ID: "x", OrderID: "o1", MemberID: "ann", Amount: decimal.RequireFromString("10.01")})
		return err
	})
	for _, k := range []string{"k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10"} {
		_, err := h.store.Receipt(h.ctx, k)
		require.ErrorIs(t, err, loyalty.ErrNotFound, "a rejected write left a receipt under %s", k)
	}
	require.Equal(t, int64(100), h.balance("ann").Available)
}

func testStaleVersion(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	st, err := h.store.Load(h.ctx, "ann", loyalty.Query{})
	require.NoError(t, err)
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))

	// A change planned from the old version must not land.
	stale := &loyalty.Change{
		Key: "stale", Fingerprint: "f", MemberID: "ann", Version: st.Version,
		Entries: []ledger.Entry{{ID: ledger.EntryID{Version: st.Version + 1}, MemberID: "ann", Account: ledger.PointsAccount,
			Kind: ledger.EntryAdjust, Amount: 7, At: epoch, Key: "stale", Source: "test"}},
		Balances: []ledger.Balance{{Account: ledger.PointsAccount, Available: 7}},
		Receipt:  &loyalty.Receipt{Key: "stale", Fingerprint: "f", MemberID: "ann"},
	}
	h.unchanged("ann", loyalty.ErrConflict, func() error {
		_, err := h.store.Commit(h.ctx, stale)
		return err
	})
	_, err = h.store.Receipt(h.ctx, "stale")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	require.Equal(t, int64(100), h.balance("ann").Available)
}

func testFIFOByExpiry(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore) // never expires
	e30 := h.engineFor(Program(func(p *loyalty.Program) { p.Expiry = afterDays(30) }))
	e10 := h.engineFor(Program(func(p *loyalty.Program) { p.Expiry = afterDays(10) }))
	h.enroll("ann")
	never := h.earn(h.engine, "k1", order("o-never", "ann", "10.00")).Entries[0].Lot
	d30 := h.earn(e30, "k2", order("o-30", "ann", "10.00")).Entries[0].Lot
	d10 := h.earn(e10, "k3", order("o-10", "ann", "10.00")).Entries[0].Lot

	total := money.MinorUnits(1000_00, "USD")
	r, err := h.engine.Redeem(h.ctx, "k4", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: total, Points: 150})
	require.NoError(t, err)
	h.check("ann")
	require.Equal(t, []ledger.Draw{
		{Lot: d10, Amount: 100, ExpiresAt: epoch.AddDate(0, 0, 10)},
		{Lot: d30, Amount: 50, ExpiresAt: epoch.AddDate(0, 0, 30)},
	}, r.Redemption.Draws)

	r, err = h.engine.Redeem(h.ctx, "k5", loyalty.Redemption{ID: "r2", MemberID: "ann", Total: total, Points: 100})
	require.NoError(t, err)
	h.check("ann")
	require.Equal(t, []ledger.Draw{
		{Lot: d30, Amount: 50, ExpiresAt: epoch.AddDate(0, 0, 30)},
		{Lot: never, Amount: 50},
	}, r.Redemption.Draws)

	st, err := h.store.Load(h.ctx, "ann", loyalty.Query{Lots: true})
	require.NoError(t, err)
	require.Len(t, st.Lots, 1, "only the never-expiring lot is still open")
	require.Equal(t, never, st.Lots[0].ID)
	require.Equal(t, int64(50), st.Lots[0].Remaining)
}

func testPending(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore, func(p *loyalty.Program) { p.PendingDays = 14 })
	h.enroll("ann")
	r := h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	require.Equal(t, int64(100), r.Entries[0].Pending)
	require.Equal(t, int64(0), r.Entries[0].Amount)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Pending: 100}, h.balance("ann"))

	total := money.MinorUnits(100_00, "USD")
	h.unchanged("ann", loyalty.ErrInsufficientPoints, func() error {
		_, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: total, Points: 1})
		return err
	})
	q, err := h.engine.QuoteRedemption(h.ctx, "ann", total, 0)
	require.NoError(t, err)
	require.Equal(t, int64(0), q.MaxPoints, "held points must not be quoted as redeemable")

	h.clock.Set(epoch.AddDate(0, 0, 14).Add(-time.Microsecond))
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Pending: 100}, h.balance("ann"))
	h.clock.Set(epoch.AddDate(0, 0, 14))
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100}, h.balance("ann"), "a hold ends exactly at its activation time")

	s, err := h.engine.Settle(h.ctx, "k3", "ann")
	require.NoError(t, err)
	h.check("ann")
	require.Len(t, s.Entries, 1)
	require.Equal(t, ledger.EntryActivate, s.Entries[0].Kind)
	require.Equal(t, int64(100), s.Entries[0].Amount)
	require.Equal(t, int64(-100), s.Entries[0].Pending)

	_, err = h.engine.Redeem(h.ctx, "k4", loyalty.Redemption{ID: "r2", MemberID: "ann", Total: total, Points: 60})
	require.NoError(t, err)
	h.check("ann")
	require.Equal(t, int64(40), h.balance("ann").Available)
}

func testVoidPending(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore, func(p *loyalty.Program) { p.PendingDays = 14 })
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00", "10.00"))
	h.clock.Advance(24 * time.Hour)
	r, err := h.engine.Return(h.ctx, "k2", &loyalty.Return{ID: "ret1", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "sku-2", Quantity: 1}}})
	require.NoError(t, err)
	h.check("ann")
	require.Len(t, r.Entries, 1)
	require.Equal(t, ledger.EntryVoid, r.Entries[0].Kind)
	require.Equal(t, int64(-100), r.Entries[0].Pending)
	require.Equal(t, int64(0), r.Entries[0].Amount)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Pending: 100}, h.balance("ann"))
	h.clock.Set(epoch.AddDate(0, 0, 14))
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 100}, h.balance("ann"))
}

func testExpiry(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore, func(p *loyalty.Program) { p.Expiry = afterDays(30) })
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	_, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(100_00, "USD"), Points: 30})
	require.NoError(t, err)
	h.check("ann")

	expiry := epoch.AddDate(0, 0, 30)
	h.clock.Set(expiry.Add(-time.Microsecond))
	require.Equal(t, int64(70), h.balance("ann").Available)
	h.clock.Set(expiry)
	require.Equal(t, int64(0), h.balance("ann").Available, "a lot whose expiry equals now is expired")

	s, err := h.engine.Settle(h.ctx, "k3", "ann")
	require.NoError(t, err)
	h.check("ann")
	require.Len(t, s.Entries, 1)
	require.Equal(t, ledger.EntryExpire, s.Entries[0].Kind)
	require.Equal(t, int64(-70), s.Entries[0].Amount, "expiry writes what remained")

	// Settling again finds nothing to do.
	s, err = h.engine.Settle(h.ctx, "k4", "ann")
	require.NoError(t, err)
	require.Empty(t, s.Entries)
	h.check("ann")
}

func testReversal(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	o := order("o1", "ann", "20.00", "5.00")
	o.Lines[0].Quantity = 2
	o.Lines[0].UnitPrice = decimal.RequireFromString("10.00")
	require.Equal(t, int64(250), h.earn(h.engine, "k1", o).Points())

	// The program now earns double; returns still reverse at the rate used.
	doubled := h.engineFor(Program(func(p *loyalty.Program) { p.Rules = []loyalty.Rule{PerDollar(20)} }))
	ret := func(key, id string, lines ...loyalty.ReturnLine) *loyalty.Receipt {
		t.Helper()
		r, err := doubled.Return(h.ctx, key, &loyalty.Return{ID: id, OrderID: "o1", MemberID: "ann", Lines: lines})
		require.NoError(t, err)
		h.check("ann")
		return r
	}
	require.Equal(t, int64(-100), ret("k2", "ret1", loyalty.ReturnLine{SKU: "sku-1", Quantity: 1}).Points())
	require.Equal(t, int64(-100), ret("k3", "ret2", loyalty.ReturnLine{SKU: "sku-1", Quantity: 1}).Points())
	require.Equal(t, int64(-50), ret("k4", "ret3", loyalty.ReturnLine{SKU: "sku-2", Quantity: 1}).Points())
	require.Equal(t, int64(0), h.balance("ann").Available)
	h.unchanged("ann", loyalty.ErrReturnExceedsOrder, func() error {
		_, err := doubled.Return(h.ctx, "k5", &loyalty.Return{ID: "ret4", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "sku-2", Quantity: 1}}})
		return err
	})
	h.unchanged("ann", loyalty.ErrDuplicate, func() error {
		_, err := doubled.Return(h.ctx, "k6", &loyalty.Return{ID: "ret1", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "sku-1", Quantity: 1}}})
		return err
	})

	// By amount: 3.33 then 6.67 of 10.00 reverses 33 then the remaining 67.
	h.earn(h.engine, "k7", order("o2", "ann", "10.00"))
	byAmount := func(key, id, amount string) int64 {
		t.Helper()
		r, err := h.engine.Return(h.ctx, key, &loyalty.Return{ID: id, OrderID: "o2", MemberID: "ann", Amount: decimal.RequireFromString(amount)})
		require.NoError(t, err)
		h.check("ann")
		return r.Points()
	}
	require.Equal(t, int64(-33), byAmount("k8", "a1", "3.33"))
	require.Equal(t, int64(-67), byAmount("k9", "a2", "6.67"))
	h.unchanged("ann", loyalty.ErrReturnExceedsOrder, func() error {
		_, err := h.engine.Return(h.ctx, "k10", &loyalty.Return{ID: "a3", OrderID: "o2", MemberID: "ann", Amount: decimal.RequireFromString("0.01")})
		return err
	})
	require.Equal(t, int64(0), h.balance("ann").Available)
}

func testClawbackClamp(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	_, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(100_00, "USD"), Points: 80})
	require.NoError(t, err)
	r, err := h.engine.Return(h.ctx, "k3", &loyalty.Return{ID: "ret", OrderID: "o1", MemberID: "ann", Amount: decimal.NewFromInt(10)})
	require.NoError(t, err)
	h.check("ann")
	require.Equal(t, int64(-20), r.Points(), "only what is left is taken back")
	require.Equal(t, int64(80), r.Forgiven)
	require.Equal(t, int64(0), h.balance("ann").Available)
}

func testClawbackNegative(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore, func(p *loyalty.Program) { p.Clawback = loyalty.AllowNegative })
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	total := money.MinorUnits(100_00, "USD")
	_, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: total, Points: 80})
	require.NoError(t, err)
	r, err := h.engine.Return(h.ctx, "k3", &loyalty.Return{ID: "ret", OrderID: "o1", MemberID: "ann", Amount: decimal.NewFromInt(10)})
	require.NoError(t, err)
	h.check("ann")
	require.Equal(t, int64(-100), r.Points())
	require.Equal(t, int64(-80), h.balance("ann").Available)

	h.earn(h.engine, "k4", order("o2", "ann", "5.00"))
	require.Equal(t, int64(-30), h.balance("ann").Available, "a new earning pays the debt back first")
	h.earn(h.engine, "k5", order("o3", "ann", "10.00"))
	require.Equal(t, int64(70), h.balance("ann").Available)
	_, err = h.engine.Redeem(h.ctx, "k6", loyalty.Redemption{ID: "r2", MemberID: "ann", Total: total, Points: 70})
	require.NoError(t, err)
	h.check("ann")
	require.Equal(t, int64(0), h.balance("ann").Available)
}

func testCancel(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	r, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "cart-9", Total: money.MinorUnits(50_00, "USD"), Points: 60})
	require.NoError(t, err)
	h.check("ann")
	require.Equal(t, "0.60 USD", r.Redemption.Value.String())
	require.Equal(t, int64(40), h.balance("ann").Available)

	c, err := h.engine.CancelRedemption(h.ctx, "k3", "ann", "r1")
	require.NoError(t, err)
	h.check("ann")
	require.Equal(t, int64(60), c.Points())
	require.True(t, c.Redemption.Cancelled)
	require.Equal(t, int64(100), h.balance("ann").Available)

	h.unchanged("ann", loyalty.ErrAlreadyCancelled, func() error {
		_, err := h.engine.CancelRedemption(h.ctx, "k4", "ann", "r1")
		return err
	})
	h.unchanged("ann", loyalty.ErrUnknownRedemption, func() error {
		_, err := h.engine.CancelRedemption(h.ctx, "k5", "ann", "nope")
		return err
	})
}

func testConcurrentRedemptions(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.earn(h.engine, "k0", order("o1", "ann", "100.00")) // 1,000 points
	const workers, tries, each = 16, 5, 30
	var mu sync.Mutex
	ok, short := 0, 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range tries {
				id := fmt.Sprintf("r-%d-%d", w, i)
				_, err := h.engine.Redeem(h.ctx, id, loyalty.Redemption{ID: id, MemberID: "ann", Total: money.MinorUnits(1000_00, "USD"), Points: each})
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, loyalty.ErrInsufficientPoints):
					short++
				default:
					t.Errorf("redemption %s: %v", id, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1000/each, ok, "successes must be exactly what the balance allows")
	require.Equal(t, workers*tries-1000/each, short)
	require.Equal(t, int64(1000%each), h.balance("ann").Available)
	h.check("ann")
}

func testConcurrentKey(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	o := order("o1", "ann", "10.00")
	const workers = 16
	receipts := make([]string, workers)
	replayed := make([]bool, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := h.engine.Earn(h.ctx, "same-key", o)
			if err != nil {
				t.Errorf("worker %d: %v", w, err)
				return
			}
			receipts[w], replayed[w] = jsonOf(t, replayOf(r)), r.Replayed
		}()
	}
	wg.Wait()
	for w := 1; w < workers; w++ {
		require.Equal(t, receipts[0], receipts[w], "every caller gets the same receipt")
	}
	first := 0
	for _, r := range replayed {
		if !r {
			first++
		}
	}
	require.Equal(t, 1, first, "one caller wrote, every other got a replay")
	require.Len(t, h.history("ann"), 1, "one key, one write")
	require.Equal(t, int64(100), h.balance("ann").Available)
	h.check("ann")
}

func testPagination(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	const writes = 120
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range writes {
			a := &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: epoch, Ref: fmt.Sprint(i)}
			if _, err := h.engine.Act(h.ctx, fmt.Sprintf("act-%d", i), a); err != nil {
				t.Errorf("act %d: %v", i, err)
				return
			}
		}
	}()
	var seen []ledger.Entry
	var after ledger.EntryID
	finished := false
	for {
		page, err := h.store.History(h.ctx, "ann", after, 7)
		require.NoError(t, err)
		seen = append(seen, page...)
		if len(page) > 0 {
			after = page[len(page)-1].ID
		}
		if finished && len(page) == 0 {
			break
		}
		select {
		case <-done:
			finished = true
		default:
		}
	}
	require.Len(t, seen, writes)
	for i := 1; i < len(seen); i++ {
		require.True(t, seen[i-1].ID.Less(seen[i].ID), "cursor repeated or reordered an entry at %d", i)
	}
	require.Equal(t, jsonOf(t, h.history("ann")), jsonOf(t, seen))
	h.check("ann")
}

func testUnknownMember(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	_, err := h.engine.Earn(h.ctx, "k1", order("o1", "ghost", "10.00"))
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, err = h.engine.Balance(h.ctx, "ghost")
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, err = h.store.Receipt(h.ctx, "k1")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	_, err = h.store.Load(h.ctx, "ghost", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)

	h.enroll("ann")
	h.unchanged("ann", loyalty.ErrDuplicate, func() error {
		_, err := h.engine.Enroll(h.ctx, "enroll-again", loyalty.Member{ID: "ann"})
		return err
	})
}

func testMembers(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	l, ok := h.store.(loyalty.MemberLister)
	if !ok {
		t.Skip("store does not implement loyalty.MemberLister")
	}
	want := []string{"a", "b", "c", "d", "e"}
	for _, id := range want {
		h.enroll(id)
	}
	var got []string
	after := ""
	for {
		page, err := l.Members(h.ctx, after, 2)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1]
	}
	slices.Sort(got)
	require.Equal(t, want, got)
}

// testDeterminism runs one scenario on the adapter and on the reference
// memory store: the entries and receipts must match byte for byte.
func testDeterminism(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	run := func(s loyalty.Store) (string, []string) {
		clock := loyalty.NewManualClock(epoch)
		p := Program(func(p *loyalty.Program) { p.Expiry = afterDays(30); p.PendingDays = 7 })
		e, err := loyalty.NewEngine(p, s, &loyalty.EngineOptions{Clock: clock})
		require.NoError(t, err)
		ctx := context.Background()
		var receipts []string
		keep := func(r *loyalty.Receipt, err error) {
			t.Helper()
			require.NoError(t, err)
			receipts = append(receipts, jsonOf(t, r))
		}
		keep(e.Enroll(ctx, "d1", loyalty.Member{ID: "ann", Segments: []string{"staff"}}))
		o := order("o1", "ann", "12.34", "0.99")
		o.Lines[0].Quantity = 3
		o.Discount = decimal.RequireFromString("1.50")
		keep(e.Earn(ctx, "d2", o))
		clock.Advance(48 * time.Hour)
		keep(e.Act(ctx, "d3", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: clock.Now(), Ref: "rv"}))
		keep(e.Return(ctx, "d4", &loyalty.Return{ID: "ret", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "sku-1", Quantity: 1}}}))
		clock.Advance(7 * 24 * time.Hour)
		keep(e.Redeem(ctx, "d5", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(20_00, "USD"), Points: 120}))
		keep(e.CancelRedemption(ctx, "d6", "ann", "r1"))
		keep(e.Adjust(ctx, "d7", "ann", -10, "correction"))
		clock.Advance(40 * 24 * time.Hour)
		keep(e.Settle(ctx, "d8", "ann"))
		CheckInvariants(t, ctx, s, "ann")
		return jsonOf(t, historyOf(t, ctx, s, "ann")), receipts
	}
	wantHist, wantReceipts := run(memory.New())
	gotHist, gotReceipts := run(newStore(t))
	require.Equal(t, wantHist, gotHist)
	require.Equal(t, wantReceipts, gotReceipts)
}
