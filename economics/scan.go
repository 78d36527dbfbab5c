package economics

import (
	"context"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

// scanPage is how many members and entries Scan reads at a time.
const scanPage = 1000

// Scan sums a program's ledger into the buckets bounds cut (see
// storage.LedgerAggregator) by reading it member by member: the store must
// implement loyalty.MemberLister. A member's order records are loaded by the
// refs of its earn entries, so orders that earned nothing are not counted.
// Compute uses it for a store that does not sum its ledger itself.
func Scan(ctx context.Context, s loyalty.Store, bounds []time.Time) (*ledger.Totals, error) {
	if err := storage.CheckBounds(bounds); err != nil {
		return nil, err
	}
	ml, ok := s.(loyalty.MemberLister)
	if !ok {
		return nil, inputError("store", -1, "neither sums its ledger (storage.LedgerAggregator) nor lists its members (loyalty.MemberLister)", ErrInvalidInput)
	}
	n := len(bounds) - 1
	t := &ledger.Totals{Bounds: slices.Clone(bounds), Active: make([]int64, n), Enrolled: make([]int64, n), Buyers: make([]int64, n)}
	active := make([]bool, n)
	buyers := make([]bool, n)
	after := ""
	for {
		ids, err := ml.Members(ctx, after, scanPage)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if err := scanMember(ctx, s, id, bounds, t, active, buyers); err != nil {
				return nil, err
			}
		}
		if len(ids) < scanPage {
			break
		}
		after = ids[len(ids)-1]
	}
	t.Normalize()
	return t, nil
}

func scanMember(ctx context.Context, s loyalty.Store, id string, bounds []time.Time, t *ledger.Totals, active, buyers []bool) error {
	n := len(bounds) - 1
	clear(active)
	clear(buyers)
	var refs []string
	var cur ledger.EntryID
	for {
		es, err := s.History(ctx, id, cur, scanPage)
		if err != nil {
			return err
		}
		for i := range es {
			e := &es[i]
			b := ledger.BucketOf(bounds, e.At)
			if b < n {
				t.Add(b, e)
				if b >= 0 && ledger.IsActivity(e) {
					active[b] = true
				}
			}
			if e.Kind == ledger.EntryEarn && e.Ref != "" && !slices.Contains(refs, e.Ref) {
				refs = append(refs, e.Ref)
			}
		}
		if len(es) < scanPage {
			break
		}
		cur = es[len(es)-1].ID
	}
	st, err := s.Load(ctx, id, loyalty.Query{Orders: refs})
	if err != nil {
		return err
	}
	for i, b := range bounds[1:] {
		if st.Member.JoinedAt.Before(b) {
			t.Enrolled[i]++
		}
	}
	for _, o := range st.Orders {
		b := ledger.BucketOf(bounds, o.PlacedAt)
		if b >= n {
			continue
		}
		t.Orders = append(t.Orders, ledger.OrderTotal{Bucket: b, Currency: o.Currency, Scale: o.Scale, Orders: 1, Value: o.Value, Returned: o.ReturnedValue})
		if b >= 0 {
			buyers[b] = true
		}
	}
	any := false
	for i, a := range active {
		if a {
			t.Active[i]++
			any = true
		}
	}
	if any {
		t.ActiveAll++
	}
	any = false
	for i, a := range buyers {
		if a {
			t.Buyers[i]++
			any = true
		}
	}
	if any {
		t.BuyersAll++
	}
	return nil
}
