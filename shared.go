package loyalty

import (
	"context"
	"errors"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/loyaltykit/loyalty/ledger"
)

// This file is the Store contract beyond one member's ledger: programs side
// by side on one store, unique codes, shared counters with a limit, and the
// rewards granted to members. storage/storagetest decides its semantics for
// every adapter.

// DefaultProgram is the ID of a Program whose ID is empty, and the program
// that holds a ledger migrated from before programs had IDs.
const DefaultProgram = "default"

// ProgramStore is implemented by stores that keep several programs side by
// side (storage/memory, storage/sqlite and storage/postgres do). ForProgram
// returns a view of the same store scoped to program id: every member,
// balance, lot, counter, order and redemption record, idempotency key,
// receipt, code, shared counter and grant the view reads or writes belongs
// to that program, and never changes another program's state. The same
// member ID may be enrolled in several programs, and the same key committed
// in each. A store itself is the view of DefaultProgram.
//
// A view of a store bound to a host transaction (InTx) is bound to the same
// transaction, so one host transaction can write to several programs, all or
// nothing. The view implements the same optional interfaces as the store
// (HistoryReverser, MemberLister, SharedStore, HostTransaction).
//
// ForProgram refuses an id that CheckID refuses, or an empty one, with an
// error wrapping ErrInvalidID. It reads nothing: a program the store never
// held reads as empty.
type ProgramStore interface {
	ForProgram(id string) (Store, error)
}

// SharedStore is implemented by stores that keep state shared by all the
// members of a program: unique codes and shared counters with a limit.
// A member's write uses them through its Change (Claims, Codes, CodeUses),
// atomically with the member's entries; these methods are for what happens
// outside a member's write (a merchant restocks a reward, a host mints gift
// cards, a lookup at checkout).
type SharedStore interface {
	// SetLimit defines shared counter name with the limit each of its
	// periods may reach, or changes the limit of one defined before. A
	// limit below zero wraps ErrInvalidAmount; a limit below what one of
	// the counter's periods has claimed already is a *LimitError (wrapping
	// ErrLimitBelowClaimed) and changes nothing.
	SetLimit(ctx context.Context, name string, limit int64) error

	// SharedCounter reads counter name in the period periodKey names ("" for
	// all time). A period never claimed from reads Claimed 0. A counter never
	// defined by SetLimit is ErrUnknownCounter.
	SharedCounter(ctx context.Context, name, periodKey string) (ledger.SharedCounter, error)

	// ReserveCode reserves c.Code for c.Owner, outside a member's write (a
	// gift card the host mints). A code the program holds already, in any
	// state, is a *CodeError wrapping ErrCodeTaken: a code is never given
	// twice, and a void code stays taken. Uses must be 0.
	ReserveCode(ctx context.Context, c ledger.Code) error

	// Code looks a code up, in O(1); ErrUnknownCode when the program holds no
	// such code.
	Code(ctx context.Context, code string) (ledger.Code, error)

	// UseCode applies u to its code outside a member's write, with the checks
	// Commit makes (see CodeUse), and returns the code as it is after.
	UseCode(ctx context.Context, u ledger.CodeUse) (ledger.Code, error)
}

// NoLimit is the limit of a shared counter that only counts (uses of a code
// across members, sign-ups of a campaign).
const NoLimit int64 = 1<<63 - 1

// Errors of shared state, checked with errors.Is.
var (
	// ErrUnknownProgram: the store cannot hold the program (it does not
	// implement ProgramStore and the program is not DefaultProgram).
	ErrUnknownProgram = errors.New("loyalty: store does not hold the program")
	// ErrSharedUnsupported: the store does not keep state shared by the
	// members of a program (it does not implement SharedStore), and a write
	// claimed from a shared counter or granted a reward with a code or a
	// stock, or a host asked for a counter or code (Engine.SetLimit, ...).
	// Nothing was written.
	ErrSharedUnsupported = errors.New("loyalty: store does not keep shared counters and codes")
	// ErrUnknownCounter: no shared counter of that name was defined.
	ErrUnknownCounter = errors.New("loyalty: unknown shared counter")
	// ErrLimitReached: a claim asked for more than the counter had left.
	ErrLimitReached = errors.New("loyalty: shared counter's limit reached")
	// ErrLimitBelowClaimed: a new limit is below what was claimed already.
	ErrLimitBelowClaimed = errors.New("loyalty: limit below what was claimed")
	// ErrInvalidClaim: a claim or code use of zero or a negative amount, or
	// a release or give-back of more than was taken.
	ErrInvalidClaim = errors.New("loyalty: invalid claim")
	// ErrInvalidCode: a code that is empty, longer than MaxCodeLength or
	// holds a character that is not printable (a space, a control).
	ErrInvalidCode = errors.New("loyalty: invalid code")
	// ErrCodeTaken: the program holds the code already.
	ErrCodeTaken = errors.New("loyalty: code already taken")
	// ErrUnknownCode: the program holds no such code.
	ErrUnknownCode = errors.New("loyalty: unknown code")
	// ErrCodeVoid: the code was voided.
	ErrCodeVoid = errors.New("loyalty: code is void")
	// ErrCodeUsedUp: the code has no uses left.
	ErrCodeUsedUp = errors.New("loyalty: code has no uses left")
)

// ClaimError is a refused claim on a shared counter: what was asked and
// what was left. It unwraps to Err (ErrLimitReached, ErrUnknownCounter or
// ErrInvalidClaim).
type ClaimError struct {
	Counter   string
	PeriodKey string
	Asked     int64
	Left      int64
	Err       error
}

func (e *ClaimError) Error() string {
	s := "loyalty: claim of " + strconv.FormatInt(e.Asked, 10) + " from shared counter " + strconv.Quote(e.Counter)
	if e.PeriodKey != "" {
		s += " in " + e.PeriodKey
	}
	if errors.Is(e.Err, ErrLimitReached) {
		return s + ": only " + strconv.FormatInt(e.Left, 10) + " left"
	}
	return s + ": " + e.Err.Error()
}

func (e *ClaimError) Unwrap() error { return e.Err }

// LimitError is a refused SetLimit: the new limit is below what a period of
// the counter claimed. It unwraps to ErrLimitBelowClaimed.
type LimitError struct {
	Counter   string
	PeriodKey string
	Limit     int64
	Claimed   int64
}

func (e *LimitError) Error() string {
	return "loyalty: limit " + strconv.FormatInt(e.Limit, 10) + " of shared counter " + strconv.Quote(e.Counter) +
		" is below the " + strconv.FormatInt(e.Claimed, 10) + " claimed in period " + strconv.Quote(e.PeriodKey)
}

func (e *LimitError) Unwrap() error { return ErrLimitBelowClaimed }

// CodeError is a refused reservation or use of a code. It unwraps to Err
// (ErrCodeTaken, ErrUnknownCode, ErrCodeVoid, ErrCodeUsedUp or
// ErrInvalidClaim).
type CodeError struct {
	Code string
	Err  error
}

func (e *CodeError) Error() string {
	return "loyalty: code " + strconv.Quote(e.Code) + ": " + e.Err.Error()
}

func (e *CodeError) Unwrap() error { return e.Err }

// MaxCodeLength is the longest code the library accepts, in bytes.
const MaxCodeLength = 64

// CheckCode reports whether code may be stored: 1 to MaxCodeLength bytes of
// valid UTF-8, every character printable and none a space. The error wraps
// ErrInvalidCode.
func CheckCode(code string) error {
	if code == "" {
		return &ValidationError{Field: "code", Reason: "is empty", Kind: ErrInvalidCode}
	}
	if len(code) > MaxCodeLength {
		return &ValidationError{Field: "code", Reason: "is " + strconv.Itoa(len(code)) + " bytes, longer than " + strconv.Itoa(MaxCodeLength), Kind: ErrInvalidCode}
	}
	for i, r := range code {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(code[i:]); n == 1 {
				return &ValidationError{Field: "code", Reason: "is not valid UTF-8 at byte " + strconv.Itoa(i), Kind: ErrInvalidCode}
			}
		}
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return &ValidationError{Field: "code", Reason: "holds " + strconv.QuoteRune(r) + " at byte " + strconv.Itoa(i) + ", which is not printable", Kind: ErrInvalidCode}
		}
	}
	return nil
}

// CheckProgramID reports whether id may name a program: not empty, and
// passing CheckID. The error wraps ErrInvalidID.
func CheckProgramID(id string) error {
	if id == "" {
		return &ValidationError{Field: "program.id", Reason: "is empty", Kind: ErrInvalidID}
	}
	return CheckID("program.id", id)
}

// CodeFormat says how the Engine makes a new code: Prefix, then Length
// characters drawn from Alphabet with the Engine's random source
// (EngineOptions.Random). The zero value makes 12 characters of
// CodeAlphabet. The Engine draws again when the program holds the code.
type CodeFormat struct {
	Prefix   string
	Length   int
	Alphabet string
	// Kind, MaxUses and ExpiresAt are given to the code (see Code). A
	// MaxUses of 0 gives the code the grant's uses (Grant.MaxUses, where 0
	// is one), so a grant's code is single-use unless the grant says more;
	// a zero ExpiresAt gives it the grant's.
	Kind      string
	MaxUses   int64
	ExpiresAt time.Time
}

// CodeAlphabet is the default alphabet of codes: upper-case letters and
// digits without the look-alikes 0, O, 1, I and L. Twelve characters of it
// hold about 59 bits.
const CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
