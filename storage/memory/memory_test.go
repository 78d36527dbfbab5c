package memory_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) loyalty.Store { return memory.New() })
}

// A history longer than a chunk of the store's entry log pages the same,
// from any cursor and with any page size, as one read of it all.
func TestHistoryPagesAcrossChunksOfTheEntryLog(t *testing.T) {
	ctx := context.Background()
	e, err := loyalty.NewEngine(&loyalty.Program{Name: "p", Currency: "USD"}, memory.New(), nil)
	require.NoError(t, err)
	_, err = e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	const writes = 700
	for i := range writes {
		_, err := e.Adjust(ctx, "k"+strconv.Itoa(i), "ann", int64(i+1), "seed")
		require.NoError(t, err)
	}
	all, err := e.History(ctx, "ann", ledger.EntryID{}, 10*writes)
	require.NoError(t, err)
	require.Len(t, all, writes)
	for i, en := range all {
		if en.Amount != int64(i+1) || i > 0 && !all[i-1].ID.Less(en.ID) {
			t.Fatalf("entry %d: %+v after %+v", i, en, all[max(i-1, 0)])
		}
	}
	for _, limit := range []int{1, 7, 255, 256, 257, 1000} {
		for _, start := range []int{-1, 0, 254, 255, 256, 511, 699} {
			after := ledger.EntryID{}
			if start >= 0 {
				after = all[start].ID
			}
			var got []ledger.Entry
			for {
				page, err := e.History(ctx, "ann", after, limit)
				require.NoError(t, err)
				require.LessOrEqual(t, len(page), limit, "a page longer than its limit")
				if len(page) == 0 {
					break
				}
				got = append(got, page...)
				after = page[len(page)-1].ID
			}
			require.True(t, slices.Equal(got, all[start+1:]), "limit %d after entry %d: %d entries, want %d", limit, start, len(got), len(all[start+1:]))
		}
	}
}
