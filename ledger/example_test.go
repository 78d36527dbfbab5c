package ledger_test

import (
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// A lot earned on 1 March, held for a 14-day return window and expiring a
// year on: pending at first, spendable after the window, expired at its
// expiry instant (a lot whose expiry equals now is expired).
func ExampleLot() {
	earned := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	lot := ledger.Lot{
		Account:     ledger.PointsAccount,
		Remaining:   450,
		EarnedAt:    earned,
		ActivatesAt: earned.AddDate(0, 0, 14),
		ExpiresAt:   earned.AddDate(1, 0, 0),
	}
	for _, now := range []time.Time{earned, earned.AddDate(0, 0, 14), earned.AddDate(1, 0, 0)} {
		fmt.Println(now.Format("2006-01-02"), "pending:", lot.Pending(now), "expired:", lot.Expired(now))
	}
	// Output:
	// 2026-03-01 pending: true expired: false
	// 2026-03-15 pending: false expired: false
	// 2027-03-01 pending: false expired: true
}

// Entries are ordered by the version of the write that made them, then by
// their place in it.
func ExampleEntryID_Less() {
	a := ledger.EntryID{Version: 3, Index: 1}
	b := ledger.EntryID{Version: 4, Index: 0}
	fmt.Println(a.Less(b), b.Less(a))
	// Output: true false
}
