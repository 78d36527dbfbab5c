package loyalty

import (
	"strconv"

	"github.com/loyaltykit/loyalty/money"
)

// rateWords is the effective rate of an earning: "137 on 27.48 USD".
func rateWords(points, basis int64, scale int32, c money.Currency) string {
	var buf [64]byte
	b := strconv.AppendInt(buf[:0], points, 10)
	b = append(b, " on "...)
	b = appendUnits(b, basis, scale, c.MinorDigits())
	b = append(b, ' ')
	b = append(b, c...)
	return string(b)
}

// appendUnits formats units of 10^-scale with at least digits decimals.
func appendUnits(b []byte, units int64, scale, digits int32) []byte {
	if units < 0 {
		b = append(b, '-')
		units = -units
	}
	show := max(scale, digits)
	for s := scale; s < show; s++ {
		units *= 10
	}
	var tmp [24]byte
	d := strconv.AppendInt(tmp[:0], units, 10)
	for int32(len(d)) <= show {
		d = append([]byte{'0'}, d...)
	}
	cut := len(d) - int(show)
	b = append(b, d[:cut]...)
	if show > 0 {
		b = append(b, '.')
		b = append(b, d[cut:]...)
	}
	return b
}
