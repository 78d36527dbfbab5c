// Package fingerprint is the canonical encoding of a request, its fingerprint
// and its field prints.
//
// A fingerprint tells a replay of an idempotency key (the same request) from
// a reuse (another request). It is stored with the receipt, so it must be the
// same in every process, on every platform and in every version: it depends
// only on the request's fields, never on a random seed (hash/maphash) or on
// memory layout.
//
// A request's fields are written in a canonical encoding, and Sum hashes it
// with SipHash-2-4 in its 128-bit form under a fixed, public key. SipHash
// mixes every input bit into the whole state, so payloads that differ
// anywhere, even by one bit, differ in their fingerprints; the key being
// public makes it no defence against someone crafting a collision on purpose,
// which is not what a fingerprint is for: a caller can only confuse a replay
// of its own key.
//
// The encoding is unambiguous, so that no two requests write the same bytes,
// and short, since hashing costs by the byte: an integer is a varint (as
// encoding/binary writes it, which tells where it ends), a string is its
// length and its bytes, a time is its Unix seconds and nanoseconds, a decimal
// its coefficient and exponent with trailing zeros removed (1.5 and 1.50
// write the same), and a list its length and then its items.
//
// The Append functions append to a buffer, as strconv's do; a caller starts
// them on a buffer on its stack, so a typical request allocates only its
// fingerprint's string.
package fingerprint

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// AppendString appends a string: its length, then its bytes.
func AppendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// AppendInt appends an integer as a varint.
func AppendInt(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// AppendTime appends the instant t, whatever its location; the zero time is the
// instant it stands for (1 January of year 1, UTC).
func AppendTime(b []byte, t time.Time) []byte {
	return AppendInt(AppendInt(b, t.Unix()), int64(t.Nanosecond()))
}

// decBig marks a decimal whose coefficient needs more than 18 digits; no
// coefficient of 18 digits or fewer equals it.
const decBig = math.MinInt64

// AppendDecimal appends the value of d, so 1.5 and 1.50 write the same.
func AppendDecimal(b []byte, d decimal.Decimal) []byte {
	if d.Sign() == 0 { // the usual discount, shipping or tax
		return append(b, 0, 0) // the varints of 0 and 0, as below
	}
	if d.NumDigits() > 18 {
		return AppendString(AppendInt(b, decBig), d.String())
	}
	c, e := d.CoefficientInt64(), d.Exponent()
	for c != 0 && c%10 == 0 {
		c /= 10
		e++
	}
	if c == 0 {
		e = 0
	}
	return AppendInt(AppendInt(b, c), int64(e))
}

// AppendAttrs appends a map in key order.
func AppendAttrs(b []byte, m map[string]string) []byte {
	b = AppendInt(b, int64(len(m)))
	if len(m) == 0 {
		return b
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = AppendString(AppendString(b, k), m[k])
	}
	return b
}

// The SipHash key of fingerprints is the 16 bytes "loyaltykit/fp/v2" read
// as two little-endian words. Changing it changes every fingerprint.
const (
	fingerprintK0 = 0x6b79746c61796f6c // "loyaltyk"
	fingerprintK1 = 0x32762f70662f7469 // "it/fp/v2"
)

// Sum is the fingerprint of the encoding b: the 16 bytes of its SipHash
// in 32 lower-case hex digits.
func Sum(b []byte) string {
	return hex128(sipHash128(fingerprintK0, fingerprintK1, b))
}

// AppendSum appends to dst the fingerprint of the encoding b, as Sum
// returns it, so that a caller can keep it in one string with other text.
func AppendSum(dst, b []byte) []byte {
	lo, hi := sipHash128(fingerprintK0, fingerprintK1, b)
	var h [32]byte
	hex8(h[:16], lo)
	hex8(h[16:], hi)
	return append(dst, h[:]...)
}

// hex128 writes the bytes of lo and then hi, little-endian, in hex.
func hex128(lo, hi uint64) string {
	var b [32]byte
	hex8(b[:16], lo)
	hex8(b[16:], hi)
	return string(b[:])
}

func hex8(b []byte, v uint64) {
	const digits = "0123456789abcdef"
	_ = b[15]
	for i := 0; i < 16; i += 2 {
		b[i], b[i+1] = digits[v>>4&15], digits[v&15]
		v >>= 8
	}
}

// sipHash128 is SipHash-2-4 with 128-bit output (Aumasson and Bernstein,
// "SipHash: a fast short-input PRF", and its reference implementation) of p
// under the key k0, k1; lo and hi are the output's first and last 8 bytes,
// little-endian.
func sipHash128(k0, k1 uint64, p []byte) (lo, hi uint64) {
	v0 := 0x736f6d6570736575 ^ k0
	v1 := 0x646f72616e646f6d ^ k1 ^ 0xee
	v2 := 0x6c7967656e657261 ^ k0
	v3 := 0x7465646279746573 ^ k1
	n := len(p)
	for ; len(p) >= 8; p = p[8:] {
		m := binary.LittleEndian.Uint64(p)
		v3 ^= m
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= m
	}
	m := uint64(n) << 56
	for i, c := range p {
		m |= uint64(c) << (8 * i)
	}
	v3 ^= m
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= m
	v2 ^= 0xee
	for range 4 {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	lo = v0 ^ v1 ^ v2 ^ v3
	v1 ^= 0xdd
	for range 4 {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	hi = v0 ^ v1 ^ v2 ^ v3
	return lo, hi
}

func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13) ^ v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16) ^ v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21) ^ v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17) ^ v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}

// printDigits are the 64 characters of a field print.
const printDigits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

// AppendPrint appends to out the field print of the field whose encoding is
// enc: two characters of printDigits, 12 bits of a quick digest of enc.
// Unlike a fingerprint, a print is no proof that two fields are the same; it
// only tells which field of a reused key differs. Prints are kept with
// receipts: the digest must not change.
func AppendPrint(out, enc []byte) []byte {
	d := fieldDigest(enc)
	return append(out, printDigits[d&63], printDigits[d>>6&63])
}

// fieldDigest is a quick 64-bit digest of b, eight bytes at a step; it only
// has to tell fields apart that differ by accident, not by design.
func fieldDigest(b []byte) uint64 {
	const m = 0x9e3779b97f4a7c15
	h := uint64(len(b)) * m
	for ; len(b) >= 8; b = b[8:] {
		h = (h ^ binary.LittleEndian.Uint64(b)) * m
		h ^= h >> 29
	}
	var t uint64
	for i, c := range b {
		t |= uint64(c) << (8 * i)
	}
	h = (h ^ t) * m
	h ^= h >> 32
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 29
	return h
}
