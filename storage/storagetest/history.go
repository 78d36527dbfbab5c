package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// reverser is the store's HistoryReverser; the suite requires one.
func reverser(t *testing.T, s loyalty.Store) loyalty.HistoryReverser {
	t.Helper()
	r, ok := s.(loyalty.HistoryReverser)
	require.True(t, ok, "%T does not implement loyalty.HistoryReverser", s)
	return r
}

// historyScenario gives ann writes of one entry and one write of five (five
// lots expiring at once), 12 entries in all, and returns them oldest first.
func historyScenario(h *harness) []ledger.Entry {
	h.t.Helper()
	h.enroll("ann")
	for i := range 5 {
		h.earn(h.engine, fmt.Sprintf("earn-%d", i), order(fmt.Sprintf("o%d", i), "ann", "1.00"))
	}
	h.clock.Set(epoch.AddDate(0, 0, 10))
	_, err := h.engine.Settle(h.ctx, "settle", "ann")
	require.NoError(h.t, err)
	for i := 5; i < 12; i++ {
		h.earn(h.engine, fmt.Sprintf("earn-%d", i), order(fmt.Sprintf("o%d", i), "ann", "1.00"))
	}
	all := h.history("ann")
	require.Len(h.t, all, 17)
	return all
}

// sameEntries requires got to be want, entry by entry (nil and empty alike).
func sameEntries(t *testing.T, want, got []ledger.Entry, msgAndArgs ...any) {
	t.Helper()
	if len(want) == 0 {
		require.Empty(t, got, msgAndArgs...)
		return
	}
	require.Equal(t, jsonOf(t, want), jsonOf(t, got), msgAndArgs...)
}

func reversed(es []ledger.Entry) []ledger.Entry {
	out := slices.Clone(es)
	slices.Reverse(out)
	return out
}

func testHistoryNewestFirst(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore, func(p *loyalty.Program) { p.Expiry = afterDays(10) })
	all := historyScenario(h)
	r := reverser(t, h.store)
	// The settle wrote five entries in one write: a page boundary falls inside it.
	require.Equal(t, ledger.EntryID{Version: 7, Index: 4}, all[9].ID)

	var seen []ledger.Entry
	var before ledger.EntryID // the zero cursor: from the newest
	for {
		page, err := r.HistoryBefore(h.ctx, "ann", before, 3)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 3)
		seen = append(seen, page...)
		if len(page) < 3 {
			break
		}
		before = page[len(page)-1].ID
	}
	sameEntries(t, reversed(all), seen, "newest first, every entry once")

	// From inside the settle's write: what came before it, newest first.
	page, err := r.HistoryBefore(h.ctx, "ann", all[7].ID, 4)
	require.NoError(t, err)
	sameEntries(t, reversed(all[3:7]), page)
	// A cursor past the newest entry reads from the newest.
	page, err = r.HistoryBefore(h.ctx, "ann", ledger.EntryID{Version: 1 << 40}, 2)
	require.NoError(t, err)
	sameEntries(t, reversed(all[15:]), page)
	// Nothing is before the first entry.
	page, err = r.HistoryBefore(h.ctx, "ann", all[0].ID, 10)
	require.NoError(t, err)
	require.Empty(t, page)
	page, err = r.HistoryBefore(h.ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)
	require.Empty(t, page, "a limit of 0 returns none")

	_, err = r.HistoryBefore(h.ctx, "ghost", ledger.EntryID{}, 10)
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	h.enroll("bea") // enrolled, no entries: an empty page, not an error
	page, err = r.HistoryBefore(h.ctx, "bea", ledger.EntryID{}, 10)
	require.NoError(t, err)
	require.Empty(t, page)
}

func testHistoryBothWaysMeetAtACursor(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore, func(p *loyalty.Program) { p.Expiry = afterDays(10) })
	all := historyScenario(h)
	r := reverser(t, h.store)
	for i, c := range all {
		back, err := r.HistoryBefore(h.ctx, "ann", c.ID, 100)
		require.NoError(t, err)
		fwd, err := h.store.History(h.ctx, "ann", c.ID, 100)
		require.NoError(t, err)
		sameEntries(t, reversed(all[:i]), back, "before %v", c.ID)
		sameEntries(t, all[i+1:], fwd, "after %v", c.ID)
	}
	// A page back and then forward again from the page's last entry gives
	// back the same entries, in the other order.
	back, err := r.HistoryBefore(h.ctx, "ann", all[12].ID, 5)
	require.NoError(t, err)
	require.Len(t, back, 5)
	fwd, err := h.store.History(h.ctx, "ann", back[len(back)-1].ID, 4)
	require.NoError(t, err)
	sameEntries(t, reversed(back[:4]), fwd)

	// Writes after a cursor was handed out only ever come after it.
	cur := all[len(all)-1].ID
	h.earn(h.engine, "later", order("later", "ann", "2.00"))
	back, err = r.HistoryBefore(h.ctx, "ann", cur, 100)
	require.NoError(t, err)
	sameEntries(t, reversed(all[:len(all)-1]), back, "a new write does not shift pages back")
	fwd, err = h.store.History(h.ctx, "ann", cur, 100)
	require.NoError(t, err)
	require.Len(t, fwd, 1)
	require.Equal(t, int64(20), fwd[0].Amount)
}

func testHistoryBackwardWhileWritesGoOn(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	const writes = 60
	for i := range writes / 2 {
		h.earn(h.engine, fmt.Sprintf("earn-%d", i), order(fmt.Sprintf("o%d", i), "ann", "1.00"))
	}
	r := reverser(t, h.store)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := writes / 2; i < writes; i++ {
			a := &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: epoch, Ref: fmt.Sprint(i)}
			if _, err := h.engine.Act(h.ctx, fmt.Sprintf("act-%d", i), a); err != nil {
				t.Errorf("act %d: %v", i, err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	// Page back from the newest, while entries keep coming: every page goes
	// on exactly where the last one ended.
	var seen []ledger.Entry
	var before ledger.EntryID
	for {
		page, err := r.HistoryBefore(h.ctx, "ann", before, 4)
		require.NoError(t, err)
		seen = append(seen, page...)
		if len(page) < 4 {
			break
		}
		before = page[len(page)-1].ID
	}
	<-done
	for i := 1; i < len(seen); i++ {
		require.True(t, seen[i].ID.Less(seen[i-1].ID), "cursor repeated or reordered an entry at %d", i)
	}
	all := h.history("ann")
	require.Len(t, all, writes)
	top := slices.IndexFunc(all, func(e ledger.Entry) bool { return e.ID == seen[0].ID })
	require.GreaterOrEqual(t, top, writes/2-1, "the first page starts at the newest entry when it was read")
	sameEntries(t, reversed(all[:top+1]), seen, "no entry before the first page's was skipped")
	h.check("ann")
}
