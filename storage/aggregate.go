package storage

import (
	"context"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// This file is the Store contract for reading a program as a whole, across
// its members, by period: the optional abilities package economics computes
// its KPIs from (LedgerAggregator) and package partners settles a coalition
// with (RefAggregator). The Engine never calls them.

// LedgerAggregator is implemented by stores that sum a program's ledger by
// period themselves (storage/memory in memory, storage/sqlite and
// storage/postgres with GROUP BY queries), so that a report over a million
// entries never loads them. A store without it is read member by member
// (loyalty.MemberLister, History) by package economics, with the same result.
//
// AggregateLedger sums the entries, enrolments and orders of the store's
// program into the buckets that bounds cut: bucket i is [bounds[i],
// bounds[i+1]); entries and orders before bounds[0] are summed in bucket -1
// (what was outstanding when the first bucket began), those at or after the
// last bound are left out. bounds must hold at least two times, strictly
// increasing; else the error wraps loyalty.ErrInvalidEvent. Every adapter returns
// the same ledger.Totals for the same ledger, byte for byte (see
// ledger.Totals.Normalize).
type LedgerAggregator interface {
	AggregateLedger(ctx context.Context, bounds []time.Time) (*ledger.Totals, error)
}

// CheckBounds reports whether bounds may cut buckets: at least two times,
// strictly increasing. The error wraps loyalty.ErrInvalidEvent.
func CheckBounds(bounds []time.Time) error {
	if len(bounds) < 2 {
		return invalid("bounds", "hold fewer than two times")
	}
	for i := 1; i < len(bounds); i++ {
		if !bounds[i-1].Before(bounds[i]) {
			return invalid("bounds", "are not increasing at "+bounds[i].UTC().Format(time.RFC3339Nano))
		}
	}
	return nil
}

// RefAggregator is implemented by stores that sum a program's entries of a
// period by the prefix of their Ref themselves (storage/memory in place,
// storage/sqlite and storage/postgres with one GROUP BY), so that settling a
// month over a million entries sends no entry to Go. A store without it is
// read member by member (loyalty.MemberLister, History), with the same result.
//
// AggregateRefs sums the entries of account q.Account (ledger.PointsAccount when
// empty) whose At lies in [q.From, q.To) and whose Kind is one of q.Kinds
// (every kind when empty), by RefPrefix of their Ref and their Kind. It
// returns the totals normalized (ledger.NormalizeRefTotals), so every adapter
// returns the same slice for the same ledger. A q.From that is not before
// q.To, or an empty kind, is a *loyalty.ValidationError wrapping loyalty.ErrInvalidEvent; an
// account or kind that loyalty.CheckID refuses one wrapping loyalty.ErrInvalidID (RefQuery.Check).
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
		return invalid("to", "is not after from")
	}
	if err := loyalty.CheckID("account", string(q.Account)); err != nil {
		return err
	}
	for _, k := range q.Kinds {
		if k == "" {
			return invalid("kind", "is empty")
		}
		if err := loyalty.CheckID("kind", string(k)); err != nil {
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

// invalid is the *loyalty.ValidationError of a malformed argument: field,
// why, wrapping loyalty.ErrInvalidEvent.
func invalid(field, reason string) error {
	return &loyalty.ValidationError{Field: field, Reason: reason, Kind: loyalty.ErrInvalidEvent}
}
