package loyalty

import "github.com/loyaltykit/loyalty/internal/fingerprint"

// A request's fingerprint tells a replay of its idempotency key from a
// reuse; its field prints (idempotency.go) say which field of a reused key
// differs. Both come from one canonical encoding of the request's fields,
// written by internal/fingerprint, which documents it; the functions below
// say which fields each kind of request writes, in which order. The
// encodings must not change: fingerprints and prints are stored with
// receipts.

// orderPrints returns the fingerprint and the field prints of an order from
// one pass over its encoding: each field's print digests the bytes the field
// wrote into the encoding that the fingerprint hashes, so the two agree with
// the fingerprint and the prints of the separate functions they replace.
// Both are slices of one string: an order's prints allocate once.
func orderPrints(o *Order) (fp, fields string) {
	var buf [256]byte
	var pbuf [48]byte
	b := fingerprint.AppendString(buf[:0], "earn")
	p := append(pbuf[:0], "earn:"...)
	m := len(b)
	b = fingerprint.AppendString(b, o.ID)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendString(b, o.MemberID)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendTime(b, o.PlacedAt)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendString(b, string(o.Currency))
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendDecimal(b, o.Discount)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendDecimal(b, o.Shipping)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendDecimal(b, o.Tax)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendInt(b, int64(len(o.Lines)))
	for i := range o.Lines {
		l := &o.Lines[i]
		b = fingerprint.AppendString(b, l.SKU)
		b = fingerprint.AppendString(b, l.Category)
		b = fingerprint.AppendInt(b, l.Quantity)
		b = fingerprint.AppendDecimal(b, l.UnitPrice)
		b = fingerprint.AppendDecimal(b, l.Discount)
	}
	p = fingerprint.AppendPrint(p, b[m:])
	if len(o.Codes) > 0 { // an order without codes prints as it did before orders had them
		m = len(b)
		b = fingerprint.AppendString(b, "codes")
		b = fingerprint.AppendInt(b, int64(len(o.Codes)))
		for _, c := range o.Codes {
			b = fingerprint.AppendString(b, c)
		}
		p = fingerprint.AppendPrint(append(p[:0:0], "earn-codes:"+string(p[len("earn:"):])...), b[m:])
	}
	var obuf [32 + 48]byte
	s := string(append(fingerprint.AppendSum(obuf[:0], b), p...))
	return s[:32], s[32:]
}

func returnFingerprint(r *Return) string {
	var buf [256]byte
	b := fingerprint.AppendString(buf[:0], "return")
	b = fingerprint.AppendString(b, r.ID)
	b = fingerprint.AppendString(b, r.OrderID)
	b = fingerprint.AppendString(b, r.MemberID)
	b = fingerprint.AppendTime(b, r.ReturnedAt)
	b = fingerprint.AppendDecimal(b, r.Amount)
	b = fingerprint.AppendInt(b, int64(len(r.Lines)))
	for _, l := range r.Lines {
		b = fingerprint.AppendString(b, l.SKU)
		b = fingerprint.AppendInt(b, l.Quantity)
	}
	return fingerprint.Sum(b)
}

func redemptionFingerprint(r *Redemption) string {
	var buf [256]byte
	b := fingerprint.AppendString(buf[:0], "redeem")
	b = fingerprint.AppendString(b, r.ID)
	b = fingerprint.AppendString(b, r.MemberID)
	b = fingerprint.AppendString(b, r.OrderID)
	b = fingerprint.AppendDecimal(b, r.Total.Amount)
	b = fingerprint.AppendString(b, string(r.Total.Currency))
	b = fingerprint.AppendInt(b, r.Points)
	b = fingerprint.AppendString(b, string(r.Account))
	return fingerprint.Sum(b)
}

func actionFingerprint(a *Action) string {
	var buf [256]byte
	b := fingerprint.AppendString(buf[:0], "act")
	b = fingerprint.AppendString(b, string(a.Kind))
	b = fingerprint.AppendString(b, a.MemberID)
	b = fingerprint.AppendTime(b, a.At)
	b = fingerprint.AppendString(b, a.Ref)
	b = fingerprint.AppendAttrs(b, a.Data)
	return fingerprint.Sum(b)
}

// actionPrints is actionFingerprint and actionFields from one pass over the
// action's encoding, as orderPrints is for an order: slices of one string.
func actionPrints(a *Action) (fp, fields string) {
	var buf [256]byte
	var pbuf [48]byte
	b := fingerprint.AppendString(buf[:0], "act")
	p := append(pbuf[:0], "act:"...)
	m := len(b)
	b = fingerprint.AppendString(b, string(a.Kind))
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendString(b, a.MemberID)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendTime(b, a.At)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendString(b, a.Ref)
	p, m = fingerprint.AppendPrint(p, b[m:]), len(b)
	b = fingerprint.AppendAttrs(b, a.Data)
	p = fingerprint.AppendPrint(p, b[m:])
	var obuf [32 + 48]byte
	s := string(append(fingerprint.AppendSum(obuf[:0], b), p...))
	return s[:32], s[32:]
}

func memberFingerprint(m *Member) string {
	var buf [256]byte
	b := fingerprint.AppendString(buf[:0], "enroll")
	b = fingerprint.AppendString(b, m.ID)
	b = fingerprint.AppendTime(b, m.JoinedAt)
	b = fingerprint.AppendTime(b, m.Birthday)
	b = fingerprint.AppendInt(b, int64(len(m.Segments)))
	for _, s := range m.Segments {
		b = fingerprint.AppendString(b, s)
	}
	b = fingerprint.AppendAttrs(b, m.Attributes)
	return fingerprint.Sum(b)
}

// partsFingerprint is the partsFingerprint of an operation op with plain string
// parts (the rarer operations).
func partsFingerprint(op string, parts ...string) string {
	var buf [256]byte
	b := fingerprint.AppendString(buf[:0], op)
	b = fingerprint.AppendInt(b, int64(len(parts)))
	for _, s := range parts {
		b = fingerprint.AppendString(b, s)
	}
	return fingerprint.Sum(b)
}
