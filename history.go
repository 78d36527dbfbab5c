package loyalty

import (
	"context"
	"slices"

	"github.com/loyaltykit/loyalty/ledger"
)

// HistoryBefore returns up to limit of a member's entries before cursor
// before, newest first; the zero EntryID starts from the newest entry, and
// a limit ≤ 0 means 100. The next (older) page starts before the ID of the
// last entry returned; History from the same cursor pages forward, oldest
// first, so a statement can move both ways from any entry. It returns
// ErrUnknownMember for a member never enrolled.
//
// It reads through the store's HistoryReverser (every adapter of this
// module has one); for a store without it, it reads the history oldest
// first up to the cursor, which takes time in the length of the history.
func (e *Engine) HistoryBefore(ctx context.Context, memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := checkRequiredID("member_id", memberID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	return historyBefore(ctx, e.store, memberID, before, limit)
}

// historyBefore pages s newest first, through its HistoryReverser if it has
// one.
func historyBefore(ctx context.Context, s Store, memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if r, ok := s.(HistoryReverser); ok {
		return r.HistoryBefore(ctx, memberID, before, limit)
	}
	// Keep the last limit entries before the cursor, in a ring, reading
	// forward; then reverse them.
	ring := make([]ledger.Entry, 0, min(limit, 256))
	next := 0 // where the next entry goes once the ring is full
	var after ledger.EntryID
	for {
		page, err := s.History(ctx, memberID, after, 256)
		if err != nil {
			return nil, err
		}
		done := len(page) == 0
		for _, en := range page {
			if before != (ledger.EntryID{}) && !en.ID.Less(before) {
				done = true
				break
			}
			if len(ring) < limit {
				ring = append(ring, en)
			} else {
				ring[next] = en
				next = (next + 1) % limit
			}
		}
		if done {
			break
		}
		after = page[len(page)-1].ID
	}
	out := append(ring[next:len(ring):len(ring)], ring[:next]...)
	slices.Reverse(out)
	return out, nil
}
