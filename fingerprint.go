package loyalty

import (
	"math/bits"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// fingerprinter hashes a request's canonical fields with 128-bit FNV-1a,
// without allocating. A fingerprint tells a replay of an idempotency key
// (same request) from a reuse (another request); it is stored with the
// receipt, so it must be stable across processes and versions.
type fingerprinter struct{ hi, lo uint64 }

func newFingerprinter(op string) *fingerprinter {
	f := &fingerprinter{hi: 0x6c62272e07bb0142, lo: 0x62b821756295c58d}
	f.str(op)
	return f
}

func (f *fingerprinter) byte1(c byte) {
	f.lo ^= uint64(c)
	// h *= 2^88 + 0x13B, modulo 2^128.
	s0, s1 := bits.Mul64(0x13B, f.lo)
	s0 += f.lo<<24 + 0x13B*f.hi
	f.hi, f.lo = s0, s1
}

func (f *fingerprinter) str(s string) {
	for i := 0; i < len(s); i++ {
		f.byte1(s[i])
	}
	f.byte1(0)
}

func (f *fingerprinter) int(v int64) {
	for i := 0; i < 8; i++ {
		f.byte1(byte(v >> (8 * i)))
	}
}

func (f *fingerprinter) time(t time.Time) {
	if t.IsZero() {
		f.int(0)
		return
	}
	f.int(t.Unix())
	f.int(int64(t.Nanosecond()))
}

// dec hashes the value of d, so 1.5 and 1.50 hash alike.
func (f *fingerprinter) dec(d decimal.Decimal) {
	if d.NumDigits() > 18 {
		f.str(d.String())
		return
	}
	c, e := d.CoefficientInt64(), d.Exponent()
	for c != 0 && c%10 == 0 {
		c /= 10
		e++
	}
	if c == 0 {
		e = 0
	}
	f.int(c)
	f.int(int64(e))
}

func (f *fingerprinter) sum() string {
	const hex = "0123456789abcdef"
	var b [32]byte
	for i := 0; i < 16; i++ {
		v := f.hi
		if i >= 8 {
			v = f.lo
		}
		c := byte(v >> (56 - 8*(i%8)))
		b[2*i], b[2*i+1] = hex[c>>4], hex[c&15]
	}
	return string(b[:])
}

func orderFingerprint(o *Order) string {
	f := newFingerprinter("earn")
	f.str(o.ID)
	f.str(o.MemberID)
	f.time(o.PlacedAt)
	f.str(string(o.Currency))
	f.dec(o.Discount)
	f.dec(o.Shipping)
	f.dec(o.Tax)
	for i := range o.Lines {
		l := &o.Lines[i]
		f.str(l.SKU)
		f.str(l.Category)
		f.int(l.Quantity)
		f.dec(l.UnitPrice)
		f.dec(l.Discount)
	}
	return f.sum()
}

func returnFingerprint(r *Return) string {
	f := newFingerprinter("return")
	f.str(r.ID)
	f.str(r.OrderID)
	f.str(r.MemberID)
	f.time(r.ReturnedAt)
	f.dec(r.Amount)
	for _, l := range r.Lines {
		f.str(l.SKU)
		f.int(l.Quantity)
	}
	return f.sum()
}

func redemptionFingerprint(r *Redemption) string {
	f := newFingerprinter("redeem")
	f.str(r.ID)
	f.str(r.MemberID)
	f.str(r.OrderID)
	f.dec(r.Total.Amount)
	f.str(string(r.Total.Currency))
	f.int(r.Points)
	f.str(string(r.Account))
	return f.sum()
}

func actionFingerprint(a *Action) string {
	f := newFingerprinter("act")
	f.str(string(a.Kind))
	f.str(a.MemberID)
	f.time(a.At)
	f.str(a.Ref)
	f.attrs(a.Data)
	return f.sum()
}

func memberFingerprint(m *Member) string {
	f := newFingerprinter("enroll")
	f.str(m.ID)
	f.time(m.JoinedAt)
	f.time(m.Birthday)
	for _, s := range m.Segments {
		f.str(s)
	}
	f.str("")
	f.attrs(m.Attributes)
	return f.sum()
}

// attrs hashes a map in key order.
func (f *fingerprinter) attrs(m map[string]string) {
	if len(m) == 0 {
		f.int(0)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	f.int(int64(len(keys)))
	for _, k := range keys {
		f.str(k)
		f.str(m[k])
	}
}

// fingerprint hashes plain string parts (the rarer operations).
func fingerprint(parts ...string) string {
	f := newFingerprinter("")
	for _, s := range parts {
		f.str(s)
	}
	return f.sum()
}
