package referral_test

import (
	"testing"

	"github.com/loyaltykit/loyalty/storage/adaptertest"
)

// TestReferralBesidePointsOnPostgres is the SQLite test on PostgreSQL
// (LOYALTY_POSTGRES_DSN), in a schema of its own dropped at the end.
func TestReferralBesidePointsOnPostgres(t *testing.T) {
	besidePoints(t, adaptertest.PostgresOrSkip(t))
}

// TestRewardsCreditedToPointsOnPostgres is the SQLite test on PostgreSQL.
func TestRewardsCreditedToPointsOnPostgres(t *testing.T) {
	creditedAndVoided(t, newShopOn(t, config(), adaptertest.PostgresOrSkip(t)))
}

// TestVelocityIsExactOnPostgres races 16 signups on a code of velocity 5.
func TestVelocityIsExactOnPostgres(t *testing.T) {
	velocityRace(t, newFixtureOn(t, velocityConfig(), adaptertest.PostgresOrSkip(t)))
}
