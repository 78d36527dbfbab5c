package difftest

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
)

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
	cursor  ledger.EntryID
	entries int
	sums    map[ledger.Account]ledger.Balance
}

// newStores returns a fresh store of each adapter (storage/adaptertest):
// memory, SQLite in a temporary directory and, when LOYALTY_POSTGRES_DSN is
// set, PostgreSQL in a schema of its own dropped when the test ends. memory
// comes first: it is the reference the others are compared with.
func newStores(t *testing.T) []struct {
	name string
	s    store
} {
	t.Helper()
	stores := adaptertest.Stores(t)
	var out []struct {
		name string
		s    store
	}
	for _, name := range []string{"memory", "sqlite", "postgres"} {
		st, ok := stores[name]
		if !ok {
			continue
		}
		s, ok := st.(store)
		if !ok {
			t.Fatalf("%s: the store is not a loyalty.MemberLister", name)
		}
		out = append(out, struct {
			name string
			s    store
		}{name, s})
	}
	return out
}
