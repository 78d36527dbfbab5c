package loyalty_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
)

func TestActWithAKindNoRuleKnowsIsRefusedAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	t0 := utc(2026, 3, 1, 12, 0)
	review := mustRule(t)(points.NewEngagement("review", loyalty.ActionReview, 25, points.Limit{Times: 1, Per: calendar.Lifetime}))
	visits := rule{name: "visits", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		if a, ok := c.Event.(*loyalty.Action); ok && a.Kind == loyalty.ActionVisit {
			out = append(out, loyalty.Count("visits", "", 1))
		}
		return out
	}}
	e, clock, store := zoned(t, nil, t0, &loyalty.Program{PendingDays: 1,
		Rules: []loyalty.Rule{perLine("base", mustRate(t, 1, "1")), review, visits}})
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	// Held points fall due, so even a settle-only write would not be empty.
	o := orderOf(line("tee", "apparel", 1, "10.00"))
	o.PlacedAt = t0
	_, err = e.Earn(ctx, "earn", o)
	require.NoError(t, err)
	clock.Set(t0.AddDate(0, 0, 2))
	before, err := e.History(ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)

	_, err = e.Act(ctx, "act-1", &loyalty.Action{Kind: "reveiw", MemberID: "ann", Ref: "r1"})
	require.ErrorIs(t, err, loyalty.ErrUnknownAction)
	require.Contains(t, err.Error(), `"reveiw"`)
	after, err := e.History(ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)
	require.Equal(t, before, after, "nothing written")
	_, err = store.Receipt(ctx, "act-1")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "the key stays unused")

	// The same key then records the action meant: 25 points, and the
	// activation the write settles.
	r, err := e.Act(ctx, "act-1", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", Ref: "r1"})
	require.NoError(t, err)
	require.Equal(t, int64(25), r.Points())
	b, _ := r.Balance(ledger.PointsAccount)
	require.Equal(t, int64(35), b.Available)

	// A second review is over the rule's limit: no points, but a kind the
	// rule declares, so it is recorded.
	r, err = e.Act(ctx, "act-2", &loyalty.Action{Kind: loyalty.ActionReview, MemberID: "ann", Ref: "r2"})
	require.NoError(t, err)
	require.Equal(t, int64(0), r.Points())
	_, err = store.Receipt(ctx, "act-2")
	require.NoError(t, err)

	// A plain action a rule only counts is recorded with its counter.
	_, err = e.Act(ctx, "act-3", &loyalty.Action{Kind: loyalty.ActionVisit, MemberID: "ann"})
	require.NoError(t, err)
	st, err := e.Member(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(1), st.Counter("visits", ""))
}
