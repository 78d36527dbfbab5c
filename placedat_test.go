package loyalty_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
)

// lateEngine earns 1 point per 1.00, held 14 days, expiring 30 days after the
// order; ann is enrolled and the clock reads start.
func lateEngine(t *testing.T, start time.Time) (*loyalty.Engine, *loyalty.ManualClock) {
	t.Helper()
	e, clock, _ := zoned(t, nil, start, &loyalty.Program{PendingDays: 14, Expiry: points.AfterDays(30),
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}})
	_, err := e.Enroll(context.Background(), "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	return e, clock
}

func placedOrder(id string, at time.Time) *loyalty.Order {
	o := orderOf(line("tee", "apparel", 1, "50.00"))
	o.ID, o.PlacedAt = id, at
	return o
}

func TestAnOrderProcessedLateIsHeldAndExpiresFromWhenItWasPlaced(t *testing.T) {
	ctx := context.Background()
	// Placed on 1 March at 12:00, processed on 3 March at 08:00.
	e, clock := lateEngine(t, utc(2026, 3, 3, 8, 0))
	r, err := e.Earn(ctx, "earn", placedOrder("o1", utc(2026, 3, 1, 12, 0)))
	require.NoError(t, err)
	require.Equal(t, int64(50), r.Entries[0].Pending)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, utc(2026, 3, 15, 12, 0), st.NextDue, "held 14 days from the order, not from its processing")

	clock.Set(utc(2026, 3, 15, 12, 0))
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 50}, b)
	st, err = e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, utc(2026, 3, 31, 12, 0), st.NextDue, "expires 30 days from the order")
}

func TestAnOrderPlacedBeforeItsReturnWindowEndedIsSpendableAtOnce(t *testing.T) {
	ctx := context.Background()
	// Placed 20 days ago: its 14-day hold is over.
	e, _ := lateEngine(t, utc(2026, 3, 21, 12, 0))
	r, err := e.Earn(ctx, "earn", placedOrder("o1", utc(2026, 3, 1, 12, 0)))
	require.NoError(t, err)
	require.Equal(t, int64(50), r.Entries[0].Amount)
	require.Equal(t, int64(0), r.Entries[0].Pending)
	b, _ := r.Balance(ledger.PointsAccount)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 50}, b)
}

func TestAnOrderWhosePointsWouldHaveExpiredEarnsAsIfPlacedNow(t *testing.T) {
	ctx := context.Background()
	// Placed 40 days ago: 30 days from the order are over; the points are
	// spendable and expire 30 days from now.
	e, clock := lateEngine(t, utc(2026, 4, 10, 12, 0))
	_, err := e.Earn(ctx, "earn", placedOrder("o1", utc(2026, 3, 1, 12, 0)))
	require.NoError(t, err)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(50), st.Balance(ledger.PointsAccount).Available)
	require.Equal(t, utc(2026, 5, 10, 12, 0), st.NextDue)
	clock.Set(utc(2026, 5, 10, 12, 0))
	b, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(0), b.Available)
}

func TestAnOrderPlacedInTheFutureIsRefusedAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	at := utc(2026, 6, 1, 12, 0)
	e, _ := lateEngine(t, at)
	ahead := placedOrder("o1", at.Add(loyalty.MaxClockSkew+time.Second))
	_, err := e.Earn(ctx, "earn", ahead)
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	var ve *loyalty.ValidationError
	require.True(t, errors.As(err, &ve))
	require.Equal(t, "order.placed_at", ve.Field)
	_, err = e.Estimate(ctx, ahead)
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent, "a dry run refuses it too")
	h, err := e.History(ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)
	require.Empty(t, h, "nothing written")

	// A clock a little ahead is held from now.
	_, err = e.Earn(ctx, "earn-ahead", placedOrder("ahead", at.Add(loyalty.MaxClockSkew)))
	require.NoError(t, err)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, at.AddDate(0, 0, 14), st.NextDue)
}

func TestAnOrderPlacedMoreThanMaxOrderAgoIsHeldAndExpiresFromNow(t *testing.T) {
	ctx := context.Background()
	at := utc(2026, 6, 1, 12, 0)
	// The order exactly MaxOrderAge old is held and expires from when it was
	// placed; an older one from now.
	e, _, _ := zoned(t, nil, at, &loyalty.Program{PendingDays: 14, Expiry: points.AfterDays(120),
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1"))}})
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	r, err := e.Earn(ctx, "earn-at-bound", placedOrder("bound", at.Add(-loyalty.MaxOrderAge)))
	require.NoError(t, err)
	require.Equal(t, int64(50), r.Entries[0].Amount, "placed 90 days ago: spendable at once")
	r, err = e.Earn(ctx, "earn-older", placedOrder("older", at.Add(-loyalty.MaxOrderAge-time.Microsecond)))
	require.NoError(t, err)
	require.Equal(t, int64(50), r.Entries[0].Pending, "older: held from now")
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, at.AddDate(0, 0, 14), st.NextDue, "held 14 days from now")
	// The first expires 120 days after it was placed: 30 days from now.
	s, err := e.Summary(ctx, "ann", &loyalty.SummaryOptions{ExpiringWithin: 200 * 24 * time.Hour})
	require.NoError(t, err)
	require.Len(t, s.Expiring, 2)
	require.Equal(t, at.AddDate(0, 0, 30), s.Expiring[0].At)
	require.Equal(t, at.AddDate(0, 0, 120), s.Expiring[1].At)
}
