package economics_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/economics"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
)

func TestComputeGivesTheSameReportOnEveryAdapterAndMemberByMember(t *testing.T) {
	ctx := context.Background()
	var want *economics.Report
	for name, s := range adaptertest.Stores(t) {
		buildLedger(t, s)
		for _, how := range []string{"aggregated", "member by member"} {
			var in loyalty.Store = s
			if how != "aggregated" {
				in = adaptertest.MemberByMember(t, s)
			} else {
				_, ok := s.(storage.LedgerAggregator)
				require.True(t, ok, name)
			}
			r, err := economics.Compute(ctx, in, quarter(), opts())
			require.NoError(t, err, name+" "+how)
			checkQuarter(t, r)
			if want == nil {
				want = r
				continue
			}
			assert.Equal(t, want, r, name+" "+how)
		}
		// The totals themselves agree too, bucket -1 included.
		bounds := economics.Bounds(quarter(), calendar.Week, nil)
		agg, err := s.(storage.LedgerAggregator).AggregateLedger(ctx, bounds)
		require.NoError(t, err)
		scan, err := economics.Scan(ctx, adaptertest.MemberByMember(t, s), bounds)
		require.NoError(t, err)
		assert.Equal(t, scan, agg, name)
	}
}

func TestAggregateLedgerRefusesBoundsThatDoNotIncrease(t *testing.T) {
	q := quarter()
	for name, s := range adaptertest.Stores(t) {
		_, err := s.(storage.LedgerAggregator).AggregateLedger(context.Background(), []time.Time{q.End, q.Start})
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent, name)
	}
}

// TestComputeCutsMonthsAtTheProgramsMidnightOnEveryAdapter writes orders on
// either side of New York's midnight, which is 05:00 UTC (so PostgreSQL's
// UTC-day summaries cannot place them and read those days entry by entry),
// and compares every adapter's report with the member-by-member scan, after
// a first report (PostgreSQL folded its deltas) and after more writes (some
// not folded yet).
func TestComputeCutsMonthsAtTheProgramsMidnightOnEveryAdapter(t *testing.T) {
	ctx := context.Background()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, ny) }
	rate, err := points.NewRate("base", 1, decimal.NewFromInt(1))
	require.NoError(t, err)
	p := economics.Period{Start: at(1, 1, 0, 0), End: at(3, 1, 0, 0)}
	o := &economics.Options{Currency: "USD", PointValue: usd("0.01"), Interval: calendar.Month, Location: ny}
	for name, s := range adaptertest.Stores(t) {
		prog := &loyalty.Program{Name: "ny", Currency: "USD", Location: ny, Rules: []loyalty.Rule{rate},
			Redemption: points.Redemption{Points: 100, Value: usd("1.00")}}
		clock := loyalty.NewManualClock(at(1, 1, 0, 0).Add(-time.Hour))
		e, err := loyalty.NewEngine(prog, s, &loyalty.EngineOptions{Clock: clock})
		require.NoError(t, err)
		earn := func(member, id, total string, when time.Time) {
			t.Helper()
			clock.Set(when)
			_, err := e.Earn(ctx, "o-"+id, order(member, id, total, when))
			require.NoError(t, err, name)
		}
		for _, m := range []string{"ann", "bob", "cid"} {
			_, err := e.Enroll(ctx, "enrol-"+m, loyalty.Member{ID: m, JoinedAt: at(1, 1, 0, 0).Add(-2 * time.Hour)})
			require.NoError(t, err, name)
		}
		earn("cid", "900", "7.00", at(12, 31, 23, 0).AddDate(-1, 0, 0)) // 04:00 UTC on Jan 1: before the period
		earn("ann", "901", "10.00", at(1, 15, 12, 0))                   // a whole UTC day of January
		earn("ann", "902", "20.00", at(1, 31, 23, 30))                  // 04:30 UTC on Feb 1: January
		earn("bob", "903", "30.00", at(2, 1, 0, 30))                    // 05:30 UTC on Feb 1: February

		check := func(round string) *economics.Report {
			t.Helper()
			r, err := economics.Compute(ctx, s, p, o)
			require.NoError(t, err, name+" "+round)
			scan, err := economics.Compute(ctx, adaptertest.MemberByMember(t, s), p, o)
			require.NoError(t, err, name+" "+round)
			assert.Equal(t, scan, r, name+" "+round)
			return r
		}
		r := check("first")
		require.Len(t, r.Series, 2)
		jan, feb := r.Series[0], r.Series[1]
		assert.Equal(t, int64(30), jan.Points.Issued, name) // 10 + 20
		assert.Equal(t, int64(37), jan.Points.Outstanding, name)
		assert.Equal(t, int64(1), jan.Active, name) // ann only: cid's order is December's
		assert.Equal(t, int64(2), jan.Members.Orders, name)
		assert.Equal(t, int64(30), feb.Points.Issued, name)
		assert.Equal(t, int64(1), feb.Active, name) // bob
		assert.Equal(t, int64(2), r.Total.Active, name)

		// More writes on the cut day and in a whole day: after the fold.
		earn("cid", "904", "40.00", at(2, 28, 23, 59)) // 04:59 UTC on Mar 1: February
		earn("ann", "905", "50.00", at(3, 1, 0, 0))    // March: left out
		r = check("second")
		feb = r.Series[1]
		assert.Equal(t, int64(70), feb.Points.Issued, name)
		assert.Equal(t, int64(2), feb.Active, name)
		assert.Equal(t, int64(3), r.Total.Active, name)
		assert.Equal(t, int64(7+30+70), r.Total.Points.Outstanding, name)
	}
}
