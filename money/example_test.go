package money_test

import (
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty/money"
)

func ExampleMinorUnits() {
	price := money.MinorUnits(19_99, "USD")
	cents, ok := price.Minor()
	fmt.Println(price, cents, ok)
	fmt.Println(money.MinorUnits(1500, "JPY"), money.MinorUnits(1500, "KWD"))
	// Output:
	// 19.99 USD 1999 true
	// 1500 JPY 1.500 KWD
}

func ExampleParse() {
	fee, err := money.Parse("4.50", "EUR")
	fmt.Println(fee, err)
	_, err = money.Parse("4,50", "EUR")
	fmt.Println(errors.Is(err, money.ErrInvalidAmount))
	fmt.Println(money.Currency("EUR").Validate(), errors.Is(money.Currency("EURO").Validate(), money.ErrInvalidCurrency))
	// Output:
	// 4.50 EUR <nil>
	// true
	// <nil> true
}
