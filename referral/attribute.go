package referral

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// Signup is a friend signing up with a referral code.
type Signup struct {
	Friend string
	Code   string
	// JoinedAt is when the friend joined the shop (their enrolment in the
	// points program): qualifying orders count from it, and the attribution
	// must come within the Window after it.
	JoinedAt time.Time
	// Fingerprints of the friend, compared (hashed) with the referrer's and
	// then remembered.
	Fingerprints []Fingerprint
	// Review holds the referral's rewards until the host approves it.
	Review bool
}

// Attribution is an accepted signup: who referred the friend, and what the
// welcome gave.
type Attribution struct {
	Friend, Referrer, Code string
	// Review is set when the referral waits for the host's review.
	Review bool
	// Welcome is the receipt of the welcome points and coupon (Grants,
	// with the code): of the write in Config.CreditTo's ledger when it is
	// set (a retry returns it again, Replayed), else of the friend's
	// enrolment in the referral program (nil on a retry).
	Welcome *loyalty.Receipt
}

// Attribute attributes a friend to the referrer of s.Code, once, and gives
// the friend the welcome incentive. It refuses, writing nothing:
//   - a malformed signup (*loyalty.ValidationError), a code it cannot
//     resolve (see Resolve);
//   - a self-referral, by member ID or by a fingerprint the referrer holds
//     (*FraudError, ErrSelfReferral), and the velocity check (*FraudError,
//     ErrVelocity: more than Velocity.Max signups on the code in a period);
//   - a friend who joined the shop before the campaign's Start or is in
//     the referral program already as a referrer (ErrAlreadyMember, a
//     *WindowError for the first), an attribution after the Window
//     (*WindowError, ErrOutsideWindow), a friend referred before
//     (ErrAlreadyReferred);
//   - with Config.CreditTo, a friend or referrer who is not a member of that
//     program (*NotEnrolledError, ErrNotEnrolled).
//
// It writes the friend's enrolment (the attribution itself, with the welcome
// and the velocity claim, all or nothing; with CreditTo the welcome is a
// second write, in that program's ledger, keyed from the friend), then the friend's fingerprints and
// a signup on the referrer's own ledger with its index code (for the
// statement). The referrer's write is keyed from the friend, so after a crash
// between them calling Attribute again with the same signup completes it and
// returns the same attribution: the friend's enrolment is found and not
// repeated.
func (p *Program) Attribute(ctx context.Context, s Signup) (*Attribution, error) {
	if err := checkMember("signup.friend", s.Friend); err != nil {
		return nil, err
	}
	if err := loyalty.CheckCode(s.Code); err != nil {
		return nil, err
	}
	if s.JoinedAt.IsZero() {
		return nil, &loyalty.ValidationError{Field: "signup.joined_at", Reason: "is zero", Kind: loyalty.ErrInvalidEvent}
	}
	if err := checkPrints(s.Fingerprints); err != nil {
		return nil, err
	}
	referrer, err := p.Resolve(ctx, s.Code)
	if err != nil {
		return nil, err
	}
	if referrer == s.Friend {
		return nil, &FraudError{Check: CheckSameMember, Referrer: referrer, Friend: s.Friend, Err: ErrSelfReferral}
	}
	st, err := p.engine.Member(ctx, s.Friend)
	switch {
	case err == nil:
		if st.Member.Attributes[attrReferrer] == referrer && st.Member.Attributes[attrCode] == s.Code {
			return p.finishAttribution(ctx, s, referrer, st.Member.Attributes["review"] == "pending", nil) // a retry
		}
		if st.Member.Attributes[attrReferrer] != "" {
			return nil, ErrAlreadyReferred
		}
		return nil, ErrAlreadyMember
	case !errors.Is(err, loyalty.ErrUnknownMember):
		return nil, err
	}
	now := p.engine.Now()
	joined := s.JoinedAt.UTC().Truncate(time.Microsecond)
	if !p.cfg.Start.IsZero() && joined.Before(p.cfg.Start) {
		return nil, &WindowError{Friend: s.Friend, JoinedAt: joined, Limit: p.cfg.Start, At: now, Err: ErrAlreadyMember}
	}
	if end := joined.Add(p.window); now.After(end) {
		return nil, &WindowError{Friend: s.Friend, JoinedAt: joined, Limit: end, At: now, Err: ErrOutsideWindow}
	}
	for _, f := range s.Fingerprints {
		c, ok, err := p.lookup(ctx, p.printCode(f))
		if err != nil {
			return nil, err
		}
		if ok && c.Owner == referrer {
			return nil, &FraudError{Check: CheckFingerprint, Referrer: referrer, Friend: s.Friend, Kind: f.Kind, Err: ErrSelfReferral}
		}
	}
	if err := p.inCredit(ctx, "friend", s.Friend); err != nil {
		return nil, err
	}
	if err := p.inCredit(ctx, "referrer", referrer); err != nil {
		return nil, err
	}
	review := s.Review || (p.cfg.Review != nil && p.cfg.Review(s))
	attrs := map[string]string{attrReferrer: referrer, attrCode: s.Code}
	if review {
		attrs["review"] = "pending"
	}
	m := loyalty.Member{ID: s.Friend, JoinedAt: joined, Attributes: attrs}
	r, err := p.engine.Enroll(ctx, "referral/attribute/"+s.Friend, m)
	if errors.Is(err, loyalty.ErrUnknownCounter) {
		// A code reserved before the program had a velocity limit: define it.
		if err := p.defineVelocity(ctx, s.Code); err != nil {
			return nil, err
		}
		r, err = p.engine.Enroll(ctx, "referral/attribute/"+s.Friend, m)
	}
	var ce *loyalty.ClaimError
	switch {
	case errors.As(err, &ce) && errors.Is(err, loyalty.ErrLimitReached):
		return nil, &FraudError{Check: CheckVelocity, Referrer: referrer, Friend: s.Friend, Limit: p.cfg.Velocity.Max, Period: ce.PeriodKey, Err: ErrVelocity}
	case errors.Is(err, loyalty.ErrDuplicate), errors.Is(err, loyalty.ErrKeyReused):
		return nil, ErrAlreadyReferred // a concurrent attribution won
	case err != nil:
		return nil, err
	}
	return p.finishAttribution(ctx, s, referrer, review, r)
}

// finishAttribution writes what follows the friend's enrolment: their
// fingerprints, the referrer's enrolment (once) and the signup on the
// referrer's ledger, with its index code. Each step is idempotent.
func (p *Program) finishAttribution(ctx context.Context, s Signup, referrer string, review bool, welcome *loyalty.Receipt) (*Attribution, error) {
	if p.credits() && (p.cfg.Welcome.Points > 0 || p.cfg.Welcome.Coupon != "") {
		w, err := p.credit.Act(ctx, p.creditKey("welcome", s.Friend), &loyalty.Action{Kind: actWelcome, MemberID: s.Friend,
			At: s.JoinedAt.UTC().Truncate(time.Microsecond), Ref: s.Friend, Data: map[string]string{"referrer": referrer}})
		if err != nil {
			return nil, fmt.Errorf("referral: the welcome in program %s: %w", p.credit.Program().ProgramID(), err)
		}
		welcome = w
	}
	if err := p.Remember(ctx, s.Friend, s.Fingerprints...); err != nil {
		return nil, err
	}
	if err := p.enroll(ctx, referrer); err != nil {
		return nil, err
	}
	r, err := p.engine.Act(ctx, "referral/signup/"+s.Friend, &loyalty.Action{Kind: actSignup, MemberID: referrer, At: s.JoinedAt, Ref: s.Friend})
	if err != nil {
		return nil, err
	}
	n := ""
	for _, nt := range r.Notices {
		if nt.Kind == NoticeSignup {
			n = nt.Detail
		}
	}
	if err := p.putIndex(ctx, ledger.Code{Code: p.index("s", referrer, n), Kind: kindSignupIndex, Owner: s.Friend, Ref: referrer}); err != nil {
		return nil, err
	}
	return &Attribution{Friend: s.Friend, Referrer: referrer, Code: s.Code, Review: review, Welcome: welcome}, nil
}

// enroll enrols member in the referral program (a referrer's ledger), once.
func (p *Program) enroll(ctx context.Context, member string) error {
	_, err := p.engine.Enroll(ctx, "referral/member/"+member, loyalty.Member{ID: member})
	if errors.Is(err, loyalty.ErrDuplicate) {
		return nil // enrolled already, as a friend or before
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func isUnknown(err error) bool { return errors.Is(err, loyalty.ErrUnknownMember) }
