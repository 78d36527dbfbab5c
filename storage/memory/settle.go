package memory

import (
	"context"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

var _ storage.RefAggregator = (*Store)(nil)

// AggregateRefs implements storage.RefAggregator: it sums the program's
// entries where the store keeps them, one member at a time under the
// member's read lock, copying none. The total an entry adds to is looked
// up only when it is not the last one's: consecutive entries mostly share
// their prefix and kind.
func (s *Store) AggregateRefs(ctx context.Context, q storage.RefQuery) ([]ledger.RefTotal, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	ms := make([]*member, 0, len(s.order))
	for _, id := range s.order {
		ms = append(ms, s.members[id])
	}
	s.mu.RUnlock()
	var ts []ledger.RefTotal
	index := make(map[refKey]int)
	last := -1
	for i, m := range ms {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		m.mu.RLock()
		for _, c := range m.entries.chunks {
			for _, es := range c {
				for j := range es {
					e := &es[j]
					if !q.Sums(e) {
						continue
					}
					p := ledger.RefPrefix(e.Ref)
					if last < 0 || ts[last].Prefix != p || ts[last].Kind != e.Kind {
						k := refKey{p, e.Kind}
						var ok bool
						if last, ok = index[k]; !ok {
							last = len(ts)
							index[k] = last
							ts = append(ts, ledger.RefTotal{Prefix: p, Kind: e.Kind})
						}
					}
					t := &ts[last]
					t.Amount += e.Amount
					t.Pending += e.Pending
					t.Count++
				}
			}
		}
		m.mu.RUnlock()
	}
	return ledger.NormalizeRefTotals(ts), nil
}

type refKey struct {
	prefix string
	kind   ledger.EntryKind
}
