package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// change builds a hand-made change for member at version from.
func change(key, member string, from int64, at time.Time, amount int64) *loyalty.Change {
	v := from + 1
	lot := ledger.LotID(v, 0)
	e := ledger.Entry{ID: ledger.EntryID{Version: v}, MemberID: member, Account: ledger.PointsAccount, Kind: ledger.EntryEarn,
		Amount: amount, At: at, Key: key, Source: "order", Ref: "o-" + key, Lot: lot, Rate: "1 per 1.00 USD", Note: "base"}
	r := &loyalty.Receipt{Key: key, Fingerprint: "fp-" + key, MemberID: member, Operation: loyalty.OpEarn, Ref: "o-" + key, At: at, Version: v,
		Entries: []ledger.Entry{e}}
	return &loyalty.Change{Key: key, Fingerprint: "fp-" + key, MemberID: member, Version: from,
		Entries: []ledger.Entry{e},
		Lots:    []ledger.Lot{{ID: lot, MemberID: member, Account: ledger.PointsAccount, Remaining: amount, EarnedAt: at, Ref: "o-" + key}},
		// The balance of a member that held none before: a change on top of
		// another sets its own (every store checks it adds up).
		Balances: []ledger.Balance{{Account: ledger.PointsAccount, Available: amount}},
		Orders:   []ledger.OrderRecord{{ID: "o-" + key, MemberID: member, Currency: "USD", PlacedAt: at, Scale: 2, Value: amount * 100, Points: amount, Lot: lot}},
		Receipt:  r}
}

func TestCommitThenLoadRoundTripsEveryField(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	at := time.Date(2026, 5, 4, 3, 2, 1, 123456000, time.UTC)
	joined := at.Add(-time.Hour)
	m := loyalty.Member{ID: "ann", JoinedAt: joined, Segments: []string{"vip"}, Attributes: map[string]string{"city": "Lyon"}}
	enrol := &loyalty.Change{Key: "k0", Fingerprint: "f0", MemberID: "ann", Member: &m,
		Receipt: &loyalty.Receipt{Key: "k0", Fingerprint: "f0", MemberID: "ann", Operation: loyalty.OpEnroll, At: at, Version: 1}}
	_, err := s.Commit(ctx, enrol)
	require.NoError(t, err)
	c := change("k1", "ann", 1, at, 40)
	expires := at.AddDate(1, 0, 0)
	c.Lots[0].ExpiresAt = expires
	c.NextDue = expires
	c.Balances = []ledger.Balance{{Account: ledger.PointsAccount, Available: 40}, {Account: "cashback:USD", Available: 0, Pending: 7}}
	c.Counters = []ledger.Counter{{Name: "orders", PeriodKey: "2026-05", Value: 1}}
	c.Redemptions = []ledger.RedemptionRecord{{ID: "r1", MemberID: "ann", OrderID: "o9", Points: 5, Value: money.MinorUnits(5, "USD"),
		Draws: []ledger.Draw{{Lot: 3, Amount: 5, ExpiresAt: expires}}, At: at}}
	c.Entries = append(c.Entries, ledger.Entry{ID: ledger.EntryID{Version: 2, Index: 1}, MemberID: "ann", Account: "cashback:USD",
		Kind: ledger.EntryEarn, Pending: 7, Key: "k1", Source: "cashback"}) // zero At
	r, err := s.Commit(ctx, c)
	require.NoError(t, err)
	if r != c.Receipt {
		t.Fatalf("Commit returned %p, want the change's receipt %p", r, c.Receipt)
	}

	st, err := s.Load(ctx, "ann", loyalty.Query{Lots: true, Orders: []string{"nope", "o-k1"}, Redemptions: []string{"r1"}})
	require.NoError(t, err)
	if st.Version != 2 || !st.NextDue.Equal(expires) || st.NextDue.Location() != time.UTC {
		t.Fatalf("version %d next due %v, want 2 and %v UTC", st.Version, st.NextDue, expires)
	}
	require.Equal(t, m, st.Member, "member")
	wantBalances := []ledger.Balance{{Account: "cashback:USD", Pending: 7}, {Account: ledger.PointsAccount, Available: 40}}
	require.Equal(t, wantBalances, st.Balances, "balances")
	require.Equal(t, c.Counters, st.Counters, "counters")
	require.Equal(t, c.Lots, st.Lots, "lots")
	require.Equal(t, c.Orders, st.Orders, "orders")
	if len(st.Redemptions) != 1 || st.Redemptions[0].Points != 5 || !st.Redemptions[0].Value.Amount.Equal(c.Redemptions[0].Value.Amount) ||
		!reflect.DeepEqual(st.Redemptions[0].Draws, c.Redemptions[0].Draws) || !st.Redemptions[0].At.Equal(at) {
		t.Fatalf("redemptions %+v, want %+v", st.Redemptions, c.Redemptions)
	}

	h, err := s.History(ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	require.Equal(t, c.Entries, h, "history")
	if !h[1].At.IsZero() {
		t.Fatalf("zero time came back as %v", h[1].At)
	}

	got, err := s.Receipt(ctx, "k1")
	require.NoError(t, err)
	require.Equal(t, c.Receipt, got, "receipt")
	checkBalancesEqualEntries(t, s) // 40 points and 7 pending cashback
}

func TestLoadReadsLotsOnlyWhenAskedOrDue(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	m := loyalty.Member{ID: "bo"}
	c := change("k1", "bo", 0, t0, 10)
	c.Member = &m
	due := t0.Add(24 * time.Hour)
	c.Lots[0].ExpiresAt = due
	c.NextDue = due
	_, err := s.Commit(ctx, c)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		q    loyalty.Query
		want bool
	}{
		{"no lots, no now", loyalty.Query{}, false},
		{"before due", loyalty.Query{Now: due.Add(-time.Microsecond)}, false},
		{"at due", loyalty.Query{Now: due}, true},
		{"asked", loyalty.Query{Lots: true}, true},
	} {
		st, err := s.Load(ctx, "bo", tc.q)
		require.NoError(t, err)
		if got := st.Lots != nil; got != tc.want || tc.want && len(st.Lots) != 1 {
			t.Errorf("%s: lots %v, want read=%v", tc.name, st.Lots, tc.want)
		}
	}
}

func TestCommitChecksKeyBeforeVersion(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	m := loyalty.Member{ID: "cy"}
	c1 := change("k1", "cy", 0, t0, 10)
	c1.Member = &m
	_, err := s.Commit(ctx, c1)
	require.NoError(t, err)

	// The same change again, or another under its key: the key is reported
	// committed with the stored receipt, nothing written; replay or reuse is
	// the Engine's to decide.
	other := change("k1", "cy", 1, t0, 99)
	other.Fingerprint = "something else"
	for _, c := range []*loyalty.Change{change("k1", "cy", 0, t0, 10), other} {
		r, err := s.Commit(ctx, c)
		var kc *loyalty.KeyCommittedError
		if r != nil || !errors.As(err, &kc) {
			t.Fatalf("commit of k1 again: %+v, %v; want a KeyCommittedError", r, err)
		}
		if r := kc.Receipt; r.Key != "k1" || r.Fingerprint != "fp-k1" || r.Version != 1 || len(r.Entries) != 1 || r.Entries[0].Amount != 10 {
			t.Fatalf("committed receipt %+v", r)
		}
	}
	// New key, stale version.
	_, err = s.Commit(ctx, change("k2", "cy", 0, t0, 5))
	require.ErrorIs(t, err, loyalty.ErrConflict, "stale version")
	_, err = s.Commit(ctx, change("k3", "cy", 7, t0, 5))
	require.ErrorIs(t, err, loyalty.ErrConflict, "future version")
	// Unknown member.
	_, err = s.Commit(ctx, change("k4", "nobody", 3, t0, 5))
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "unknown member")
	_, err = s.Load(ctx, "nobody", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "load unknown member")
	_, err = s.History(ctx, "nobody", ledger.EntryID{}, 5)
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "history of unknown member")
	_, err = s.Receipt(ctx, "k2")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "receipt of a refused key")
	// Nothing of the refused writes is there.
	if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "writes")); n != 1 {
		t.Fatalf("%d writes, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "entries")); n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
	// The next version commits.
	next := change("k2", "cy", 1, t0, 5)
	next.Balances[0].Available = 15 // 10 stored
	if _, err := s.Commit(ctx, next); err != nil {
		t.Fatalf("commit at the current version: %v", err)
	}
	st, err := s.Load(ctx, "cy", loyalty.Query{})
	if err != nil || st.Version != 2 {
		t.Fatalf("version %v, err %v; want 2", st, err)
	}
}

func TestHistoryPagesByCursorWithoutSkipsOrRepeats(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	e := engine(t, s, nil)
	enroll(t, e, "dee")
	for i := range 7 {
		_, err := e.Earn(ctx, "earn-"+string(rune('a'+i)), order("o"+string(rune('a'+i)), "dee", int64(i+1)))
		require.NoError(t, err)
	}
	var all []ledger.Entry
	after := ledger.EntryID{}
	for {
		page, err := s.History(ctx, "dee", after, 3)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	if len(all) != 7 {
		t.Fatalf("%d entries, want 7", len(all))
	}
	var sum int64
	for i, en := range all {
		if i > 0 && !all[i-1].ID.Less(en.ID) {
			t.Fatalf("entry %d (%v) not after %v", i, en.ID, all[i-1].ID)
		}
		sum += en.Amount
	}
	if b := balance(t, e, "dee"); sum != 28 || b.Available != 28 {
		t.Fatalf("history sums to %d, balance %d; want 28", sum, b.Available)
	}
}

func TestEveryQueryExecModeWorks(t *testing.T) {
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			schema := freshSchema(t)
			storeInSchema(t, schema) // migrated
			cfg, err := pgxpool.ParseConfig(testDSN(t))
			require.NoError(t, err)
			cfg.ConnConfig.DefaultQueryExecMode = mode
			pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
			require.NoError(t, err)
			defer pool.Close()
			s, err := postgres.New(pool, &postgres.Options{Schema: schema})
			require.NoError(t, err)
			ctx := context.Background()
			e := engine(t, s, nil)
			seed(t, e, "lou", 300)
			_, err = e.Earn(ctx, "earn-1", order("o1", "lou", 50))
			require.NoError(t, err)
			r, err := e.Redeem(ctx, "redeem-1", loyalty.Redemption{ID: "r1", MemberID: "lou", OrderID: "o2", Total: money.MinorUnits(10_00, "USD"), Points: 200})
			if err != nil || r.Points() != -200 {
				t.Fatalf("redeem: %+v %v", r, err)
			}
			again, err := e.Redeem(ctx, "redeem-1", loyalty.Redemption{ID: "r1", MemberID: "lou", OrderID: "o2", Total: money.MinorUnits(10_00, "USD"), Points: 200})
			if err != nil || again.Version != r.Version {
				t.Fatalf("replay: %+v %v", again, err)
			}
			if b := balance(t, e, "lou"); b.Available != 150 {
				t.Fatalf("balance %d, want 150", b.Available)
			}
			h, err := s.History(ctx, "lou", ledger.EntryID{}, 100)
			if err != nil || len(h) != 3 {
				t.Fatalf("history: %d entries, %v; want 3", len(h), err)
			}
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			defer tx.Rollback(ctx) //nolint:errcheck
			_, err = s.InTx(tx).Commit(ctx, change("stale", "lou", 1, t0, 5))
			require.ErrorIs(t, err, loyalty.ErrConflict, "stale commit in tx")
			_, err = e.WithStore(s.InTx(tx)).Earn(ctx, "earn-2", order("o3", "lou", 5))
			require.NoError(t, err)
			require.NoError(t, tx.Commit(ctx))
			if b := balance(t, e, "lou"); b.Available != 155 {
				t.Fatalf("balance %d, want 155", b.Available)
			}
		})
	}
}
