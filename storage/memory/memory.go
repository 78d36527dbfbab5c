package memory

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

// Store is an in-memory loyalty.Store. The zero value is not usable; call
// New. It is safe for concurrent use: each member has its own lock, so writes
// to different members do not wait for each other.
//
// A Store is a view of one program of its store (see ForProgram); the Store
// New returns is the view of loyalty.DefaultProgram. The view resolves its
// program's state once, when it is made, so no call looks the program up.
type Store struct {
	*program // the state of the view's program
	root     *root
}

// program is what a store keeps for one program.
type program struct {
	id      string
	mu      sync.RWMutex
	members map[string]*member
	order   []string // member IDs in enrolment order, for Members
	// keys holds the receipt of every committed idempotency key and the
	// owner of every order ID (an order ID is unique in the program, see
	// loyalty.Store.Commit), in one map: a host that keys an earn by its
	// order ID, as most do, has both in one entry, written once.
	keys   map[string]keyed
	shared shared   // codes and shared counters
	dueIdx dueIndex // members by when they fall due (due.go)
	// The blocks the next receipts and order slots are kept in (see keep
	// and setOrder).
	earns slab[keptBlock]
	plain slab[receiptCopy]
	wide  slab[wideBlock]
	slots slab[orderSlot]
}

// keyed is what a program holds under one string: the receipt committed
// under it as an idempotency key, and where the record of the order with
// that ID is (nil for none of either).
type keyed struct {
	receipt *loyalty.Receipt
	order   *orderSlot
}

// orderSlot is the member that owns an order ID, the first to record it,
// and its record of the order. Slots are kept many to an allocation (the
// program's slots slab), and written under the program's lock and the
// owner's: either suffices to read one.
type orderSlot struct {
	owner  *member
	record *ledger.OrderRecord
}

// owner is the member that owns k as an order ID, nil for none.
func (k keyed) owner() *member {
	if k.order == nil {
		return nil
	}
	return k.order.owner
}

// A member keeps each fact of its committed changes once: the entries of
// each change (shared with the store's copy of its receipt) and its order
// and redemption records. What a write retains is what the collector scans on
// every cycle, so the store keeps each fact once. Lots are the exception:
// a write reads every open lot of its member, so the store keeps them by
// value, side by side (see lotSet).
type member struct {
	mu       sync.RWMutex
	seq      int    // place in Store.order
	id       string // set once at creation, so read without mu (an order's owner, under the program lock)
	profile  loyalty.Member
	version  int64
	nextDue  time.Time
	balances []ledger.Balance
	counters []ledger.Counter
	// Room for a typical member's segment and balance, beside the fields a
	// load reads, so reading them touches one object. (Counters are left
	// out: a tier ladder keeps thirteen.)
	segments    [1]string
	balanceRoom [1]ledger.Balance
	entries     entryLog
	lots        lotSet
	orders      orderSet
	redemptions records[ledger.RedemptionRecord]
	grants      grantSet
	due         dueSlot // its place in the due index (due.go)
}

// New returns an empty store, as the view of loyalty.DefaultProgram.
func New() *Store {
	r := &root{programs: make(map[string]*program)}
	return &Store{program: r.program(loyalty.DefaultProgram), root: r}
}

var (
	_ loyalty.Store           = (*Store)(nil)
	_ loyalty.MemberLister    = (*Store)(nil)
	_ loyalty.HistoryReverser = (*Store)(nil)
	_ loyalty.ProgramStore    = (*Store)(nil)
	_ loyalty.SharedStore     = (*Store)(nil)
)

// Members implements loyalty.MemberLister, in enrolment order.
func (s *Store) Members(ctx context.Context, after string, limit int) ([]string, error) {
	if err := storage.CheckMember(after); err != nil {
		return nil, err
	}
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
	// The state and a member's balance are one allocation.
	ls := new(loadedState)
	ls.st.Balances, ls.st.Counters = ls.balances[:0], ls.counters[:0]
	ls.st.Member.Segments = ls.segments[:0]
	if err := s.LoadInto(ctx, memberID, q, &ls.st); err != nil {
		return nil, err
	}
	return &ls.st, nil
}

// loadedState is a State with room for a typical member's balance, counters
// and segment, so a load is one allocation.
type loadedState struct {
	st       loyalty.State
	balances [1]ledger.Balance
	counters [2]ledger.Counter
	segments [1]string
}

// LoadInto is Load into st, for a caller that reuses the memory of its
// states (the Engine does, once a write is over): st must be zero but for
// Balances, Counters, Lots and Member.Segments, empty slices (or nil) whose
// room LoadInto fills before it allocates. What st holds after is what Load would return
// (Lots nil unless they were loaded), and shares nothing with the store.
func (s *Store) LoadInto(ctx context.Context, memberID string, q loyalty.Query, st *loyalty.State) error {
	if err := storage.CheckLoad(memberID, q); err != nil {
		return err
	}
	for _, id := range q.GrantIDs {
		if err := loyalty.CheckID("query.grant_ids", id); err != nil {
			return err
		}
	}
	// The member's lock is taken under the program's (in the order Commit
	// takes them), which the order records are read under: a member's
	// records are found by the program's keys once they are many.
	s.mu.RLock()
	m := s.members[memberID]
	if m == nil {
		s.mu.RUnlock()
		return unknownMember(memberID)
	}
	m.mu.RLock()
	for _, id := range q.Orders {
		if o := s.orderOf(m, id); o != nil {
			st.Orders = append(st.Orders, cloneOrder(o))
		}
	}
	s.mu.RUnlock()
	defer m.mu.RUnlock()
	balances, counters, lots := st.Balances[:0], st.Counters[:0], st.Lots[:0]
	st.Member, st.Version, st.NextDue = cloneMemberInto(st.Member.Segments[:0], &m.profile), m.version, m.nextDue
	st.Balances, st.Counters, st.Lots = nil, nil, nil
	if len(m.balances) > 0 {
		st.Balances = append(balances, m.balances...)
	}
	if len(m.counters) > 0 {
		st.Counters = append(counters, m.counters...)
	}
	if q.Lots || !q.Now.IsZero() && !m.nextDue.IsZero() && !m.nextDue.After(q.Now) {
		st.Lots = m.lots.open(lots)
	}
	for _, id := range q.Redemptions {
		if r := m.redemptions.get(id); r != nil {
			st.Redemptions = append(st.Redemptions, *cloneRedemption(r))
		}
	}
	if q.Grants || len(q.GrantIDs) > 0 {
		st.Grants = m.grants.load(q.Grants, q.GrantIDs)
	}
	return nil
}

// Commit implements loyalty.Store.
func (s *Store) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := storage.CheckShape(c); err != nil {
		return nil, err
	}
	// The store lock is held for the key check and the receipt insert, and
	// the member lock for the version check and the apply, so a key is
	// committed once and a member version moves one step at a time.
	s.mu.Lock()
	k := s.keys[c.Key]
	if k.receipt != nil {
		s.mu.Unlock()
		// The Engine, not the store, tells a replay from a reuse.
		return nil, &loyalty.KeyCommittedError{Receipt: cloneReceipt(k.receipt)}
	}
	m := s.members[c.MemberID]
	if m == nil {
		if c.Version != 0 || c.Member == nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, c.MemberID)
		}
		if err := storage.CheckBalances(nil, c); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		if err := s.ordersFree(c, nil, k.owner()); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	} else {
		m.mu.Lock()
		if v := m.version; v != c.Version {
			m.mu.Unlock()
			s.mu.Unlock()
			return nil, fmt.Errorf("%w: member %s is at version %d, change planned from %d", loyalty.ErrConflict, c.MemberID, v, c.Version)
		}
		if err := storage.CheckBalances(m.balances, c); err != nil { // CheckShape ran above
			m.mu.Unlock()
			s.mu.Unlock()
			return nil, err
		}
		if err := s.ordersFree(c, m, k.owner()); err != nil {
			m.mu.Unlock()
			s.mu.Unlock()
			return nil, err
		}
	}
	// Claims, codes and code uses are decided last, under the lock of the
	// program's shared state (taken after the program's and the member's,
	// always in that order), and applied before anything else is written:
	// a refused one writes nothing.
	if len(c.Claims)+len(c.Codes)+len(c.CodeUses) > 0 {
		if err := s.shared.commit(c); err != nil {
			if m != nil {
				m.mu.Unlock()
			}
			s.mu.Unlock()
			return nil, err
		}
	}
	if m == nil {
		m = &member{id: c.MemberID}
		m.balances = m.balanceRoom[:0]
		s.members[c.MemberID] = m
		m.seq = len(s.order)
		s.order = append(s.order, c.MemberID)
		m.mu.Lock()
	}
	// The store keeps a copy of the receipt, whose entries are those its
	// History returns, and hands the caller's own back: what the caller
	// does with it does not reach the store.
	r, orders := s.keep(c)
	// The order records are kept under both locks, with the keys that
	// find them; ordersFree made sure no other member owns their IDs.
	for i := range orders {
		o := &orders[i]
		if o.ID == c.Key { // written with the receipt below
			s.setOrder(&k, m, o)
			continue
		}
		if x := s.keys[o.ID]; s.setOrder(&x, m, o) {
			s.keys[o.ID] = x
		}
	}
	k.receipt = r
	s.keys[c.Key] = k
	s.mu.Unlock()
	defer m.mu.Unlock()
	m.apply(c, r)
	s.noteDue(c.MemberID, m)
	return c.Receipt, nil
}

// ordersFree returns a *loyalty.OrderOwnerError when c records an order ID
// that another member's order record holds; m is c's member, nil for a new
// one, and keyOwner the owner of c.Key as an order ID (looked up already).
// A record is owned by the member that first recorded its ID, and only
// that member holds one, so a member that holds the record updates it.
// The caller holds s.mu, under which the owners are claimed.
func (s *Store) ordersFree(c *loyalty.Change, m, keyOwner *member) error {
	for i := range c.Orders {
		id := c.Orders[i].ID
		owner := keyOwner
		if id != c.Key {
			owner = s.keys[id].owner()
		}
		if owner == nil || owner == m {
			continue
		}
		return &loyalty.OrderOwnerError{OrderID: id, MemberID: c.MemberID, Owner: owner.id}
	}
	return nil
}

// orderOf returns m's record of order id, nil if none. The caller holds
// s.mu, read or write.
func (s *Store) orderOf(m *member, id string) *ledger.OrderRecord {
	if len(m.orders.list) <= fewRecords {
		for _, o := range m.orders.list {
			if o.record.ID == id {
				return o.record
			}
		}
		return nil
	}
	if k := s.keys[id]; k.order != nil && k.order.owner == m {
		return k.order.record
	}
	return nil
}

// orderSet keeps a member's order slots in the order the orders were first
// recorded. A member with few is read by a scan of them; one with more by
// the slot its program's keys hold for each order ID, so that keeping a
// member's record costs no map of its own. It is written under the
// program's lock and the member's: either suffices to read it.
type orderSet struct {
	list []*orderSlot
}

// setOrder keeps o as m's record of its ID, whose keys are k: it replaces
// the record of k's slot, or gives k a new slot, and reports whether k
// changed. k's owner is m or none (ordersFree). The caller holds s.mu and
// m.mu.
func (s *Store) setOrder(k *keyed, m *member, o *ledger.OrderRecord) bool {
	if k.order != nil {
		k.order.record = o
		return false
	}
	slot := s.slots.take()
	slot.owner, slot.record = m, o
	k.order = slot
	m.orders.list = append(m.orders.list, slot)
	return true
}

// apply applies c, whose receipt the store keeps as r (its order records
// are kept already, see Commit).
func (m *member) apply(c *loyalty.Change, r *loyalty.Receipt) {
	if c.Member != nil {
		m.profile = cloneMemberInto(m.segments[:0], c.Member)
	}
	m.version = c.Version + 1
	m.nextDue = c.NextDue
	if entriesOf(r, c) {
		m.entries.append(r.Entries)
	} else {
		m.entries.append(slices.Clone(c.Entries))
	}
	for _, b := range c.Balances {
		m.balances = setBalance(m.balances, b)
	}
	for _, cn := range c.Counters {
		m.counters = setCounter(m.counters, cn)
	}
	for i := range c.Lots {
		m.lots.set(&c.Lots[i])
	}
	m.lots.compact()
	for i := range c.Redemptions {
		m.redemptions.set(c.Redemptions[i].ID, cloneRedemption(&c.Redemptions[i]))
	}
	for i := range c.Grants {
		m.grants.set(c.Grants[i])
	}
}

// lotSet keeps a member's lots by value, in ID order (IDs grow with the
// version, so a new lot is appended), in chunks of lotChunk: adding a lot
// never re-copies the others, and reading them all, as every write that
// spends does, reads memory in order. Only the first chunk grows, as a
// slice would, so a member with a few lots keeps only those. A lot that
// closes (Remaining 0) is never read again; it stays, skipped, until the
// closed lots are half of those kept.
type lotSet struct {
	chunks [][]ledger.Lot // none empty; only an insertion overfills one
	n      int            // lots kept
	closed int            // of which closed
}

const lotChunk = 64

// set updates the lot with l's ID, or adds l if it is open.
func (s *lotSet) set(l *ledger.Lot) {
	last := len(s.chunks) - 1
	if last < 0 || s.chunks[last][len(s.chunks[last])-1].ID < l.ID { // a new lot, the common case
		if l.Remaining == 0 {
			return
		}
		if last < 0 || len(s.chunks[last]) >= lotChunk {
			var c []ledger.Lot // the first chunk grows as it fills
			if last >= 0 {
				c = make([]ledger.Lot, 0, lotChunk)
			}
			s.chunks = append(s.chunks, c)
			last++
		}
		s.chunks[last] = append(s.chunks[last], *l)
		s.n++
		return
	}
	// The first chunk ending at or after l, and in it the first lot at or
	// after l.
	c, hi := 0, last
	for c < hi {
		if mid := int(uint(c+hi) >> 1); s.chunks[mid][len(s.chunks[mid])-1].ID < l.ID {
			c = mid + 1
		} else {
			hi = mid
		}
	}
	chunk := s.chunks[c]
	i, hi := 0, len(chunk)-1
	for i < hi {
		if mid := int(uint(i+hi) >> 1); chunk[mid].ID < l.ID {
			i = mid + 1
		} else {
			hi = mid
		}
	}
	switch {
	case chunk[i].ID == l.ID:
		switch was := chunk[i].Remaining != 0; {
		case was && l.Remaining == 0:
			s.closed++
			chunk[i].Remaining = 0 // the rest of a closed lot is never read
			return
		case !was && l.Remaining != 0:
			s.closed--
		}
		chunk[i] = *l
	case l.Remaining != 0:
		s.chunks[c] = slices.Insert(chunk, i, *l)
		s.n++
	}
}

// compact drops the closed lots once they are half of those kept.
func (s *lotSet) compact() {
	if s.closed <= 8 || 2*s.closed <= s.n {
		return
	}
	var kept lotSet
	for _, c := range s.chunks {
		for i := range c {
			if c[i].Remaining != 0 {
				kept.set(&c[i])
			}
		}
	}
	*s = kept
}

// open returns a copy of the open lots, never nil, in room if they fit,
// copying each run of open lots at once.
func (s *lotSet) open(room []ledger.Lot) []ledger.Lot {
	lots := room[:0]
	if n := s.n - s.closed; n > cap(room) || room == nil {
		lots = make([]ledger.Lot, 0, n)
	}
	for _, c := range s.chunks {
		for i := 0; i < len(c); {
			if c[i].Remaining == 0 {
				i++
				continue
			}
			j := i + 1
			for j < len(c) && c[j].Remaining != 0 {
				j++
			}
			lots = append(lots, c[i:j]...)
			i = j
		}
	}
	return lots
}

// records keeps a member's redemption records by ID (its order records are
// an orderSet): in a short list while they are few, as most members' are,
// in a map once they are many.
type records[T any] struct {
	few  []record[T]
	many map[string]*T
}

type record[T any] struct {
	id string
	r  *T
}

// fewRecords is how many records a list keeps before a map takes over.
const fewRecords = 8

func (rs *records[T]) get(id string) *T {
	if rs.many != nil {
		return rs.many[id]
	}
	for i := range rs.few {
		if rs.few[i].id == id {
			return rs.few[i].r
		}
	}
	return nil
}

func (rs *records[T]) set(id string, r *T) {
	if rs.many != nil {
		rs.many[id] = r
		return
	}
	for i := range rs.few {
		if rs.few[i].id == id {
			rs.few[i].r = r
			return
		}
	}
	if len(rs.few) < fewRecords {
		rs.few = append(rs.few, record[T]{id, r})
		return
	}
	rs.many = make(map[string]*T, 2*fewRecords)
	for _, x := range rs.few {
		rs.many[x.id] = x.r
	}
	rs.many[id] = r
	rs.few = nil
}

// entriesOf reports whether the receipt copy r holds c's entries, as the
// Engine's receipts do, so the log can keep r's.
func entriesOf(r *loyalty.Receipt, c *loyalty.Change) bool {
	if len(r.Entries) != len(c.Entries) {
		return false
	}
	for i := range c.Entries {
		if r.Entries[i] != c.Entries[i] {
			return false
		}
	}
	return true
}

func setBalance(bs []ledger.Balance, b ledger.Balance) []ledger.Balance {
	for i := range bs {
		if bs[i].Account == b.Account {
			bs[i] = b
			return bs
		}
	}
	return append(bs, b)
}

func setCounter(cs []ledger.Counter, c ledger.Counter) []ledger.Counter {
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
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	s.mu.RLock()
	r := s.keys[key].receipt
	s.mu.RUnlock()
	if r == nil {
		return nil, &missingError{err: loyalty.ErrNotFound, receipt: true, id: key}
	}
	return cloneReceipt(r), nil
}

// History implements loyalty.Store.
func (s *Store) History(ctx context.Context, memberID string, after ledger.EntryID, limit int) ([]ledger.Entry, error) {
	return s.page(memberID, func(l *entryLog) []ledger.Entry { return l.after(after, limit) })
}

// HistoryBefore implements loyalty.HistoryReverser: newest first, found by
// binary search like History.
func (s *Store) HistoryBefore(ctx context.Context, memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	return s.page(memberID, func(l *entryLog) []ledger.Entry { return l.before(before, limit) })
}

// page reads one page of a member's entry log under the member's read lock.
func (s *Store) page(memberID string, read func(*entryLog) []ledger.Entry) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
	m := s.member(memberID)
	if m == nil {
		return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return read(&m.entries), nil
}

// entryLog keeps a member's entries as the slices of the changes that made
// them (the same arrays their receipts hold), in commit order: appending
// copies no entry, and a page is found by binary search, since entry IDs
// grow with the member version. The slices are kept in chunks of
// logChunk, so a long history is never copied to grow: only the first
// chunk grows, as a short history's slice would.
type entryLog struct {
	chunks [][][]ledger.Entry // all full but the last; no slice is empty
	n      int                // slices kept
}

const logChunk = 256

func (l *entryLog) append(es []ledger.Entry) {
	if len(es) == 0 {
		return
	}
	if l.n%logChunk == 0 { // no chunk yet, or the last is full
		var c [][]ledger.Entry // the first grows as it fills
		if l.n > 0 {
			c = make([][]ledger.Entry, 0, logChunk)
		}
		l.chunks = append(l.chunks, c)
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, es)
	l.n++
}

// batch returns the i-th slice kept.
func (l *entryLog) batch(i int) []ledger.Entry { return l.chunks[i/logChunk][i%logChunk] }

// after returns up to limit entries after the cursor.
func (l *entryLog) after(after ledger.EntryID, limit int) []ledger.Entry {
	b := sort.Search(l.n, func(i int) bool {
		es := l.batch(i)
		return after.Less(es[len(es)-1].ID)
	})
	if limit <= 0 || b == l.n {
		return []ledger.Entry{}
	}
	es := l.batch(b)
	i := sort.Search(len(es), func(i int) bool { return after.Less(es[i].ID) })
	var out []ledger.Entry
	for ; b < l.n && len(out) < limit; b, i = b+1, 0 {
		es := l.batch(b)[i:]
		es = es[:min(len(es), limit-len(out))]
		if out == nil {
			out = make([]ledger.Entry, 0, min(limit, len(es)*(l.n-b)))
		}
		out = append(out, es...)
	}
	return out
}

// before returns up to limit entries before the cursor (the zero cursor:
// from the newest), newest first.
func (l *entryLog) before(before ledger.EntryID, limit int) []ledger.Entry {
	if limit <= 0 || l.n == 0 {
		return []ledger.Entry{}
	}
	// The batch holding the newest entry before the cursor, and the end of
	// what it holds before it.
	b, end := l.n-1, len(l.batch(l.n-1))
	if before != (ledger.EntryID{}) {
		// The first batch whose last entry is not before the cursor: every
		// batch ahead of it is wholly before it.
		b = sort.Search(l.n, func(i int) bool {
			es := l.batch(i)
			return !es[len(es)-1].ID.Less(before)
		})
		if b == l.n {
			b, end = l.n-1, len(l.batch(l.n-1))
		} else {
			es := l.batch(b)
			end = sort.Search(len(es), func(i int) bool { return !es[i].ID.Less(before) })
		}
	}
	out := make([]ledger.Entry, 0, min(limit, 64))
	for b >= 0 && len(out) < limit {
		es := l.batch(b)[:end]
		for j := len(es) - 1; j >= 0 && len(out) < limit; j-- {
			out = append(out, es[j])
		}
		if b--; b >= 0 {
			end = len(l.batch(b))
		}
	}
	return out
}
