package rewards_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
)

// campaign is a rule earning 2 points per 1.00 (on top of the shop's base
// 1 per 1.00) under budget b.
func campaign(t testing.TB, b rewards.Budget) *rewards.Budgeted {
	t.Helper()
	rate, err := points.NewRate("campaign", 2, dec("1"))
	require.NoError(t, err)
	w, err := rewards.WithBudget(rate, b)
	require.NoError(t, err)
	return w
}

// campaignNotes are the explanation lines of the campaign rule in r, as a
// statement shows them, and the points they add up to.
func campaignNotes(r *loyalty.Receipt) (lines []string, total int64) {
	for _, x := range r.Explanation {
		if x.Rule == "campaign" {
			lines = append(lines, x.String())
			total += x.Points
		}
	}
	return lines, total
}

func (s *shop) counter(member, name, period string) int64 {
	s.t.Helper()
	st, err := s.load(member, loyalty.Query{})
	require.NoError(s.t, err)
	return st.Counter(name, period)
}

func TestMemberBudgetCutsTheCampaignToWhatIsLeftAndSaysSo(t *testing.T) {
	s := newShopIn(t, nil, testCatalog(t), campaign(t, rewards.Budget{Name: "xmas", Points: 300, Per: calendar.Month}))
	// The cart's lines are 60.00: 60 base points and 120 campaign points.
	for i, want := range []int64{120, 120, 60, 0} {
		r := s.earn(cart(fmt.Sprint("o", i), "ann"))
		lines, got := campaignNotes(r)
		assert.Equal(t, want, got, "order %d", i)
		assert.Equal(t, 60+want, r.Points(), "order %d: base 60 + campaign", i)
		switch i {
		case 2:
			assert.Contains(t, strings.Join(lines, "\n"), "cut by budget xmas: asked 120, left 60")
		case 3:
			assert.Contains(t, strings.Join(lines, "\n"), "cut by budget xmas: asked 120, left 0")
		}
	}
	assert.Equal(t, int64(300), s.counter("ann", rewards.BudgetCounter("xmas"), "2026-12"))
	assert.Equal(t, int64(1000+4*60+300), s.balance("ann"))

	// January starts again.
	s.clock.Set(time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC))
	r := s.earn(cart("jan", "ann"))
	_, got := campaignNotes(r)
	assert.Equal(t, int64(120), got)
	assert.Equal(t, int64(120), s.counter("ann", rewards.BudgetCounter("xmas"), "2027-01"))

	// bob has a budget of his own.
	s.enroll("bob")
	_, got = campaignNotes(s.earn(cart("bob-1", "bob")))
	assert.Equal(t, int64(120), got)
}

func TestMoneyBudgetCountsPointsAtTheirValueRoundedUp(t *testing.T) {
	// 1.5 cents a point, 1.00 USD per member for the campaign's life.
	b := rewards.Budget{Name: "launch", Money: money.Money{Amount: dec("1"), Currency: "USD"}, PointValue: dec("0.015")}
	s := newShopIn(t, nil, testCatalog(t), campaign(t, b))
	r := s.earn(cart("o1", "ann"))
	lines, got := campaignNotes(r)
	// 120 points would cost 1.80; 1.00 pays for 66 points (0.99), not 67 (1.005).
	assert.Equal(t, int64(66), got)
	assert.Contains(t, strings.Join(lines, "\n"), "cut by budget launch: asked 1.80 USD, left 1.00 USD")
	assert.Equal(t, int64(99), s.counter("ann", rewards.BudgetCounter("launch"), ""), "99 cents spent")
	_, got = campaignNotes(s.earn(cart("o2", "ann")))
	assert.Equal(t, int64(0), got, "1 cent left buys no point")

	left, err := b.Left(s.ctx, s.engine, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(1), left)
}

func TestBudgetDaysAreThoseOfTheProgramsZone(t *testing.T) {
	for _, tc := range []struct {
		zone           string
		before, at     time.Time // the last minute of a local day, and its next midnight
		dayOf, dayNext string
	}{
		// Auckland is UTC+13 in December: midnight of the 9th is 11:00 UTC on the 8th.
		{"Pacific/Auckland", time.Date(2026, time.December, 8, 10, 59, 0, 0, time.UTC), time.Date(2026, time.December, 8, 11, 0, 0, 0, time.UTC), "2026-12-08", "2026-12-09"},
		// Los Angeles is UTC−8: midnight of the 8th is 08:00 UTC on the 8th.
		{"America/Los_Angeles", time.Date(2026, time.December, 8, 7, 59, 0, 0, time.UTC), time.Date(2026, time.December, 8, 8, 0, 0, 0, time.UTC), "2026-12-07", "2026-12-08"},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			require.NoError(t, err)
			s := newShopIn(t, loc, testCatalog(t), campaign(t, rewards.Budget{Name: "daily", Points: 150, Per: calendar.Day}))
			now := func(id string) *loyalty.Order { o := cart(id, "ann"); o.PlacedAt = time.Time{}; return o }
			s.clock.Set(tc.before)
			_, got := campaignNotes(s.earn(now("o1")))
			assert.Equal(t, int64(120), got)
			_, got = campaignNotes(s.earn(now("o2")))
			assert.Equal(t, int64(30), got, "the same local day: 30 left")
			assert.Equal(t, int64(150), s.counter("ann", rewards.BudgetCounter("daily"), tc.dayOf))
			s.clock.Set(tc.at)
			_, got = campaignNotes(s.earn(now("o3")))
			assert.Equal(t, int64(120), got, "a new local day")
			assert.Equal(t, int64(120), s.counter("ann", rewards.BudgetCounter("daily"), tc.dayNext))
		})
	}
}

// review is an engagement rule paying 50 points a review under budget b.
func review(t testing.TB, b rewards.Budget) *rewards.Budgeted {
	t.Helper()
	eng, err := points.NewEngagement("review", "review", 50, points.Limit{})
	require.NoError(t, err)
	w, err := rewards.WithBudget(eng, b)
	require.NoError(t, err)
	return w
}

func TestMemberBudgetRefusesAnActionItCannotPayAndWritesNothing(t *testing.T) {
	s := newShopIn(t, nil, testCatalog(t), review(t, rewards.Budget{Name: "reviews", Points: 120, Per: calendar.Week, Policy: rewards.BudgetRefuse}))
	for i := range 2 {
		_, err := s.engine.Act(s.ctx, fmt.Sprint("review-", i), &loyalty.Action{Kind: "review", MemberID: "ann", Ref: fmt.Sprint("r", i)})
		require.NoError(t, err)
	}
	before, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	_, err = s.engine.Act(s.ctx, "review-2", &loyalty.Action{Kind: "review", MemberID: "ann", Ref: "r2"})
	be, ok := rewards.OverBudget(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "reviews", be.Budget)
	assert.Equal(t, "asked 50, left 20", be.Detail)
	assert.ErrorIs(t, err, rewards.ErrOverBudget)
	assert.ErrorIs(t, err, loyalty.ErrRefused)
	after, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "nothing written")
	assert.Equal(t, int64(1100), s.balance("ann"))
	assert.Equal(t, int64(100), s.counter("ann", rewards.BudgetCounter("reviews"), "2026-W50"))
}

func TestGlobalBudgetRacedByManyMembersIsSpentExactlyAndNeverOverspent(t *testing.T) {
	const budget, members, workers = 1000, 12, 6 // 20 reviews of 50
	w := review(t, rewards.Budget{Name: "reviews", Points: budget, Global: true, Per: calendar.Month, Policy: rewards.BudgetRefuse})
	s := newShopIn(t, nil, testCatalog(t), w)
	require.NoError(t, w.Setup(s.ctx, s.engine))
	for m := 1; m < members; m++ {
		s.enroll(fmt.Sprint("m", m))
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				member := "ann"
				if m := (g + i*workers) % members; m > 0 {
					member = fmt.Sprint("m", m)
				}
				_, err := s.engine.Act(s.ctx, fmt.Sprintf("review-%d-%d", g, i), &loyalty.Action{Kind: "review", MemberID: member, Ref: fmt.Sprintf("%d-%d", g, i)})
				if _, over := rewards.OverBudget(err); over {
					return // spent
				}
				if err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	var earned int64
	for m := range members {
		id := "ann"
		if m > 0 {
			id = fmt.Sprint("m", m)
		}
		earned += s.balance(id) - 1000
	}
	assert.Equal(t, int64(budget), earned, "what the members earned adds up to the budget")
	sc, err := s.engine.SharedCounter(s.ctx, rewards.BudgetCounter("reviews"), "2026-12")
	require.NoError(t, err)
	assert.Equal(t, ledger.SharedCounter{Name: rewards.BudgetCounter("reviews"), PeriodKey: "2026-12", Limit: budget, Claimed: budget}, sc)

	// The store's refusal, typed, with what was asked and left.
	_, err = s.engine.Act(s.ctx, "late", &loyalty.Action{Kind: "review", MemberID: "ann", Ref: "late"})
	be, ok := rewards.OverBudget(err)
	require.True(t, ok)
	assert.Equal(t, "reviews", be.Budget)
	assert.Equal(t, "asked 50, left 0", be.Detail)
}

// budgetCatalog is the test catalog whose "ten-off" (10.00 USD, 200
// points) has budgets bs.
func budgetCatalog(t testing.TB, bs ...rewards.Budget) *rewards.Catalog {
	t.Helper()
	rs := catalogRewards()
	rs[0].Budgets = bs
	cat, err := rewards.NewCatalog("catalog", "USD", nil, rs...)
	require.NoError(t, err)
	return cat
}

func TestGlobalMoneyBudgetOfACouponRacedByBuyersIsNeverOverspent(t *testing.T) {
	const buyers = 16
	b := rewards.Budget{Name: "coupons", Money: money.Money{Amount: dec("100"), Currency: "USD"}, Global: true, Per: calendar.Month, Policy: rewards.BudgetRefuse}
	s := newShopIn(t, nil, budgetCatalog(t, b))
	for i := 1; i < buyers; i++ {
		s.enroll(fmt.Sprint("m", i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	bought, refused := 0, 0
	var other []error
	for i := range buyers {
		member := "ann"
		if i > 0 {
			member = fmt.Sprint("m", i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.catalog.Buy(s.ctx, s.engine, "buy-"+member, member, "ten-off")
			mu.Lock()
			defer mu.Unlock()
			var re *rewards.Error
			switch {
			case err == nil:
				bought++
			case errors.As(err, &re) && errors.Is(err, rewards.ErrOverBudget) && re.Reward == "ten-off" && re.Budget == "coupons":
				refused++
			default:
				other = append(other, err)
			}
		}()
	}
	wg.Wait()
	require.Empty(t, other)
	assert.Equal(t, 10, bought, "100.00 buys ten coupons of 10.00")
	assert.Equal(t, buyers-10, refused)
	left, err := b.Left(s.ctx, s.engine, "")
	require.NoError(t, err)
	assert.Equal(t, int64(0), left)
	var paid int64
	for i := range buyers {
		id := "ann"
		if i > 0 {
			id = fmt.Sprint("m", i)
		}
		paid += 1000 - s.balance(id)
	}
	assert.Equal(t, int64(10*200), paid, "only the ten bought paid")

	// A refund gives its 10.00 back to the month it was bought in.
	var holder string
	var grant ledger.Grant
	for i := range buyers {
		id := "ann"
		if i > 0 {
			id = fmt.Sprint("m", i)
		}
		if st, err := s.load(id, loyalty.Query{Grants: true}); err == nil && len(st.Grants) == 1 {
			holder, grant = id, st.Grants[0]
			break
		}
	}
	require.NotEmpty(t, holder)
	_, err = s.catalog.Refund(s.ctx, s.engine, "refund", holder, grant.ID)
	require.NoError(t, err)
	left, err = b.Left(s.ctx, s.engine, "")
	require.NoError(t, err)
	assert.Equal(t, int64(1000), left, "10.00 back, in cents")
}

func TestMemberMoneyBudgetOfACouponRefusesThePurchaseItCannotPay(t *testing.T) {
	b := rewards.Budget{Name: "mine", Money: money.Money{Amount: dec("25"), Currency: "USD"}, Per: calendar.Month, Policy: rewards.BudgetRefuse}
	s := newShopIn(t, nil, budgetCatalog(t, b))
	first := s.buy("buy-1", "ann", "ten-off")
	s.buy("buy-2", "ann", "ten-off")
	before, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	_, err = s.catalog.Buy(s.ctx, s.engine, "buy-3", "ann", "ten-off")
	var re *rewards.Error
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, rewards.ErrOverBudget)
	assert.Equal(t, `rewards: reward "ten-off" (budget mine): over budget: asked 10.00 USD, left 5.00 USD`, re.Error())
	after, err := s.load("ann", loyalty.Query{})
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "nothing written")
	assert.Equal(t, int64(600), s.balance("ann"))

	_, err = s.catalog.Refund(s.ctx, s.engine, "refund-1", "ann", s.grantOf("ann", first).ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), s.counter("ann", rewards.BudgetCounter("mine"), "2026-12"), "10.00 of 25.00 in cents")
	s.buy("buy-3", "ann", "ten-off")
}

// doubler is a rule that multiplies, which a budget cannot price.
type doubler struct{}

func (doubler) Name() string { return "doubler" }
func (doubler) Evaluate(in *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if in.Order == nil {
		return effects
	}
	f, _ := loyalty.NewFactor(dec("2"))
	return append(effects, loyalty.Multiply(f, loyalty.OrderLevel, "double"))
}

func TestBudgetOfARuleThatMultipliesRefusesTheWriteAndWritesNothing(t *testing.T) {
	w, err := rewards.WithBudget(doubler{}, rewards.Budget{Name: "x2", Points: 100})
	require.NoError(t, err)
	s := newShopIn(t, nil, testCatalog(t), w)
	_, err = s.engine.Earn(s.ctx, "o1", cart("o1", "ann"))
	assert.ErrorIs(t, err, rewards.ErrNotBudgetable)
	assert.Equal(t, int64(1000), s.balance("ann"))
}

func TestBudgetsThatCannotWorkAreRefusedWhenBuilt(t *testing.T) {
	rate, err := points.NewRate("campaign", 2, dec("1"))
	require.NoError(t, err)
	usd := money.Money{Amount: dec("10"), Currency: "USD"}
	for name, b := range map[string]rewards.Budget{
		"no name":                 {Points: 10},
		"no amount":               {Name: "b"},
		"points and money":        {Name: "b", Points: 10, Money: usd},
		"negative points":         {Name: "b", Points: -1},
		"money without its value": {Name: "b", Money: usd},
		"fractions of a cent":     {Name: "b", Money: money.Money{Amount: dec("0.001"), Currency: "USD"}, PointValue: dec("0.01")},
		"refusing orders":         {Name: "b", Points: 10, Policy: rewards.BudgetRefuse},
		"an unknown period":       {Name: "b", Points: 10, Per: calendar.Period(99)},
	} {
		_, err := rewards.WithBudget(rate, b)
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}
	for name, b := range map[string]rewards.Budget{
		"a cut purchase":     {Name: "b", Points: 10},
		"another currency":   {Name: "b", Money: money.Money{Amount: dec("10"), Currency: "EUR"}, Policy: rewards.BudgetRefuse},
		"an unpriced reward": {Name: "b", Money: usd, Policy: rewards.BudgetRefuse},
	} {
		rs := catalogRewards()
		rs[0].Budgets = []rewards.Budget{b}
		if name == "an unpriced reward" {
			rs[2].Budgets, rs[0].Budgets = rs[0].Budgets, nil // free shipping has no money value
		}
		_, err := rewards.NewCatalog("catalog", "USD", nil, rs...)
		assert.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}
}

func TestMoneyBudgetInAnotherCurrencyRefusesTheEarnAndWritesNothing(t *testing.T) {
	rate, err := points.NewRate("campaign", 2, dec("1"))
	require.NoError(t, err)
	w, err := rewards.WithBudget(rate, rewards.Budget{Name: "eur", Money: money.Money{Amount: dec("10"), Currency: "EUR"}, PointValue: dec("0.01")})
	require.NoError(t, err)
	s := newShopIn(t, nil, testCatalog(t), w)
	_, err = s.engine.Earn(s.ctx, "o1", cart("o1", "ann"))
	var re *rewards.Error
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, rewards.ErrWrongCurrency)
	assert.Equal(t, "eur", re.Budget)
	assert.Equal(t, int64(1000), s.balance("ann"))
	st, err := s.load("ann", loyalty.Query{Orders: []string{"o1"}})
	require.NoError(t, err)
	assert.Empty(t, st.Orders, "the order is not recorded")
}

func TestMemberBudgetRacedByOneMembersOrdersIsSpentExactly(t *testing.T) {
	s := newShopIn(t, nil, testCatalog(t), campaign(t, rewards.Budget{Name: "xmas", Points: 1000, Per: calendar.Month}))
	const workers, orders = 4, 5 // 20 orders asking 120 each: 2400 asked of 1000
	var wg sync.WaitGroup
	errs := make([]error, workers)
	campaignPoints := make([]int64, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range orders {
				o := cart(fmt.Sprintf("o-%d-%d", g, i), "ann")
				r, err := s.engine.Earn(s.ctx, "earn-"+o.ID, o)
				if err != nil {
					errs[g] = err
					return
				}
				_, got := campaignNotes(r)
				campaignPoints[g] += got
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	var sum int64
	for _, v := range campaignPoints {
		sum += v
	}
	assert.Equal(t, int64(1000), sum, "the campaign gave its budget, no more")
	assert.Equal(t, int64(1000+workers*orders*60+1000), s.balance("ann"), "opening + base 60 an order + the budget")
	assert.Equal(t, int64(1000), s.counter("ann", rewards.BudgetCounter("xmas"), "2026-12"))
}
