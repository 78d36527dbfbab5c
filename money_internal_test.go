package loyalty

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
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
				if ok != listedOK || got != want {
					t.Fatalf("isoDigits(%s) = %d, %v; the list says %d, %v", c, got, ok, want, listedOK)
				}
				if ok {
					n++
				}
			}
		}
	}
	if n != len(isoCurrencies) {
		t.Fatalf("%d codes found, %d listed", n, len(isoCurrencies))
	}
	for _, c := range []Currency{"", "usd", "US", "USDX", "U$D", "\xffSD"} {
		if _, ok := isoDigits(c); ok {
			t.Errorf("isoDigits(%q) accepted a code that is not three letters A-Z", c)
		}
	}
}

func TestTheZeroTimeAndTheLastInstantOfYear9999AreWithinBounds(t *testing.T) {
	for _, at := range []time.Time{{}, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)} {
		if err := checkTime("t", at); err != nil {
			t.Fatalf("%v: %v", at, err)
		}
	}
	for _, at := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)} {
		if checkTime("t", at) == nil {
			t.Fatalf("%v is accepted", at)
		}
	}
}

func TestMoneyWithoutACurrencyPrintsItsAmountAlone(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{Money{}, "0"},
		{NewMoney(decimal.RequireFromString("12.50"), ""), "12.5"},
		{NewMoney(decimal.Zero, "USD"), "0.00 USD"},
		{NewMoney(decimal.RequireFromString("1500"), "JPY"), "1500 JPY"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%#v prints %q, want %q", tc.m, got, tc.want)
		}
	}
}
