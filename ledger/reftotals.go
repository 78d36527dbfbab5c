package ledger

import (
	"slices"
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
	slices.SortFunc(ts, func(a, b RefTotal) int {
		if c := strings.Compare(a.Prefix, b.Prefix); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	out := ts[:0]
	for _, t := range ts {
		if t.Count == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Prefix == t.Prefix && out[n-1].Kind == t.Kind {
			out[n-1].Amount += t.Amount
			out[n-1].Pending += t.Pending
			out[n-1].Count += t.Count
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
