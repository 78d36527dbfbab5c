package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// TestProgramViewsShareTheWriterCacheByProgram loads the same member ID of
// two programs on the writer connection, whose cache then holds both:
// each Load reads its own program's balance, after writes to the other.
func TestProgramViewsShareTheWriterCacheByProgram(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	v, err := s.ForProgram("referral")
	require.NoError(t, err)
	require.Equal(t, "referral", v.(*sqlite.Store).Program())
	require.Equal(t, loyalty.DefaultProgram, s.Program())
	h, hv := newHarness(t, s), newHarnessFor(t, v, "referral")
	h.Enroll("m")
	hv.Enroll("m")
	for i, n := range []int64{10, 20, 30} {
		id := fmt.Sprint("o", i)
		h.Earn("earn-"+id, order(id, "m", n))
		hv.Earn("earn-"+id, order(id, "m", 2*n))
		a, err := s.Load(ctx, "m", loyalty.Query{})
		require.NoError(t, err)
		b, err := v.Load(ctx, "m", loyalty.Query{})
		require.NoError(t, err)
		require.Equal(t, a.Version, b.Version)
		require.Equal(t, a.Balance(ledger.PointsAccount).Available*2, b.Balance(ledger.PointsAccount).Available)
	}
	h.AssertBalance("m", 60, 0)
	hv.AssertBalance("m", 120, 0)
	checkInvariants(t, path)
}

// TestHostTransactionWritesTwoProgramsAllOrNothing earns in two programs
// inside one host transaction: committed, both are written; rolled back,
// neither.
func TestHostTransactionWritesTwoProgramsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	ref, err := s.ForProgram("referral")
	require.NoError(t, err)
	h, hr := newHarness(t, s), newHarnessFor(t, ref, "referral")
	h.Enroll("m")
	hr.Enroll("m")

	earnBoth := func(tx interface{ Rollback() error }, in loyalty.Store) {
		t.Helper()
		inRef, err := in.(loyalty.ProgramStore).ForProgram("referral")
		require.NoError(t, err)
		require.Implements(t, (*loyalty.HostTransaction)(nil), inRef)
		require.Implements(t, (*loyalty.SharedStore)(nil), inRef)
		r, err := h.Engine.WithStore(in).Earn(ctx, "earn-o1", order("o1", "m", 30))
		require.NoError(t, err)
		require.Equal(t, int64(30), r.Points())
		r, err = hr.Engine.WithStore(inRef).Earn(ctx, "earn-o1", order("o1", "m", 5))
		require.NoError(t, err)
		require.Equal(t, int64(5), r.Points())
		// The transaction sees both; the store outside it neither.
		st, err := inRef.Load(ctx, "m", loyalty.Query{})
		require.NoError(t, err)
		require.Equal(t, int64(5), st.Balance(ledger.PointsAccount).Available)
		_, err = ref.Receipt(ctx, "earn-o1")
		require.ErrorIs(t, err, loyalty.ErrNotFound)
	}

	tx, err := s.DB().BeginTx(ctx, nil)
	require.NoError(t, err)
	earnBoth(tx, s.InTx(tx))
	require.NoError(t, tx.Rollback())
	h.AssertBalance("m", 0, 0)
	hr.AssertBalance("m", 0, 0)
	for _, v := range []loyalty.Store{s, ref} {
		_, err := v.Receipt(ctx, "earn-o1")
		require.ErrorIs(t, err, loyalty.ErrNotFound, "after rollback")
	}

	tx, err = s.DB().BeginTx(ctx, nil)
	require.NoError(t, err)
	earnBoth(tx, s.InTx(tx))
	require.NoError(t, tx.Commit())
	h.AssertBalance("m", 30, 0)
	hr.AssertBalance("m", 5, 0)
	for _, v := range []loyalty.Store{s, ref} {
		r, err := v.Receipt(ctx, "earn-o1")
		require.NoError(t, err)
		require.Equal(t, int64(2), r.Version)
	}
	checkInvariants(t, path)
}
