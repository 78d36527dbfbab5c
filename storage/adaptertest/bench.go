package adaptertest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
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

// BenchMembersDue is the measured part of an adapter's BenchmarkMembersDue,
// on a store of members of whom wantDue are due by by. Its sub-benchmark
// Due is one whole listing of the members due, paged by 500 as RunJobs
// pages, and requires wantDue listed of members passed; Members is the
// listing RunJobs read before MembersDue (every member, each then loaded),
// paged the same, and requires members listed.
func BenchMembersDue(b *testing.B, s loyalty.DueLister, by time.Time, wantDue, members int) {
	b.Helper()
	ctx := context.Background()
	b.Run("Due", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			listed, passed, after := 0, 0, ""
			for {
				ids, p, err := s.MembersDue(ctx, by, after, 500)
				require.NoError(b, err)
				listed, passed = listed+len(ids), passed+p
				if len(ids) < 500 {
					break
				}
				after = ids[len(ids)-1]
			}
			if listed != wantDue || passed != members {
				b.Fatalf("listed %d due of %d members; want %d of %d", listed, passed, wantDue, members)
			}
		}
	})
	b.Run("Members", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			after, n := "", 0
			for {
				ids, err := s.Members(ctx, after, 500)
				require.NoError(b, err)
				n += len(ids)
				if len(ids) < 500 {
					break
				}
				after = ids[len(ids)-1]
			}
			if n != members {
				b.Fatalf("listed %d members; want %d", n, members)
			}
		}
	})
}
