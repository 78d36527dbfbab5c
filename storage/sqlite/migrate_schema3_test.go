package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// schema3Query is the Query the states of testdata/schema3_want.json were
// loaded with, by a Store at schema version 3.
var schema3Query = loyalty.Query{Lots: true, Orders: []string{"o1", "o2", "o3", "o4", "nope"}, Redemptions: []string{"r1", "nope"}}

// openAtVersion creates a database at schema version v (the first v
// migrations applied and recorded, as Migrate of that version left them),
// runs the SQL in testdata/rows on it, then the statements then, and opens
// it, not migrated further.
func openAtVersion(t *testing.T, v int, rows string, then ...string) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "loyalty.db")
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE loyalty_schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL,
			applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`)
	require.NoError(t, err)
	var qs []string
	for _, m := range sqlite.Migrations()[:v] {
		_, err := db.Exec(`INSERT INTO loyalty_schema_migrations (version, name) VALUES (?, ?)`, m.Version, m.Name)
		require.NoError(t, err)
		qs = append(qs, m.SQL)
	}
	if rows != "" {
		b, err := os.ReadFile(filepath.Join("testdata", rows))
		require.NoError(t, err)
		qs = append(qs, string(b))
	}
	for _, q := range append(qs, then...) {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())
	s, err := sqlite.Open(context.Background(), path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path
}

type lister interface {
	loyalty.Store
	loyalty.MemberLister
}

// readAll reads what want lists from s: its members, the receipts of the
// keys of want, and each member's state (as q asks) and history.
func readAll(t *testing.T, s lister, keys map[string]*loyalty.Receipt, q loyalty.Query) schema1Want {
	t.Helper()
	ctx := context.Background()
	got := schema1Want{Receipts: map[string]*loyalty.Receipt{}, States: map[string]*loyalty.State{}, History: map[string][]ledger.Entry{}}
	var err error
	got.Members, err = s.Members(ctx, "", 100)
	require.NoError(t, err)
	for k := range keys {
		got.Receipts[k], err = s.Receipt(ctx, k)
		require.NoError(t, err, k)
	}
	for _, m := range got.Members {
		got.States[m], err = s.Load(ctx, m, q)
		require.NoError(t, err, m)
		got.History[m], err = s.History(ctx, m, ledger.EntryID{}, 1000)
		require.NoError(t, err, m)
	}
	return got
}

// TestMigrateFromSchema3KeepsEverythingUnderDefault migrates rows a Store
// at schema version 3 wrote (testdata/schema3.sql: three members, earns, a
// return, a redemption, an adjustment) to programs: the Store (program
// "default") and its ForProgram("default") read every receipt, state and
// entry as version 3 did (testdata/schema3_want.json), another program
// reads nothing, and each goes on.
func TestMigrateFromSchema3KeepsEverythingUnderDefault(t *testing.T) {
	ctx := context.Background()
	s, path := openAtVersion(t, 3, "schema3.sql")
	_, err := s.Load(ctx, "ann", loyalty.Query{})
	require.ErrorIs(t, err, sqlite.ErrSchemaTooOld, "Load before Migrate")
	require.NoError(t, s.Migrate(ctx))
	require.NoError(t, s.Migrate(ctx), "migrates again to nothing")
	checkOneSchema(t, path)
	checkInvariants(t, path)

	b, err := os.ReadFile("testdata/schema3_want.json")
	require.NoError(t, err)
	var want schema1Want
	require.NoError(t, json.Unmarshal(b, &want))
	require.Len(t, want.Receipts, 11)
	require.Equal(t, []string{"ann", "bob", "cat"}, want.Members)
	wantJSON, err := json.MarshalIndent(want, "", "\t")
	require.NoError(t, err)
	def, err := s.ForProgram(loyalty.DefaultProgram)
	require.NoError(t, err)
	for _, v := range []lister{s, def.(lister)} {
		got, err := json.MarshalIndent(readAll(t, v, want.Receipts, schema3Query), "", "\t")
		require.NoError(t, err)
		require.Equal(t, string(wantJSON), string(got))
	}
	ann := want.States["ann"].Balance(ledger.PointsAccount)
	require.Equal(t, int64(70+25-15-30+7), ann.Available, "ann's points under 0003")

	// Another program of the file holds nothing of it, and earns the same
	// order ID under the same key for the same member ID.
	other, err := s.ForProgram("referral")
	require.NoError(t, err)
	_, err = other.Load(ctx, "ann", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, err = other.Receipt(ctx, "earn/o1")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	ids, err := other.(loyalty.MemberLister).Members(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, ids)
	ho := newHarnessFor(t, other, "referral")
	ho.Enroll("ann")
	require.Equal(t, int64(40), ho.Earn("earn/o1", order("o1", "ann", 40)).Points())
	ho.AssertBalance("ann", 40, 0)

	// The default program goes on from its migrated rows.
	h := newHarness(t, s)
	require.Equal(t, int64(20), h.Earn("earn/o5", order("o5", "ann", 20)).Points())
	h.AssertBalance("ann", ann.Available+20, ann.Pending)
	ho.AssertBalance("ann", 40, 0)
	checkInvariants(t, path)
}
