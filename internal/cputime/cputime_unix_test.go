//go:build unix

package cputime_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty/internal/cputime"
)

var sink uint64

// TestUsedGrowsWithWorkAndNeverGoesBack spins until the CPU time read
// advances (within a bound of work far above a millisecond of CPU), and
// checks that every read is at least the one before.
func TestUsedGrowsWithWorkAndNeverGoesBack(t *testing.T) {
	start := cputime.Used()
	require.Positive(t, start, "a running test has used CPU time")
	last := start
	for range 1_000_000 {
		for i := range 10_000 {
			sink += uint64(i) * sink
		}
		now := cputime.Used()
		require.GreaterOrEqual(t, now, last, "CPU time went back")
		last = now
		if now > start {
			return
		}
	}
	require.Greater(t, last, start, "CPU time did not advance with work")
}
