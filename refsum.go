package loyalty

import (
	"context"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
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
	AggregateRefs(ctx context.Context, q RefQuery) ([]ledger.RefTotal, error)
}

// RefQuery says which entries RefAggregator.AggregateRefs sums.
type RefQuery struct {
	Account  ledger.Account
	From, To time.Time
	Kinds    []ledger.EntryKind
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
func (q *RefQuery) Sums(e *ledger.Entry) bool {
	a := q.Account
	if a == "" {
		a = ledger.PointsAccount
	}
	if e.Account != a || e.At.Before(q.From) || !e.At.Before(q.To) {
		return false
	}
	return len(q.Kinds) == 0 || slices.Contains(q.Kinds, e.Kind)
}
