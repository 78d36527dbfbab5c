package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
)

// A store reports a committed key with its receipt and writes nothing; the
// Engine alone tells a replay (the first receipt, Replayed) from a reuse
// (a *loyalty.KeyReusedError naming the field that differs).

// keyTests are run by Run.
var keyTests = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) loyalty.Store)
}{
	{"CommittedKeyIsReportedWithItsReceiptWhateverTheChangeAndWritesNothing", testCommittedKey},
	{"ReplayedReceiptSaysSoAndIsNotDeliveredTwice", testReplayedFlag},
	{"ReusedKeyNamesTheFirstFieldThatDiffers", testReusedKeyField},
	{"ReceiptWithoutFieldPrintsStillTellsReplayFromReuse", testReceiptWithoutFieldPrints},
}

// replayOf is r as its first write returned it: Replayed is all a replay
// changes.
func replayOf(r *loyalty.Receipt) *loyalty.Receipt {
	c := *r
	c.Replayed = false
	return &c
}

// committedKey commits c, whose key was committed with receipt want, and
// proves that the store reports the key with that receipt, as it keeps it,
// and writes nothing.
func (h *harness) committedKey(member string, want *loyalty.Receipt, c *loyalty.Change) {
	h.t.Helper()
	before := h.snapshot(member, want.Key)
	r, err := h.store.Commit(h.ctx, c)
	require.Nil(h.t, r, "a commit of a committed key returned a receipt: the Engine, not the store, returns the first one")
	var kc *loyalty.KeyCommittedError
	require.True(h.t, errors.As(err, &kc), "a commit of committed key %q: got %v, want a *loyalty.KeyCommittedError (a store never compares fingerprints)", c.Key, err)
	require.False(h.t, errors.Is(err, loyalty.ErrKeyReused), "the store decided a reuse; only the Engine does")
	require.NotNil(h.t, kc.Receipt)
	require.Equal(h.t, jsonOf(h.t, want), jsonOf(h.t, kc.Receipt), "the reported receipt is not the committed one")
	require.False(h.t, kc.Receipt.Replayed)
	require.Equal(h.t, before, h.snapshot(member, want.Key), "a commit of a committed key wrote something")
	h.check(member)
}

func testCommittedKey(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	first := h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	require.NotEmpty(t, first.FieldPrints, "the Engine prints the request's fields into the receipt")
	kept := h.receipt("k1")
	require.Equal(t, first.FieldPrints, kept.FieldPrints, "the store keeps the receipt's field prints")
	require.Equal(t, first.Fingerprint, kept.Fingerprint)
	v := h.version("ann")

	// The same request, another one, a stale version, an unknown member:
	// each would commit (or fail otherwise) under a new key.
	same := adjustment("k1", "ann", v, 5, 105)
	same.Fingerprint, same.Receipt.Fingerprint = first.Fingerprint, first.Fingerprint
	h.committedKey("ann", kept, same)
	h.committedKey("ann", kept, adjustment("k1", "ann", v, 5, 105))
	h.committedKey("ann", kept, adjustment("k1", "ann", v-1, 5, 105))
	bob := adjustment("k1", "bob", 0, 5, 5)
	bob.Member = &loyalty.Member{ID: "bob", JoinedAt: epoch}
	h.committedKey("ann", kept, bob)
	_, err := h.store.Load(h.ctx, "bob", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "a commit of a committed key created a member")

	// The same change under a new key commits.
	c := adjustment("k2", "ann", v, 5, 105)
	r, err := h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	require.Equal(t, int64(v+1), r.Version)
	require.Equal(t, int64(105), h.balance("ann").Available)
}

func testReplayedFlag(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	var delivered []string
	e, err := loyalty.NewEngine(Program(), h.store, &loyalty.EngineOptions{Clock: h.clock,
		AfterCommit: func(_ context.Context, r *loyalty.Receipt) { delivered = append(delivered, r.Key) }})
	require.NoError(t, err)

	m, err := e.Enroll(h.ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	require.False(t, m.Replayed, "a write that committed is no replay")
	o := order("o1", "ann", "10.00")
	first := h.earn(e, "k1", o)
	require.False(t, first.Replayed)

	// A replay found by the store's key check.
	again := h.replay(e, "k1", o)
	require.True(t, again.Replayed, "a retry of a committed key says it is a replay")
	require.Equal(t, jsonOf(t, first), jsonOf(t, replayOf(again)), "a replay returns the first receipt")

	// A replay found after planning failed: the member exists, so a second
	// enrolment would not plan.
	m2, err := e.Enroll(h.ctx, "enroll-ann", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	require.True(t, m2.Replayed)
	require.Equal(t, jsonOf(t, m), jsonOf(t, replayOf(m2)))

	// The store never keeps the flag, and AfterCommit saw each write once.
	require.False(t, h.receipt("k1").Replayed)
	require.False(t, h.receipt("enroll-ann").Replayed)
	require.Equal(t, []string{"enroll-ann", "k1"}, delivered, "a replay's notices are not delivered again")
	require.Len(t, h.history("ann"), 1)
	require.Equal(t, int64(100), h.balance("ann").Available)
}

// reused runs f, which must fail with a *loyalty.KeyReusedError for key
// naming field, and proves it wrote nothing.
func (h *harness) reused(member, key, field string, f func() error) {
	h.t.Helper()
	var err error
	h.unchanged(member, loyalty.ErrKeyReused, func() error { err = f(); return err })
	var kr *loyalty.KeyReusedError
	require.True(h.t, errors.As(err, &kr), "got %v, want a *loyalty.KeyReusedError", err)
	require.Equal(h.t, key, kr.Key)
	require.Equal(h.t, field, kr.Field, "the field that differs")
}

func testReusedKeyField(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00", "5.00"))

	// A host that defaults a missing placed_at to now on every try.
	late := order("o1", "ann", "10.00", "5.00")
	late.PlacedAt = epoch.Add(time.Minute)
	h.reused("ann", "k1", "placed_at", func() error { _, err := h.engine.Earn(h.ctx, "k1", late); return err })
	h.reused("ann", "k1", "lines", func() error {
		_, err := h.engine.Earn(h.ctx, "k1", order("o1", "ann", "10.00", "5.01"))
		return err
	})
	h.reused("ann", "k1", "id", func() error {
		_, err := h.engine.Earn(h.ctx, "k1", order("o2", "ann", "10.00", "5.00"))
		return err
	})
	h.reused("ann", "k1", "operation", func() error {
		_, err := h.engine.Adjust(h.ctx, "k1", "ann", 5, "goodwill")
		return err
	})

	total := money.MinorUnits(100_00, "USD")
	_, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: total, Points: 50})
	require.NoError(t, err)
	h.reused("ann", "k2", "points", func() error {
		_, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: total, Points: 60})
		return err
	})
	_, err = h.engine.Adjust(h.ctx, "k3", "ann", 5, "goodwill")
	require.NoError(t, err)
	h.reused("ann", "k3", "note", func() error {
		_, err := h.engine.Adjust(h.ctx, "k3", "ann", 5, "good will")
		return err
	})
}

// testReceiptWithoutFieldPrints commits, by hand, a receipt as a store kept
// it before receipts had field prints: the fingerprint alone still decides.
func testReceiptWithoutFieldPrints(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	// An adjustment's fingerprint does not depend on its key.
	r, err := h.engine.Adjust(h.ctx, "k-new", "ann", 5, "goodwill")
	require.NoError(t, err)
	v := h.version("ann")
	old := adjustment("k-old", "ann", v, 5, 10)
	old.Fingerprint, old.Receipt.Fingerprint, old.Receipt.Operation = r.Fingerprint, r.Fingerprint, loyalty.OpAdjust
	_, err = h.store.Commit(h.ctx, old)
	require.NoError(t, err)
	require.Empty(t, h.receipt("k-old").FieldPrints)

	again, err := h.engine.Adjust(h.ctx, "k-old", "ann", 5, "goodwill")
	require.NoError(t, err, "the same request replays")
	require.True(t, again.Replayed)
	require.Equal(t, jsonOf(t, h.receipt("k-old")), jsonOf(t, replayOf(again)))
	h.reused("ann", "k-old", "", func() error {
		_, err := h.engine.Adjust(h.ctx, "k-old", "ann", 6, "goodwill")
		return err
	})
	h.reused("ann", "k-old", "operation", func() error {
		_, err := h.engine.Act(h.ctx, "k-old", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", At: epoch})
		return err
	})
	require.Equal(t, int64(10), h.balance("ann").Available)
}
