package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// engineIn runs program() as program id on s; the Engine takes its view of
// s with ForProgram.
func engineIn(t testing.TB, s loyalty.Store, id string) *loyalty.Engine {
	t.Helper()
	p := program()
	p.ID = id
	e, err := loyalty.NewEngine(p, s, &loyalty.EngineOptions{Clock: loyalty.NewManualClock(t0), MaxRetries: 10000})
	require.NoError(t, err)
	return e
}

func forProgram(t testing.TB, s loyalty.Store, id string) loyalty.Store {
	t.Helper()
	ps, ok := s.(loyalty.ProgramStore)
	require.True(t, ok, "%T is a ProgramStore", s)
	v, err := ps.ForProgram(id)
	require.NoError(t, err)
	return v
}

func TestForProgramRefusesAnEmptyOrInvalidProgramID(t *testing.T) {
	s := newStore(t)
	for _, id := range []string{"", "nul\x00", "\xff\xfe"} {
		v, err := s.ForProgram(id)
		require.ErrorIs(t, err, loyalty.ErrInvalidID, "ForProgram(%q)", id)
		require.Nil(t, v)
	}
	require.Equal(t, loyalty.DefaultProgram, s.Program())
}

func TestProgramsSideBySideKeepTheSameMemberAndKeyApart(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	brand := forProgram(t, s, "brand-b")
	a, b := engine(t, s, nil), engineIn(t, s, "brand-b")
	enroll(t, a, "ann")
	enroll(t, b, "ann") // the same member ID and enrolment key in another program
	_, err := a.Earn(ctx, "earn-1", order("o-1", "ann", 30))
	require.NoError(t, err)
	r, err := b.Earn(ctx, "earn-1", order("o-1", "ann", 7)) // same key, same order ID
	require.NoError(t, err)
	require.False(t, r.Replayed)
	require.Equal(t, int64(7), r.Points())
	require.Equal(t, int64(30), balance(t, a, "ann").Available)
	require.Equal(t, int64(7), balance(t, b, "ann").Available)

	ra, err := s.Receipt(ctx, "earn-1")
	require.NoError(t, err)
	rb, err := brand.Receipt(ctx, "earn-1")
	require.NoError(t, err)
	require.Equal(t, int64(30), ra.Points())
	require.Equal(t, int64(7), rb.Points())

	ha, err := s.History(ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	hb, err := brand.History(ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	require.Len(t, ha, 1)
	require.Len(t, hb, 1)
	require.Equal(t, int64(30), ha[0].Amount)
	require.Equal(t, int64(7), hb[0].Amount)

	// A member of one program only is unknown in the other.
	enroll(t, b, "bob")
	_, err = s.Load(ctx, "bob", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	ids, err := brand.(loyalty.MemberLister).Members(ctx, "", 10)
	require.NoError(t, err)
	require.Equal(t, []string{"ann", "bob"}, ids)
	ids, err = s.Members(ctx, "", 10)
	require.NoError(t, err)
	require.Equal(t, []string{"ann"}, ids)

	// A program never written reads as empty; the default program's view is
	// the store itself.
	empty := forProgram(t, s, "never")
	_, err = empty.Receipt(ctx, "earn-1")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	def := forProgram(t, s, loyalty.DefaultProgram)
	st, err := def.Load(ctx, "ann", loyalty.Query{})
	require.NoError(t, err)
	require.Equal(t, int64(30), st.Balance(ledger.PointsAccount).Available)
	require.Equal(t, int64(2), count(t, s, `SELECT count(*) FROM `+tbl(s, "members")+` WHERE program = 'brand-b'`))
	checkBalancesEqualEntries(t, s)
}

func TestProgramViewsImplementTheStoresOptionalInterfaces(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	v := forProgram(t, s, "p2")
	tx, err := s.Pool().Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	tv := forProgram(t, s.InTx(tx), "p2")
	for _, st := range []loyalty.Store{s, v, s.InTx(tx), tv} {
		_, ok := st.(loyalty.MemberLister)
		require.True(t, ok, "%T MemberLister", st)
		_, ok = st.(loyalty.HistoryReverser)
		require.True(t, ok, "%T HistoryReverser", st)
		_, ok = st.(loyalty.ProgramStore)
		require.True(t, ok, "%T ProgramStore", st)
		_, ok = st.(loyalty.SharedStore)
		require.True(t, ok, "%T SharedStore", st)
	}
	for _, st := range []loyalty.Store{s.InTx(tx), tv} {
		h, ok := st.(loyalty.HostTransaction)
		require.True(t, ok, "%T HostTransaction", st)
		require.True(t, h.InHostTransaction())
	}
}

func TestOneHostTransactionWritesTwoProgramsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	brand := forProgram(t, s, "brand-b")
	a, b := engine(t, s, nil), engineIn(t, s, "brand-b")
	enroll(t, a, "ivy")
	enroll(t, b, "ivy")

	for _, commit := range []bool{false, true} {
		tx, err := s.Pool().Begin(ctx)
		require.NoError(t, err)
		inA := s.InTx(tx)
		inB := forProgram(t, inA, "brand-b")
		id := "o-rollback"
		if commit {
			id = "o-commit"
		}
		_, err = a.WithStore(inA).Earn(ctx, "earn-"+id, order(id, "ivy", 20))
		require.NoError(t, err)
		_, err = b.WithStore(inA).Earn(ctx, "earn-"+id, order(id, "ivy", 5)) // the Engine takes inA's view of brand-b
		require.NoError(t, err)
		st, err := inB.Load(ctx, "ivy", loyalty.Query{})
		require.NoError(t, err)
		require.Equal(t, int64(5), st.Balance(ledger.PointsAccount).Available, "inside the transaction")
		require.Equal(t, int64(0), balance(t, b, "ivy").Available, "outside it, before it ends")
		if commit {
			require.NoError(t, tx.Commit(ctx))
		} else {
			require.NoError(t, tx.Rollback(ctx))
		}
	}
	require.Equal(t, int64(20), balance(t, a, "ivy").Available)
	require.Equal(t, int64(5), balance(t, b, "ivy").Available)
	_, err := brand.Receipt(ctx, "earn-o-rollback")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	_, err = s.Receipt(ctx, "earn-o-rollback")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	require.Equal(t, int64(2), count(t, s, `SELECT count(*) FROM `+tbl(s, "writes")+` WHERE key = 'earn-o-commit'`))
	checkBalancesEqualEntries(t, s)
}

// TestMigrateKeepsA0003LedgerUnderTheDefaultProgram writes a ledger, copies
// its rows into a schema at version 3 (as code before 0004 left it),
// migrates that schema, and reads back the same state, history and receipts
// under loyalty.DefaultProgram; another program of it is empty.
func TestMigrateKeepsA0003LedgerUnderTheDefaultProgram(t *testing.T) {
	ctx := context.Background()
	src := newStore(t)
	e := engine(t, src, nil)
	enroll(t, e, "ann")
	enroll(t, e, "bob")
	_, err := e.Earn(ctx, "ann-1", order("A-1", "ann", 40))
	require.NoError(t, err)
	_, err = e.Earn(ctx, "bob-1", order("B-1", "bob", 12))
	require.NoError(t, err)
	q := loyalty.Query{Lots: true, Orders: []string{"A-1"}}
	want, err := src.Load(ctx, "ann", q)
	require.NoError(t, err)
	wantHist, err := src.History(ctx, "ann", ledger.EntryID{}, 100)
	require.NoError(t, err)
	wantReceipt, err := src.Receipt(ctx, "ann-1")
	require.NoError(t, err)

	old := storeAt(t, 3)
	copyRows(t, src, old, "members", "balances", "entries", "lots", "counters", "orders", "redemptions", "writes", "order_owners")
	require.NoError(t, old.Migrate(ctx))
	require.NoError(t, old.Migrate(ctx), "and again, to nothing")
	require.Equal(t, postgres.SchemaVersion(), count(t, old, `SELECT max(version) FROM `+tbl(old, "schema_migrations")))
	for _, table := range []string{"members", "balances", "entries", "lots", "orders", "writes", "order_owners"} {
		require.Equal(t, count(t, src, `SELECT count(*) FROM `+tbl(src, table)), count(t, old, `SELECT count(*) FROM `+tbl(old, table)+` WHERE program = 'default'`), table)
	}

	got, err := old.Load(ctx, "ann", q)
	require.NoError(t, err)
	require.Equal(t, want, got)
	gotHist, err := old.History(ctx, "ann", ledger.EntryID{}, 100)
	require.NoError(t, err)
	require.Equal(t, wantHist, gotHist)
	gotReceipt, err := old.Receipt(ctx, "ann-1")
	require.NoError(t, err)
	require.Equal(t, wantReceipt.Points(), gotReceipt.Points())
	require.Equal(t, wantReceipt.Entries, gotReceipt.Entries)

	// The migrated ledger keeps working: a replay, a new earn, an order ID
	// that stays bob's.
	me := engine(t, old, nil)
	r, err := me.Earn(ctx, "ann-1", order("A-1", "ann", 40))
	require.NoError(t, err)
	require.True(t, r.Replayed)
	_, err = me.Earn(ctx, "ann-2", order("A-2", "ann", 3))
	require.NoError(t, err)
	require.Equal(t, int64(43), balance(t, me, "ann").Available)
	_, err = me.Earn(ctx, "ann-3", order("B-1", "ann", 3))
	var owner *loyalty.OrderOwnerError
	require.True(t, errors.As(err, &owner), "got %v", err)
	require.Equal(t, "bob", owner.Owner)

	other := forProgram(t, old, "other")
	_, err = other.Load(ctx, "ann", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	checkBalancesEqualEntries(t, old)
}
