package difftest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/postgres"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// dsnEnv names the PostgreSQL server the walk also runs on.
const dsnEnv = "LOYALTY_POSTGRES_DSN"

// store is what the walk needs of an adapter: the Store contract and the
// member listing reviews and payouts page through.
type store interface {
	loyalty.Store
	loyalty.MemberLister
}

// adapter is one store under test, its engine and what the walk has read
// of it so far.
type adapter struct {
	name   string
	store  store
	engine *loyalty.Engine
	// track is, per member ID, the history read and checked so far.
	track map[string]*track
	// receipts is the first receipt each key returned, for replays.
	receipts map[string]*loyalty.Receipt
}

// track is the part of a member's history the walk has compared: the
// version it was read at, the cursor after it, and the sums of its entries
// per account.
type track struct {
	read    bool
	version int64
	cursor  loyalty.EntryID
	entries int
	sums    map[loyalty.Account]loyalty.Balance
}

// newStores returns a fresh memory store, a fresh SQLite file in a
// temporary directory and, when dsnEnv is set, a PostgreSQL store in a
// schema of its own that is dropped when the test ends. memory comes first:
// it is the reference the others are compared with.
func newStores(t *testing.T) []struct {
	name string
	s    store
} {
	t.Helper()
	ctx := context.Background()
	out := []struct {
		name string
		s    store
	}{{"memory", memory.New()}}

	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "difftest.db"), nil)
	if err != nil {
		t.Fatalf("sqlite: %v", err)
	}
	t.Cleanup(func() { lite.Close() })
	if err := lite.Migrate(ctx); err != nil {
		t.Fatalf("sqlite: migrate: %v", err)
	}
	out = append(out, struct {
		name string
		s    store
	}{"sqlite", lite})

	if dsn := os.Getenv(dsnEnv); dsn != "" {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		schema := "difftest_" + hex.EncodeToString(b[:])
		pg, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
		if err != nil {
			t.Fatalf("postgres: %v", err)
		}
		t.Cleanup(func() {
			defer pg.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := pg.Pool().Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
				t.Errorf("postgres: drop schema %s: %v", schema, err)
			}
		})
		if err := pg.Migrate(ctx); err != nil {
			t.Fatalf("postgres: migrate: %v", err)
		}
		out = append(out, struct {
			name string
			s    store
		}{"postgres", pg})
	} else {
		t.Logf("PostgreSQL not compared: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", dsnEnv)
	}
	return out
}
