package referral

import (
	"errors"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
)

// Errors of referral programs, checked with errors.Is. Every refusal writes
// nothing, unless its doc says what was recorded.
var (
	// ErrNotReferralCode: the code exists in the program but is not a
	// referral code (a coupon, a gift card).
	ErrNotReferralCode = errors.New("referral: not a referral code")
	// ErrReservedCode: a host's own code (a vanity code) starts with '~',
	// which the package keeps for its index codes.
	ErrReservedCode = errors.New("referral: codes starting with '~' are reserved")
	// ErrAlreadyReferred: the friend was attributed to a referrer already
	// (with another code, or to another referrer).
	ErrAlreadyReferred = errors.New("referral: friend already referred")
	// ErrAlreadyMember: the friend is not new: they joined the shop before
	// the campaign started, or are in the referral program already as a
	// referrer of their own.
	ErrAlreadyMember = errors.New("referral: friend already a member")
	// ErrOutsideWindow: the attribution comes later than the policy's
	// window after the friend's signup.
	ErrOutsideWindow = errors.New("referral: attribution outside the window after signup")
	// ErrNotReferred: the member was never attributed to a referrer.
	ErrNotReferred = errors.New("referral: member was not referred")
	// ErrFraud is what every *FraudError unwraps to.
	ErrFraud = errors.New("referral: refused by a fraud check")
	// ErrSelfReferral: the friend is the referrer, or shares a fingerprint
	// with the referrer (see FraudError.Check).
	ErrSelfReferral = errors.New("referral: self-referral")
	// ErrVelocity: too many signups on one code in the velocity period.
	ErrVelocity = errors.New("referral: too many signups on one code")
	// ErrCapReached: the referrer's rewarded referrals reached the cap of
	// the period or of their lifetime (see CapError).
	ErrCapReached = errors.New("referral: referrer's cap reached")
	// ErrBudgetSpent: the campaign's budget of rewarded referrals is spent.
	ErrBudgetSpent = errors.New("referral: campaign budget spent")
	// ErrNotPending: Approve or Reject of a referral that is not waiting
	// for review.
	ErrNotPending = errors.New("referral: referral is not pending review")
	// ErrNotAmbassador: a commission asked for on the code of a member who
	// is not an ambassador.
	ErrNotAmbassador = errors.New("referral: member is not an ambassador")
	// ErrNotEnrolled: a member a reward would be credited to is not in
	// Config.CreditTo's program (see NotEnrolledError).
	ErrNotEnrolled = errors.New("referral: member not in the program rewards are credited to")
	// ErrInvalidConfig: the Config fails Validate.
	ErrInvalidConfig = errors.New("referral: invalid config")
)

// Fraud checks, named in FraudError.Check.
const (
	CheckSameMember  = "same-member"   // the friend's ID is the referrer's
	CheckFingerprint = "fingerprint"   // a fingerprint of the friend is the referrer's
	CheckVelocity    = "velocity"      // too many signups on the code
	CheckSelfBuy     = "self-purchase" // an ambassador's code on their own order
)

// FraudError is a referral refused by a fraud check: which check, the
// referrer and friend, and for a fingerprint its kind ("email"), never its
// value. It unwraps to ErrFraud and to the check's sentinel (ErrSelfReferral
// or ErrVelocity).
type FraudError struct {
	Check    string
	Referrer string
	Friend   string
	// Kind is the fingerprint's kind, for CheckFingerprint.
	Kind string
	// Limit and Period, for CheckVelocity: at most Limit signups per Period.
	Limit  int64
	Period string
	Err    error
}

func (e *FraudError) Error() string {
	s := "referral: friend " + strconv.Quote(e.Friend) + " of " + strconv.Quote(e.Referrer) + " refused by check " + e.Check
	switch e.Check {
	case CheckFingerprint:
		s += ": their " + e.Kind + " is the referrer's"
	case CheckVelocity:
		s += ": more than " + strconv.FormatInt(e.Limit, 10) + " signups on the code in " + e.Period
	}
	return s
}

func (e *FraudError) Unwrap() []error { return []error{ErrFraud, e.Err} }

// CapError says which cap refused a referrer's reward. It unwraps to
// ErrCapReached.
type CapError struct {
	Referrer string
	// Period is the period key of the cap ("2026-11"), empty for the lifetime cap.
	Period   string
	Cap      int64
	Rewarded int64
}

func (e *CapError) Error() string {
	which := "lifetime"
	if e.Period != "" {
		which = e.Period
	}
	return "referral: referrer " + strconv.Quote(e.Referrer) + " has " + strconv.FormatInt(e.Rewarded, 10) +
		" rewarded referrals in " + which + ", the cap is " + strconv.FormatInt(e.Cap, 10)
}

func (e *CapError) Unwrap() error { return ErrCapReached }

// WindowError is an attribution refused by time: the friend joined before
// the campaign's start (ErrAlreadyMember) or is attributed after the window
// (ErrOutsideWindow).
type WindowError struct {
	Friend   string
	JoinedAt time.Time
	// Limit is the campaign's start, or the end of the attribution window.
	Limit time.Time
	At    time.Time
	Err   error
}

func (e *WindowError) Error() string {
	if errors.Is(e.Err, ErrAlreadyMember) {
		return "referral: friend " + strconv.Quote(e.Friend) + " joined at " + e.JoinedAt.Format(time.RFC3339) +
			", before the campaign started at " + e.Limit.Format(time.RFC3339)
	}
	return "referral: friend " + strconv.Quote(e.Friend) + " attributed at " + e.At.Format(time.RFC3339) +
		", after the window closed at " + e.Limit.Format(time.RFC3339)
}

func (e *WindowError) Unwrap() error { return e.Err }

// NotEnrolledError is a write refused, before anything was written,
// because a member it would credit (the friend or the referrer of a
// signup, an ambassador) is not a member of Config.CreditTo's program:
// enrol them there (the shop's own signup), then call again. It unwraps to
// ErrNotEnrolled and loyalty.ErrUnknownMember.
type NotEnrolledError struct {
	Member string
	// Role is "friend", "referrer" or "ambassador".
	Role    string
	Program string
}

func (e *NotEnrolledError) Error() string {
	return "referral: " + e.Role + " " + strconv.Quote(e.Member) + " is not a member of program " + strconv.Quote(e.Program) + ", which the rewards are credited to"
}

func (e *NotEnrolledError) Unwrap() []error { return []error{ErrNotEnrolled, loyalty.ErrUnknownMember} }
