package storage

import (
	"strings"
	"unicode/utf8"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// checkTexts refuses a change holding text a store could not give back
// byte for byte: a string that is not valid UTF-8, or holds NUL, in an
// entry, the receipt (its explanation, notices and redemption), an order or
// redemption record, a lot or the member profile. PostgreSQL's text refuses
// both, and JSON, in which the SQL stores keep receipts and records, would
// replace invalid bytes with U+FFFD; so every store refuses them, alike,
// before it writes, rather than return a receipt that differs from the one
// committed. The error unwraps to loyalty.ErrInvalidEvent.
func checkTexts(c *loyalty.Change) error {
	var t texts
	for i := range c.Entries {
		e := &c.Entries[i]
		t.add("entries.text", string(e.Account), string(e.Kind), e.Key, e.Source, e.Ref, e.Rate, e.Note)
	}
	for i := range c.Lots {
		t.add("lots.text", string(c.Lots[i].Account), c.Lots[i].Ref)
	}
	for i := range c.Counters {
		t.add("counters.text", c.Counters[i].Name, c.Counters[i].PeriodKey)
	}
	for i := range c.Orders {
		o := &c.Orders[i]
		t.add("orders.text", o.ID, o.MemberID, string(o.Currency))
		for _, r := range o.Returns {
			t.add("orders.returns", r)
		}
		for j := range o.Lines {
			t.add("orders.lines.sku", o.Lines[j].SKU)
		}
		for a := range o.Extra {
			t.add("orders.extra", string(a))
		}
		for a := range o.ExtraReversed {
			t.add("orders.extra", string(a))
		}
	}
	for i := range c.Redemptions {
		t.redemption(&c.Redemptions[i])
	}
	for i := range c.Balances {
		t.add("balances.account", string(c.Balances[i].Account))
	}
	for i := range c.Grants {
		t.grant("grants.text", &c.Grants[i])
	}
	for i := range c.Codes {
		k := &c.Codes[i]
		t.add("codes.text", k.Kind, k.Ref)
	}
	if m := c.Member; m != nil {
		t.add("member.id", m.ID)
		for _, s := range m.Segments {
			t.add("member.segments", s)
		}
		for k, v := range m.Attributes {
			t.add("member.attributes", k, v)
		}
	}
	if r := c.Receipt; r != nil {
		t.add("receipt.text", r.Key, r.Fingerprint, r.FieldPrints, r.MemberID, string(r.Operation), r.Ref)
		if !sameEntries(r.Entries, c.Entries) {
			for i := range r.Entries {
				e := &r.Entries[i]
				t.add("receipt.entries.text", string(e.Account), string(e.Kind), e.Key, e.Source, e.Ref, e.Rate, e.Note, e.MemberID)
			}
		}
		for i := range r.Explanation {
			x := &r.Explanation[i]
			t.add("receipt.explanation.text", x.Rule, string(x.Account), x.Note, string(x.Currency))
		}
		for i := range r.Grants {
			t.grant("receipt.grants.text", &r.Grants[i])
		}
		for i := range r.Notices {
			n := &r.Notices[i]
			t.add("receipt.notices.text", n.Rule, string(n.Kind), n.Detail, n.From, n.To)
		}
		if r.Redemption != nil {
			t.redemption(r.Redemption)
		}
	}
	if t.bad != "" {
		return &loyalty.ValidationError{Field: t.bad, Reason: "holds text that is not valid UTF-8 or holds NUL, which no store keeps exactly", Kind: loyalty.ErrInvalidEvent}
	}
	return nil
}

// texts remembers the first field with bad text.
type texts struct{ bad string }

func (t *texts) add(field string, ss ...string) {
	if t.bad != "" {
		return
	}
	for _, s := range ss {
		if !okText(s) {
			t.bad = field
			return
		}
	}
}

// okText reports whether s is valid UTF-8 without NUL, in one pass over
// ASCII: eight bytes at a time while they are ASCII without NUL, as most
// text is (keys, fingerprints, rates), then byte by byte.
func okText(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte at or above 0x80, or (the classic test) one that is zero.
		if w&highs != 0 || (w-ones)&^w&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0:
			return false
		case c >= utf8.RuneSelf:
			return utf8.ValidString(s[i:]) && strings.IndexByte(s[i:], 0) < 0
		}
	}
	return true
}

func (t *texts) redemption(r *ledger.RedemptionRecord) {
	t.add("redemptions.text", r.ID, r.MemberID, r.OrderID, string(r.Account), string(r.Value.Currency))
}

// sameEntries reports whether a and b are one array (a receipt's entries are
// the change's, as the Engine plans them).
func sameEntries(a, b []ledger.Entry) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func (t *texts) grant(field string, g *ledger.Grant) {
	t.add(field, g.ID, g.MemberID, g.Reward, g.Code, string(g.Value.Currency), string(g.Status), g.Source, g.Ref, g.Note)
}
