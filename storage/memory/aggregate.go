package memory

import (
	"context"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

var _ storage.LedgerAggregator = (*Store)(nil)

// AggregateLedger implements storage.LedgerAggregator: it sums the program's
// entries where the store keeps them, one member at a time under the
// member's read lock, copying none.
func (s *Store) AggregateLedger(ctx context.Context, bounds []time.Time) (*ledger.Totals, error) {
	if err := storage.CheckBounds(bounds); err != nil {
		return nil, err
	}
	n := len(bounds) - 1
	t := &ledger.Totals{Bounds: slices.Clone(bounds), Active: make([]int64, n), Enrolled: make([]int64, n), Buyers: make([]int64, n)}
	s.mu.RLock()
	ms := make([]*member, 0, len(s.order))
	for _, id := range s.order {
		ms = append(ms, s.members[id])
	}
	s.mu.RUnlock()
	active := make([]bool, n)
	buyer := make([]bool, n)
	first, last := bounds[0], bounds[n]
	for i, m := range ms {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		clear(active)
		clear(buyer)
		m.mu.RLock()
		for _, c := range m.entries.chunks {
			for _, es := range c {
				for j := range es {
					e := &es[j]
					if !e.At.Before(last) {
						continue
					}
					b := -1
					if !e.At.Before(first) {
						b = ledger.BucketOf(bounds, e.At)
						if ledger.IsActivity(e) {
							active[b] = true
						}
					}
					t.Add(b, e)
				}
			}
		}
		joined := m.profile.JoinedAt
		order := func(o *ledger.OrderRecord) {
			b := ledger.BucketOf(bounds, o.PlacedAt)
			if b >= n {
				return
			}
			t.Orders = append(t.Orders, ledger.OrderTotal{Bucket: b, Currency: o.Currency, Scale: o.Scale, Orders: 1, Value: o.Value, Returned: o.ReturnedValue})
			if b >= 0 {
				buyer[b] = true
			}
		}
		for _, o := range m.orders.list {
			order(o.record)
		}
		m.mu.RUnlock()
		for i, b := range bounds[1:] {
			if joined.Before(b) {
				t.Enrolled[i]++
			}
		}
		if count(active, t.Active) {
			t.ActiveAll++
		}
		if count(buyer, t.Buyers) {
			t.BuyersAll++
		}
	}
	t.Normalize()
	return t, nil
}

// count adds one to to[i] for every set flag, and reports whether any was.
func count(flags []bool, to []int64) bool {
	any := false
	for i, f := range flags {
		if f {
			to[i]++
			any = true
		}
	}
	return any
}
