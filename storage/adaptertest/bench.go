package adaptertest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty/storage"
)

// BenchAggregateLedger is the measured part of an adapter's
// BenchmarkAggregateLedgerMillionEntries, which writes its ledger its own
// fastest way first: it sums s's ledger by the twelve months of 2026 (UTC)
// b.N times, timing only that, then requires that the sums count
// wantEntries entries and wantEnrolled members enrolled by December.
func BenchAggregateLedger(b *testing.B, s storage.LedgerAggregator, wantEntries, wantEnrolled int64) {
	b.Helper()
	ctx := context.Background()
	var bounds []time.Time
	for m := 1; m <= 13; m++ {
		bounds = append(bounds, time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, time.UTC))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t, err := s.AggregateLedger(ctx, bounds)
		require.NoError(b, err)
		require.NotEmpty(b, t.Entries)
	}
	b.StopTimer()
	t, err := s.AggregateLedger(ctx, bounds)
	require.NoError(b, err)
	var n int64
	for _, e := range t.Entries {
		n += e.Count
	}
	require.Equal(b, wantEntries, n, "entries summed")
	require.Equal(b, wantEnrolled, t.Enrolled[11], "members enrolled by December")
}
