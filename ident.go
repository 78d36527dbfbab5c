package loyalty

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength is the longest identifier the library accepts, in bytes: member,
// order, return, redemption and program IDs, idempotency keys, SKUs,
// categories, segments and codes. Every store keeps identifiers of this length
// exactly.
const MaxIDLength = 255

// CheckID reports whether id is an acceptable identifier. field names it in
// the error ("member.id", "key"); an empty id is accepted here (whether a
// field is required is the caller's decision). The error is a
// *ValidationError that unwraps to ErrInvalidID.
func CheckID(field, id string) error {
	if len(id) > MaxIDLength {
		return &ValidationError{Field: field, Reason: "is " + strconv.Itoa(len(id)) + " bytes, longer than " + strconv.Itoa(MaxIDLength), Kind: ErrInvalidID}
	}
	for i := 0; i < len(id); {
		c := id[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return &ValidationError{Field: field, Reason: "holds control character " + strconv.QuoteRune(rune(c)) + " at byte " + strconv.Itoa(i), Kind: ErrInvalidID}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(id[i:])
		if r == utf8.RuneError && n == 1 {
			return &ValidationError{Field: field, Reason: "is not valid UTF-8 at byte " + strconv.Itoa(i), Kind: ErrInvalidID}
		}
		if unicode.IsControl(r) {
			return &ValidationError{Field: field, Reason: "holds control character " + strconv.QuoteRune(r) + " at byte " + strconv.Itoa(i), Kind: ErrInvalidID}
		}
		i += n
	}
	return nil
}
