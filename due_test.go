package loyalty_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
)

// dueProgram earns 1 point per 1.00 held 3 days and expiring after 10, a
// day coupon on every order, and a Bronze/Gold ladder on spend reviewed on
// the 1st of every month, downgrading to what the year qualifies for (and
// ending a floor).
func dueProgram(t *testing.T) *loyalty.Program {
	t.Helper()
	ladder, err := tiers.NewLadder("club", tiers.Spend("USD"), tiers.CalendarYear, []tiers.Tier{
		{Name: "Bronze", Threshold: decimal.Zero},
		{Name: "Gold", Threshold: decimal.NewFromInt(100)},
	}, &tiers.Options{Downgrade: tiers.ToQualified, Reviews: tiers.Schedule{Months: 1}})
	require.NoError(t, err)
	return &loyalty.Program{PendingDays: 3, Expiry: points.AfterDays(10),
		Rules: []loyalty.Rule{ladder, perLine("base", mustRate(t, 1, "1")), dayCoupon}}
}

// Two shops run the same members, orders and clock, one in Auckland (+13 in
// December) and one in Los Angeles (−8); in each, one engine's RunJobs lists
// only the members with something due on days no review is due, the other's
// visits every member (JobOptions.AllMembers). Jobs run at midnight, at
// 23:59:59 and at an hour that moves through the day, so runs fall on the
// very instant points activate or expire and a coupon expires, and on the
// review dates' first and last moments. Every run writes the same, and every
// member's ledger ends equal entry for entry.
func TestRunJobsListingOnlyTheDueMembersWritesWhatVisitingEveryMemberWrites(t *testing.T) {
	for _, name := range []string{"Pacific/Auckland", "America/Los_Angeles"} {
		t.Run(name, func(t *testing.T) {
			loc := loyaltytest.Zone(t, name)
			start := time.Date(2026, 11, 20, 0, 0, 0, 0, loc)
			stores := [2]*countingStore{{Store: memory.New()}, {Store: memory.New()}}
			open := func(s *countingStore) *loyaltytest.Harness {
				p := dueProgram(t)
				p.Name, p.Currency = "shop", "USD"
				return loyaltytest.New(t, p, &loyaltytest.Options{Location: loc, Start: start, Store: s})
			}
			due, all := open(stores[0]), open(stores[1])
			hs := []*loyaltytest.Harness{due, all}
			const members = 9
			for _, h := range hs {
				ladder := h.Engine.Program().Rules[0].(*tiers.Ladder)
				for i := range members {
					id := "m" + strconv.Itoa(i)
					h.Enroll(id)
					if i < 3 { // Gold until 15 December, buying nothing: the 1 January review ends it
						a, err := ladder.Assign(id, "Gold", time.Date(2026, 12, 15, 0, 0, 0, 0, loc))
						require.NoError(t, err)
						h.ActWith("gold-"+id, a)
					}
				}
			}
			type moment struct {
				at   time.Time
				jobs bool
				buy  int // member, when not jobs
			}
			var visited, everyone int
			written := map[string]int{}
			for d := range 75 {
				day := start.AddDate(0, 0, d)
				var ms []moment
				for _, at := range []time.Time{day, day.Add(time.Duration(d%24)*time.Hour + 17*time.Minute), day.Add(24*time.Hour - time.Second)} {
					ms = append(ms, moment{at: at, jobs: true})
				}
				for i := 3; i < members; i++ {
					if (i*7+d)%5 == 0 { // every fifth day, at an hour of its own
						ms = append(ms, moment{at: day.Add(time.Duration((i*5+d)%24)*time.Hour + 17*time.Minute), buy: i})
					}
				}
				for k := 1; k < len(ms); k++ { // in time order, jobs first
					for j := k; j > 0 && (ms[j].at.Before(ms[j-1].at) || ms[j].at.Equal(ms[j-1].at) && ms[j].jobs && !ms[j-1].jobs); j-- {
						ms[j], ms[j-1] = ms[j-1], ms[j]
					}
				}
				for _, m := range ms {
					for _, h := range hs {
						h.AdvanceTo(m.at)
					}
					if !m.jobs {
						id := "m" + strconv.Itoa(m.buy)
						o := "o" + strconv.Itoa(d) + "-" + id
						for _, h := range hs {
							buy(h, o, id, strconv.Itoa(10+10*m.buy)+".00")
						}
						continue
					}
					l0, l1 := stores[0].loads, stores[1].loads
					got := due.RunJobs(nil)
					want := all.RunJobs(&loyalty.JobOptions{AllMembers: true, PageSize: 4})
					require.Equal(t, want, got, "at %s", m.at)
					require.Equal(t, members, got.Members, "the members passed over count as visited")
					visited += stores[0].loads - l0
					everyone += stores[1].loads - l1
					for k, n := range got.Jobs {
						written[k] += n
					}
				}
			}
			for i := range members {
				id := "m" + strconv.Itoa(i)
				require.Equal(t, all.History(id), due.History(id), "member %s", id)
				require.Equal(t, all.Balance(id), due.Balance(id), "member %s", id)
			}
			// Every kind of job ran, and most runs visited only a few members.
			require.Positive(t, written["activate"])
			require.Positive(t, written["expire"])
			require.Positive(t, written["expire-grants"])
			require.Positive(t, written["tier-review/club"])
			require.Less(t, visited, everyone/2, "%d of %d loads", visited, everyone)
		})
	}
}

// countingStore counts the loads of a memory store.
type countingStore struct {
	*memory.Store
	loads int
}

func (s *countingStore) Load(ctx context.Context, id string, q loyalty.Query) (*loyalty.State, error) {
	s.loads++
	return s.Store.Load(ctx, id, q)
}

// LoadInto counts the job runner's loads (a query for the open grants as
// of now), which load into pooled memory; a write's own loads are not
// counted, as before.
func (s *countingStore) LoadInto(ctx context.Context, id string, q loyalty.Query, st *loyalty.State) error {
	if q.Grants && !q.Now.IsZero() {
		s.loads++
	}
	return s.Store.LoadInto(ctx, id, q, st)
}

// Ann's points activate at an instant of their own: a run a nanosecond
// before lists no one (no review is due on 9 December), a run at that very
// instant lists her and activates them, in a zone ahead of UTC and behind.
func TestRunJobsListsAMemberAtTheInstantHerPointsActivate(t *testing.T) {
	for _, name := range []string{"Pacific/Auckland", "America/Los_Angeles"} {
		t.Run(name, func(t *testing.T) {
			loc := loyaltytest.Zone(t, name)
			p := dueProgram(t)
			p.Rules = p.Rules[:2] // no coupon
			h := shop(t, loc, time.Date(2026, 12, 5, 22, 30, 0, 0, loc), p)
			h.Enroll("ann")
			h.Enroll("bob")
			buy(h, "a1", "ann", "40.00")
			st, err := h.Store.Load(context.Background(), "ann", loyalty.Query{Lots: true})
			require.NoError(t, err)
			at := st.NextDue
			require.False(t, at.IsZero())
			for _, l := range st.Lots {
				if l.Account == ledger.PointsAccount {
					require.Equal(t, at, l.ActivatesAt)
				}
			}
			h.AdvanceTo(at.Add(-time.Nanosecond))
			require.Equal(t, loyalty.JobReport{Members: 2, Jobs: map[string]int{}}, h.RunJobs(nil), "nothing due")
			h.AssertBalance("ann", 0, 40)
			h.AdvanceTo(at)
			require.Equal(t, loyalty.JobReport{Members: 2, Written: 1, Jobs: map[string]int{"activate": 1}}, h.RunJobs(nil))
			h.AssertBalance("ann", 40, 0)
		})
	}
}
