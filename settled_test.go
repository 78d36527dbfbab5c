package loyalty_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
)

// heldAndExpiring is an engine whose orders earn 1 point per 1.00, held for
// 14 days and expiring 30 days after they were earned; ann has earned 50
// points on 1 March 2026 at 12:00 UTC.
func heldAndExpiring(t *testing.T) (*loyalty.Engine, *loyalty.ManualClock) {
	t.Helper()
	ctx := context.Background()
	t0 := utc(2026, 3, 1, 12, 0)
	e, clock, _ := zoned(t, nil, t0, &loyalty.Program{PendingDays: 14, Expiry: points.AfterDays(30),
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}})
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	o := orderOf(line("tee", "apparel", 1, "50.00"))
	o.PlacedAt = t0
	_, err = e.Earn(ctx, "earn", o)
	require.NoError(t, err)
	return e, clock
}

func TestActivationAndExpiryEntriesRecordWhenTheyTookEffectNotTheLaterWrite(t *testing.T) {
	ctx := context.Background()
	e, clock := heldAndExpiring(t)
	// The hold ends on 15 March; the next write comes on 20 March.
	clock.Set(utc(2026, 3, 20, 9, 30))
	r, err := e.Adjust(ctx, "goodwill", "ann", 5, "goodwill")
	require.NoError(t, err)
	require.Len(t, r.Entries, 2)
	require.Equal(t, ledger.EntryActivate, r.Entries[0].Kind)
	require.Equal(t, utc(2026, 3, 15, 12, 0), r.Entries[0].At, "the activation took effect when the hold ended")
	require.Equal(t, ledger.EntryAdjust, r.Entries[1].Kind)
	require.Equal(t, utc(2026, 3, 20, 9, 30), r.Entries[1].At, "the adjustment is of the write's time")

	// The lot expires on 31 March; the next write, a settle, on 2 April.
	clock.Set(utc(2026, 4, 2, 8, 0))
	r, err = e.Settle(ctx, "settle", "ann")
	require.NoError(t, err)
	require.Len(t, r.Entries, 1)
	require.Equal(t, ledger.EntryExpire, r.Entries[0].Kind)
	require.Equal(t, int64(-50), r.Entries[0].Amount)
	require.Equal(t, utc(2026, 3, 31, 12, 0), r.Entries[0].At, "the expiry took effect at the lot's expiry")
	require.Equal(t, utc(2026, 4, 2, 8, 0), r.At, "the receipt keeps the write's time")

	// History returns the stored times, in the order of the entry IDs.
	h, err := e.History(ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)
	var got []string
	for _, en := range h {
		got = append(got, en.At.Format("01-02 15:04")+" "+string(en.Kind))
	}
	require.Equal(t, []string{"03-01 12:00 earn", "03-15 12:00 activate", "03-20 09:30 adjust", "03-31 12:00 expire"}, got)
	for i := 1; i < len(h); i++ {
		require.True(t, h[i-1].ID.Less(h[i].ID), "entry IDs keep the order of the writes")
	}
	lines, err := e.Statement(ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)
	require.Equal(t, "2026-03-15 activate +50 (hold o1; return window over)", lines[1].String())
}

func TestPointsRestoredAfterTheirExpiryExpireAtTheTimeOfTheRestore(t *testing.T) {
	ctx := context.Background()
	t0 := utc(2026, 3, 1, 12, 0)
	e, clock, _ := zoned(t, nil, t0, &loyalty.Program{Expiry: points.AfterDays(30), Redemption: pennies{}})
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	_, err = e.Adjust(ctx, "credit", "ann", 100, "opening balance")
	require.NoError(t, err)
	_, err = e.Redeem(ctx, "redeem", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: usdOf("0.40")})
	require.NoError(t, err)
	// Cancelled on 10 April, after the drawn lot expired on 31 March: the
	// 40 points come back and expire at once, on 10 April, not before they
	// were restored.
	clock.Set(utc(2026, 4, 10, 8, 0))
	r, err := e.CancelRedemption(ctx, "cancel", "ann", "r1")
	require.NoError(t, err)
	var got []string
	for _, en := range r.Entries {
		got = append(got, en.At.Format("01-02")+" "+string(en.Kind)+" "+strconv.FormatInt(en.Amount, 10))
	}
	require.Equal(t, []string{"03-31 expire -60", "04-10 restore 40", "04-10 expire -40"}, got)
}

func TestMemberShowsTheSettledBalancesThatBalanceShowsWithoutWriting(t *testing.T) {
	ctx := context.Background()
	e, clock := heldAndExpiring(t)
	before, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Pending: 50}, before.Balance(ledger.PointsAccount))

	// Past the hold: shown available, as Balance shows it.
	clock.Set(utc(2026, 3, 20, 9, 30))
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 50}, b)
	require.Equal(t, b, st.Balance(ledger.PointsAccount))
	require.Equal(t, utc(2026, 3, 31, 12, 0), st.NextDue, "next due: the expiry")
	require.Equal(t, before.Version, st.Version, "nothing was written")
	require.Nil(t, st.Lots, "lots only when asked for, as before")

	// Past the expiry: gone.
	clock.Set(utc(2026, 4, 2, 8, 0))
	st, err = e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount}, st.Balance(ledger.PointsAccount))
	require.True(t, st.NextDue.IsZero(), "nothing more is due")
	require.Equal(t, before.Version, st.Version, "still nothing written")
	h, err := e.History(ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)
	require.Len(t, h, 1, "only the earn is stored")
}
