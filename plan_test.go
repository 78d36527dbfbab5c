package loyalty_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// A redemption drawing from more lots than a plan marks without allocating
// (128), one drawing from some of the open lots, and one drawing from all of
// them each write exactly the lots they drew from, oldest first, and leave
// the others as they were.
func TestRedemptionsDrawManyLotsOldestFirstAndWriteExactlyThose(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	e, err := loyalty.NewEngine(&loyalty.Program{Name: "p", Currency: "USD", Redemption: pennies{}}, store,
		&loyalty.EngineOptions{Clock: loyalty.NewManualClock(now)})
	require.NoError(t, err)
	_, err = e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	var lots []int64
	for i := range 200 {
		r, err := e.Adjust(ctx, "seed"+strconv.Itoa(i), "ann", 1, "seed")
		require.NoError(t, err)
		lots = append(lots, r.Entries[0].Lot)
	}
	total := money.MinorUnits(1000_00, "USD")
	redeem := func(key string, points int64) []int64 {
		t.Helper()
		r, err := e.Redeem(ctx, key, loyalty.Redemption{ID: key, MemberID: "ann", Total: total, Points: points})
		require.NoError(t, err)
		var drawn []int64
		for _, d := range r.Redemption.Draws {
			require.Equal(t, int64(1), d.Amount)
			drawn = append(drawn, d.Lot)
		}
		storagetest.CheckInvariants(t, ctx, store, "ann")
		return drawn
	}
	require.Equal(t, lots[:150], redeem("r1", 150))
	require.Equal(t, lots[150:180], redeem("r2", 30))
	bal, err := e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(20), bal.Available)

	_, err = e.CancelRedemption(ctx, "c1", "ann", "r1")
	require.NoError(t, err)
	storagetest.CheckInvariants(t, ctx, store, "ann")
	bal, err = e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(170), bal.Available)

	// Every open lot: the 20 seeded ones left, then the 150 restored.
	drawn := redeem("r3", 170)
	require.Len(t, drawn, 170)
	require.Equal(t, lots[180:], drawn[:20])
	bal, err = e.Balance(ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, int64(0), bal.Available)
	_, err = e.Redeem(ctx, "r4", loyalty.Redemption{ID: "r4", MemberID: "ann", Total: total, Points: 1})
	require.ErrorIs(t, err, loyalty.ErrInsufficientPoints)
}

// An earn's receipt keeps the explanation the evaluation gave, however many
// lines it has (a plan has room for some in the receipt's own allocation),
// and later earns leave it as it was.
func TestEarnReceiptsKeepTheirExplanationWhateverItsLength(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{perLine("base", mustRate(t, 5, "1"))}}, nil)
	_, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	var receipts []*loyalty.Receipt
	var orders []*loyalty.Order
	var want [][]loyalty.Explanation
	for n := 1; n <= 5; n++ {
		var lines []loyalty.OrderLine
		for i := range n {
			lines = append(lines, line("sku"+strconv.Itoa(i), "c", 1, "1.99"))
		}
		o := orderOf(lines...)
		o.ID = "o" + strconv.Itoa(n)
		est, err := e.Estimate(ctx, o)
		require.NoError(t, err)
		r, err := e.Earn(ctx, o.ID, o)
		require.NoError(t, err)
		require.Equal(t, est.Explanation, r.Explanation, "%d lines", n)
		receipts, orders, want = append(receipts, r), append(orders, o), append(want, est.Explanation)
	}
	require.Len(t, want[0], 1) // 9.95 points floored: no rounding line
	require.Len(t, want[1], 3) // two lines and a rounding
	for i, r := range receipts {
		require.Equal(t, want[i], r.Explanation)
		replay, err := e.Earn(ctx, orders[i].ID, orders[i])
		require.NoError(t, err)
		require.Equal(t, want[i], replay.Explanation)
	}
}
