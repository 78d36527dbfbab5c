package economics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/economics"
)

// A report's buckets start at every month's first or every Monday in the
// report's zone, strictly inside the period; Lifetime cuts nothing.
func TestBoundsCutThePeriodAtEachIntervalInTheZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, ny) }
	p := economics.Period{Start: at(1, 15), End: at(3, 10)}
	assert.Equal(t, []time.Time{p.Start, at(2, 1), at(3, 1), p.End}, economics.Bounds(p, calendar.Month, ny))
	// 15 January 2026 is a Thursday: the next Monday is the 19th.
	weeks := economics.Bounds(p, calendar.Week, ny)
	require.Len(t, weeks, 10)
	assert.Equal(t, at(1, 19), weeks[1])
	assert.Equal(t, at(3, 9), weeks[8], "the last Monday inside, across the DST change of 8 March")
	assert.Equal(t, p.End, weeks[9])
	assert.Equal(t, []time.Time{p.Start, p.End}, economics.Bounds(p, calendar.Lifetime, ny))
	// In UTC the month starts five hours before New York's.
	utc := economics.Bounds(economics.Period{Start: at(1, 15).UTC(), End: at(3, 10).UTC()}, calendar.Month, nil)
	assert.Equal(t, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), utc[1])
}
