package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/economics/sim"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/tiers"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

var d = decimal.RequireFromString

func prices(s ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(s))
	for i, v := range s {
		out[i] = d(v)
	}
	return out
}

// shoppers is a small shop: regulars who mostly join and casuals who
// mostly do not.
func shoppers(n int) *sim.Config {
	mix := []sim.Category{
		{Name: "apparel", Weight: 3, Prices: prices("19.99", "34.50", "59.00")},
		{Name: "shoes", Weight: 1, Prices: prices("79.90", "120.00")},
		{Name: "gift-cards", Weight: 0.2, Prices: prices("25.00", "50.00")},
	}
	return &sim.Config{
		Seed:  42,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		End:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Customers: sim.Customers{Count: n, Segments: []sim.Segment{
			{Name: "regular", Weight: 1, OrdersPerMonth: 1.5, Items: 2, Categories: mix, ChurnPerMonth: 0.02,
				JoinShare: 0.8, ExtraFrequency: 0.2, RedeemPropensity: 0.6, ReturnRate: 0.08},
			{Name: "casual", Weight: 3, OrdersPerMonth: 0.3, Items: 1.5, Categories: mix, ChurnPerMonth: 0.05,
				JoinShare: 0.3, ExtraFrequency: 0.1, RedeemPropensity: 0.3, ReturnRate: 0.05},
		}},
		EnrolledAtStart: 0.5,
	}
}

func usd(s string) money.Money { return money.New(d(s), "USD") }

// onePointPerDollar earns 1 point per 1.00, worth 0.01 each from 500 points,
// expiring 6 months after they were earned, held 14 days.
func onePointPerDollar(t testing.TB) *loyalty.Program {
	rate, err := points.NewRate("base", 1, d("1"))
	require.NoError(t, err)
	return &loyalty.Program{Name: "points", Currency: "USD", Rules: []loyalty.Rule{rate},
		Expiry: points.AfterDays(182), PendingDays: 14,
		Redemption: points.Redemption{Points: 100, Value: usd("1.00"), Minimum: 500}}
}

// twoPercentBack credits 2% store credit at once.
func twoPercentBack(t testing.TB) *loyalty.Program {
	back, err := cashback.NewPercentage("two-percent", d("2"), nil)
	require.NoError(t, err)
	return &loyalty.Program{Name: "cashback", Currency: "USD", Rules: []loyalty.Rule{back}}
}

// pointsAndTiers is 1 point per 1.00 with a Bronze/Silver/Gold ladder on
// spend in a rolling 12 months.
func pointsAndTiers(t testing.TB) *loyalty.Program {
	ladder, err := tiers.NewLadder("club", tiers.Spend("USD"), tiers.CalendarYear, []tiers.Tier{
		{Name: "Bronze", Threshold: d("0")},
		{Name: "Silver", Threshold: d("300"), Multiplier: d("1.25")},
		{Name: "Gold", Threshold: d("1000"), Multiplier: d("1.5")},
	}, nil)
	require.NoError(t, err)
	p := onePointPerDollar(t)
	p.Name = "points-and-tiers"
	p.Rules = append([]loyalty.Rule{ladder}, p.Rules...)
	return p
}

func TestTheSameSeedGivesTheSameKPIsByteForByte(t *testing.T) {
	ctx := context.Background()
	cfg := shoppers(300)
	a, err := sim.Run(ctx, pointsAndTiers(t), cfg)
	require.NoError(t, err)
	b, err := sim.Run(ctx, pointsAndTiers(t), cfg)
	require.NoError(t, err)
	ja, err := json.Marshal(a)
	require.NoError(t, err)
	jb, err := json.Marshal(b)
	require.NoError(t, err)
	require.Equal(t, string(ja), string(jb))

	require.Len(t, a.Months, 12)
	require.Equal(t, 365, a.Days)
	require.Positive(t, a.Total.PointsIssued)
	require.Positive(t, a.Total.PointsRedeemed)
	require.Positive(t, a.Total.PointsExpired, "points expire after 182 days")
	require.Positive(t, a.Total.PointsVoided, "returns void held points")
	// The ledger's identity: what is outstanding is what was issued less
	// what was redeemed, expired and voided.
	tt := a.Total
	require.Equal(t, tt.PointsIssued-tt.PointsRedeemed-tt.PointsExpired-tt.PointsVoided, tt.PointsOutstanding)
	require.Equal(t, tt.PointsFromOrders+tt.PointsFromActions+tt.PointsFromAdjusting, tt.PointsIssued)
	var sum int64
	for _, m := range a.Months {
		sum += m.PointsIssued
	}
	require.Equal(t, tt.PointsIssued, sum)
	// Liability: outstanding points at 0.01.
	require.True(t, decimal.New(tt.PointsOutstanding, -2).Equal(tt.Liability), "%s vs %d points", tt.Liability, tt.PointsOutstanding)
	// Tiers are counted every month, and every member stands on one.
	last := a.Months[11]
	var on int
	for _, tc := range last.Tiers {
		require.Equal(t, "club", tc.Ladder)
		on += tc.Members
	}
	require.Equal(t, last.EnrolledMembers, on)
	require.Equal(t, "Bronze", last.Tiers[0].Tier)

	c := *cfg
	c.Seed = 43
	o, err := sim.Run(ctx, pointsAndTiers(t), &c)
	require.NoError(t, err)
	require.NotEqual(t, a.Total.Revenue.String(), o.Total.Revenue.String(), "another seed, other customers")
}

func TestOnePointPerDollarAgainstTwoPercentCashbackOnTheSameCustomers(t *testing.T) {
	cmp, err := sim.Compare(context.Background(), onePointPerDollar(t), twoPercentBack(t), shoppers(400))
	require.NoError(t, err)
	pts, cash := cmp.A.Total, cmp.B.Total

	// The same shoppers bought the same baskets under both programs.
	require.True(t, pts.Revenue.Equal(cash.Revenue), "%s vs %s", pts.Revenue, cash.Revenue)
	require.Equal(t, pts.MemberOrders, cash.MemberOrders)
	require.Equal(t, pts.NonMemberOrders, cash.NonMemberOrders)
	require.Equal(t, pts.EnrolledMembers, cash.EnrolledMembers)

	// Points: at most 1% back, less what expires and what is never redeemed.
	require.True(t, pts.CostShareOfRevenue.LessThan(decimal.RequireFromString("0.01")), pts.CostShareOfRevenue)
	require.True(t, pts.CostShareOfRevenue.IsPositive())
	require.True(t, pts.BreakageRate.IsPositive())
	// Cashback: 2% of what members buy, paid as credit at once and spent by
	// those who redeem; a year costs less than 3% of revenue.
	require.True(t, cash.CostShareOfRevenue.LessThan(decimal.RequireFromString("0.03")), cash.CostShareOfRevenue)
	require.True(t, cash.CostShareOfRevenue.GreaterThan(pts.CostShareOfRevenue))
	require.Zero(t, cash.PointsIssued)
	require.True(t, cash.MoneyIssued.IsPositive())
	// Money identity.
	require.True(t, cash.MoneyIssued.Sub(cash.MoneyRedeemed).Sub(cash.MoneyExpired).Sub(cash.MoneyVoided).Equal(cash.MoneyOutstanding))
	require.True(t, cash.Liability.Equal(cash.MoneyOutstanding))
	// Members buy more often than non-members: the program's extra frequency.
	require.True(t, pts.MemberFrequency.GreaterThan(pts.NonMemberFrequency), "%s against %s", pts.MemberFrequency, pts.NonMemberFrequency)
}

func TestProgressIsReportedEveryDay(t *testing.T) {
	cfg := shoppers(20)
	cfg.End = cfg.Start.AddDate(0, 2, 0)
	var seen []sim.Progress
	cfg.Progress = func(p sim.Progress) { seen = append(seen, p) }
	res, err := sim.Run(context.Background(), onePointPerDollar(t), cfg)
	require.NoError(t, err)
	require.Len(t, seen, 59) // January and February 2026
	require.Equal(t, 1, seen[0].Day)
	require.Equal(t, 59, seen[58].Day)
	require.Equal(t, 59, seen[58].Days)
	require.Equal(t, res.Writes, seen[58].Writes)
	require.Equal(t, "points", seen[0].Program)
	require.Len(t, res.Months, 2)
}

func TestBadConfigIsATypedErrorAndRunsNothing(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]struct {
		change func(*sim.Config)
		kind   error
		field  string
	}{
		"no customers":       {func(c *sim.Config) { c.Customers.Count = 0 }, sim.ErrNoCustomers, "customers.count"},
		"no segments":        {func(c *sim.Config) { c.Customers.Segments = nil }, sim.ErrNoCustomers, "customers.segments"},
		"negative frequency": {func(c *sim.Config) { c.Customers.Segments[1].OrdersPerMonth = -1 }, sim.ErrInvalidFrequency, "customers.segments[1].orders_per_month"},
		"negative extra":     {func(c *sim.Config) { c.Customers.Segments[0].ExtraFrequency = -0.1 }, sim.ErrInvalidFrequency, "customers.segments[0].extra_frequency"},
		"end before start":   {func(c *sim.Config) { c.End = c.Start.AddDate(0, 0, -1) }, sim.ErrInvalidPeriod, "end"},
		"end at start":       {func(c *sim.Config) { c.End = c.Start }, sim.ErrInvalidPeriod, "end"},
		"churn above 1":      {func(c *sim.Config) { c.Customers.Segments[0].ChurnPerMonth = 1.5 }, sim.ErrInvalidProbability, "customers.segments[0].churn_per_month"},
		"negative workers":   {func(c *sim.Config) { c.Workers = -1 }, sim.ErrInvalidConfig, "workers"},
		"price with mills":   {func(c *sim.Config) { c.Customers.Segments[0].Categories[0].Prices = prices("1.005") }, sim.ErrInvalidPrice, "customers.segments[0].categories[0].prices"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := shoppers(10)
			cfg.Customers.Segments[0].Categories = append([]sim.Category(nil), cfg.Customers.Segments[0].Categories...)
			c.change(cfg)
			called := false
			cfg.Progress = func(sim.Progress) { called = true }
			res, err := sim.Run(ctx, onePointPerDollar(t), cfg)
			require.ErrorIs(t, err, c.kind)
			require.ErrorIs(t, err, sim.ErrInvalidConfig)
			var ce *sim.ConfigError
			require.True(t, errors.As(err, &ce))
			require.Equal(t, c.field, ce.Field)
			require.Nil(t, res)
			require.False(t, called, "nothing ran")
		})
	}
	_, err := sim.Run(ctx, nil, shoppers(10))
	require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
}

func TestTheLedgersKPIsAgreeWithTheSimulationsOwnTally(t *testing.T) {
	res, err := sim.Run(context.Background(), pointsAndTiers(t), shoppers(300))
	require.NoError(t, err)
	require.NotNil(t, res.Ledger)
	require.Len(t, res.Ledger.Series, len(res.Months))
	for i, m := range res.Months {
		l := res.Ledger.Series[i]
		require.Equal(t, m.PointsIssued, l.Points.Issued, "month %d", i)
		require.Equal(t, m.PointsRedeemed, l.Points.Redeemed, "month %d", i)
		require.Equal(t, m.PointsExpired, l.Points.Expired, "month %d", i)
		require.Equal(t, m.PointsVoided, l.Points.Voided, "month %d", i)
		require.Equal(t, m.PointsOutstanding, l.Points.Outstanding, "month %d", i)
		require.True(t, m.Liability.Equal(l.Liability.Amount), "month %d: %s vs %s", i, m.Liability, l.Liability)
		require.Equal(t, int64(m.EnrolledMembers), l.Enrolled, "month %d", i)
		require.Equal(t, int64(m.ActiveMembers), l.Active, "month %d", i)
		require.Equal(t, m.MemberOrders, l.Members.Orders, "month %d", i)
		// Revenue differs by definition: the ledger's is the order records'
		// value after the redemptions' discount, less returns counted in the
		// month of the order; the simulation's the goods' value, less
		// returns counted in the month of the return.
	}
	tot := res.Ledger.Total
	require.Equal(t, res.Total.MemberOrders, tot.Members.Orders)
	require.True(t, res.Total.Revenue.Sub(res.Total.MemberRevenue).Equal(tot.NonMembers.Revenue.Amount))
	require.True(t, res.Total.Cost.Equal(tot.Cost.Amount), "%s vs %s", res.Total.Cost, tot.Cost)
	require.Equal(t, res.Total.NonMemberOrders, tot.NonMembers.Orders)
}

func TestTheKPIsAreTheSameWhateverTheNumberOfWorkers(t *testing.T) {
	var want string
	for _, n := range []int{1, 2, 3} {
		cfg := shoppers(200)
		cfg.Workers = n
		res, err := sim.Run(context.Background(), pointsAndTiers(t), cfg)
		require.NoError(t, err)
		j, err := json.Marshal(res)
		require.NoError(t, err)
		if n == 1 {
			want = string(j)
			continue
		}
		require.Equal(t, want, string(j), "%d workers", n)
	}
}

func TestAQuarterlyCashbackPayoutAndBirthdayPointsInAZoneRunThroughTheJobs(t *testing.T) {
	zone, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	quarterly := &cashback.Schedule{Every: calendar.Quarter, Minimum: d("5.00")}
	earn, err := cashback.NewPercentage("two-percent", d("2"), quarterly)
	require.NoError(t, err)
	payout, err := cashback.NewPayoutRule("payout", quarterly)
	require.NoError(t, err)
	birthday, err := points.NewBirthday("birthday", 300)
	require.NoError(t, err)
	p := &loyalty.Program{ID: "east", Name: "quarterly", Currency: "USD", Location: zone,
		Rules:      []loyalty.Rule{earn, payout, birthday},
		Redemption: points.Redemption{Points: 100, Value: usd("1.00")}}
	cfg := shoppers(150)
	cfg.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, zone)
	cfg.End = time.Date(2026, 7, 1, 0, 0, 0, 0, zone)
	res, err := sim.Run(context.Background(), p, cfg)
	require.NoError(t, err)
	require.Len(t, res.Months, 6)
	require.Equal(t, time.Date(2026, 2, 1, 5, 0, 0, 0, time.UTC), res.Months[0].To, "months end at midnight in the zone")
	// Birthday points come from the jobs' grant stage, as actions.
	require.Positive(t, res.Total.PointsFromActions)
	require.Equal(t, res.Total.PointsIssued, res.Total.PointsFromActions)
	// The accrual is paid out into store credit in April: a transfer
	// between money accounts, which issues nothing; members spend the credit.
	require.True(t, res.Months[3].MoneyRedeemed.IsPositive(), "credit spent after the first payout")
	require.True(t, res.Months[0].MoneyRedeemed.IsZero(), "nothing to spend before it")
	tt := res.Total
	require.True(t, tt.MoneyIssued.Sub(tt.MoneyRedeemed).Sub(tt.MoneyExpired).Sub(tt.MoneyVoided).Equal(tt.MoneyOutstanding))
	require.Len(t, res.Ledger.Series, 6)
	for i, m := range res.Months {
		require.Equal(t, m.PointsIssued, res.Ledger.Series[i].Points.Issued, "month %d", i)
	}
}

// hiddenLadder is a tiers.Ladder seen only through its methods, so that
// the simulation counts its tiers as any StandingRule's, by Standing on
// Engine.Member's state.
type hiddenLadder struct{ *tiers.Ladder }

func TestTiersAreCountedAsAnyStandingRulesAre(t *testing.T) {
	ctx := context.Background()
	want, err := sim.Run(ctx, pointsAndTiers(t), shoppers(300))
	require.NoError(t, err)
	p := pointsAndTiers(t)
	l, ok := p.Rules[0].(*tiers.Ladder)
	require.True(t, ok)
	p.Rules[0] = hiddenLadder{l}
	got, err := sim.Run(ctx, p, shoppers(300))
	require.NoError(t, err)
	jw, err := json.Marshal(want)
	require.NoError(t, err)
	jg, err := json.Marshal(got)
	require.NoError(t, err)
	require.Equal(t, string(jw), string(jg))
	last := got.Months[11]
	require.Len(t, last.Tiers, 3, "Bronze, Silver and Gold")
	require.Equal(t, []string{"Bronze", "Silver", "Gold"}, []string{last.Tiers[0].Tier, last.Tiers[1].Tier, last.Tiers[2].Tier})
}
