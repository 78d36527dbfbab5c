// Package money is exact amounts in a currency: Money (a decimal.Decimal
// and a Currency, never a float), the ISO 4217 codes and their minor
// digits, and the units a program declares for itself (CurrencyUnit, listed
// in loyalty.Program.Units).
//
// It imports only the standard library and shopspring/decimal, so the
// ledger's records (package ledger), the domain (package loyalty) and every
// program package share one Money:
//
//	price := money.MinorUnits(19_99, "USD") // 19.99 USD
//	fee, err := money.Parse("4.50", "EUR")
//	units, ok := price.Minor() // 1999, true
//
// What an amount may be (its size, its fractional digits) is the program's
// to decide: loyalty.CheckAmount.
package money
