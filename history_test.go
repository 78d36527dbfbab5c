package loyalty_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// forwardOnly hides its store's HistoryReverser, as a host's own store
// without one would.
type forwardOnly struct{ loyalty.Store }

func TestHistoryBeforePagesNewestFirstWithOrWithoutAStoreThatReverses(t *testing.T) {
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}}
	s := memory.New()
	h := loyaltytest.New(t, p, &loyaltytest.Options{Store: s})
	ctx, e := h.Ctx, h.Engine
	h.Enroll("ann")
	for i := 1; i <= 300; i++ { // more than the fallback reads in one page
		h.Earn(fmt.Sprint("k", i), loyaltytest.Order("ann", fmt.Sprint("o", i)).Line("a", fmt.Sprintf("%d.00", i), 1).Build())
	}
	require.Len(t, h.History("ann"), 300, "one entry per order")
	fwd := e.WithStore(forwardOnly{s})
	_, isReverser := any(forwardOnly{s}).(loyalty.HistoryReverser)
	require.False(t, isReverser)

	for _, tc := range []struct {
		before ledger.EntryID
		limit  int
		first  int64 // the points of the first entry returned, newest first
		n      int
	}{
		{ledger.EntryID{}, 3, 300, 3},                 // from the newest: orders 300, 299, 298
		{ledger.EntryID{}, 0, 300, 100},               // a limit ≤ 0 is 100
		{ledger.EntryID{Version: 101}, 5, 99, 5},      // version 101 is order 100's write
		{ledger.EntryID{Version: 3}, 10, 1, 1},        // only order 1's entry is before it
		{ledger.EntryID{Version: 2}, 10, 0, 0},        // nothing before the first entry
		{ledger.EntryID{Version: 1 << 40}, 2, 300, 2}, // past the newest: from the newest
		{ledger.EntryID{Version: 301, Index: 1}, 1, 300, 1},
	} {
		for name, eng := range map[string]*loyalty.Engine{"reverser": e, "fallback": fwd} {
			t.Run(fmt.Sprintf("%s before %v limit %d", name, tc.before, tc.limit), func(t *testing.T) {
				page, err := eng.HistoryBefore(ctx, "ann", tc.before, tc.limit)
				require.NoError(t, err)
				require.Len(t, page, tc.n)
				for i, en := range page {
					require.Equal(t, tc.first-int64(i), en.Amount, "entry %d", i)
					require.Equal(t, ledger.EntryID{Version: tc.first - int64(i) + 1}, en.ID)
				}
			})
		}
	}
	_, err := fwd.HistoryBefore(ctx, "ghost", ledger.EntryID{}, 10)
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, err = e.HistoryBefore(ctx, "ghost", ledger.EntryID{}, 10)
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
}
