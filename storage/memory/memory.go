package memory

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
)

// Store is an in-memory loyalty.Store. The zero value is not usable; call
// New. It is safe for concurrent use: each member has its own lock, so writes
// to different members do not wait for each other.
type Store struct {
	mu       sync.RWMutex
	members  map[string]*member
	order    []string // member IDs in enrolment order, for Members
	receipts map[string]*loyalty.Receipt
}

type member struct {
	mu          sync.RWMutex
	seq         int // place in Store.order
	profile     loyalty.Member
	version     int64
	nextDue     time.Time
	balances    []loyalty.Balance
	counters    []loyalty.Counter
	entries     entryLog
	lots        map[int64]*loyalty.Lot
	open        []int64 // IDs of lots with Remaining != 0, in creation order
	orders      map[string]loyalty.OrderRecord
	redemptions map[string]loyalty.RedemptionRecord
}

// New returns an empty store.
func New() *Store {
	return &Store{members: make(map[string]*member), receipts: make(map[string]*loyalty.Receipt)}
}

var (
	_ loyalty.Store        = (*Store)(nil)
	_ loyalty.MemberLister = (*Store)(nil)
)

// Members implements loyalty.MemberLister, in enrolment order.
func (s *Store) Members(ctx context.Context, after string, limit int) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	start := 0
	if after != "" {
		m, ok := s.members[after]
		if !ok {
			return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, after)
		}
		start = m.seq + 1
	}
	end := min(start+max(limit, 0), len(s.order))
	return append([]string(nil), s.order[start:end]...), nil
}

func (s *Store) member(id string) *member {
	s.mu.RLock()
	m := s.members[id]
	s.mu.RUnlock()
	return m
}

// Load implements loyalty.Store.
func (s *Store) Load(ctx context.Context, memberID string, q loyalty.Query) (*loyalty.State, error) {
	m := s.member(memberID)
	if m == nil {
		return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := &loyalty.State{
		Member:   m.profile,
		Version:  m.version,
		NextDue:  m.nextDue,
		Balances: append([]loyalty.Balance(nil), m.balances...),
		Counters: append([]loyalty.Counter(nil), m.counters...),
	}
	if q.Lots || !q.Now.IsZero() && !m.nextDue.IsZero() && !m.nextDue.After(q.Now) {
		st.Lots = make([]loyalty.Lot, 0, len(m.open))
		for _, id := range m.open {
			st.Lots = append(st.Lots, *m.lots[id])
		}
	}
	for _, id := range q.Orders {
		if o, ok := m.orders[id]; ok {
			st.Orders = append(st.Orders, o)
		}
	}
	for _, id := range q.Redemptions {
		if r, ok := m.redemptions[id]; ok {
			st.Redemptions = append(st.Redemptions, r)
		}
	}
	return st, nil
}

// Commit implements loyalty.Store.
func (s *Store) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The store lock is held for the key check and the receipt insert, and
	// the member lock for the version check and the apply, so a key is
	// committed once and a member version moves one step at a time.
	s.mu.Lock()
	if r, ok := s.receipts[c.Key]; ok {
		s.mu.Unlock()
		if r.Fingerprint != c.Fingerprint {
			return nil, fmt.Errorf("%w: key %q", loyalty.ErrKeyReused, c.Key)
		}
		return r, nil
	}
	m := s.members[c.MemberID]
	if m == nil {
		if c.Version != 0 || c.Member == nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, c.MemberID)
		}
		m = &member{lots: make(map[int64]*loyalty.Lot), orders: make(map[string]loyalty.OrderRecord), redemptions: make(map[string]loyalty.RedemptionRecord)}
		s.members[c.MemberID] = m
		m.seq = len(s.order)
		s.order = append(s.order, c.MemberID)
	}
	m.mu.Lock()
	if v := m.version; v != c.Version {
		m.mu.Unlock()
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: member %s is at version %d, change planned from %d", loyalty.ErrConflict, c.MemberID, v, c.Version)
	}
	// Keep a copy: c.Receipt may share an allocation with the whole plan.
	kept := *c.Receipt
	s.receipts[c.Key] = &kept
	s.mu.Unlock()
	defer m.mu.Unlock()
	m.apply(c)
	return c.Receipt, nil // the caller's own receipt: the Engine tells a fresh commit by it
}

func (m *member) apply(c *loyalty.Change) {
	if c.Member != nil {
		m.profile = *c.Member
	}
	m.version = c.Version + 1
	m.nextDue = c.NextDue
	m.entries.append(c.Entries)
	for _, b := range c.Balances {
		m.balances = setBalance(m.balances, b)
	}
	for _, cn := range c.Counters {
		m.counters = setCounter(m.counters, cn)
	}
	reopen := false
	for i := range c.Lots {
		l := c.Lots[i]
		old, ok := m.lots[l.ID]
		if !ok && l.Remaining != 0 {
			m.open = append(m.open, l.ID)
		} else if ok && (old.Remaining != 0) != (l.Remaining != 0) {
			reopen = true
		}
		m.lots[l.ID] = &l
	}
	if reopen {
		open := m.open[:0]
		for _, id := range m.open {
			if m.lots[id].Remaining != 0 {
				open = append(open, id)
			}
		}
		m.open = open
	}
	for _, o := range c.Orders {
		m.orders[o.ID] = o
	}
	for _, r := range c.Redemptions {
		m.redemptions[r.ID] = r
	}
}

func setBalance(bs []loyalty.Balance, b loyalty.Balance) []loyalty.Balance {
	for i := range bs {
		if bs[i].Account == b.Account {
			bs[i] = b
			return bs
		}
	}
	return append(bs, b)
}

func setCounter(cs []loyalty.Counter, c loyalty.Counter) []loyalty.Counter {
	for i := range cs {
		if cs[i].Name == c.Name {
			cs[i] = c
			return cs
		}
	}
	return append(cs, c)
}

// Receipt implements loyalty.Store.
func (s *Store) Receipt(ctx context.Context, key string) (*loyalty.Receipt, error) {
	s.mu.RLock()
	r, ok := s.receipts[key]
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: receipt %q", loyalty.ErrNotFound, key)
	}
	return r, nil
}

// History implements loyalty.Store.
func (s *Store) History(ctx context.Context, memberID string, after loyalty.EntryID, limit int) ([]loyalty.Entry, error) {
	m := s.member(memberID)
	if m == nil {
		return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.entries.after(after, limit), nil
}

// entryLog keeps a member's entries in fixed-size chunks, so appending never
// copies the history and a long history costs the collector no reallocation.
type entryLog struct {
	chunks [][]loyalty.Entry
	n      int
}

const chunkSize = 256

func (l *entryLog) append(es []loyalty.Entry) {
	for _, e := range es {
		// The first chunk grows as a slice does, so a member with a short
		// history costs a few entries, not a whole chunk; later chunks are
		// allocated whole and never copied.
		if l.n%chunkSize == 0 && l.n > 0 {
			l.chunks = append(l.chunks, make([]loyalty.Entry, 0, chunkSize))
		} else if l.n == 0 {
			l.chunks = append(l.chunks, make([]loyalty.Entry, 0, 2))
		}
		c := &l.chunks[len(l.chunks)-1]
		*c = append(*c, e)
		l.n++
	}
}

func (l *entryLog) at(i int) *loyalty.Entry { return &l.chunks[i/chunkSize][i%chunkSize] }

// after returns up to limit entries after the cursor; entries are kept in ID
// order, so the cursor is found by binary search.
func (l *entryLog) after(after loyalty.EntryID, limit int) []loyalty.Entry {
	i := sort.Search(l.n, func(i int) bool { return after.Less(l.at(i).ID) })
	end := min(i+max(limit, 0), l.n)
	out := make([]loyalty.Entry, 0, end-i)
	for ; i < end; i++ {
		out = append(out, *l.at(i))
	}
	return out
}
