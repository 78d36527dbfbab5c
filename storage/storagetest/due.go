package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// dueTests are run by Run; they skip a store that is not a
// loyalty.DueLister.
var dueTests = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) loyalty.Store)
}{
	{"MembersDueListsLotsAndOpenGrantsDueByAnInstant", testMembersDue},
	{"MembersDuePagesAndCountsEveryMemberOnce", testMembersDuePaging},
	{"MembersDueFollowsAGrantThatIsUsedOrMoved", testMembersDueGrantChanges},
	{"MembersDueAfterAnUnknownMemberIsErrUnknownMember", testMembersDueUnknownAfter},
}

// dueLedger enrolls a to f, in order (a store lists members in enrolment
// or ID order: here they agree), with:
//
//	a  a pending lot activating at epoch+7d (and expiring at epoch+30d)
//	b  nothing
//	c  an open grant expiring at epoch+3d
//	d  an open grant that never expires, a used one "expiring" at epoch+1d
//	e  a pending lot earned at epoch+10d, activating at epoch+17d
//	f  nothing
func dueLedger(t *testing.T, newStore func(*testing.T) loyalty.Store) (*harness, loyalty.DueLister) {
	h := newHarness(t, newStore, func(p *loyalty.Program) { p.Expiry = afterDays(30); p.PendingDays = 7 })
	l, ok := h.store.(loyalty.DueLister)
	if !ok {
		t.Skip("store does not implement loyalty.DueLister")
	}
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		h.enroll(id)
	}
	h.earn(h.engine, "k-a", order("o-a", "a", "10.00"))
	gc := grant("gc", "c", "coupon", ledger.GrantOpen)
	gc.ExpiresAt = epoch.AddDate(0, 0, 3)
	h.grants("k-c", "c", gc)
	gd := grant("gd", "d", "coupon", ledger.GrantOpen)
	used := grant("gu", "d", "coupon", ledger.GrantUsed)
	used.Uses, used.ExpiresAt = 1, epoch.AddDate(0, 0, 1)
	h.grants("k-d", "d", gd, used)
	h.clock.Advance(10 * 24 * time.Hour)
	o := order("o-e", "e", "10.00")
	o.PlacedAt = h.clock.Now()
	h.earn(h.engine, "k-e", o)
	return h, l
}

func testMembersDue(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h, l := dueLedger(t, newStore)
	day := 24 * time.Hour
	for _, tc := range []struct {
		by   time.Time
		want []string
	}{
		{epoch, nil},
		{epoch.Add(day), nil}, // d's used grant is not due
		{epoch.Add(3*day - time.Microsecond), nil},
		{epoch.Add(3 * day), []string{"c"}}, // exactly at the grant's expiry
		{epoch.Add(7*day - time.Microsecond), []string{"c"}},
		{epoch.Add(7 * day), []string{"a", "c"}}, // exactly at the lot's activation
		{epoch.Add(17 * day), []string{"a", "c", "e"}},
		{epoch.AddDate(1, 0, 0), []string{"a", "c", "e"}},
	} {
		ids, passed, err := l.MembersDue(h.ctx, tc.by, "", 100)
		require.NoError(t, err)
		require.Equal(t, tc.want, nilIfEmpty(ids), "due by %v", tc.by)
		require.Equal(t, 6, passed, "by %v: fewer than limit listed, so every member is passed", tc.by)
	}
	ids, passed, err := l.MembersDue(h.ctx, epoch.AddDate(1, 0, 0), "", 0)
	require.NoError(t, err)
	require.Empty(t, ids, "limit 0 lists none")
	require.Zero(t, passed)
}

func testMembersDuePaging(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h, l := dueLedger(t, newStore)
	by := epoch.Add(17 * 24 * time.Hour)
	type page struct {
		after  string
		ids    []string
		passed int
	}
	// One at a time: each page passes the members up to the one it lists,
	// the last one the rest.
	var got []page
	after, total := "", 0
	for range 5 {
		ids, passed, err := l.MembersDue(h.ctx, by, after, 1)
		require.NoError(t, err)
		got = append(got, page{after, nilIfEmpty(ids), passed})
		total += passed
		if len(ids) < 1 {
			break
		}
		after = ids[0]
	}
	require.Equal(t, []page{
		{"", []string{"a"}, 1},
		{"a", []string{"c"}, 2},
		{"c", []string{"e"}, 2},
		{"e", nil, 1},
	}, got)
	require.Equal(t, 6, total, "paging on from the last listed counts every member once")

	// after may be a member with nothing due, as Members lists it.
	ids, passed, err := l.MembersDue(h.ctx, by, "b", 2)
	require.NoError(t, err)
	require.Equal(t, []string{"c", "e"}, ids)
	require.Equal(t, 3, passed, "c, d and e")
	ids, passed, err = l.MembersDue(h.ctx, by, "d", 5)
	require.NoError(t, err)
	require.Equal(t, []string{"e"}, ids)
	require.Equal(t, 2, passed, "e and f, to the end")
	ids, passed, err = l.MembersDue(h.ctx, by, "f", 5)
	require.NoError(t, err)
	require.Empty(t, ids)
	require.Zero(t, passed)
}

// testMembersDueGrantChanges: a grant's expiry and status as its last write
// left them decide, not as it was first written.
func testMembersDueGrantChanges(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h, l := dueLedger(t, newStore)
	day := 24 * time.Hour
	due := func(by time.Time) []string {
		t.Helper()
		ids, passed, err := l.MembersDue(h.ctx, by, "", 100)
		require.NoError(t, err)
		require.Equal(t, 6, passed)
		return nilIfEmpty(ids)
	}
	// c's grant is used: c drops out; d's never-expiring grant gets an
	// expiry: d is due by it.
	gc := grant("gc", "c", "coupon", ledger.GrantUsed)
	gc.Uses, gc.ExpiresAt = 1, epoch.AddDate(0, 0, 3)
	h.grants("k-c2", "c", gc)
	gd := grant("gd", "d", "coupon", ledger.GrantOpen)
	gd.ExpiresAt = epoch.AddDate(0, 0, 5)
	h.grants("k-d2", "d", gd)
	require.Nil(t, due(epoch.Add(5*day-time.Microsecond)), "c's grant used, d's not yet expired")
	require.Equal(t, []string{"d"}, due(epoch.Add(5*day)))
	require.Equal(t, []string{"a", "d", "e"}, due(epoch.Add(17*day)))
	// d's grant moves later again, and a new member f gets one expiring
	// a microsecond after 20 days.
	gd.ExpiresAt = epoch.AddDate(0, 0, 40)
	h.grants("k-d3", "d", gd)
	gf := grant("gf", "f", "coupon", ledger.GrantOpen)
	gf.ExpiresAt = epoch.Add(20*day + time.Microsecond)
	h.grants("k-f", "f", gf)
	require.Equal(t, []string{"a", "e"}, due(epoch.Add(20*day)))
	require.Equal(t, []string{"a", "e", "f"}, due(epoch.Add(20*day+time.Microsecond)))
	require.Equal(t, []string{"a", "d", "e", "f"}, due(epoch.AddDate(0, 0, 40)))
}

// testMembersDueUnknownAfter: after naming no member is an error (as for a
// Load of it), not an empty page: the memory store has no place to start
// from, and every store answers alike. A bad ID is an ErrInvalidID.
func testMembersDueUnknownAfter(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h, l := dueLedger(t, newStore)
	by := epoch.AddDate(1, 0, 0)
	for _, after := range []string{"bb", "zzz"} { // between b and c; after every member
		ids, passed, err := l.MembersDue(h.ctx, by, after, 10)
		require.ErrorIs(t, err, loyalty.ErrUnknownMember, "after %q", after)
		require.Empty(t, ids)
		require.Zero(t, passed)
	}
	_, _, err := l.MembersDue(h.ctx, by, "bad\x00id", 10)
	require.ErrorIs(t, err, loyalty.ErrInvalidID)
}

func nilIfEmpty(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return ids
}
