package loyalty_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
)

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }

// summaryFixture is a program of 10 points per 1.00, held 14 days, expiring
// 60 days after they were earned, redeemed at 100 points = 1.00 USD, with a
// Bronze/Silver/Gold ladder on a calendar year's spend. Ann got 1000 points
// from an operator on 1 March (expiring 30 April), then ordered for 50.00 on
// 21 March (500 points, held until 4 April, expiring 20 May) and for 30.00
// on 10 April (300 points, held until 24 April, expiring 9 June).
func summaryFixture(t *testing.T, s loyalty.Store) *loyaltytest.Harness {
	t.Helper()
	d := decimal.RequireFromString
	ladder, err := tiers.NewLadder("club", tiers.Spend("USD"), tiers.CalendarYear, []tiers.Tier{
		{Name: "Bronze", Threshold: d("0")},
		{Name: "Silver", Threshold: d("500")},
		{Name: "Gold", Threshold: d("1500")},
	}, nil)
	require.NoError(t, err)
	rate, err := points.NewRate("base", 10, d("1"))
	require.NoError(t, err)
	p := &loyalty.Program{
		Name: "p", Currency: "USD", Rules: []loyalty.Rule{ladder, rate},
		PendingDays: 14, Expiry: points.AfterDays(60), Redemption: checkoutPolicy,
	}
	h := loyaltytest.New(t, p, &loyaltytest.Options{Store: s, Start: day(time.March, 1)})
	h.Enroll("ann")
	h.Adjust("grant", "ann", 1000, "welcome back")
	h.AdvanceTo(day(time.March, 21))
	h.Earn("earn-o1", loyaltytest.Order("ann", "o1").Line("a", "50.00", 1).Build())
	h.AdvanceTo(day(time.April, 10))
	h.Earn("earn-o2", loyaltytest.Order("ann", "o2").Line("a", "30.00", 1).Build())
	return h
}

func TestSummaryShowsBalanceWorthPendingExpiringTierAndRecentAsOfOneInstant(t *testing.T) {
	h := summaryFixture(t, nil)
	ctx, e := h.Ctx, h.Engine
	h.AdvanceTo(day(time.April, 15))

	s, err := e.Summary(ctx, "ann", &loyalty.SummaryOptions{Recent: 3})
	require.NoError(t, err)
	require.Equal(t, "ann", s.MemberID)
	require.Equal(t, day(time.April, 15), s.At)
	require.Equal(t, int64(4), s.Version, "enroll, grant and two earns")
	// o1's 500 points were released on 4 April: available, though no write
	// has recorded it yet. o2's 300 are still held.
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 1500, Pending: 300}, s.Balance)
	require.Equal(t, "15.00", s.Worth.Amount.StringFixed(2), "1500 points at 100 = 1.00 USD")
	require.Equal(t, money.Currency("USD"), s.Worth.Currency)
	require.Equal(t, []loyalty.DuePoints{{Points: 300, At: day(time.April, 24), Lot: ledger.LotID(4, 0), Ref: "o2"}}, s.Pending)
	// Within 30 days (to 15 May): the grant's 1000 expiring 30 April; o1's
	// lot expires on 20 May, after the window.
	require.Equal(t, []loyalty.DuePoints{{Points: 1000, At: day(time.April, 30), Lot: ledger.LotID(2, 0)}}, s.Expiring)

	// 80.00 spent in 2026: Bronze, 420.00 to Silver.
	require.Len(t, s.Standings, 1)
	st := s.Standings[0]
	require.Equal(t, "club", st.Rule)
	require.Equal(t, "Bronze", st.Tier)
	require.Equal(t, 1, st.Level)
	require.Equal(t, "Silver", st.Next)
	require.Equal(t, int64(80_00), st.Amount)
	require.Equal(t, int64(420_00), st.ToNext)
	require.Equal(t, "80.00 USD", st.AmountText)
	require.Equal(t, "420.00 USD", st.ToNextText)

	// Newest first: o2's earn, and the release of o1's points that the same
	// write recorded first, then o1's earn.
	require.Len(t, s.Recent, 3)
	require.Equal(t, ledger.EntryID{Version: 4, Index: 1}, s.Recent[0].ID)
	require.Equal(t, "o2", s.Recent[0].Ref)
	require.Equal(t, int64(300), s.Recent[0].Pending)
	require.Equal(t, ledger.EntryID{Version: 4}, s.Recent[1].ID)
	require.Equal(t, ledger.EntryActivate, s.Recent[1].Kind)
	require.Equal(t, int64(500), s.Recent[1].Amount)
	require.Equal(t, "earn-o2", s.Recent[1].Key)
	require.Equal(t, ledger.EntryID{Version: 3}, s.Recent[2].ID)
	require.Equal(t, "o1", s.Recent[2].Ref)
	// The page goes on from its last entry.
	older, err := e.HistoryBefore(ctx, "ann", s.Recent[2].ID, 10)
	require.NoError(t, err)
	require.Len(t, older, 1)
	require.Equal(t, ledger.EntryAdjust, older[0].Kind)
	require.Equal(t, int64(1000), older[0].Amount)

	// A wider window takes in o1's lot too; nothing was written.
	s, err = e.Summary(ctx, "ann", &loyalty.SummaryOptions{ExpiringWithin: 40 * 24 * time.Hour})
	require.NoError(t, err)
	require.Equal(t, []loyalty.DuePoints{
		{Points: 1000, At: day(time.April, 30), Lot: ledger.LotID(2, 0)},
		{Points: 500, At: day(time.May, 20), Lot: ledger.LotID(3, 0), Ref: "o1"},
	}, s.Expiring)
	require.Equal(t, int64(4), s.Version)
	require.Len(t, s.Recent, 4, "all there is, under the default of 10")
}

func TestSummaryAfterExpiryCountsOnlyWhatRemains(t *testing.T) {
	h := summaryFixture(t, nil)
	ctx, e := h.Ctx, h.Engine
	h.AdvanceTo(day(time.May, 1)) // the grant expired on 30 April; o2 released on 24 April
	s, err := e.Summary(ctx, "ann", nil)
	require.NoError(t, err)
	require.Equal(t, ledger.Balance{Account: ledger.PointsAccount, Available: 800}, s.Balance)
	require.Equal(t, "8.00", s.Worth.Amount.StringFixed(2))
	require.Empty(t, s.Pending)
	require.Equal(t, []loyalty.DuePoints{{Points: 500, At: day(time.May, 20), Lot: ledger.LotID(3, 0), Ref: "o1"}}, s.Expiring)
	// Newest first: the grant's expiry (30 April) and o2's release (24
	// April), which no write has recorded yet, then o2's earn.
	require.Len(t, s.Recent, 6)
	require.Equal(t, ledger.EntryExpire, s.Recent[0].Kind)
	require.Equal(t, int64(-1000), s.Recent[0].Amount)
	require.Equal(t, ledger.EntryID{Version: 5, Index: 1}, s.Recent[0].ID)
	require.Equal(t, ledger.EntryActivate, s.Recent[1].Kind)
	require.Equal(t, int64(300), s.Recent[1].Amount)
	require.Equal(t, ledger.EntryID{Version: 5}, s.Recent[1].ID)
	require.Empty(t, s.Recent[0].Key)
	require.Empty(t, s.Recent[1].Key)
	require.Equal(t, "earn-o2", s.Recent[2].Key)
	require.Equal(t, ledger.EntryID{Version: 4, Index: 1}, s.Recent[2].ID)
	// The next write records them as the summary showed them.
	r := h.Settle("settle", "ann")
	require.Len(t, r.Entries, 2)
	require.Equal(t, s.Recent[1].ID, r.Entries[0].ID)
	require.Equal(t, s.Recent[0].Amount, r.Entries[1].Amount)
}

// interleaved commits another write right after its first Load, as a
// concurrent request would.
type interleaved struct {
	loyalty.Store
	between func()
}

func (s *interleaved) Load(ctx context.Context, id string, q loyalty.Query) (*loyalty.State, error) {
	st, err := s.Store.Load(ctx, id, q)
	if f := s.between; f != nil {
		s.between = nil
		f()
	}
	return st, err
}

func (s *interleaved) HistoryBefore(ctx context.Context, id string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	return s.Store.(loyalty.HistoryReverser).HistoryBefore(ctx, id, before, limit)
}

func TestSummaryIsConsistentWhenAWriteLandsBetweenItsReads(t *testing.T) {
	mem := memory.New()
	h := summaryFixture(t, mem)
	ctx, e := h.Ctx, h.Engine
	h.AdvanceTo(day(time.April, 15))
	other := e.WithStore(mem)
	s, err := e.WithStore(&interleaved{Store: mem, between: func() {
		_, err := other.Adjust(ctx, "late", "ann", 77, "arrives between the reads")
		require.NoError(t, err)
	}}).Summary(ctx, "ann", nil)
	require.NoError(t, err)
	require.Equal(t, int64(4), s.Version)
	require.Equal(t, int64(1500), s.Balance.Available, "as of the version loaded")
	for _, en := range s.Recent {
		require.NotEqual(t, "late", en.Key, "an entry of a later write is not in the summary")
	}
	require.Len(t, s.Recent, 4) // the release of o1's points, o2, o1, the grant
	after, err := e.Summary(ctx, "ann", nil)
	require.NoError(t, err)
	require.Equal(t, int64(5), after.Version)
	require.Equal(t, int64(1577), after.Balance.Available)
}

func TestSummaryRefusesBadOptionsAndUnknownMembers(t *testing.T) {
	h := summaryFixture(t, nil)
	ctx, e := h.Ctx, h.Engine
	_, err := e.Summary(ctx, "ann", &loyalty.SummaryOptions{ExpiringWithin: -time.Hour})
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	_, err = e.Summary(ctx, "ann", &loyalty.SummaryOptions{Recent: -1})
	require.ErrorIs(t, err, loyalty.ErrInvalidEvent)
	_, err = e.Summary(ctx, "ghost", nil)
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, err = e.Summary(ctx, "bad\xff", nil)
	require.ErrorIs(t, err, loyalty.ErrInvalidID)
}

func TestSummaryWithoutRedemptionPolicyOrLadder(t *testing.T) {
	h := loyaltytest.New(t, &loyalty.Program{Name: "p", Currency: "EUR"}, nil)
	h.Enroll("ann")
	h.Adjust("grant", "ann", 250, "goodwill")
	s, err := h.Engine.Summary(h.Ctx, "ann", nil)
	require.NoError(t, err)
	require.Equal(t, int64(250), s.Balance.Available)
	require.True(t, s.Worth.Amount.IsZero())
	require.Equal(t, money.Currency("EUR"), s.Worth.Currency)
	require.Empty(t, s.Standings)
	require.Empty(t, s.Expiring, "points that never expire")
	require.Len(t, s.Recent, 1)
}
