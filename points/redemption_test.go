package points_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var _ loyalty.RedemptionPolicy = points.Redemption{}

func usd(s string) money.Money { return money.New(dec(s), "USD") }

// amount is m's amount as its exact decimal without trailing zeros ("40",
// "0.33"), so assert.Equal compares money by value: decimal.Decimal itself is
// never compared with == or reflect.DeepEqual (40 and 40.00 differ there).
func amount(m money.Money) string { return m.Amount.String() }

// checkout is 100 points = 1.00 USD, at least 500 points, in hundreds, at
// most half of the order.
var checkout = points.Redemption{Points: 100, Value: usd("1.00"), Minimum: 500, Increment: 100, MaxPercent: dec("50")}

func wantQuote(t *testing.T, q loyalty.Quote, pts int64, value string, maxPts int64, maxValue string) {
	t.Helper()
	assert.Equal(t, pts, q.Points, "quote %+v: points", q)
	assert.Equal(t, dec(value).String(), amount(q.Value), "quote %+v: value", q)
	assert.Equal(t, maxPts, q.MaxPoints, "quote %+v: most points", q)
	assert.Equal(t, dec(maxValue).String(), amount(q.MaxValue), "quote %+v: most value", q)
	assert.Equal(t, money.Currency("USD"), q.Value.Currency, "quote currency")
	assert.Equal(t, money.Currency("USD"), q.MaxValue.Currency, "quote currency of the most")
}

func TestRedemptionQuoteOfTheMostIsTheLargestIncrementUnderBalanceAndCap(t *testing.T) {
	for _, tc := range []struct {
		name      string
		available int64
		total     string
		pts       int64
		value     string
	}{
		{"capped at half of 80.00", 12345, "80.00", 4000, "40.00"},
		{"balance below the cap, rounded down to the increment", 3456, "80.00", 3400, "34.00"},
		{"half of 80.99 is 40.495: 40.49 at most", 12345, "80.99", 4000, "40.00"},
		{"below the minimum: nothing", 450, "80.00", 0, "0"},
		{"empty cart: nothing", 12345, "0", 0, "0"},
		{"negative balance: nothing", -200, "80.00", 0, "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := checkout.Quote(tc.available, usd(tc.total), 0)
			require.NoError(t, err)
			wantQuote(t, q, tc.pts, tc.value, tc.pts, tc.value)
		})
	}
}

func TestRedemptionQuoteOfExactPointsSaysWhatTheyAreWorth(t *testing.T) {
	q, err := checkout.Quote(12345, usd("80.00"), 1500)
	require.NoError(t, err)
	wantQuote(t, q, 1500, "15.00", 4000, "40.00")
}

func TestRedemptionQuoteRefusesWhatMayNotBeRedeemed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		available int64
		total     money.Money
		want      int64
		err       error
		says      string
		maxPts    int64 // -1: a malformed request, the zero Quote
		maxValue  string
	}{
		{"negative points", 5000, usd("80.00"), -100, loyalty.ErrInvalidAmount, "-100", -1, ""},
		{"more than the balance", 1000, usd("80.00"), 1500, loyalty.ErrInsufficientPoints, "1000 available", 1000, "10.00"},
		{"below the minimum", 5000, usd("80.00"), 300, loyalty.ErrBelowMinimum, "minimum is 500", 4000, "40.00"},
		{"not a multiple of the increment", 5000, usd("80.00"), 550, loyalty.ErrNotIncrement, "multiple of 100", 4000, "40.00"},
		{"worth more than half the order", 5000, usd("80.00"), 4100, loyalty.ErrAboveCap, "41.00 USD", 4000, "40.00"},
		{"a cart in another currency", 5000, money.New(dec("80.00"), "EUR"), 1000, loyalty.ErrCurrencyMismatch, "EUR", -1, ""},
		{"a negative cart", 5000, usd("-1.00"), 1000, loyalty.ErrInvalidAmount, "negative", -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := checkout.Quote(tc.available, tc.total, tc.want)
			assert.ErrorIs(t, err, tc.err)
			if err != nil {
				assert.Contains(t, err.Error(), tc.says, "what the error says")
			}
			if tc.maxPts < 0 {
				assert.Zero(t, q, "a malformed request's quote carries nothing")
				return
			}
			// A refusal still says the most the cart allows, and why not this.
			wantQuote(t, q, 0, "0", tc.maxPts, tc.maxValue)
			assert.True(t, q.Reason == err, "reason %v, want the error %v itself", q.Reason, err)
		})
	}
	// Exactly the cap is fine.
	q, err := checkout.Quote(5000, usd("80.00"), 4000)
	require.NoError(t, err)
	wantQuote(t, q, 4000, "40.00", 4000, "40.00")
}

func TestRedemptionRoundsAFractionalWorthDownToTheMinorUnit(t *testing.T) {
	// 3 points = 0.10 USD: 10 points are worth 0.333..., paid as 0.33.
	r := points.Redemption{Points: 3, Value: usd("0.10")}
	assert.Equal(t, "0.33", amount(r.Worth(10)), "what 10 points are worth")
	assert.Equal(t, "1", amount(r.Worth(30)), "what 30 points are worth")
	// The most a 1.00 cart takes: 30 points (1.00); 31 would be worth 1.03.
	q, err := r.Quote(100, usd("1.00"), 0)
	require.NoError(t, err)
	wantQuote(t, q, 30, "1.00", 30, "1.00")
	assert.ErrorIs(t, second(r.Quote(100, usd("1.00"), 31)), loyalty.ErrAboveCap)
	// At 1000 points = 1.00, 5 points are worth less than a cent: refused,
	// and not offered as the most a cart may take either.
	milli := points.Redemption{Points: 1000, Value: usd("1.00")}
	assert.ErrorIs(t, second(milli.Quote(5, usd("1.00"), 5)), loyalty.ErrBelowMinimum)
	q, err = milli.Quote(5, usd("1.00"), 0)
	require.NoError(t, err)
	wantQuote(t, q, 0, "0", 0, "0")
}

func TestRedemptionWithoutMaxPercentMayPayTheWholeOrder(t *testing.T) {
	r := points.Redemption{Points: 100, Value: usd("1")}
	q, err := r.Quote(1_000_000, usd("12.34"), 0)
	require.NoError(t, err)
	wantQuote(t, q, 1234, "12.34", 1234, "12.34")
}

func TestRedemptionWorksInZeroDecimalCurrencies(t *testing.T) {
	r := points.Redemption{Points: 1, Value: money.New(dec("10"), "JPY"), MaxPercent: dec("10")}
	q, err := r.Quote(1000, money.New(dec("5555"), "JPY"), 0)
	require.NoError(t, err)
	// 10 % of 5555 is 555.5: 55 points (550 JPY).
	assert.Equal(t, int64(55), q.MaxPoints, "quote %+v", q)
	assert.Equal(t, "550", amount(q.MaxValue), "quote %+v", q)
	assert.Equal(t, money.Currency("JPY"), q.MaxValue.Currency, "quote %+v", q)
}

func TestRedemptionValidateRejectsAnInvalidPolicy(t *testing.T) {
	for name, r := range map[string]points.Redemption{
		"no conversion":          {},
		"zero value":             {Points: 100, Value: usd("0")},
		"negative minimum":       {Points: 100, Value: usd("1"), Minimum: -1},
		"negative increment":     {Points: 100, Value: usd("1"), Increment: -1},
		"negative percent":       {Points: 100, Value: usd("1"), MaxPercent: dec("-5")},
		"more than 100 percent":  {Points: 100, Value: usd("1"), MaxPercent: dec("100.01")},
		"a malformed currency":   {Points: 100, Value: money.New(dec("1"), "usd")},
		"points worth no money":  {Points: 100, Value: money.Money{Currency: "USD"}},
		"negative points":        {Points: -100, Value: usd("1")},
		"negative value":         {Points: 100, Value: usd("-1")},
		"no currency":            {Points: 100, Value: money.New(dec("1"), "")},
		"percent of nothing set": {Points: 0, Value: usd("1"), MaxPercent: dec("50")},
	} {
		t.Run(name, func(t *testing.T) {
			assert.ErrorIs(t, r.Validate(), loyalty.ErrInvalidProgram)
			_, err := r.Quote(1000, usd("10"), 0)
			assert.ErrorIs(t, err, loyalty.ErrInvalidProgram)
		})
	}
	assert.NoError(t, checkout.Validate(), "checkout")
	p := &loyalty.Program{Name: "p", Currency: "USD", Redemption: points.Redemption{Points: 100, Value: usd("1"), MaxPercent: dec("101")}}
	assert.ErrorIs(t, p.Validate(), loyalty.ErrInvalidProgram)
}

func TestRedemptionQuoteOfNothingSaysWhy(t *testing.T) {
	// checkout: 100 points = 1.00 USD, at least 500, in hundreds, at most half.
	noMinimum := points.Redemption{Points: 100, Value: usd("1.00"), Increment: 100, MaxPercent: dec("50")}
	milli := points.Redemption{Points: 1000, Value: usd("1.00")}
	for _, tc := range []struct {
		name      string
		policy    points.Redemption
		available int64
		total     string
		reason    error
		says      string
	}{
		{"no points", checkout, 0, "80.00", loyalty.ErrInsufficientPoints, "no points available"},
		{"a negative balance", checkout, -200, "80.00", loyalty.ErrInsufficientPoints, "no points available"},
		{"fewer than the minimum", checkout, 450, "80.00", loyalty.ErrInsufficientPoints, "450 points available, redeeming takes at least 500"},
		{"fewer than one increment", noMinimum, 99, "80.00", loyalty.ErrInsufficientPoints, "at least 100"},
		{"points worth less than a cent", milli, 5, "1.00", loyalty.ErrInsufficientPoints, "worth less than 0.01 USD"},
		// Half of 8.00 is 4.00: 400 points, below the minimum of 500.
		{"a cart whose cap is below the minimum", checkout, 5000, "8.00", loyalty.ErrBelowMinimum, "at most 4.00 USD (50% of 8.00 USD), less than the minimum of 500"},
		{"an empty cart with a minimum", checkout, 5000, "0", loyalty.ErrBelowMinimum, "minimum of 500"},
		// Half of 1.98 is 0.99: not even 100 points (1.00) fit.
		{"a cart too small for one increment", noMinimum, 5000, "1.98", loyalty.ErrAboveCap, "at most 0.99 USD (50% of 1.98 USD), less than 100 points"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.policy.Quote(tc.available, usd(tc.total), 0)
			require.NoError(t, err)
			wantQuote(t, q, 0, "0", 0, "0")
			assert.ErrorIs(t, q.Reason, tc.reason)
			if q.Reason != nil {
				assert.Contains(t, q.Reason.Error(), tc.says, "what the reason says")
			}
		})
	}
	// A quote that allows some has no reason.
	q, err := checkout.Quote(3456, usd("80.00"), 0)
	assert.NoError(t, err)
	assert.NoError(t, q.Reason, "a quote that allows some has no reason")
	assert.Equal(t, int64(3400), q.Points, "quote %+v", q)
}
