package loyalty_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
)

// An order earned without a PlacedAt keeps the time the Engine earned it
// (its clock, to the microsecond, in UTC) in its record, not the zero date;
// one with a PlacedAt keeps that.
func TestAnOrderWithoutPlacedAtRecordsTheEnginesTime(t *testing.T) {
	ctx := context.Background()
	e, clock, s := zoned(t, nil, utc(2026, 3, 3, 8, 0), &loyalty.Program{Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}})
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	clock.Set(utc(2026, 3, 3, 9, 30).Add(1500)) // 1.5 µs past 09:30
	_, err = e.Earn(ctx, "earn/o1", placedOrder("o1", time.Time{}))
	require.NoError(t, err)
	_, err = e.Earn(ctx, "earn/o2", placedOrder("o2", utc(2026, 3, 3, 9, 0)))
	require.NoError(t, err)

	st, err := s.Load(ctx, "ann", loyalty.Query{Orders: []string{"o1", "o2"}})
	require.NoError(t, err)
	require.Len(t, st.Orders, 2)
	require.Equal(t, utc(2026, 3, 3, 9, 30).Add(1000), st.Orders[0].PlacedAt, "o1: the engine's time, truncated to the microsecond")
	require.Equal(t, utc(2026, 3, 3, 9, 0), st.Orders[1].PlacedAt, "o2: as placed")

	// A retry of the same request replays, and the record keeps the time
	// of the first earn.
	clock.Set(utc(2026, 3, 3, 10, 0))
	r, err := e.Earn(ctx, "earn/o1", placedOrder("o1", time.Time{}))
	require.NoError(t, err)
	require.True(t, r.Replayed)
	st, err = s.Load(ctx, "ann", loyalty.Query{Orders: []string{"o1"}})
	require.NoError(t, err)
	require.Equal(t, utc(2026, 3, 3, 9, 30).Add(1000), st.Orders[0].PlacedAt)
}
