package ledger

import (
	"strings"
)

// RefTotal sums the entries of one Ref prefix and kind (see storage.RefAggregator).
type RefTotal struct {
	Prefix  string // RefPrefix of the entries' Ref
	Kind    EntryKind
	Amount  int64 // sum of Entry.Amount
	Pending int64 // sum of Entry.Pending
	Count   int64 // entries summed
}

// RefPrefix is the part of ref before its first colon ("bookshop" of
// "bookshop:1001"), "" when ref holds no colon or starts with one.
func RefPrefix(ref string) string {
	if i := strings.IndexByte(ref, ':'); i > 0 {
		return ref[:i]
	}
	return ""
}

// NormalizeRefTotals sorts ts by prefix and kind, merges the totals of one
// pair and drops those of no entry, so that two adapters' totals of one
// ledger are equal. It reorders ts in place and returns the merged slice.
func NormalizeRefTotals(ts []RefTotal) []RefTotal {
	out := normalize(ts, func(a, b *RefTotal) int {
		if c := strings.Compare(a.Prefix, b.Prefix); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	}, func(t *RefTotal) bool { return t.Count == 0 }, func(into, t *RefTotal) {
		into.Amount += t.Amount
		into.Pending += t.Pending
		into.Count += t.Count
	})
	if len(out) == 0 {
		return nil
	}
	return out
}
