package loyalty

import (
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength is the longest identifier the library accepts, in bytes: member,
// order, return, redemption and program IDs, SKUs, categories, segments and
// codes. Every store keeps identifiers of this length exactly.
const MaxIDLength = 255

// MaxKeyLength is the longest idempotency key, in bytes. It is longer than
// MaxIDLength because hosts and jobs build keys from identifiers
// ("payout/2026-02/" + a member ID of MaxIDLength bytes must still fit).
const MaxKeyLength = 1024

// CheckKey is CheckID for an idempotency key: the same characters are
// refused, and the limit is MaxKeyLength.
func CheckKey(field, key string) error { return checkIdent(field, key, MaxKeyLength) }

// CheckID reports whether id is an acceptable identifier. field names it in
// the error ("member.id", "key"); an empty id is accepted here (whether a
// field is required is the caller's decision). The error is a
// *ValidationError that unwraps to ErrInvalidID.
func CheckID(field, id string) error { return checkIdent(field, id, MaxIDLength) }

func checkIdent(field, id string, maxLen int) error {
	if len(id) > maxLen {
		return &ValidationError{Field: field, Reason: "is " + strconv.Itoa(len(id)) + " bytes, longer than " + strconv.Itoa(maxLen), Kind: ErrInvalidID}
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

// checkIDs is CheckID for every element of ids, naming each field[i].
func checkIDs(field string, ids []string) error {
	for i, id := range ids {
		if err := CheckID("", id); err != nil {
			err.(*ValidationError).Field = field + "[" + strconv.Itoa(i) + "]"
			return err
		}
	}
	return nil
}

// checkRequiredID is CheckID for a required identifier: empty is an
// ErrInvalidEvent, as it always was.
func checkRequiredID(field, id string) error {
	if id == "" {
		return invalidEvent(field, "is empty")
	}
	return CheckID(field, id)
}

// checkText reports whether s, a free text the ledger keeps (an operator's
// note), is valid UTF-8 without NUL: what every store can keep exactly.
// Other control characters (a newline) are allowed. The error unwraps to
// ErrInvalidEvent.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return invalidEvent(field, "is not valid UTF-8")
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return invalidEvent(field, "holds NUL at byte "+strconv.Itoa(i))
		}
	}
	return nil
}

// minYear and maxYear bound every time the library accepts or computes
// (Order.PlacedAt, Return.ReturnedAt, Action.At, Member.JoinedAt and
// Birthday, a lot's hold and expiry): from the start of year 1 to the end of
// year 9999, in UTC, which every store encodes exactly (storage/sqlite keeps
// int64 microseconds, PostgreSQL timestamptz, memory time.Time). A time
// outside is refused before anything is written, alike on every adapter.
// The zero time.Time, which means "unset" where a field allows it, is the
// first instant of year 1 and so within the bounds.
const (
	minYear = 1
	maxYear = 9999
)

var (
	minTime = time.Date(minYear, time.January, 1, 0, 0, 0, 0, time.UTC)
	endTime = time.Date(maxYear+1, time.January, 1, 0, 0, 0, 0, time.UTC) // the first instant refused
)

// checkTime reports whether t lies within years minYear to maxYear, UTC.
// field names it in the error, a *ValidationError that unwraps to
// ErrInvalidEvent.
func checkTime(field string, t time.Time) error {
	if !inTimeRange(t) {
		return invalidEvent(field, t.UTC().Format(time.RFC3339Nano)+" lies outside years 1 to 9999 UTC")
	}
	return nil
}

func inTimeRange(t time.Time) bool { return !t.Before(minTime) && t.Before(endTime) }
