package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// flakyStore fails the next loads and commits it is told to, like a store
// whose connection drops; a commit cut "after" is applied first.
type flakyStore struct {
	loyalty.Store
	failLoads   int  // the next Loads fail with ErrUnavailable (and Receipts meanwhile)
	cutCommits  int  // the next Commits fail with ErrUnavailable
	afterCommit bool // ... after the change was committed
	thenDown    bool // after a cut commit, every Load fails
	loads       int
	commits     int
}

func unavailable(op string, maybe bool) error {
	return &loyalty.StoreError{Op: "flaky: " + op, MaybeCommitted: maybe, Err: fmt.Errorf("%w: connection reset", loyalty.ErrUnavailable)}
}

func (f *flakyStore) Load(ctx context.Context, id string, q loyalty.Query) (*loyalty.State, error) {
	f.loads++
	if f.failLoads != 0 {
		f.failLoads--
		return nil, unavailable("load", false)
	}
	return f.Store.Load(ctx, id, q)
}

func (f *flakyStore) Receipt(ctx context.Context, key string) (*loyalty.Receipt, error) {
	if f.failLoads != 0 {
		return nil, unavailable("receipt", false)
	}
	return f.Store.Receipt(ctx, key)
}

func (f *flakyStore) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	f.commits++
	if f.cutCommits != 0 {
		f.cutCommits--
		if f.afterCommit {
			if _, err := f.Store.Commit(ctx, c); err != nil {
				return nil, err
			}
		}
		if f.thenDown {
			f.failLoads = -1
		}
		return nil, unavailable("commit", true)
	}
	return f.Store.Commit(ctx, c)
}

// flakyEngine is a harness on a flakyStore over a memory store, with ann
// enrolled and the store's counts reset.
func flakyEngine(t *testing.T, opts loyalty.EngineOptions) (*loyaltytest.Harness, *flakyStore, *memory.Store) {
	t.Helper()
	mem := memory.New()
	f := &flakyStore{Store: mem}
	if opts.UnavailableBackoff == 0 {
		opts.UnavailableBackoff = time.Microsecond
	}
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}}
	h := loyaltytest.New(t, p, &loyaltytest.Options{Start: now, Engine: &opts, Store: f})
	h.Enroll("ann")
	f.loads, f.commits = 0, 0
	return h, f, mem
}

func TestEngineRetriesACommitWhoseReplyWasLostAndReturnsTheStoredReceipt(t *testing.T) {
	for _, after := range []bool{false, true} {
		var notified int
		h, f, mem := flakyEngine(t, loyalty.EngineOptions{AfterCommit: func(context.Context, *loyalty.Receipt) { notified++ }})
		f.cutCommits, f.afterCommit = 1, after
		notified = 0 // the enrolment's
		r := h.Earn("k1", orderOf(line("tee", "apparel", 1, "20.00")))
		require.Equal(t, int64(20), r.Points())
		stored, err := mem.Receipt(h.Ctx, "k1")
		require.NoError(t, err)
		require.Equal(t, stored.Entries, r.Entries, "the receipt returned is the stored one")
		require.Equal(t, stored.Version, r.Version)
		// One earn entry, whether the cut came before or after the commit.
		h.AssertEntries("ann", loyaltytest.Entry{Kind: ledger.EntryEarn, Amount: 20})
		h.AssertBalance("ann", 20, 0)
		require.Equal(t, 1, notified, "AfterCommit once, after=%v", after)
	}
}

func TestEngineGivesUpWithErrUnavailableAfterMaxUnavailableRetries(t *testing.T) {
	for _, tc := range []struct{ max, loads int }{{0, 4}, {1, 2}, {-1, 1}} {
		h, f, _ := flakyEngine(t, loyalty.EngineOptions{MaxUnavailableRetries: tc.max})
		f.failLoads = 100
		_, err := h.Engine.Earn(h.Ctx, "k1", orderOf(line("tee", "apparel", 1, "20.00")))
		require.ErrorIs(t, err, loyalty.ErrUnavailable)
		var se *loyalty.StoreError
		require.ErrorAs(t, err, &se)
		require.False(t, se.MaybeCommitted, "no commit was sent")
		require.Equal(t, tc.loads, f.loads, "MaxUnavailableRetries %d", tc.max)
		require.Zero(t, f.commits)
	}
}

func TestEngineSaysMaybeCommittedWhenRetriesRunOutAfterALostCommitReply(t *testing.T) {
	h, f, mem := flakyEngine(t, loyalty.EngineOptions{MaxUnavailableRetries: 1})
	f.cutCommits, f.afterCommit, f.thenDown = 1, true, true
	_, err := h.Engine.Earn(h.Ctx, "k1", orderOf(line("tee", "apparel", 1, "20.00")))
	require.ErrorIs(t, err, loyalty.ErrUnavailable)
	var se *loyalty.StoreError
	require.ErrorAs(t, err, &se)
	require.True(t, se.MaybeCommitted)
	_, err = mem.Receipt(context.Background(), "k1")
	require.NoError(t, err, "it had committed")
}

func TestEngineBackoffEndsWithTheContext(t *testing.T) {
	h, f, _ := flakyEngine(t, loyalty.EngineOptions{UnavailableBackoff: time.Hour})
	f.failLoads = 100
	ctx, cancel := context.WithTimeout(h.Ctx, 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.Engine.Earn(ctx, "k1", orderOf(line("tee", "apparel", 1, "20.00")))
	require.Less(t, time.Since(start), 10*time.Second)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	require.ErrorIs(t, err, loyalty.ErrUnavailable)
	require.Equal(t, 1, f.loads)
}
