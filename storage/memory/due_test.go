package memory_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// couponRule grants, on an order, a coupon expiring 36 hours later.
type couponRule struct{}

func (couponRule) Name() string { return "coupon" }
func (couponRule) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if _, ok := c.Event.(*loyalty.Order); !ok {
		return out
	}
	return append(out, loyalty.GrantReward(ledger.Grant{Reward: "off", ExpiresAt: c.Now.Add(36 * time.Hour)}, nil))
}

// 2,500 members (more than one chunk of the scan), each given points at an
// hour of their own that expire 10 days later, every seventh one instead
// placing an order that earns nothing but a coupon: MembersDue lists, in
// Members' order and page by page, exactly those whose lot or coupon is due
// by the time asked, from any member, due or not, onwards.
func TestMembersDueListsExactlyTheMembersWithALotOrAGrantDue(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := loyalty.NewManualClock(start)
	store := memory.New()
	e, err := loyalty.NewEngine(&loyalty.Program{Name: "p", Currency: "USD", Expiry: points.AfterDays(10),
		Rules: []loyalty.Rule{couponRule{}}}, store, &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	const n = 2500
	for i := range n {
		id := "m" + strconv.Itoa(i)
		clock.Set(start.Add(time.Duration(i%48) * time.Hour))
		_, err := e.Enroll(ctx, "enroll-"+id, loyalty.Member{ID: id})
		require.NoError(t, err)
		switch {
		case i%7 == 0:
			_, err = e.Earn(ctx, "earn-"+id, &loyalty.Order{ID: "o-" + id, MemberID: id, Currency: "USD",
				Lines: []loyalty.OrderLine{{SKU: "tee", Quantity: 1, UnitPrice: decimal.NewFromInt(10)}}})
		case i%5 != 0: // every fifth has nothing at all
			_, err = e.Adjust(ctx, "adjust-"+id, id, 100, "welcome")
		}
		require.NoError(t, err)
	}
	all, err := store.Members(ctx, "", n+1)
	require.NoError(t, err)
	require.Len(t, all, n)
	// What is due by t, judged from each member's loaded state.
	dueBy := func(by time.Time) []string {
		var ids []string
		for _, id := range all {
			st, err := store.Load(ctx, id, loyalty.Query{Grants: true})
			require.NoError(t, err)
			due := !st.NextDue.IsZero() && !st.NextDue.After(by)
			for _, g := range st.Grants {
				due = due || !g.ExpiresAt.After(by)
			}
			if due {
				ids = append(ids, id)
			}
		}
		return ids
	}
	for _, by := range []time.Time{
		start,                     // nothing yet
		start.Add(36 * time.Hour), // the first coupon, to the instant
		start.Add(60 * time.Hour), // every coupon
		start.AddDate(0, 0, 10),   // and the first lots
		start.AddDate(0, 0, 11),   // more lots
		start.AddDate(0, 0, 12),   // every lot
	} {
		want := dueBy(by)
		for _, page := range []int{1, 7, 500, n} {
			var got []string
			after, covered := "", 0
			for {
				ids, passed, err := store.MembersDue(ctx, by, after, page)
				require.NoError(t, err)
				got = append(got, ids...)
				covered += passed
				if len(ids) < page {
					break
				}
				after = ids[len(ids)-1]
				require.Equal(t, all[covered-1], after, "passed runs to the last one listed")
			}
			require.Equal(t, want, got, "by %s, pages of %d", by, page)
			require.Equal(t, n, covered, "every member gone through once")
		}
		// From a member that is not due (m5 has nothing), the rest.
		ids, passed, err := store.MembersDue(ctx, by, "m5", n)
		require.NoError(t, err)
		require.Equal(t, n-6, passed)
		var rest []string
		for _, id := range want {
			if i, _ := strconv.Atoi(id[1:]); i > 5 {
				rest = append(rest, id)
			}
		}
		require.Equal(t, rest, ids, "by %s after m5", by)
	}
	require.Empty(t, dueBy(start))
	something := 0 // a coupon (every seventh) or points (all but every fifth)
	for i := range n {
		if i%7 == 0 || i%5 != 0 {
			something++
		}
	}
	require.Equal(t, 2072, something)
	require.Len(t, dueBy(start.AddDate(0, 0, 12)), something)
}

func TestMembersDueRefusesAnUnknownCursorAndListsOnlyItsProgram(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store := memory.New()
	other, err := store.ForProgram("other")
	require.NoError(t, err)
	for _, s := range []loyalty.Store{store, other} {
		e, err := loyalty.NewEngine(&loyalty.Program{Name: "p", Currency: "USD", Expiry: points.AfterDays(1)}, s,
			&loyalty.EngineOptions{Clock: loyalty.NewManualClock(at)})
		require.NoError(t, err)
		_, err = e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann"})
		require.NoError(t, err)
		_, err = e.Adjust(ctx, "adjust-ann", "ann", 10, "welcome")
		require.NoError(t, err)
	}
	e, err := loyalty.NewEngine(&loyalty.Program{Name: "p", Currency: "USD"}, other, nil)
	require.NoError(t, err)
	_, err = e.Enroll(ctx, "enroll-bob", loyalty.Member{ID: "bob"})
	require.NoError(t, err)

	ids, passed, err := store.MembersDue(ctx, at.AddDate(0, 0, 2), "", 10)
	require.NoError(t, err)
	require.Equal(t, []string{"ann"}, ids)
	require.Equal(t, 1, passed)
	ids, passed, err = other.(loyalty.DueLister).MembersDue(ctx, at.AddDate(0, 0, 2), "", 10)
	require.NoError(t, err)
	require.Equal(t, []string{"ann"}, ids, "bob has nothing due")
	require.Equal(t, 2, passed)
	ids, passed, err = store.MembersDue(ctx, at.AddDate(0, 0, 2), "", 0)
	require.NoError(t, err)
	require.Empty(t, ids)
	require.Zero(t, passed)
	_, _, err = store.MembersDue(ctx, at, "bob", 10)
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, _, err = store.MembersDue(ctx, at, "ann\nbob", 10)
	require.ErrorIs(t, err, loyalty.ErrInvalidID)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = store.MembersDue(cancelled, at, "", 10)
	require.ErrorIs(t, err, context.Canceled)
}
