package economics_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/economics"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/postgres"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

const dsnEnv = "LOYALTY_POSTGRES_DSN"

// adapters returns a fresh store of each adapter: memory, SQLite, and
// PostgreSQL when LOYALTY_POSTGRES_DSN names a server (a schema of its own,
// dropped at the end).
func adapters(t testing.TB) map[string]loyalty.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]loyalty.Store{"memory": memory.New()}
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kpi.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { lite.Close() })
	require.NoError(t, lite.Migrate(ctx))
	out["sqlite"] = lite
	if dsn := os.Getenv(dsnEnv); dsn != "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		schema := "loyalty_econ_" + hex.EncodeToString(b[:])
		pg, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
		require.NoError(t, err)
		t.Cleanup(func() {
			conn, err := pgx.Connect(context.Background(), dsn)
			if err == nil {
				_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
				conn.Close(context.Background())
			}
			pg.Close()
		})
		require.NoError(t, pg.Migrate(ctx))
		out["postgres"] = pg
	} else {
		t.Log("PostgreSQL left out: set " + dsnEnv)
	}
	return out
}

// memberByMember hides a store's LedgerAggregator, so that Compute reads it
// member by member (economics.Scan).
type memberByMember struct {
	loyalty.Store
	loyalty.MemberLister
}

func TestComputeGivesTheSameReportOnEveryAdapterAndMemberByMember(t *testing.T) {
	ctx := context.Background()
	var want *economics.Report
	for name, s := range adapters(t) {
		buildLedger(t, s)
		for _, how := range []string{"aggregated", "member by member"} {
			var in loyalty.Store = s
			if how != "aggregated" {
				in = memberByMember{s, s.(loyalty.MemberLister)}
			} else {
				_, ok := s.(loyalty.LedgerAggregator)
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
		bounds := economics.Bounds(quarter(), economics.Weekly, nil)
		agg, err := s.(loyalty.LedgerAggregator).AggregateLedger(ctx, bounds)
		require.NoError(t, err)
		scan, err := economics.Scan(ctx, memberByMember{s, s.(loyalty.MemberLister)}, bounds)
		require.NoError(t, err)
		assert.Equal(t, scan, agg, name)
	}
}

func TestAggregateLedgerRefusesBoundsThatDoNotIncrease(t *testing.T) {
	q := quarter()
	for name, s := range adapters(t) {
		_, err := s.(loyalty.LedgerAggregator).AggregateLedger(context.Background(), []time.Time{q.End, q.Start})
		require.ErrorIs(t, err, loyalty.ErrInvalidEvent, name)
	}
}
