package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage"
)

var _ loyalty.DueLister = (*Store)(nil)

// dueSlot is what the due index keeps in a member: the earliest instant
// something of the member falls due (its NextDue or an open grant's
// ExpiresAt; zero for nothing), the member's ID and its place in the heap.
type dueSlot struct {
	at  time.Time
	id  string
	pos int // in dueIndex.heap, when at is not zero
}

// dueIndex orders a program's members by the instant their next lot or
// grant falls due (a min-heap of those with something due at all), so that
// MembersDue reads the members due, not every member. It has a lock of its
// own, taken after a member's (noteDue runs under the member's lock) and
// never before one.
type dueIndex struct {
	mu   sync.Mutex
	heap []dueEntry
	// The members due by cacheBy, in enrolment order, when cached: RunJobs
	// pages through one listing at one instant. A member that falls due by
	// cacheBy after it was built drops it; one that no longer is due stays
	// listed (MembersDue may list a member with nothing due any more).
	cacheBy time.Time
	cache   []*member
	cached  bool
}

// dueEntry is a member in the due index's heap, with the instant it falls
// due beside it (as seconds and nanoseconds of the Unix epoch, which order
// as the instants do), so ordering the heap reads the heap, not the members.
type dueEntry struct {
	sec  int64
	nsec int32
	m    *member
}

func newDueEntry(m *member) dueEntry {
	return dueEntry{sec: m.due.at.Unix(), nsec: int32(m.due.at.Nanosecond()), m: m}
}

// noteDue updates the due index after a change to m (id) was applied; m's
// lock is held.
func (s *Store) noteDue(id string, m *member) {
	var at time.Time
	if !m.nextDue.IsZero() {
		at = m.nextDue
	}
	if g := m.grants.nextExpiry(); !g.IsZero() && (at.IsZero() || g.Before(at)) {
		at = g // kept by the grant set: no walk of every grant per commit
	}
	x := &s.dueIdx
	old := m.due.at
	if old.Equal(at) && old.IsZero() == at.IsZero() {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	m.due.id = id
	if x.cached && !at.IsZero() && !at.After(x.cacheBy) && (old.IsZero() || old.After(x.cacheBy)) {
		x.cached, x.cache = false, x.cache[:0]
	}
	m.due.at = at
	switch {
	case old.IsZero():
		m.due.pos = len(x.heap)
		x.heap = append(x.heap, newDueEntry(m))
		x.up(m.due.pos)
	case at.IsZero():
		i := m.due.pos
		last := len(x.heap) - 1
		x.swap(i, last)
		x.heap[last] = dueEntry{}
		x.heap = x.heap[:last]
		if i < last {
			x.down(i)
			x.up(i)
		}
	default:
		x.heap[m.due.pos] = newDueEntry(m)
		x.down(m.due.pos)
		x.up(m.due.pos)
	}
}

func (x *dueIndex) less(i, j int) bool {
	a, b := &x.heap[i], &x.heap[j]
	return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec
}

func (x *dueIndex) swap(i, j int) {
	x.heap[i], x.heap[j] = x.heap[j], x.heap[i]
	x.heap[i].m.due.pos, x.heap[j].m.due.pos = i, j
}

func (x *dueIndex) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !x.less(i, p) {
			return
		}
		x.swap(i, p)
		i = p
	}
}

func (x *dueIndex) down(i int) {
	n := len(x.heap)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && x.less(c+1, c) {
			c++
		}
		if !x.less(c, i) {
			return
		}
		x.swap(i, c)
		i = c
	}
}

// dueBy returns the members due by by, in enrolment order; x.mu is held.
func (x *dueIndex) dueBy(by time.Time) []*member {
	if x.cached && x.cacheBy.Equal(by) {
		return x.cache
	}
	out := x.cache[:0]
	// The heap's members due by by are a subtree at its root: a node due
	// later has no child due earlier.
	sec, nsec := by.Unix(), int32(by.Nanosecond())
	stack := []int{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i >= len(x.heap) {
			continue
		}
		if e := &x.heap[i]; e.sec > sec || e.sec == sec && e.nsec > nsec { // due after by
			continue
		}
		out = append(out, x.heap[i].m)
		stack = append(stack, 2*i+1, 2*i+2)
	}
	slices.SortFunc(out, func(a, b *member) int { return a.seq - b.seq })
	x.cache, x.cacheBy, x.cached = out, by, true
	return out
}

// MembersDue implements loyalty.DueLister, in enrolment order (as Members):
// it reads the due index (each member's NextDue and open grants' expiry, as
// its last change left them), so its cost grows with the members due, not
// with the members.
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
	n := len(s.order)
	s.mu.RUnlock()
	x := &s.dueIdx
	x.mu.Lock()
	defer x.mu.Unlock()
	due := x.dueBy(by)
	i, _ := slices.BinarySearchFunc(due, start, func(m *member, seq int) int { return m.seq - seq })
	var ids []string
	for ; i < len(due) && due[i].seq < n; i++ {
		ids = append(ids, due[i].due.id)
		if len(ids) == limit {
			return ids, due[i].seq + 1 - start, nil
		}
	}
	return ids, n - start, nil
}
