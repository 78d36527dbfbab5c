package memory

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

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
		if len(got) != len(ids) {
			t.Fatalf("step %d: %d open lots, want %d", step, len(got), len(ids))
		}
		for i, l := range got {
			if l.ID != ids[i] || l.Remaining != model[l.ID] || l.Ref != strconv.FormatInt(l.ID, 10) {
				t.Fatalf("step %d: lot %d is %+v, want ID %d with %d", step, i, l, ids[i], model[ids[i]])
			}
		}
		if s.n-s.closed != len(ids) || s.n > max(2*len(ids), 8+len(ids)) {
			t.Fatalf("step %d: keeps %d lots of which %d closed for %d open", step, s.n, s.closed, len(ids))
		}
	}
	if len(s.chunks) < 3 {
		t.Fatalf("only %d chunks: the test did not cross chunks", len(s.chunks))
	}
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
			if r == nil || r.Points != want {
				t.Fatalf("%d records: r%d is %+v, want points %d", n+1, i, r, want)
			}
		}
		if rs.get("r"+strconv.Itoa(n+1)) != nil || rs.get("") != nil {
			t.Fatalf("%d records: found one never set", n+1)
		}
	}
}
