package ledger

import (
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty/money"
)

// Totals are a program's ledger summed by bucket (see storage.LedgerAggregator).
type Totals struct {
	// Bounds are the bucket bounds asked for.
	Bounds []time.Time
	// Entries sum the entries that share a bucket, account, kind and source,
	// sorted by those four (Normalize).
	Entries []EntryTotal
	// Active counts, per bucket (len(Bounds)-1), the members with an earn or
	// redeem entry in it (any account but RewardsAccount); ActiveAll counts
	// them over all the buckets, each member once.
	Active    []int64
	ActiveAll int64
	// Enrolled counts, per bucket, the members that joined
	// (loyalty.Member.JoinedAt) before the bucket ends.
	Enrolled []int64
	// Orders sum the order records placed in each bucket (OrderRecord.PlacedAt),
	// by currency and scale, sorted (Normalize). Buyers counts, per bucket,
	// the members with an order placed in it, and BuyersAll over all buckets.
	Orders    []OrderTotal
	Buyers    []int64
	BuyersAll int64

	index map[totalKey]int // Add's place of each key in Entries
}

type totalKey struct {
	bucket  int
	account Account
	kind    EntryKind
	source  string
}

// EntryTotal is the sum of the entries of one bucket, account, kind and source.
type EntryTotal struct {
	Bucket  int // -1: before the first bound
	Account Account
	Kind    EntryKind
	Source  string
	Amount  int64 // sum of Entry.Amount
	Pending int64 // sum of Entry.Pending
	// Credits is the sum of Amount+Pending over the entries where it is
	// positive (Amount+Pending-Credits is what the others took).
	Credits int64
	Count   int64 // entries summed
}

// OrderTotal sums the order records of one bucket, currency and scale.
type OrderTotal struct {
	Bucket   int // -1: before the first bound
	Currency money.Currency
	Scale    int32
	Orders   int64 // order records
	Value    int64 // sum of OrderRecord.Value, in Scale units
	Returned int64 // sum of OrderRecord.ReturnedValue, in Scale units
}

// BucketOf returns the bucket of bounds that t falls in: -1 before the first
// bound, len(bounds)-1 at or after the last (left out of the totals).
func BucketOf(bounds []time.Time, t time.Time) int {
	// The first bound after t, less one.
	i, _ := slices.BinarySearchFunc(bounds, t, func(b, t time.Time) int {
		if b.After(t) {
			return 1
		}
		return -1
	})
	return i - 1
}

// Normalize sorts the totals, merges those of one key, and drops sums of no
// entry and orders of none, so that two adapters' totals of one ledger are
// equal.
func (t *Totals) Normalize() {
	t.index = nil
	t.Entries = normalize(t.Entries, func(a, b *EntryTotal) int {
		if a.Bucket != b.Bucket {
			return a.Bucket - b.Bucket
		}
		if c := strings.Compare(string(a.Account), string(b.Account)); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Source, b.Source)
	}, func(e *EntryTotal) bool { return e.Count == 0 }, func(into, e *EntryTotal) {
		into.Amount += e.Amount
		into.Pending += e.Pending
		into.Credits += e.Credits
		into.Count += e.Count
	})
	t.Orders = normalize(t.Orders, func(a, b *OrderTotal) int {
		if a.Bucket != b.Bucket {
			return a.Bucket - b.Bucket
		}
		if c := strings.Compare(string(a.Currency), string(b.Currency)); c != 0 {
			return c
		}
		return int(a.Scale) - int(b.Scale)
	}, func(o *OrderTotal) bool { return o.Orders == 0 }, func(into, o *OrderTotal) {
		into.Orders += o.Orders
		into.Value += o.Value
		into.Returned += o.Returned
	})
}

// normalize sorts ts by key (cmp), merges the totals of one key into the
// first of them (merge) and drops those that sum nothing (empty), in place:
// how every adapter's totals of one ledger come out equal.
func normalize[T any](ts []T, cmp func(a, b *T) int, empty func(*T) bool, merge func(into, t *T)) []T {
	slices.SortFunc(ts, func(a, b T) int { return cmp(&a, &b) })
	out := ts[:0]
	for i := range ts {
		t := &ts[i]
		if empty(t) {
			continue
		}
		if n := len(out); n > 0 && cmp(&out[n-1], t) == 0 {
			merge(&out[n-1], t)
			continue
		}
		out = append(out, *t)
	}
	return out
}

// Add adds e to the totals of bucket (see BucketOf), for a store that sums
// its entries in Go; call Normalize when every entry is added.
func (t *Totals) Add(bucket int, e *Entry) {
	if t.index == nil {
		t.index = make(map[totalKey]int)
	}
	k := totalKey{bucket, e.Account, e.Kind, e.Source}
	i, ok := t.index[k]
	if !ok {
		i = len(t.Entries)
		t.index[k] = i
		t.Entries = append(t.Entries, EntryTotal{Bucket: bucket, Account: e.Account, Kind: e.Kind, Source: e.Source})
	}
	c := &t.Entries[i]
	c.Amount += e.Amount
	c.Pending += e.Pending
	c.Count++
	if v := e.Amount + e.Pending; v > 0 {
		c.Credits += v
	}
}

// IsActivity reports whether e makes its member active in a period: an earn
// or a redemption, in any account but RewardsAccount.
func IsActivity(e *Entry) bool {
	return e.Account != RewardsAccount && (e.Kind == EntryEarn || e.Kind == EntryRedeem)
}
