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
	slices.SortFunc(t.Entries, func(a, b EntryTotal) int {
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
	})
	out := t.Entries[:0]
	for _, e := range t.Entries {
		if e.Count == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Bucket == e.Bucket && out[n-1].Account == e.Account && out[n-1].Kind == e.Kind && out[n-1].Source == e.Source {
			out[n-1].Amount += e.Amount
			out[n-1].Pending += e.Pending
			out[n-1].Credits += e.Credits
			out[n-1].Count += e.Count
			continue
		}
		out = append(out, e)
	}
	t.Entries = out
	slices.SortFunc(t.Orders, func(a, b OrderTotal) int {
		if a.Bucket != b.Bucket {
			return a.Bucket - b.Bucket
		}
		if c := strings.Compare(string(a.Currency), string(b.Currency)); c != 0 {
			return c
		}
		return int(a.Scale) - int(b.Scale)
	})
	os := t.Orders[:0]
	for _, o := range t.Orders {
		if o.Orders == 0 {
			continue
		}
		if n := len(os); n > 0 && os[n-1].Bucket == o.Bucket && os[n-1].Currency == o.Currency && os[n-1].Scale == o.Scale {
			os[n-1].Orders += o.Orders
			os[n-1].Value += o.Value
			os[n-1].Returned += o.Returned
			continue
		}
		os = append(os, o)
	}
	t.Orders = os
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
