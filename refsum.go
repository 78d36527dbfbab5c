package loyalty

import (
	"context"
	"slices"
	"strings"
	"time"
)

// This file is an optional Store ability: summing a period's entries by the
// party their Ref names, for package partners' settlement between the
// merchants of a coalition.

// RefAggregator is implemented by stores that sum a program's entries of a
// period by the prefix of their Ref themselves (storage/memory in place,
// storage/sqlite and storage/postgres with one GROUP BY), so that settling a
// month over a million entries sends no entry to Go. A store without it is
// read member by member (MemberLister, History), with the same result.
//
// AggregateRefs sums the entries of account q.Account (PointsAccount when
// empty) whose At lies in [q.From, q.To) and whose Kind is one of q.Kinds
// (every kind when empty), by RefPrefix of their Ref and their Kind. It
// returns the totals normalized (NormalizeRefTotals), so every adapter
// returns the same slice for the same ledger. A q.From that is not before
// q.To, or an empty kind, is a *ValidationError wrapping ErrInvalidEvent; an
// account or kind that CheckID refuses one wrapping ErrInvalidID (RefQuery.Check).
type RefAggregator interface {
	AggregateRefs(ctx context.Context, q RefQuery) ([]RefTotal, error)
}

// RefQuery says which entries RefAggregator.AggregateRefs sums.
type RefQuery struct {
	Account  Account
	From, To time.Time
	Kinds    []EntryKind
}

// Check validates q: From before To, and names that could be stored.
func (q *RefQuery) Check() error {
	if !q.From.Before(q.To) {
		return invalidEvent("to", "is not after from")
	}
	if err := CheckID("account", string(q.Account)); err != nil {
		return err
	}
	for _, k := range q.Kinds {
		if err := checkRequiredID("kind", string(k)); err != nil {
			return err
		}
	}
	return nil
}

// Sums reports whether q sums entry e (its account, kind and time).
func (q *RefQuery) Sums(e *Entry) bool {
	a := q.Account
	if a == "" {
		a = PointsAccount
	}
	if e.Account != a || e.At.Before(q.From) || !e.At.Before(q.To) {
		return false
	}
	return len(q.Kinds) == 0 || slices.Contains(q.Kinds, e.Kind)
}

// RefTotal sums the entries of one Ref prefix and kind (see RefAggregator).
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
