package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage"
)

var _ loyalty.DueLister = (*Store)(nil)

// dueChunk is how many members MembersDue reads under one hold of the
// program's lock, so that writers wait for a chunk, not for a whole scan.
const dueChunk = 1024

// MembersDue implements loyalty.DueLister, in enrolment order (as Members):
// it reads each member's NextDue and open grants after after, not their
// state, so a member with nothing due costs a comparison.
func (s *Store) MembersDue(ctx context.Context, by time.Time, after string, limit int) ([]string, int, error) {
	if err := storage.CheckMember(after); err != nil {
		return nil, 0, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		return nil, 0, nil
	}
	s.mu.RLock()
	start := 0
	if after != "" {
		m, ok := s.members[after]
		if !ok {
			s.mu.RUnlock()
			return nil, 0, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, after)
		}
		start = m.seq + 1
	}
	first := start
	var ids []string
	for start < len(s.order) {
		end := min(start+dueChunk, len(s.order))
		for i, id := range s.order[start:end] {
			if s.members[id].dueBy(by) {
				ids = append(ids, id)
				if len(ids) == limit {
					s.mu.RUnlock()
					return ids, start + i + 1 - first, nil
				}
			}
		}
		start = end
		// Members are only ever appended to s.order, so start stays valid
		// while writers commit in between.
		s.mu.RUnlock()
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		s.mu.RLock()
	}
	s.mu.RUnlock()
	return ids, start - first, nil
}

// dueBy reports whether a lot of m activates or expires, or an open grant
// of m expires, at or before by.
func (m *member) dueBy(by time.Time) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.nextDue.IsZero() && !m.nextDue.After(by) {
		return true
	}
	for i := range m.grants.list {
		g := &m.grants.list[i]
		if g.Status == loyalty.GrantOpen && !g.ExpiresAt.IsZero() && !g.ExpiresAt.After(by) {
			return true
		}
	}
	return false
}
