package money

import (
	"fmt"

	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 currency code such as "USD" or "EUR", or a unit a
// program declares for itself (loyalty.Program.Units).
type Currency string

// isoCurrencies is ISO 4217 list one: the active codes with a minor unit,
// and its digits, sorted by code. The codes without one (gold XAU, the SDR
// XDR, testing XTS, "no currency" XXX, ...) are not money a shop takes; a
// program that wants one declares it in loyalty.Program.Units.
var isoCurrencies = [...]struct {
	code   Currency
	digits int32
}{
	{"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2}, {"ARS", 2}, {"AUD", 2},
	{"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0},
	{"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2},
	{"BYN", 2}, {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4},
	{"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2}, {"CUC", 2}, {"CUP", 2}, {"CVE", 2},
	{"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2},
	{"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2},
	{"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2}, {"IDR", 2},
	{"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0},
	{"KES", 2}, {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2},
	{"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2},
	{"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2},
	{"MVR", 2}, {"MWK", 2}, {"MXN", 2}, {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2},
	{"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2},
	{"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2},
	{"RWF", 0}, {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2},
	{"SLE", 2}, {"SLL", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2},
	{"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2},
	{"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2},
	{"UYW", 4}, {"UZS", 2}, {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0},
	{"XCD", 2}, {"XCG", 2}, {"XOF", 0}, {"XPF", 0}, {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
	{"ZWL", 2},
}

// isoIndex holds, for every code of three letters A-Z, one more than its
// minor digits if it is in isoCurrencies, zero if it is not: a lookup of the
// currency on every amount is then one index, not a search. It is computed
// once from isoCurrencies and never changed.
var isoIndex = func() (t [26 * 26 * 26]int8) {
	for _, c := range isoCurrencies {
		t[codeIndex(c.code)] = int8(c.digits) + 1
	}
	return t
}()

// codeIndex is the place of a code of three letters A-Z in isoIndex, -1 for
// anything else.
func codeIndex(c Currency) int {
	if len(c) != 3 {
		return -1
	}
	a, b, d := c[0]-'A', c[1]-'A', c[2]-'A'
	if a >= 26 || b >= 26 || d >= 26 {
		return -1
	}
	return (int(a)*26+int(b))*26 + int(d)
}

// isoDigits returns the minor digits of c if it is an active ISO 4217 code.
func isoDigits(c Currency) (int32, bool) {
	i := codeIndex(c)
	if i < 0 || isoIndex[i] == 0 {
		return 0, false
	}
	return int32(isoIndex[i] - 1), true
}

// Validate reports whether c is an active ISO 4217 code; an error wrapping
// ErrInvalidCurrency otherwise. A program's own units are accepted by
// Program.Validate, not here.
func (c Currency) Validate() error {
	if _, ok := isoDigits(c); !ok {
		return fmt.Errorf("%w: %q is not an active ISO 4217 code", ErrInvalidCurrency, string(c))
	}
	return nil
}

// WellFormed reports whether c is three upper-case ASCII letters, the shape
// of every code the library accepts.
func (c Currency) WellFormed() bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// MinorDigits is the number of decimal digits of the currency's minor unit:
// 2 for USD (cents), 0 for JPY, 3 for KWD, from ISO 4217. A code that is not
// ISO 4217 reads as 2; a program's own unit has the digits it declares,
// which loyalty.Program.MinorDigits reports.
func (c Currency) MinorDigits() int32 {
	if d, ok := isoDigits(c); ok {
		return d
	}
	return 2
}

// CurrencyUnit is a unit of money a program declares for itself, beside
// ISO 4217: a marketplace's house currency, a partner's miles. Code is
// three upper-case letters that are not an active ISO 4217 code (the X..
// codes ISO keeps for private use fit); MinorDigits is 0 to 18.
//
// There is no registry of units shared by the process: a unit belongs to
// the program that declares it (loyalty.Program.Units), so two programs in one host
// never see each other's.
type CurrencyUnit struct {
	Code        Currency
	MinorDigits int32
}

// Money is an exact amount in a currency. The zero value is zero in no
// currency. Amounts are decimal.Decimal, never floating point.
type Money struct {
	Amount   decimal.Decimal
	Currency Currency
}

// New returns amount in currency c.
func New(amount decimal.Decimal, c Currency) Money { return Money{Amount: amount, Currency: c} }

// Parse parses a decimal string such as "19.99" in currency c.
func Parse(amount string, c Currency) (Money, error) {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return Money{}, fmt.Errorf("%w: %q is not a decimal amount", ErrInvalidAmount, amount)
	}
	return Money{Amount: d, Currency: c}, nil
}

// MinorUnits returns units of the currency's minor unit (cents for USD) as Money.
func MinorUnits(units int64, c Currency) Money {
	return Money{Amount: decimal.New(units, -c.MinorDigits()), Currency: c}
}

// Minor returns m in whole minor units (cents for USD). ok is false when m has
// a fraction of a minor unit or does not fit an int64.
func (m Money) Minor() (units int64, ok bool) {
	return exact.ToMinor(m.Amount, m.Currency.MinorDigits())
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount.IsZero() }

// String formats m as "19.99 USD", with the currency's minor digits. A
// Money without a currency (the zero Money) prints its amount alone, as
// decimal.Decimal does: "0", "12.5".
func (m Money) String() string {
	if m.Currency == "" {
		return m.Amount.String()
	}
	return m.Amount.StringFixed(m.Currency.MinorDigits()) + " " + string(m.Currency)
}
