package loyalty

import (
	"context"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// This file is the Store contract for reading a program as a whole, across
// its members, by period: what package economics computes its KPIs from.

// LedgerAggregator is implemented by stores that sum a program's ledger by
// period themselves (storage/memory in memory, storage/sqlite and
// storage/postgres with GROUP BY queries), so that a report over a million
// entries never loads them. A store without it is read member by member
// (MemberLister, History) by package economics, with the same result.
//
// AggregateLedger sums the entries, enrolments and orders of the store's
// program into the buckets that bounds cut: bucket i is [bounds[i],
// bounds[i+1]); entries and orders before bounds[0] are summed in bucket -1
// (what was outstanding when the first bucket began), those at or after the
// last bound are left out. bounds must hold at least two times, strictly
// increasing; else the error wraps ErrInvalidEvent. Every adapter returns
// the same ledger.Totals for the same ledger, byte for byte (see
// ledger.Totals.Normalize).
type LedgerAggregator interface {
	AggregateLedger(ctx context.Context, bounds []time.Time) (*ledger.Totals, error)
}

// CheckBounds reports whether bounds may cut buckets: at least two times,
// strictly increasing. The error wraps ErrInvalidEvent.
func CheckBounds(bounds []time.Time) error {
	if len(bounds) < 2 {
		return invalidEvent("bounds", "hold fewer than two times")
	}
	for i := 1; i < len(bounds); i++ {
		if !bounds[i-1].Before(bounds[i]) {
			return invalidEvent("bounds", "are not increasing at "+bounds[i].UTC().Format(time.RFC3339Nano))
		}
	}
	return nil
}
