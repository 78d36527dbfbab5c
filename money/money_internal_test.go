package money

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestISOIndexKnowsEveryListedCodeAndNothingElse(t *testing.T) {
	listed := map[Currency]int32{}
	for _, c := range isoCurrencies {
		listed[c.code] = c.digits
	}
	n := 0
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			for d := 'A'; d <= 'Z'; d++ {
				c := Currency([]rune{a, b, d})
				got, ok := isoDigits(c)
				want, listedOK := listed[c]
				require.Equal(t, listedOK, ok, "isoDigits(%s) knows the code as the list does", c)
				require.Equal(t, want, got, "isoDigits(%s): the list's digits", c)
				if ok {
					n++
				}
			}
		}
	}
	require.Len(t, isoCurrencies, n, "codes found against codes listed")
	for _, c := range []Currency{"", "usd", "US", "USDX", "U$D", "\xffSD"} {
		_, ok := isoDigits(c)
		assert.False(t, ok, "isoDigits(%q) accepted a code that is not three letters A-Z", c)
	}
}

func TestMoneyWithoutACurrencyPrintsItsAmountAlone(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{Money{}, "0"},
		{New(decimal.RequireFromString("12.50"), ""), "12.5"},
		{New(decimal.Zero, "USD"), "0.00 USD"},
		{New(decimal.RequireFromString("1500"), "JPY"), "1500 JPY"},
	} {
		assert.Equal(t, tc.want, tc.m.String(), "%#v prints", tc.m)
	}
}
