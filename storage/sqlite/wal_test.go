package sqlite_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEarnWritesFewWALPages holds the schema to what it is for: once 100
// members have a history, an earn writes at most 6 pages to the WAL (about
// 5.9 since 0004 put the program ID in every key, 5.5 before; one is its
// order ID's claim in loyalty_order_owners; 4.3 without it under 0002; 6.7
// under schema version 1; the bare insert-plus-upsert transaction
// of BenchmarkRawBaseline writes 2.2). Each page costs the commit a write
// and its share of the fsync and of the next checkpoint.
func TestEarnWritesFewWALPages(t *testing.T) {
	if testing.Short() {
		t.Skip("earns 2,300 times")
	}
	ctx := context.Background()
	s, path := openStore(t)
	h := newHarness(t, s)
	e := h.Engine
	for i := range 100 {
		h.Enroll(fmt.Sprint("m", i))
	}
	earn := func(i int) {
		o := order(fmt.Sprint("o", i), fmt.Sprint("m", i%100), int64(10+i%90))
		_, err := e.Earn(ctx, o.ID, o)
		require.NoError(t, err)
	}
	const warmUp, n = 2000, 300
	for i := range warmUp {
		earn(i)
	}
	// An empty WAL, which the earns below fill from its start (they write
	// fewer pages than the writer's checkpoint threshold).
	_, err := s.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	require.NoError(t, err)
	for i := warmUp; i < warmUp+n; i++ {
		earn(i)
	}
	wal, err := os.ReadFile(path + "-wal")
	require.NoError(t, err)
	if len(wal) < 32 {
		t.Fatalf("WAL of %d bytes", len(wal))
	}
	pageSize := int(binary.BigEndian.Uint32(wal[8:12])) // after the magic number and version
	pages := float64((len(wal)-32)/(24+pageSize)) / n   // a frame is a 24-byte header and a page
	t.Logf("%.2f WAL pages per earn", pages)
	if pages > 6 {
		t.Errorf("an earn writes %.2f WAL pages, want at most 6", pages)
	}
}
