package referral_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty/storage/postgres"
)

// TestReferralBesidePointsOnPostgres is the SQLite test on PostgreSQL
// (LOYALTY_POSTGRES_DSN), in a schema of its own dropped at the end.
func TestReferralBesidePointsOnPostgres(t *testing.T) {
	besidePoints(t, pgStore(t))
}

// TestRewardsCreditedToPointsOnPostgres is the SQLite test on PostgreSQL.
func TestRewardsCreditedToPointsOnPostgres(t *testing.T) {
	creditedAndVoided(t, newShopOn(t, config(), pgStore(t)))
}

// TestVelocityIsExactOnPostgres races 16 signups on a code of velocity 5.
func TestVelocityIsExactOnPostgres(t *testing.T) {
	velocityRace(t, newFixtureOn(t, velocityConfig(), pgStore(t)))
}

func pgStore(t *testing.T) *postgres.Store {
	dsn := os.Getenv("LOYALTY_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("needs LOYALTY_POSTGRES_DSN")
	}
	var b [6]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	schema := "referral_test_" + hex.EncodeToString(b[:])
	store, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() {
		store.Close()
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(c, dsn)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer conn.Close(c)
		if _, err := conn.Exec(c, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	require.NoError(t, store.Migrate(ctx))
	return store
}
