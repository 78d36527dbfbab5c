package loyalty

import (
	"context"
	"errors"
	"strconv"

	"github.com/loyaltykit/loyalty/internal/fingerprint"
)

// Whether a repeated idempotency key is a replay (the same request: return
// the first receipt) or a reuse (another request: refuse it) is decided here,
// by the Engine alone. A Store only reports that a key was committed, with
// the receipt it keeps (KeyCommittedError); it never compares fingerprints.

// KeyCommittedError is what Store.Commit returns, writing nothing, for a
// change whose Key was committed before: Receipt is that earlier write's
// receipt, with its Fingerprint and FieldPrints, as Store.Receipt returns it.
// The Engine turns it into a replay (the first receipt, Replayed set) or a
// *KeyReusedError; a host calling the Engine never sees it.
type KeyCommittedError struct {
	Receipt *Receipt
}

func (e *KeyCommittedError) Error() string {
	if e.Receipt == nil {
		return "loyalty: key was committed before"
	}
	return "loyalty: key " + strconv.Quote(e.Receipt.Key) + " was committed before"
}

// KeyReusedError reports an idempotency key that was committed for another
// request; nothing was written. It Is ErrKeyReused. Field names the first
// field of the request that differs from the committed one, as
// ValidationError names fields ("placed_at", "lines", "points"); it is
// "operation" when the key was committed by another kind of write, and empty
// when the Engine cannot tell (a receipt committed before receipts kept the
// digests of their request's fields, or two digests that happen to match).
//
// A host that fills a missing field with a value of its own on every try
// (placed_at defaulted to now) turns each retry into this error; Field says
// which value to keep stable.
type KeyReusedError struct {
	Key   string
	Field string
}

func (e *KeyReusedError) Error() string {
	s := "loyalty: idempotency key " + strconv.Quote(e.Key) + " reused with a different payload"
	if e.Field != "" {
		s += ": " + e.Field + " differs"
	}
	return s
}

// Is reports whether target is ErrKeyReused.
func (e *KeyReusedError) Is(target error) bool { return target == ErrKeyReused }

// replay returns what a write of key, for the request with fingerprint fp
// and field prints fields, returns when its planning failed: the receipt
// committed under key if it was for the same request (so a replay returns
// the first receipt even when the request would no longer plan), a
// *KeyReusedError if it was for another, and nil, nil if key is not
// committed. unknown says that one of this write's commits had an unknown
// outcome.
func (e *Engine) replay(ctx context.Context, key, fp, fields string, unknown bool) (*Receipt, error) {
	r, err := e.store.Receipt(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return e.keyCommitted(ctx, key, fp, fields, r, unknown)
}

// keyCommitted decides what a write of key, for the request with fingerprint
// fp and field prints fields, returns when it finds key committed with
// receipt r (from Store.Receipt or a *KeyCommittedError): r when the
// requests match, else a *KeyReusedError naming the first field that
// differs. A match is a replay, Replayed, unless one of this write's commits
// had an unknown outcome: then it is that commit, found committed, and
// AfterCommit hears of it now.
func (e *Engine) keyCommitted(ctx context.Context, key, fp, fields string, r *Receipt, unknown bool) (*Receipt, error) {
	if r.Fingerprint != fp {
		return nil, &KeyReusedError{Key: key, Field: differingField(fields, r)}
	}
	if unknown {
		e.notify(ctx, r)
		return r, nil
	}
	// A store returns a receipt of its own making, never one it keeps:
	// setting the flag on it changes nothing stored.
	r.Replayed = true
	return r, nil
}

// Field prints: a request's field prints are the name of its kind, a colon,
// and then two characters for each of its fields, in the order fieldKinds
// names them: 12 bits of a digest of the field's canonical encoding (the one
// its fingerprint hashes). They are kept with the receipt, so that a key
// reused for another request can say which field differs; unlike the
// fingerprint, they are no proof that two requests are the same.

type fieldKind struct {
	kind   string
	op     Operation
	fields []string
}

// fieldKinds are the kinds of request and the fields they print. Changing a
// kind's fields means giving it a new kind name ("earn2"), so that prints
// kept with older receipts are not read by the new list.
var fieldKinds = []fieldKind{
	{"earn", OpEarn, []string{"id", "member_id", "placed_at", "currency", "discount", "shipping", "tax", "lines"}},
	{"earn-codes", OpEarn, []string{"id", "member_id", "placed_at", "currency", "discount", "shipping", "tax", "lines", "codes"}}, // an order presenting codes
	{"return", OpReturn, []string{"id", "order_id", "member_id", "returned_at", "amount", "lines"}},
	{"redeem", OpRedeem, []string{"id", "member_id", "order_id", "total", "points", "account", "up_to"}},
	{"act", OpAct, []string{"kind", "member_id", "at", "ref", "data"}},
	{"enroll", OpEnroll, []string{"id", "joined_at", "birthday", "segments", "attributes"}},
	{"adjust", OpAdjust, []string{"member_id", "points", "note"}},
	{"settle", OpSettle, []string{"member_id"}},
	{"cancel", OpCancel, []string{"member_id", "redemption_id"}},
	{"jobs-settle", OpSettle, []string{"member_id", "expire"}},
	{"jobs-expire-grants", OpSettle, []string{"member_id"}},
	{"refund-grant", OpCancel, []string{"member_id", "grant_id"}},
}

func fieldKindOf(kind string) *fieldKind {
	for i := range fieldKinds {
		if fieldKinds[i].kind == kind {
			return &fieldKinds[i]
		}
	}
	return nil
}

// splitPrints splits field prints into their kind and digests.
func splitPrints(p string) (kind, digests string) {
	for i := 0; i < len(p); i++ {
		if p[i] == ':' {
			return p[:i], p[i+1:]
		}
	}
	return "", ""
}

// differingField names the first field in which the request of field prints
// fields differs from that of the committed receipt r, or "" when it cannot
// tell.
func differingField(fields string, r *Receipt) string {
	kind, mine := splitPrints(fields)
	k := fieldKindOf(kind)
	if k == nil {
		return ""
	}
	if r.Operation != k.op {
		return "operation"
	}
	theirKind, theirs := splitPrints(r.FieldPrints)
	if theirKind != kind {
		return "" // kept before field prints, or by another version's list
	}
	for i, name := range k.fields {
		j := 2 * i
		if j+2 > len(mine) || j+2 > len(theirs) {
			return ""
		}
		if mine[j:j+2] != theirs[j:j+2] {
			return name
		}
	}
	return ""
}

// The field prints of each kind of request, field for field as its
// fingerprint (fingerprint.go) writes it; an order's come with its
// fingerprint from orderPrints.

func returnFields(r *Return) string {
	var out [48]byte
	var enc [256]byte
	p := append(out[:0], "return:"...)
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], r.ID))
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], r.OrderID))
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], r.MemberID))
	p = fingerprint.AppendPrint(p, fingerprint.AppendTime(enc[:0], r.ReturnedAt))
	p = fingerprint.AppendPrint(p, fingerprint.AppendDecimal(enc[:0], r.Amount))
	b := fingerprint.AppendInt(enc[:0], int64(len(r.Lines)))
	for _, l := range r.Lines {
		b = fingerprint.AppendString(b, l.SKU)
		b = fingerprint.AppendInt(b, l.Quantity)
	}
	p = fingerprint.AppendPrint(p, b)
	return string(p)
}

func redemptionFields(r *Redemption) string {
	var out [48]byte
	var enc [256]byte
	p := append(out[:0], "redeem:"...)
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], r.ID))
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], r.MemberID))
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], r.OrderID))
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(fingerprint.AppendDecimal(enc[:0], r.Total.Amount), string(r.Total.Currency)))
	p = fingerprint.AppendPrint(p, fingerprint.AppendInt(enc[:0], r.Points))
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], string(r.Account)))
	upTo := int64(0)
	if r.UpTo {
		upTo = 1
	}
	p = fingerprint.AppendPrint(p, fingerprint.AppendInt(enc[:0], upTo))
	return string(p)
}

func actionFields(a *Action) string {
	var out [48]byte
	var enc [256]byte
	p := append(out[:0], "act:"...)
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], string(a.Kind)))
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], a.MemberID))
	p = fingerprint.AppendPrint(p, fingerprint.AppendTime(enc[:0], a.At))
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], a.Ref))
	p = fingerprint.AppendPrint(p, fingerprint.AppendAttrs(enc[:0], a.Data))
	return string(p)
}

func memberFields(m *Member) string {
	var out [48]byte
	var enc [256]byte
	p := append(out[:0], "enroll:"...)
	p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], m.ID))
	p = fingerprint.AppendPrint(p, fingerprint.AppendTime(enc[:0], m.JoinedAt))
	p = fingerprint.AppendPrint(p, fingerprint.AppendTime(enc[:0], m.Birthday))
	b := fingerprint.AppendInt(enc[:0], int64(len(m.Segments)))
	for _, s := range m.Segments {
		b = fingerprint.AppendString(b, s)
	}
	p = fingerprint.AppendPrint(p, b)
	p = fingerprint.AppendPrint(p, fingerprint.AppendAttrs(enc[:0], m.Attributes))
	return string(p)
}

// partFields are the field prints of a rarer request of kind with plain
// string parts, one per field of its kind, as fingerprint writes them.
func partFields(kind string, parts ...string) string {
	var out [48]byte
	var enc [256]byte
	p := append(append(out[:0], kind...), ':')
	for _, s := range parts {
		p = fingerprint.AppendPrint(p, fingerprint.AppendString(enc[:0], s))
	}
	return string(p)
}
