package referral

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// CodeKind is the ledger.Code.Kind of referral codes.
const CodeKind = "referral"

// Kinds of the package's own index codes, kept in the unique-codes table
// under codes starting with '~' (never a referral code: '~' is not in
// loyalty.CodeAlphabet and vanity codes may not start with it).
const (
	kindFingerprint = "referral.fingerprint" // Owner holds this hashed fingerprint
	kindSignupIndex = "referral.signup"      // the n-th friend of a referrer
	kindQualified   = "referral.qualified"   // a friend's qualifying order (Ref)
	kindOutcome     = "referral.outcome"     // why a qualified referral was not rewarded (Ref)
	kindSale        = "referral.sale"        // the ambassador an order was attributed to
)

// mac is HMAC-SHA256 of the program's secret over the parts, length-prefixed.
func (p *Program) mac(parts ...string) []byte {
	h := hmac.New(sha256.New, p.cfg.Secret)
	var n [binary.MaxVarintLen64]byte
	h.Write([]byte(p.cfg.ID))
	for _, s := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	return h.Sum(nil)
}

// index is the index code of kind for the parts: '~', a letter, 32 hex
// digits of the keyed hash.
func (p *Program) index(letter string, parts ...string) string {
	return "~" + letter + hex.EncodeToString(p.mac(append([]string{letter}, parts...)...)[:16])
}

// CodeFor returns member's referral code, reserving it on the first call:
// CodePrefix and CodeLength characters of loyalty.CodeAlphabet drawn from a
// keyed hash (HMAC-SHA256 with the program's Secret) of the member ID, so
// the code is the same on every call and every store, and cannot be guessed
// without the secret. Calling it again, or after a crash, is safe. It also
// defines the code's velocity counter. The member need not be enrolled in
// the referral program.
func (p *Program) CodeFor(ctx context.Context, member string) (ledger.Code, error) {
	if err := checkMember("member", member); err != nil {
		return ledger.Code{}, err
	}
	for attempt := 0; attempt < 8; attempt++ {
		code := p.codeOf(member, attempt)
		c, err := p.engine.Code(ctx, code)
		switch {
		case err == nil && c.Kind == CodeKind && c.Owner == member:
			return c, nil
		case err == nil:
			continue // a collision with another's code: draw again
		case !errors.Is(err, loyalty.ErrUnknownCode):
			return ledger.Code{}, err
		}
		if err := p.defineVelocity(ctx, code); err != nil {
			return ledger.Code{}, err
		}
		c = ledger.Code{Code: code, Kind: CodeKind, Owner: member}
		if err := p.engine.ReserveCode(ctx, c); err != nil {
			if !errors.Is(err, loyalty.ErrCodeTaken) {
				return ledger.Code{}, err
			}
			// Taken meanwhile: by this member (a concurrent call) or a collision.
			if got, gerr := p.engine.Code(ctx, code); gerr == nil && got.Kind == CodeKind && got.Owner == member {
				return got, nil
			}
			continue
		}
		return p.engine.Code(ctx, code)
	}
	return ledger.Code{}, fmt.Errorf("referral: no free code for member %q after 8 draws", member)
}

// Vanity reserves code (an ambassador's "ANNA10") as member's referral code,
// beside the one CodeFor gives. A code the program holds already is a
// *loyalty.CodeError wrapping loyalty.ErrCodeTaken; one starting with '~'
// is ErrReservedCode.
func (p *Program) Vanity(ctx context.Context, member, code string) error {
	if err := checkMember("member", member); err != nil {
		return err
	}
	if err := loyalty.CheckCode(code); err != nil {
		return err
	}
	if strings.HasPrefix(code, "~") {
		return fmt.Errorf("%w: %q", ErrReservedCode, code)
	}
	if err := p.defineVelocity(ctx, code); err != nil {
		return err
	}
	return p.engine.ReserveCode(ctx, ledger.Code{Code: code, Kind: CodeKind, Owner: member})
}

func (p *Program) defineVelocity(ctx context.Context, code string) error {
	if p.cfg.Velocity.Max == 0 {
		return nil
	}
	return p.engine.SetLimit(ctx, velocityCounter(code), p.cfg.Velocity.Max)
}

// codeOf is member's code of draw attempt: each character from two bytes
// of the keyed hash, modulo the alphabet (a bias below 0.05%).
func (p *Program) codeOf(member string, attempt int) string {
	b := make([]byte, 0, len(p.cfg.CodePrefix)+p.cfg.CodeLength)
	b = append(b, p.cfg.CodePrefix...)
	var sum []byte
	for i := 0; i < p.cfg.CodeLength; i++ {
		if i%16 == 0 {
			sum = p.mac("code", member, strconv.Itoa(attempt), strconv.Itoa(i/16))
		}
		v := binary.BigEndian.Uint16(sum[2*(i%16):])
		b = append(b, loyalty.CodeAlphabet[int(v)%len(loyalty.CodeAlphabet)])
	}
	return string(b)
}

// Resolve returns the referrer whose referral code code is. A code that is
// malformed is a *loyalty.ValidationError (loyalty.ErrInvalidCode); one the
// program does not hold (of another program, say) loyalty.ErrUnknownCode;
// a coupon or other code ErrNotReferralCode; a void one loyalty.ErrCodeVoid;
// an expired one loyalty.ErrCodeUsedUp.
func (p *Program) Resolve(ctx context.Context, code string) (string, error) {
	if strings.HasPrefix(code, "~") {
		if err := loyalty.CheckCode(code); err != nil {
			return "", err
		}
		return "", &loyalty.CodeError{Code: code, Err: loyalty.ErrUnknownCode}
	}
	c, err := p.engine.Code(ctx, code)
	if err != nil {
		return "", err
	}
	return p.owner(c)
}

func (p *Program) owner(c ledger.Code) (string, error) {
	switch {
	case c.Kind != CodeKind:
		return "", fmt.Errorf("%w: %q is a %s code", ErrNotReferralCode, c.Code, c.Kind)
	case c.Void:
		return "", &loyalty.CodeError{Code: c.Code, Err: loyalty.ErrCodeVoid}
	case !c.ExpiresAt.IsZero() && !p.engine.Now().Before(c.ExpiresAt):
		return "", &loyalty.CodeError{Code: c.Code, Err: loyalty.ErrCodeUsedUp}
	}
	return c.Owner, nil
}

// Link is the share link of code: base with the query parameter param
// ("ref" when empty) set to the code, e.g. https://shop.example/join?ref=K7M2QX9P.
func Link(base, param, code string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("referral: share link base: %w", err)
	}
	if param == "" {
		param = "ref"
	}
	q := u.Query()
	q.Set(param, code)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Fingerprint is something that identifies a person across accounts,
// supplied by the host: Kind "email", "phone", "device", "payment",
// "address", and the Value (normalise it first: lower-case emails, E.164
// phones). Only a keyed hash of it is stored (HMAC-SHA256 with the
// program's Secret), never the value.
type Fingerprint struct {
	Kind  string
	Value string
}

func checkPrints(fps []Fingerprint) error {
	for i, f := range fps {
		field := "fingerprints[" + strconv.Itoa(i) + "]"
		if f.Kind == "" || f.Value == "" {
			return &loyalty.ValidationError{Field: field, Reason: "needs a kind and a value", Kind: loyalty.ErrInvalidEvent}
		}
		if err := loyalty.CheckID(field+".kind", f.Kind); err != nil {
			return err
		}
	}
	return nil
}

func (p *Program) printCode(f Fingerprint) string { return p.index("f", f.Kind, f.Value) }

// Remember stores member's fingerprints, hashed, so that a friend sharing
// one is refused as a self-referral of member. A fingerprint that another
// member's account holds already stays theirs. Safe to call again.
func (p *Program) Remember(ctx context.Context, member string, fps ...Fingerprint) error {
	if err := checkMember("member", member); err != nil {
		return err
	}
	if err := checkPrints(fps); err != nil {
		return err
	}
	for _, f := range fps {
		err := p.engine.ReserveCode(ctx, ledger.Code{Code: p.printCode(f), Kind: kindFingerprint, Owner: member})
		if err != nil && !errors.Is(err, loyalty.ErrCodeTaken) {
			return err
		}
	}
	return nil
}

// putIndex reserves an index code, tolerating one reserved before with the
// same owner and ref (a retry after a crash).
func (p *Program) putIndex(ctx context.Context, c ledger.Code) error {
	err := p.engine.ReserveCode(ctx, c)
	if errors.Is(err, loyalty.ErrCodeTaken) {
		got, gerr := p.engine.Code(ctx, c.Code)
		if gerr == nil && got.Owner == c.Owner && got.Ref == c.Ref {
			return nil
		}
	}
	return err
}

// lookup returns an index code, ok false when there is none.
func (p *Program) lookup(ctx context.Context, code string) (ledger.Code, bool, error) {
	c, err := p.engine.Code(ctx, code)
	if errors.Is(err, loyalty.ErrUnknownCode) {
		return ledger.Code{}, false, nil
	}
	return c, err == nil, err
}

func checkMember(field, id string) error {
	if id == "" {
		return &loyalty.ValidationError{Field: field, Reason: "is empty", Kind: loyalty.ErrInvalidID}
	}
	return loyalty.CheckID(field, id)
}
