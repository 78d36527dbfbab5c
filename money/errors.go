package money

import "errors"

var (
	// ErrInvalidCurrency: a currency code that is neither an active ISO 4217
	// code nor one of the program's own units (loyalty.Program.Units).
	ErrInvalidCurrency = errors.New("loyalty: invalid currency")
	// ErrInvalidAmount: an amount that is not a decimal number. The root
	// package's loyalty.ErrInvalidAmount is the same error, so a host
	// branches on either.
	ErrInvalidAmount = errors.New("loyalty: invalid amount")
)
