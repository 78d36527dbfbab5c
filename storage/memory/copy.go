package memory

import (
	"maps"
	"slices"

	"github.com/loyaltykit/loyalty"
)

// The store hands out copies and keeps copies of what a caller could still
// change (the receipt Commit returns, the member profile, redemption
// records): nothing a caller holds aliases the store. A receipt is copied
// into one allocation when its parts fit the room of a block, as an earn's
// and most writes' do.

// receiptCopy is a receipt with room for a typical write's entry and balance.
type receiptCopy struct {
	r        loyalty.Receipt
	entries  [1]loyalty.Entry
	balances [1]loyalty.Balance
}

// receiptCopyExplained has room for an explanation of up to three lines too.
type receiptCopyExplained struct {
	receiptCopy
	expl [3]loyalty.Explanation
}

// cloneReceipt returns a deep copy of r (rates are immutable and shared).
func cloneReceipt(r *loyalty.Receipt) *loyalty.Receipt {
	if r == nil {
		return nil
	}
	var b *receiptCopy
	var expl []loyalty.Explanation
	if n := len(r.Explanation); n > 0 && n <= len(receiptCopyExplained{}.expl) {
		eb := new(receiptCopyExplained)
		b, expl = &eb.receiptCopy, eb.expl[:0:n]
	} else {
		b = new(receiptCopy)
	}
	c := &b.r
	*c = *r
	c.Entries = copyInto(b.entries[:0], r.Entries)
	c.Balances = copyInto(b.balances[:0], r.Balances)
	c.Explanation = copyInto(expl, r.Explanation)
	c.Notices = slices.Clone(r.Notices)
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

func cloneRedemption(r *loyalty.RedemptionRecord) *loyalty.RedemptionRecord {
	c := *r
	c.Draws = slices.Clone(r.Draws)
	return &c
}

func cloneOrder(o *loyalty.OrderRecord) loyalty.OrderRecord {
	c := *o
	c.Lines = slices.Clone(o.Lines)
	c.Returns = slices.Clone(o.Returns)
	c.Extra = maps.Clone(o.Extra)
	c.ExtraReversed = maps.Clone(o.ExtraReversed)
	return c
}

func cloneMember(m *loyalty.Member) loyalty.Member {
	c := *m
	c.Segments = slices.Clone(m.Segments)
	c.Attributes = maps.Clone(m.Attributes)
	return c
}
