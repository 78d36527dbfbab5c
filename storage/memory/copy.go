package memory

import (
	"maps"
	"slices"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// The store hands out copies and keeps copies of what a caller could still
// change (the receipt Commit returns, the member profile, redemption
// records): nothing a caller holds aliases the store. A receipt is copied
// into one allocation when its parts fit the room of a block, as an earn's
// and most writes' do.

// receiptCopy is a receipt with room for a typical write's entry, balance
// and claim (which fits its size class).
type receiptCopy struct {
	r        loyalty.Receipt
	entries  [1]ledger.Entry
	balances [1]ledger.Balance
	claims   [1]ledger.Claim
}

// receiptCopyExplained has room for an explanation of up to three lines too.
type receiptCopyExplained struct {
	receiptCopy
	expl [3]loyalty.Explanation
}

// keptBlock is what the store keeps of an earn: its receipt and order
// record, with room for the entry, balance, explanation and two lines of a
// typical one, in one allocation (the size of the block the Engine planned
// it in, which the store then does not keep).
type keptBlock struct {
	receiptCopyExplained
	orders [1]ledger.OrderRecord
	lines  [2]ledger.RecordedLine
}

// slab hands out blocks of the receipts and records the store keeps, many
// to an allocation: the store keeps every block as long as it lives, so a
// slab retains nothing blocks apart would not but its room not used yet,
// and costs the allocator once. A program's slabs start at one block and
// double up to slabMax, so a store of a few writes keeps only those.
type slab[T any] struct {
	free []T
	n    int // the length of the last slab
}

const slabMax = 32

func (s *slab[T]) take() *T {
	if len(s.free) == 0 {
		s.n = min(max(2*s.n, 1), slabMax)
		s.free = make([]T, s.n)
	}
	b := &s.free[0]
	s.free = s.free[1:]
	return b
}

// keep returns the copies of c's receipt and order records the store
// keeps: an earn's in a block of the program's earn slab, a receipt with
// no explanation in one of its plain slab. The caller holds s.mu.
func (s *Store) keep(c *loyalty.Change) (*loyalty.Receipt, []ledger.OrderRecord) {
	if len(c.Orders) == 0 {
		r := c.Receipt
		if len(r.Explanation) == 0 {
			return s.plain.take().set(r, nil), nil
		}
		if fitsWide(r) {
			return s.wide.take().set(r), nil
		}
		return cloneReceipt(r), nil
	}
	b := s.earns.take()
	r := b.set(c.Receipt)
	orders := copyInto(b.orders[:0], c.Orders)
	lines := b.lines[:0]
	for i := range orders {
		o := &orders[i]
		if n := len(o.Lines); n <= cap(lines)-len(lines) {
			lines = append(lines, o.Lines...)
			o.Lines = lines[len(lines)-n : len(lines) : len(lines)]
		} else {
			o.Lines = slices.Clone(o.Lines)
		}
		o.Returns = slices.Clone(o.Returns)
		o.Extra = maps.Clone(o.Extra)
		o.ExtraReversed = maps.Clone(o.ExtraReversed)
		o.Codes = slices.Clone(o.Codes)
	}
	return r, orders
}

// wideBlock is a receipt with room for what a write that spends for a
// grant holds (a reward bought with points): two entries and balances, a
// claim, a grant and what paid for it, an explanation line.
type wideBlock struct {
	r        loyalty.Receipt
	entries  [2]ledger.Entry
	balances [2]ledger.Balance
	claims   [1]ledger.Claim
	grants   [1]ledger.Grant
	paid     [1]ledger.Draw
	expl     [1]loyalty.Explanation
}

// fitsWide reports whether r's parts fit a wideBlock's room, and it has a
// grant, two entries or two balances (for less, a smaller block will do).
func fitsWide(r *loyalty.Receipt) bool {
	var w wideBlock
	if len(r.Entries) > len(w.entries) || len(r.Balances) > len(w.balances) || len(r.Claims) > len(w.claims) ||
		len(r.Grants) > len(w.grants) || len(r.Explanation) > len(w.expl) || len(r.Notices) > 0 || r.Redemption != nil {
		return false
	}
	for i := range r.Grants {
		if len(r.Grants[i].Paid) > len(w.paid) {
			return false
		}
	}
	return len(r.Grants) > 0 || len(r.Entries) > 1 || len(r.Balances) > 1
}

// set makes b's receipt a deep copy of r, which fits its room (fitsWide).
func (b *wideBlock) set(r *loyalty.Receipt) *loyalty.Receipt {
	c := &b.r
	*c = *r
	c.Entries = copyInto(b.entries[:0], r.Entries)
	c.Balances = copyInto(b.balances[:0], r.Balances)
	c.Explanation = copyInto(b.expl[:0], r.Explanation)
	c.Claims = copyInto(b.claims[:0], r.Claims)
	c.Grants = copyInto(b.grants[:0], r.Grants)
	for i := range c.Grants {
		c.Grants[i].Paid = copyInto(b.paid[:0], c.Grants[i].Paid)
	}
	c.Notices = slices.Clone(r.Notices)
	return c
}

func (b *receiptCopyExplained) set(r *loyalty.Receipt) *loyalty.Receipt {
	room := b.expl[:0]
	if len(r.Explanation) > len(b.expl) {
		room = nil
	}
	return b.receiptCopy.set(r, room)
}

// set makes b's receipt a deep copy of r, its explanation in room if it fits.
func (b *receiptCopy) set(r *loyalty.Receipt, room []loyalty.Explanation) *loyalty.Receipt {
	c := &b.r
	*c = *r
	c.Entries = copyInto(b.entries[:0], r.Entries)
	c.Balances = copyInto(b.balances[:0], r.Balances)
	c.Explanation = copyInto(room, r.Explanation)
	c.Notices = slices.Clone(r.Notices)
	c.Grants = slices.Clone(r.Grants)
	for i := range c.Grants {
		c.Grants[i].Paid = slices.Clone(c.Grants[i].Paid)
	}
	c.Claims = copyInto(b.claims[:0], r.Claims)
	if r.Redemption != nil {
		c.Redemption = cloneRedemption(r.Redemption)
	}
	return c
}

// copyInto returns a copy of xs in room if it fits there, else apart; nil
// for nil, and an empty slice for an empty one.
func copyInto[T any](room, xs []T) []T {
	switch {
	case xs == nil:
		return nil
	case len(xs) <= cap(room):
		return append(room[:0], xs...)
	}
	return slices.Clone(xs)
}

func cloneRedemption(r *ledger.RedemptionRecord) *ledger.RedemptionRecord {
	c := *r
	c.Draws = slices.Clone(r.Draws)
	return &c
}

func cloneOrder(o *ledger.OrderRecord) ledger.OrderRecord {
	c := *o
	c.Lines = slices.Clone(o.Lines)
	c.Returns = slices.Clone(o.Returns)
	c.Extra = maps.Clone(o.Extra)
	c.ExtraReversed = maps.Clone(o.ExtraReversed)
	c.Codes = slices.Clone(o.Codes)
	return c
}

// cloneMemberInto copies m, its segments in room if they fit and its
// attributes in a map of their own.
func cloneMemberInto(room []string, m *loyalty.Member) loyalty.Member {
	c := *m
	if m.Segments != nil && len(m.Segments) <= cap(room) {
		c.Segments = append(room[:0], m.Segments...)
	} else {
		c.Segments = slices.Clone(m.Segments)
	}
	c.Attributes = maps.Clone(m.Attributes)
	return c
}

// cloneReceipt returns a deep copy of r (rates are immutable and shared),
// in one allocation when its parts fit a block's room.
func cloneReceipt(r *loyalty.Receipt) *loyalty.Receipt {
	if r == nil {
		return nil
	}
	if n := len(r.Explanation); n > 0 && n <= len(receiptCopyExplained{}.expl) {
		b := new(receiptCopyExplained)
		return b.set(r)
	}
	b := new(receiptCopy)
	return b.set(r, nil)
}
