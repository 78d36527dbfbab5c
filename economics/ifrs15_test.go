package economics_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/economics"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func usd(s string) money.Money {
	return money.Money{Amount: decimal.RequireFromString(s), Currency: "USD"}
}

func rate(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// example52 is IFRS 15 illustrative example 52 (IE267-IE270): one point per
// CU10 spent, each point a CU1 discount on a future purchase. In year 1
// customers buy products for CU100,000 (their stand-alone selling price)
// and earn 10,000 points, of which 97% (9,700) are expected to be redeemed;
// 4,500 are redeemed. In year 2 the estimate is revised to 9,800 (98%) and
// 4,000 more are redeemed (8,500 to date).
func example52() []economics.AccountingPeriod {
	return []economics.AccountingPeriod{
		{Label: "Year 1", Sales: usd("100000"), PointsIssued: 10000, PointsRedeemed: 4500, PointValue: usd("1"), ExpectedRate: rate("0.97")},
		{Label: "Year 2", PointsRedeemed: 4000, PointValue: usd("1"), ExpectedRate: rate("0.98")},
	}
}

func TestScheduleWorksTheStandardsLoyaltyExampleInWholeUnits(t *testing.T) {
	got, err := economics.Schedule("USD", example52(), &economics.ScheduleOptions{Digits: 0})
	require.NoError(t, err)
	require.Len(t, got, 2)
	y1, y2 := got[0], got[1]

	// Stand-alone selling prices: products 100,000; points 10,000 × 1 × 97%
	// = 9,700. Points: 100,000 × 9,700 / 109,700 = 8,842.297 → 8,842;
	// products 100,000 × 100,000 / 109,700 = 91,157.7 → 91,158.
	assert.Equal(t, "8842", y1.PointsAllocated.Amount.String())
	assert.Equal(t, "91158", y1.GoodsRevenue.Amount.String())
	// Year 1: 4,500 / 9,700 × 8,842.297 = 4,102.1 → 4,102 recognised
	// (the standard: CU4,102), liability 8,842 - 4,102 = 4,740 (CU4,740).
	assert.Equal(t, "4102", y1.PointsRevenue.Amount.String())
	assert.Equal(t, "4740", y1.ContractLiability.Amount.String())
	// Breakage in it: 4,102.1 - 8,842.297 × 4,500 / 10,000 (3,979.0) = 123.1 → 123.
	assert.Equal(t, "123", y1.Breakage.Amount.String())
	assert.Equal(t, "0", y1.CatchUp.Amount.String())
	assert.Equal(t, int64(10000), y1.IssuedToDate)
	assert.Equal(t, "9700", y1.ExpectedRedemptions.String())

	// Year 2: nothing allocated; cumulative 8,500 / 9,800 × 8,842.297 =
	// 7,669.3 → 7,669, less the 4,102 of year 1 = 3,567 (the standard:
	// CU3,567); liability 8,842 - 7,669 = 1,173 (CU1,173).
	assert.Equal(t, "0", y2.PointsAllocated.Amount.String())
	assert.Equal(t, "0", y2.GoodsRevenue.Amount.String())
	assert.Equal(t, "3567", y2.PointsRevenue.Amount.String())
	assert.Equal(t, "7669", y2.CumulativeRevenue.Amount.String())
	assert.Equal(t, "1173", y2.ContractLiability.Amount.String())
	// Breakage to date 7,669.3 - 8,842.297 × 0.85 (7,516.0) = 153.4 → 153,
	// of which year 2's is 153 - 123 = 30.
	assert.Equal(t, "30", y2.Breakage.Amount.String())
	// The revision's catch-up: at 97% year 2 would have recognised to date
	// 8,500 / 9,700 × 8,842.297 = 7,748.4 → 7,748; at 98% 7,669: -79.
	assert.Equal(t, "-79", y2.CatchUp.Amount.String())
	assert.Equal(t, "9800", y2.ExpectedRedemptions.String())
}

func TestScheduleRoundsToTheMinorUnitAndAddsUp(t *testing.T) {
	got, err := economics.Schedule("USD", example52(), nil)
	require.NoError(t, err)
	// 8,842.297 → 8,842.30; 4,102.097 → 4,102.10; 7,669.339 → 7,669.34.
	assert.Equal(t, "8842.3", got[0].PointsAllocated.Amount.String())
	assert.Equal(t, "91157.7", got[0].GoodsRevenue.Amount.String())
	assert.Equal(t, "4102.1", got[0].PointsRevenue.Amount.String())
	assert.Equal(t, "4740.2", got[0].ContractLiability.Amount.String())
	assert.Equal(t, "3567.24", got[1].PointsRevenue.Amount.String())
	assert.Equal(t, "1172.96", got[1].ContractLiability.Amount.String())
	// Allocated = recognised + liability, exactly, every period.
	for _, a := range got {
		assert.True(t, a.CumulativeAllocated.Amount.Equal(a.CumulativeRevenue.Amount.Add(a.ContractLiability.Amount)), a.Label)
		assert.Equal(t, money.Currency("USD"), a.PointsRevenue.Currency)
	}
}

func TestScheduleRecognisesThePoolWhenNoMoreRedemptionsAreExpected(t *testing.T) {
	ps := example52()
	// Year 3: the 1,500 points left expire; the rate is revised to what was
	// redeemed, 85%: the whole 8,842 is recognised, 1,173 of it in year 3.
	ps = append(ps, economics.AccountingPeriod{Label: "Year 3", PointValue: usd("1"), ExpectedRate: rate("0.85")})
	got, err := economics.Schedule("USD", ps, &economics.ScheduleOptions{Digits: 0})
	require.NoError(t, err)
	assert.Equal(t, "1173", got[2].PointsRevenue.Amount.String())
	assert.Equal(t, "0", got[2].ContractLiability.Amount.String())
	// All of it beyond the redeemed points' share is breakage: 8,842.297 ×
	// 1,500 / 10,000 = 1,326.3 → 1,326 to date, 1,326 - 153 in year 3.
	assert.Equal(t, "1173", got[2].Breakage.Amount.String())
}

func TestScheduleRefusesBadInputWithNoSchedule(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(ps []economics.AccountingPeriod)
		want   error
	}{
		"rate above one":    {func(ps []economics.AccountingPeriod) { ps[1].ExpectedRate = rate("1.01") }, economics.ErrInvalidRate},
		"negative rate":     {func(ps []economics.AccountingPeriod) { ps[0].ExpectedRate = rate("-0.1") }, economics.ErrInvalidRate},
		"sales in euros":    {func(ps []economics.AccountingPeriod) { ps[0].Sales.Currency = "EUR" }, loyalty.ErrCurrencyMismatch},
		"negative sales":    {func(ps []economics.AccountingPeriod) { ps[0].Sales = usd("-1") }, economics.ErrInvalidInput},
		"redeemed too many": {func(ps []economics.AccountingPeriod) { ps[1].PointsRedeemed = 5501 }, economics.ErrInvalidInput},
		"no point value":    {func(ps []economics.AccountingPeriod) { ps[0].PointValue = money.Money{} }, economics.ErrInvalidInput},
		"negative redeemed": {func(ps []economics.AccountingPeriod) { ps[0].PointsRedeemed = -1 }, economics.ErrInvalidInput},
	} {
		t.Run(name, func(t *testing.T) {
			ps := example52()
			tc.mutate(ps)
			got, err := economics.Schedule("USD", ps, nil)
			require.ErrorIs(t, err, tc.want)
			var ie *economics.InputError
			require.ErrorAs(t, err, &ie)
			assert.Nil(t, got)
		})
	}
}
