package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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

// A member keeps what its committed changes hold, without copying them: the
// entries of each change (shared with its receipt), its order and redemption
// records, and its lots as they are in the change that last wrote them. What
// a write retains is what the collector scans on every cycle, so the store
// keeps each fact once; and what it copies on growing is what a write pays
// for again, so the lots it keeps in order are pointers, not values.
type member struct {
	mu       sync.RWMutex
	seq      int // place in Store.order
	profile  loyalty.Member
	version  int64
	nextDue  time.Time
	balances []loyalty.Balance
	counters []loyalty.Counter
	entries  entryLog
	// lots holds the open lots by ID (IDs grow with the version, so a new
	// lot is appended), each pointing into the Lots of the change that last
	// wrote it. A lot that closes (Remaining 0) is never read again; it
	// stays, skipped, until closed lots are half of the slice.
	lots        []*loyalty.Lot
	closed      int
	orders      map[string]*loyalty.OrderRecord
	redemptions map[string]*loyalty.RedemptionRecord
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
	// The state and a member's balance are one allocation.
	ls := new(loadedState)
	st := &ls.st
	st.Member, st.Version, st.NextDue = m.profile, m.version, m.nextDue
	if len(m.balances) > 0 {
		st.Balances = append(ls.balances[:0:len(ls.balances)], m.balances...)
	}
	if len(m.counters) > 0 {
		st.Counters = slices.Clone(m.counters)
	}
	if q.Lots || !q.Now.IsZero() && !m.nextDue.IsZero() && !m.nextDue.After(q.Now) {
		st.Lots = make([]loyalty.Lot, 0, len(m.lots)-m.closed)
		for _, l := range m.lots {
			if l.Remaining != 0 {
				st.Lots = append(st.Lots, *l)
			}
		}
	}
	for _, id := range q.Orders {
		if o, ok := m.orders[id]; ok {
			st.Orders = append(st.Orders, *o)
		}
	}
	for _, id := range q.Redemptions {
		if r, ok := m.redemptions[id]; ok {
			st.Redemptions = append(st.Redemptions, *r)
		}
	}
	return st, nil
}

// loadedState is a State with room for a balance (which fills its size class).
type loadedState struct {
	st       loyalty.State
	balances [1]loyalty.Balance
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
		m = &member{}
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
	// The receipt is kept as committed (the Engine allocates it apart from
	// its plan); a replay returns this same receipt.
	s.receipts[c.Key] = c.Receipt
	s.mu.Unlock()
	defer m.mu.Unlock()
	m.apply(c)
	return c.Receipt, nil
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
	for i := range c.Lots {
		m.setLot(&c.Lots[i])
	}
	if m.closed > 8 && 2*m.closed > len(m.lots) {
		open := m.lots[:0]
		for _, l := range m.lots {
			if l.Remaining != 0 {
				open = append(open, l)
			}
		}
		clear(m.lots[len(open):])
		m.lots, m.closed = open, 0
	}
	for i := range c.Orders {
		if m.orders == nil {
			m.orders = make(map[string]*loyalty.OrderRecord)
		}
		m.orders[c.Orders[i].ID] = &c.Orders[i]
	}
	for i := range c.Redemptions {
		if m.redemptions == nil {
			m.redemptions = make(map[string]*loyalty.RedemptionRecord)
		}
		m.redemptions[c.Redemptions[i].ID] = &c.Redemptions[i]
	}
}

// setLot points the lot with l's ID at l, or adds l if it is open. l is in
// a committed change, which no one modifies.
func (m *member) setLot(l *loyalty.Lot) {
	n := len(m.lots)
	if n == 0 || m.lots[n-1].ID < l.ID { // a new lot, the common case
		if l.Remaining != 0 {
			m.lots = append(m.lots, l)
		}
		return
	}
	i, found := slices.BinarySearchFunc(m.lots, l.ID, func(x *loyalty.Lot, id int64) int { return cmp.Compare(x.ID, id) })
	switch {
	case found:
		switch was := m.lots[i].Remaining != 0; {
		case was && l.Remaining == 0:
			m.closed++
		case !was && l.Remaining != 0:
			m.closed--
		}
		m.lots[i] = l
	case l.Remaining != 0:
		m.lots = slices.Insert(m.lots, i, l)
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

// entryLog keeps a member's entries as the slices of the changes that made
// them (the same arrays their receipts hold), in commit order: appending
// copies no entry, and a page is found by binary search, since entry IDs
// grow with the member version. The slices are kept in chunks of
// logChunk, so a long history is never copied to grow: only the first
// chunk grows, as a short history's slice would.
type entryLog struct {
	chunks [][][]loyalty.Entry // all full but the last; no slice is empty
	n      int                 // slices kept
}

const logChunk = 256

func (l *entryLog) append(es []loyalty.Entry) {
	if len(es) == 0 {
		return
	}
	if l.n%logChunk == 0 { // no chunk yet, or the last is full
		var c [][]loyalty.Entry // the first grows as it fills
		if l.n > 0 {
			c = make([][]loyalty.Entry, 0, logChunk)
		}
		l.chunks = append(l.chunks, c)
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, es)
	l.n++
}

// batch returns the i-th slice kept.
func (l *entryLog) batch(i int) []loyalty.Entry { return l.chunks[i/logChunk][i%logChunk] }

// after returns up to limit entries after the cursor.
func (l *entryLog) after(after loyalty.EntryID, limit int) []loyalty.Entry {
	b := sort.Search(l.n, func(i int) bool {
		es := l.batch(i)
		return after.Less(es[len(es)-1].ID)
	})
	if limit <= 0 || b == l.n {
		return []loyalty.Entry{}
	}
	es := l.batch(b)
	i := sort.Search(len(es), func(i int) bool { return after.Less(es[i].ID) })
	var out []loyalty.Entry
	for ; b < l.n && len(out) < limit; b, i = b+1, 0 {
		es := l.batch(b)[i:]
		es = es[:min(len(es), limit-len(out))]
		if out == nil {
			out = make([]loyalty.Entry, 0, min(limit, len(es)*(l.n-b)))
		}
		out = append(out, es...)
	}
	return out
}
