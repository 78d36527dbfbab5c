package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

func TestEngineWritesAndReadsBackThroughSQLite(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	h := newHarness(t, s)
	e := h.Engine

	h.EnrollMember(loyaltytest.Member("m").Segments("staff").Build())
	earn := h.Earn("earn-o1", order("o1", "m", 120))
	require.Equal(t, int64(120), earn.Points(), "points earned")
	require.Equal(t, int64(2), earn.Version, "version of the earn")
	h.AssertBalance("m", 120, 0)

	h.Clock.Set(t0.Add(time.Hour))
	red := h.Redeem("redeem-x", loyalty.Redemption{ID: "x", MemberID: "m", OrderID: "o2", Total: money.MinorUnits(5000, "USD"), Points: 50})
	require.NotNil(t, red.Redemption)
	require.True(t, red.Redemption.Value.Amount.Equal(decimal.RequireFromString("0.50")), "redemption %+v, want 0.50 USD off", red.Redemption)
	h.CancelRedemption("cancel-x", "m", "x")
	_, err := e.CancelRedemption(ctx, "cancel-x-again", "m", "x")
	require.ErrorIs(t, err, loyalty.ErrAlreadyCancelled, "second cancel")
	ret := h.Return("return-r1", loyaltytest.ReturnOf("m", "r1", "o1").Amount("60").Build())
	require.Equal(t, int64(-60), ret.Points(), "points the return reversed")
	h.AssertBalance("m", 60, 0)

	// A replay returns the stored receipt, equal to the first.
	again := h.Earn("earn-o1", order("o1", "m", 120))
	require.True(t, again.Replayed, "a replay's receipt does not say so: %+v", again)
	again.Replayed = false
	require.Equal(t, earn, again, "replayed receipt")
	_, err = e.Earn(ctx, "earn-o1", order("o1", "m", 99))
	require.ErrorIs(t, err, loyalty.ErrKeyReused, "replay with another payload")
	stored, err := s.Receipt(ctx, "redeem-x")
	require.NoError(t, err)
	require.Equal(t, red, stored, "stored receipt")

	var kinds []ledger.EntryKind
	var sum int64
	for _, x := range h.History("m") {
		kinds = append(kinds, x.Kind)
		sum += x.Amount
	}
	require.Equal(t, []ledger.EntryKind{ledger.EntryEarn, ledger.EntryRedeem, ledger.EntryRestore, ledger.EntryReverse}, kinds, "history kinds")
	require.Equal(t, int64(60), sum, "sum of the history")
	st, err := s.Load(ctx, "m", loyalty.Query{})
	require.NoError(t, err)
	require.Equal(t, int64(5), st.Version, "member version")
	require.Equal(t, "m", st.Member.ID)
	require.Equal(t, []string{"staff"}, st.Member.Segments)
	require.True(t, st.Member.JoinedAt.Equal(t0), "joined at %s, want %s", st.Member.JoinedAt, t0)
	checkInvariants(t, path)
}

// fullChange is a hand-built change that uses every part of the contract,
// including zero times and a decimal with trailing zeros.
func fullChange() *loyalty.Change {
	at := t0.Add(1500 * time.Microsecond)
	m := &loyalty.Member{ID: "m", JoinedAt: at, Segments: []string{"a"}, Attributes: map[string]string{"k": "v"}}
	lots := []ledger.Lot{
		{ID: ledger.LotID(1, 0), MemberID: "m", Account: ledger.PointsAccount, Remaining: 70, EarnedAt: at, ExpiresAt: at.AddDate(1, 0, 0)},
		{ID: ledger.LotID(1, 1), MemberID: "m", Account: ledger.PointsAccount, Remaining: 30, EarnedAt: at, ActivatesAt: at.AddDate(0, 0, 14), Ref: "o1"},
		{ID: ledger.LotID(1, 2), MemberID: "m", Account: "credit", Remaining: 0, EarnedAt: at},
	}
	entries := []ledger.Entry{
		{ID: ledger.EntryID{Version: 1, Index: 0}, MemberID: "m", Account: ledger.PointsAccount, Kind: ledger.EntryEarn, Amount: 70, At: at, Key: "k1", Source: "order", Ref: "o1", Lot: lots[0].ID, Rate: "70 on 70.00 USD", Note: "n"},
		{ID: ledger.EntryID{Version: 1, Index: 1}, MemberID: "m", Account: ledger.PointsAccount, Kind: ledger.EntryEarn, Pending: 30, At: at, Key: "k1", Lot: lots[1].ID},
		{ID: ledger.EntryID{Version: 1, Index: 2}, MemberID: "m", Account: "credit", Kind: ledger.EntryAdjust, Amount: -5, Key: "k1"},
	}
	balances := []ledger.Balance{{Account: "credit", Available: -5}, {Account: ledger.PointsAccount, Available: 70, Pending: 30}}
	ord := ledger.OrderRecord{ID: "o1", MemberID: "m", Currency: "USD", PlacedAt: at, Scale: 2, Value: 10000, Points: 100,
		Lines: []ledger.RecordedLine{{SKU: "s", Quantity: 2, Value: 10000, Points: 100}}, Extra: map[ledger.Account]int64{"credit": 5}}
	red := ledger.RedemptionRecord{ID: "x", MemberID: "m", OrderID: "o9", Points: 1000,
		Value: money.Money{Amount: decimal.RequireFromString("10.00"), Currency: "USD"},
		Draws: []ledger.Draw{{Lot: lots[0].ID, Amount: 1000, ExpiresAt: at}}}
	return &loyalty.Change{
		Key: "k1", Fingerprint: "fp1", MemberID: "m", Version: 0, Member: m,
		Entries: entries, Lots: lots, Balances: balances,
		Counters:    []ledger.Counter{{Name: "reviews", PeriodKey: "2026-W09", Value: 2}},
		Orders:      []ledger.OrderRecord{ord},
		Redemptions: []ledger.RedemptionRecord{red},
		NextDue:     at.AddDate(0, 0, 14),
		Receipt: &loyalty.Receipt{Key: "k1", Fingerprint: "fp1", MemberID: "m", Operation: loyalty.OpEarn, Ref: "o1", At: at, Version: 1,
			Entries: entries, Balances: balances, Redemption: &red},
	}
}

func TestLoadReturnsExactlyWhatWasCommitted(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	c := fullChange()
	r, err := s.Commit(ctx, c)
	require.NoError(t, err)
	if r != c.Receipt {
		t.Fatalf("Commit returned %p, want the change's receipt %p", r, c.Receipt)
	}
	st, err := s.Load(ctx, "m", loyalty.Query{Lots: true, Orders: []string{"o1", "nope"}, Redemptions: []string{"nope", "x"}})
	require.NoError(t, err)
	want := &loyalty.State{
		Member: *c.Member, Version: 1, Balances: c.Balances, Counters: c.Counters, NextDue: c.NextDue,
		Lots: c.Lots[:2], Orders: c.Orders, Redemptions: c.Redemptions,
	}
	require.Equal(t, want, st, "load")
	if st.Redemptions[0].Value.Amount.String() != "10" || st.Redemptions[0].Value.Amount.Exponent() != -2 {
		t.Fatalf("redemption value %s (exp %d), want 10.00 kept exactly", st.Redemptions[0].Value.Amount, st.Redemptions[0].Value.Amount.Exponent())
	}
	got, err := s.Receipt(ctx, "k1")
	require.NoError(t, err)
	require.Equal(t, c.Receipt, got, "receipt")
	h, err := s.History(ctx, "m", ledger.EntryID{}, 10)
	require.NoError(t, err)
	require.Equal(t, c.Entries, h, "history")

	// Without Query.Lots, lots are read only once NextDue has come.
	for _, tc := range []struct {
		now  time.Time
		lots bool
	}{{time.Time{}, false}, {c.NextDue.Add(-time.Microsecond), false}, {c.NextDue, true}} {
		st, err := s.Load(ctx, "m", loyalty.Query{Now: tc.now})
		require.NoError(t, err)
		if (st.Lots != nil) != tc.lots || st.Orders != nil || st.Redemptions != nil {
			t.Errorf("Load at %v: lots %v orders %v, want lots read %v and no records", tc.now, st.Lots, st.Orders, tc.lots)
		}
	}
	checkInvariants(t, path)
}

func TestLoadOfOpenLotsIsEmptyNotNilWhenAsked(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	c := &loyalty.Change{Key: "k", MemberID: "m", Member: &loyalty.Member{ID: "m"}, Receipt: &loyalty.Receipt{Key: "k"}}
	_, err := s.Commit(ctx, c)
	require.NoError(t, err)
	st, err := s.Load(ctx, "m", loyalty.Query{Lots: true})
	require.NoError(t, err)
	if st.Lots == nil || len(st.Lots) != 0 || st.Balances != nil || st.Version != 1 || !st.NextDue.IsZero() {
		t.Fatalf("state %+v, want version 1, no balances, empty non-nil lots", st)
	}
}

func TestCommitReplayAndConflictWriteNothing(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	_, err := s.Commit(ctx, fullChange())
	require.NoError(t, err)
	// Same key, same or another fingerprint: the key is reported committed
	// with the stored receipt, even though the version is stale; the store
	// leaves replay or reuse to the Engine.
	for _, fp := range []string{"fp1", "other"} {
		c := fullChange()
		c.Fingerprint = fp
		r, err := s.Commit(ctx, c)
		var kc *loyalty.KeyCommittedError
		if r != nil || !errors.As(err, &kc) || kc.Receipt.Version != 1 || kc.Receipt.Key != "k1" || kc.Receipt.Fingerprint != "fp1" {
			t.Fatalf("commit of k1 with fingerprint %q: %+v, %v; want a KeyCommittedError", fp, r, err)
		}
	}
	var c *loyalty.Change
	// New key from a stale version, and a create of an existing member.
	for _, v := range []int64{0, 2} {
		c = fullChange()
		c.Key, c.Version, c.Member = "k2", v, nil
		for i := range c.Entries { // well formed, as planned from v
			c.Entries[i].ID.Version = v + 1
		}
		if v == 0 {
			c.Member = &loyalty.Member{ID: "m"}
		}
		_, err := s.Commit(ctx, c)
		require.ErrorIs(t, err, loyalty.ErrConflict, "stale version %d", v)
	}
	_, err = s.Receipt(ctx, "k2")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "receipt of a rejected write")
	// A change for a member never created.
	c = fullChange()
	c.Key, c.MemberID, c.Version = "k3", "ghost", 4
	for i := range c.Entries {
		c.Entries[i].ID.Version = 5
	}
	_, err = s.Commit(ctx, c)
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "unknown member")
	_, err = s.Load(ctx, "ghost", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "load unknown")
	_, err = s.History(ctx, "ghost", ledger.EntryID{}, 10)
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "history unknown")
	st, err := s.Load(ctx, "m", loyalty.Query{})
	if err != nil || st.Version != 1 {
		t.Fatalf("after rejections: version %v, %v; want 1", st, err)
	}
	checkInvariants(t, path)
}

func TestCommitRefusesBalancesThatAreNotTheSumOfEntries(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	c := fullChange()
	c.Balances[1].Available = 71
	_, err := s.Commit(ctx, c)
	require.ErrorIs(t, err, sqlite.ErrUnbalanced, "unbalanced change")
	_, err = s.Load(ctx, "m", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "after a refused create")
	_, err = s.Receipt(ctx, "k1")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "receipt after a refused write")
	checkInvariants(t, path)
}

func TestHistoryPagesWithoutSkipsOrRepeats(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	e := newHarness(t, s).Engine
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "m"})
	require.NoError(t, err)
	for i := range 7 {
		id := "o" + string(rune('a'+i))
		_, err := e.Earn(ctx, "earn-"+id, order(id, "m", int64(i+1)))
		require.NoError(t, err)
	}
	var all []ledger.Entry
	var cur ledger.EntryID
	for pages := 0; ; pages++ {
		page, err := s.History(ctx, "m", cur, 3)
		require.NoError(t, err)
		if len(page) == 0 {
			if pages != 3 {
				t.Fatalf("%d pages, want 3 full pages and an empty one", pages)
			}
			break
		}
		all = append(all, page...)
		cur = page[len(page)-1].ID
		if pages == 0 { // a write while paging lands at the end
			_, err := e.Earn(ctx, "earn-late", order("late", "m", 100))
			require.NoError(t, err)
		}
	}
	if len(all) != 8 {
		t.Fatalf("%d entries, want 8", len(all))
	}
	for i := 1; i < len(all); i++ {
		if !all[i-1].ID.Less(all[i].ID) {
			t.Fatalf("entry %v after %v", all[i].ID, all[i-1].ID)
		}
	}
	if all[7].Amount != 100 {
		t.Fatalf("last entry %+v, want the late earn of 100", all[7])
	}
}

func TestOpenRefusesBadPaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, path := range []string{
		filepath.Join(dir, "missing", "loyalty.db"),
		"",
		":memory:",
		dir, // a directory
	} {
		s, err := sqlite.Open(ctx, path, nil)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
			continue
		}
		t.Logf("Open(%q): %v", path, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("Open created the missing directory: %v", err)
	}
}

// Two writes planned from the same state: the balance each expects is there
// for both, the version only for the first. The second is a conflict and
// leaves the first's balance as it was.
func TestStaleWriteWithMatchingBalanceIsAConflict(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	e := newHarness(t, s).Engine
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "m"})
	require.NoError(t, err)
	_, err = e.Earn(ctx, "earn-a", order("a", "m", 10))
	require.NoError(t, err)
	change := func(key string, points int64) *loyalty.Change {
		es := []ledger.Entry{{ID: ledger.EntryID{Version: 3}, MemberID: "m", Account: ledger.PointsAccount,
			Kind: ledger.EntryAdjust, Amount: points, At: t0, Key: key, Source: "operator"}}
		bs := []ledger.Balance{{Account: ledger.PointsAccount, Available: 10 + points}}
		return &loyalty.Change{Key: key, Fingerprint: key, MemberID: "m", Version: 2, Entries: es, Balances: bs,
			Receipt: &loyalty.Receipt{Key: key, Fingerprint: key, MemberID: "m", Version: 3, Entries: es, Balances: bs}}
	}
	_, err = s.Commit(ctx, change("first", 5))
	require.NoError(t, err)
	_, err = s.Commit(ctx, change("second", 7))
	require.ErrorIs(t, err, loyalty.ErrConflict, "second write from the same version")
	st, err := s.Load(ctx, "m", loyalty.Query{})
	require.NoError(t, err)
	if st.Version != 3 || st.Balance(ledger.PointsAccount).Available != 15 {
		t.Fatalf("version %d balance %+v, want 3 and 15 (the first write only)", st.Version, st.Balance(ledger.PointsAccount))
	}
	checkInvariants(t, path)
}
