package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// schema1Want is what a Store at schema version 1 returned for the rows of
// testdata/schema1.sql (testdata/schema1_want.json).
type schema1Want struct {
	Members  []string
	Receipts map[string]*loyalty.Receipt
	States   map[string]*loyalty.State
	History  map[string][]ledger.Entry
}

// schema1Query is the Query the states of schema1_want.json were loaded with.
var schema1Query = loyalty.Query{Lots: true, Orders: []string{"o1", "o2", "o10", "b1", "b2", "b3", "nope"},
	Redemptions: []string{"r1", "r2", "rb", "x", "nope"}}

// openSchema1 creates a database at schema version 1 holding the rows of
// testdata/schema1.sql, as the code of that version left them, and opens it.
func openSchema1(t *testing.T) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "loyalty.db")
	rows, err := os.ReadFile("testdata/schema1.sql")
	require.NoError(t, err)
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	for _, q := range []string{
		`CREATE TABLE loyalty_schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL,
			applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
		`INSERT INTO loyalty_schema_migrations (version, name) VALUES (1, '0001_init.sql')`,
		sqlite.Migrations()[0].SQL,
		string(rows),
	} {
		_, err := db.Exec(q)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())
	s, err := sqlite.Open(context.Background(), path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path
}

// readSchema1 reads what the Store reads of the members of schema1_want.json.
func readSchema1(t *testing.T, s *sqlite.Store, keys map[string]*loyalty.Receipt) schema1Want {
	t.Helper()
	ctx := context.Background()
	got := schema1Want{Receipts: map[string]*loyalty.Receipt{}, States: map[string]*loyalty.State{}, History: map[string][]ledger.Entry{}}
	var err error
	if got.Members, err = s.Members(ctx, "", 100); err != nil {
		t.Fatal(err)
	}
	for k := range keys {
		if got.Receipts[k], err = s.Receipt(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range got.Members {
		if got.States[m], err = s.Load(ctx, m, schema1Query); err != nil {
			t.Fatal(err)
		}
		if got.History[m], err = s.History(ctx, m, ledger.EntryID{}, 1000); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

func TestMigrateFromSchema1KeepsEveryReceiptStateAndEntry(t *testing.T) {
	ctx := context.Background()
	s, path := openSchema1(t)
	_, err := s.Load(ctx, "ann", loyalty.Query{})
	require.ErrorIs(t, err, sqlite.ErrSchemaTooOld, "Load before Migrate")
	require.NoError(t, s.Migrate(ctx))
	checkOneSchema(t, path)
	checkInvariants(t, path)

	b, err := os.ReadFile("testdata/schema1_want.json")
	require.NoError(t, err)
	var want schema1Want
	require.NoError(t, json.Unmarshal(b, &want))
	if len(want.Receipts) != 17 || len(want.Members) != 3 {
		t.Fatalf("schema1_want.json has %d receipts and %d members, want 17 and 3", len(want.Receipts), len(want.Members))
	}
	// Compared as JSON, both sides through today's types.
	got, err := json.MarshalIndent(readSchema1(t, s, want.Receipts), "", "\t")
	require.NoError(t, err)
	if b, err = json.MarshalIndent(want, "", "\t"); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(b) {
		t.Fatalf("after migrating, the Store reads\n%s\nwant (testdata/schema1_want.json)\n%s", got, b)
	}
}

func TestMigratedMembersGoOn(t *testing.T) {
	ctx := context.Background()
	s, path := openSchema1(t)
	require.NoError(t, s.Migrate(ctx))
	// The clock is after bob's pending points activate.
	e := loyaltytest.New(t, testProgram(), &loyaltytest.Options{Store: s, Start: t0.AddDate(1, 2, 0)}).Engine

	// The key of a write of schema 1 is reported committed with its receipt,
	// whatever the change's fingerprint; the Engine refuses another request,
	// without naming a field (schema 1 kept no field prints; the suite's
	// ReceiptWithoutFieldPrintsStillTellsReplayFromReuse proves the replay).
	// Its order under another key is refused too.
	first, err := s.Receipt(ctx, "earn/o2")
	require.NoError(t, err)
	if first.FieldPrints != "" {
		t.Fatalf("a receipt of schema 1 has field prints %q", first.FieldPrints)
	}
	for _, fp := range []string{first.Fingerprint, "another request"} {
		replay := &loyalty.Change{Key: "earn/o2", Fingerprint: fp, MemberID: "ann", Version: 99, Receipt: &loyalty.Receipt{}}
		var kc *loyalty.KeyCommittedError
		if r, err := s.Commit(ctx, replay); r != nil || !errors.As(err, &kc) || !reflect.DeepEqual(kc.Receipt, first) {
			t.Fatalf("commit of earn/o2 with fingerprint %q: %+v, %v; want a KeyCommittedError with %+v", fp, r, err, first)
		}
	}
	var kr *loyalty.KeyReusedError
	if _, err := e.Earn(ctx, "earn/o2", order("o2", "ann", 26)); !errors.As(err, &kr) || kr.Field != "" || !errors.Is(err, loyalty.ErrKeyReused) {
		t.Fatalf("earn/o2 with another order: %v, want a KeyReusedError naming no field", err)
	}
	_, err = e.Earn(ctx, "earn/o2-again", order("o2", "ann", 25))
	require.ErrorIs(t, err, loyalty.ErrDuplicate, "o2 under another key")

	// Returns go on from the records of schema 1: o1 had one of its two
	// sku2 returned, the other one still reverses 15 points; then a new
	// order, earned and returned.
	ret := func(key, id, orderID string, line loyalty.ReturnLine) *loyalty.Receipt {
		t.Helper()
		r, err := e.Return(ctx, key, &loyalty.Return{ID: id, OrderID: orderID, MemberID: "ann", Lines: []loyalty.ReturnLine{line}})
		if err != nil {
			t.Fatalf("return %s of %s: %v", id, orderID, err)
		}
		return r
	}
	if r := ret("return/ret2", "ret2", "o1", loyalty.ReturnLine{SKU: "sku2", Quantity: 1}); r.Points() != -15 {
		t.Fatalf("return of o1's other sku2: %d points, want -15", r.Points())
	}
	if _, err := e.Return(ctx, "return/ret3", &loyalty.Return{ID: "ret3", OrderID: "o1", MemberID: "ann",
		Lines: []loyalty.ReturnLine{{SKU: "sku2", Quantity: 1}}}); !errors.Is(err, loyalty.ErrReturnExceedsOrder) {
		t.Fatalf("a third sku2 of o1: %v, want ErrReturnExceedsOrder", err)
	}
	_, err = e.Earn(ctx, "earn/o11", order("o11", "ann", 30))
	require.NoError(t, err)
	if r := ret("return/ret4", "ret4", "o11", loyalty.ReturnLine{SKU: "sku", Quantity: 1}); r.Points() != -30 {
		t.Fatalf("return of o11: %d points, want -30", r.Points())
	}
	st, err := s.Load(ctx, "ann", loyalty.Query{Lots: true, Orders: []string{"o1", "o11"}})
	require.NoError(t, err)
	if len(st.Orders) != 2 || st.Orders[0].ID != "o1" || st.Orders[0].MemberID != "ann" || st.Orders[0].Reversed != 30 ||
		len(st.Orders[0].Returns) != 2 || st.Orders[1].ID != "o11" || st.Orders[1].Reversed != 30 {
		t.Fatalf("orders after returns: %+v", st.Orders)
	}
	if b := st.Balance(ledger.PointsAccount); b.Available != 95-15 {
		t.Fatalf("ann's balance %+v, want %d available", b, 95-15)
	}
	for i := 1; i < len(st.Lots); i++ {
		if st.Lots[i-1].ID >= st.Lots[i].ID {
			t.Fatalf("lots not oldest first: %+v", st.Lots)
		}
	}

	// A redemption of schema 1 is cancelled; bob's pending points from
	// schema 1 activate.
	_, err = e.CancelRedemption(ctx, "cancel/r1", "ann", "r1")
	require.NoError(t, err)
	_, err = e.Settle(ctx, "settle/bob/3", "bob")
	require.NoError(t, err)
	if b, err := e.Balance(ctx, "bob"); err != nil || b.Available != 70 || b.Pending != 0 {
		t.Fatalf("bob's balance %+v, %v; want 70 available", b, err)
	}
	h, err := s.History(ctx, "ann", ledger.EntryID{}, 1000)
	require.NoError(t, err)
	var kinds []ledger.EntryKind
	for _, x := range h[9:] {
		kinds = append(kinds, x.Kind)
	}
	if want := []ledger.EntryKind{ledger.EntryReverse, ledger.EntryEarn, ledger.EntryReverse, ledger.EntryRestore}; !slices.Equal(kinds, want) {
		t.Fatalf("ann's entries after the 9 of schema 1: %v, want %v", kinds, want)
	}
	checkInvariants(t, path)
}
