package memory

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty/ledger"
)

// lotSet is checked against a map through random new lots, updates,
// closings, reopenings and lots arriving out of order, across many chunks:
// after every step its open lots are the map's open lots, in ID order, and
// what it keeps stays bounded by twice the open lots (plus the slack).
func TestLotSetKeepsTheOpenLotsInIDOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s lotSet
	model := map[int64]int64{} // ID → Remaining, open lots only
	nextID := int64(1000)
	for step := range 3000 {
		var l ledger.Lot
		switch k := rng.IntN(10); {
		case k < 5 || len(model) == 0: // a new lot
			nextID += 1 + rng.Int64N(3)
			l = ledger.Lot{ID: nextID, Remaining: 1 + rng.Int64N(100)}
		case k < 8: // an update of an open lot, closing it half the time
			ids := openIDs(model)
			l = ledger.Lot{ID: ids[rng.IntN(len(ids))], Remaining: rng.Int64N(2) * (1 + rng.Int64N(100))}
		default: // an ID below the newest: a lot never seen, reopened or closed again
			l = ledger.Lot{ID: 1000 + rng.Int64N(nextID-999), Remaining: rng.Int64N(2) * (1 + rng.Int64N(100))}
		}
		l.Ref = strconv.FormatInt(l.ID, 10)
		s.set(&l)
		s.compact()
		if l.Remaining != 0 {
			model[l.ID] = l.Remaining
		} else {
			delete(model, l.ID)
		}

		got := s.open(nil)
		if step%2 == 1 { // into room of an earlier read, which must not matter
			got = s.open(make([]ledger.Lot, 3, 8))
		}
		ids := openIDs(model)
		want := make([]lotView, len(ids))
		for i, id := range ids {
			want[i] = lotView{ID: id, Remaining: model[id], Ref: strconv.FormatInt(id, 10)}
		}
		have := make([]lotView, len(got))
		for i, l := range got {
			have[i] = lotView{ID: l.ID, Remaining: l.Remaining, Ref: l.Ref}
		}
		require.Equal(t, want, have, "step %d: the open lots, in ID order", step)
		require.Equal(t, len(ids), s.n-s.closed, "step %d: lots kept less those closed", step)
		require.LessOrEqual(t, s.n, max(2*len(ids), 8+len(ids)), "step %d: lots kept (%d closed) for %d open", step, s.closed, len(ids))
	}
	require.GreaterOrEqual(t, len(s.chunks), 3, "the test did not cross chunks")
}

// lotView is what TestLotSetKeepsTheOpenLotsInIDOrder compares of a lot.
type lotView struct {
	ID, Remaining int64
	Ref           string
}

func openIDs(model map[int64]int64) []int64 {
	ids := make([]int64, 0, len(model))
	for id := range model {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func TestRecordsFindEveryRecordBeforeAndAfterTheyAreMany(t *testing.T) {
	var rs records[ledger.RedemptionRecord]
	for n := range 3 * fewRecords {
		id := "r" + strconv.Itoa(n)
		rs.set(id, &ledger.RedemptionRecord{ID: id, Points: int64(n)})
		rs.set("r0", &ledger.RedemptionRecord{ID: "r0", Points: int64(-n)}) // replaced, not added
		for i := 0; i <= n; i++ {
			r := rs.get("r" + strconv.Itoa(i))
			want := int64(i)
			if i == 0 {
				want = int64(-n)
			}
			require.NotNil(t, r, "%d records: r%d not found", n+1, i)
			require.Equal(t, want, r.Points, "%d records: r%d's points", n+1, i)
		}
		require.Nil(t, rs.get("r"+strconv.Itoa(n+1)), "%d records: found r%d, never set", n+1, n+1)
		require.Nil(t, rs.get(""), "%d records: found the empty ID, never set", n+1)
	}
}
