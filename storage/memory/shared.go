package memory

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

// root is what every view of one store shares: the state of each program,
// made the first time a view of it is.
type root struct {
	mu       sync.Mutex
	programs map[string]*program
}

// program returns the state of program id, made empty if the store never
// held it.
func (r *root) program(id string) *program {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.programs[id]
	if p == nil {
		p = &program{
			id:      id,
			members: make(map[string]*member),
			keys:    make(map[string]keyed),
		}
		r.programs[id] = p
	}
	return p
}

// ForProgram implements loyalty.ProgramStore: a view of the same store
// scoped to program id, which shares nothing with the other programs' views
// but the store. A view of a view is the view of id. It refuses an id
// loyalty.CheckProgramID refuses, with an error wrapping
// loyalty.ErrInvalidID.
func (s *Store) ForProgram(id string) (loyalty.Store, error) {
	if err := loyalty.CheckProgramID(id); err != nil {
		return nil, err
	}
	return &Store{program: s.root.program(id), root: s.root}, nil
}

// shared is the state a program's members share: its codes and shared
// counters, under one lock. Commit takes it after the program's and the
// member's locks, and the SharedStore methods take it alone, so the locks
// are always taken in one order.
type shared struct {
	mu       sync.RWMutex
	counters map[string]*sharedCounter
	// codes holds each code once, by pointer: a small table that a lookup
	// among millions reads in fewer cache lines. The codes live in chunks
	// of codeChunk (room, the rest of the last), so that reserving one
	// allocates nothing most of the time; a use changes its code in place,
	// under mu, as every read of one copies it under mu.
	codes map[string]*ledger.Code
	room  []ledger.Code
}

// codeChunk is how many codes the store allocates at once.
const codeChunk = 64

// keep stores k as its code (new or replacing the one of k.Code), in
// memory of the store's own.
func (sh *shared) keep(k *ledger.Code) {
	if p := sh.codes[k.Code]; p != nil {
		*p = *k
		return
	}
	if len(sh.room) == 0 {
		sh.room = make([]ledger.Code, codeChunk)
	}
	p := &sh.room[0]
	sh.room = sh.room[1:]
	*p = *k
	if sh.codes == nil {
		sh.codes = make(map[string]*ledger.Code)
	}
	sh.codes[k.Code] = p
}

// sharedCounter is a shared counter's limit and what each period claimed
// (a period is absent until a claim touches it).
type sharedCounter struct {
	limit   int64
	claimed map[string]int64
}

// commit checks c's claims, codes and code uses against the shared state
// and, when all of them may be applied, applies them; else it changes
// nothing and returns why.
func (sh *shared) commit(c *loyalty.Change) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// after[i] is what claim i's counter period holds once claims up to i
	// are applied: claims on one counter in one change add up.
	var afterRoom [4]int64
	after := afterRoom[:0]
	for i := range c.Claims {
		cl := &c.Claims[i]
		sc := sh.counters[cl.Counter]
		if sc == nil {
			return &loyalty.ClaimError{Counter: cl.Counter, PeriodKey: cl.PeriodKey, Asked: cl.Amount, Err: loyalty.ErrUnknownCounter}
		}
		cur := sc.claimed[cl.PeriodKey]
		for j := i - 1; j >= 0; j-- {
			if c.Claims[j].Counter == cl.Counter && c.Claims[j].PeriodKey == cl.PeriodKey {
				cur = after[j]
				break
			}
		}
		left := max(sc.limit-cur, 0)
		switch {
		case cl.Release && cl.Amount > cur:
			return &loyalty.ClaimError{Counter: cl.Counter, PeriodKey: cl.PeriodKey, Asked: cl.Amount, Left: left, Err: loyalty.ErrInvalidClaim}
		case cl.Release:
			cur -= cl.Amount
		case cl.Amount > left:
			return &loyalty.ClaimError{Counter: cl.Counter, PeriodKey: cl.PeriodKey, Asked: cl.Amount, Left: left, Err: loyalty.ErrLimitReached}
		default:
			cur += cl.Amount
		}
		after = append(after, cur)
	}
	for i := range c.Codes {
		if _, ok := sh.codes[c.Codes[i].Code]; ok {
			return &loyalty.CodeError{Code: c.Codes[i].Code, Err: loyalty.ErrCodeTaken}
		}
	}
	// used[i] is use i's code once uses up to i are applied, on top of the
	// codes the change reserves.
	var usedRoom [2]ledger.Code
	used := usedRoom[:0]
	for i := range c.CodeUses {
		u := &c.CodeUses[i]
		k, ok := ledger.Code{}, false
		for j := i - 1; j >= 0 && !ok; j-- {
			if c.CodeUses[j].Code == u.Code {
				k, ok = used[j], true
			}
		}
		for j := range c.Codes {
			if !ok && c.Codes[j].Code == u.Code {
				k, ok = c.Codes[j], true
			}
		}
		if !ok {
			var p *ledger.Code
			if p, ok = sh.codes[u.Code]; ok {
				k = *p
			}
		}
		if !ok {
			return &loyalty.CodeError{Code: u.Code, Err: loyalty.ErrUnknownCode}
		}
		k, err := use(k, u)
		if err != nil {
			return err
		}
		used = append(used, k)
	}
	// Nothing was refused: apply it all.
	for i := range c.Claims {
		cl := &c.Claims[i]
		sc := sh.counters[cl.Counter]
		if sc.claimed == nil {
			sc.claimed = make(map[string]int64, 1)
		}
		sc.claimed[cl.PeriodKey] = after[i]
	}
	for i := range c.Codes {
		sh.keep(&c.Codes[i])
	}
	for i := range c.CodeUses {
		sh.keep(&used[i])
	}
	return nil
}

// use returns k after u, or the *loyalty.CodeError that refuses u (see
// ledger.CodeUse).
func use(k ledger.Code, u *ledger.CodeUse) (ledger.Code, error) {
	n := u.Uses
	var err error
	switch {
	case k.Void && n != 0:
		err = loyalty.ErrCodeVoid
	case n > 0 && k.MaxUses > 0 && n > k.MaxUses-k.Uses,
		n > 0 && k.Uses > math.MaxInt64-n:
		err = loyalty.ErrCodeUsedUp
	case n < 0 && k.Uses+n < 0:
		err = loyalty.ErrInvalidClaim
	}
	if err != nil {
		return k, &loyalty.CodeError{Code: k.Code, Err: err}
	}
	k.Uses += n
	k.Void = k.Void || u.Void
	return k, nil
}

// SetLimit implements loyalty.SharedStore.
func (s *Store) SetLimit(ctx context.Context, name string, limit int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkCounter(name, ""); err != nil {
		return err
	}
	if limit < 0 {
		return fmt.Errorf("%w: limit %d of shared counter %q is below zero", loyalty.ErrInvalidAmount, limit, name)
	}
	sh := &s.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sc := sh.counters[name]
	if sc == nil {
		if sh.counters == nil {
			sh.counters = make(map[string]*sharedCounter)
		}
		sh.counters[name] = &sharedCounter{limit: limit}
		return nil
	}
	// The period that claimed the most (the first key among equals) says
	// why, so that the error does not depend on map order.
	var worst *loyalty.LimitError
	for period, claimed := range sc.claimed {
		if claimed <= limit {
			continue
		}
		if worst == nil || claimed > worst.Claimed || claimed == worst.Claimed && cmp.Less(period, worst.PeriodKey) {
			worst = &loyalty.LimitError{Counter: name, PeriodKey: period, Limit: limit, Claimed: claimed}
		}
	}
	if worst != nil {
		return worst
	}
	sc.limit = limit
	return nil
}

// SharedCounter implements loyalty.SharedStore.
func (s *Store) SharedCounter(ctx context.Context, name, periodKey string) (ledger.SharedCounter, error) {
	if err := ctx.Err(); err != nil {
		return ledger.SharedCounter{}, err
	}
	if err := checkCounter(name, periodKey); err != nil {
		return ledger.SharedCounter{}, err
	}
	sh := &s.shared
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	sc := sh.counters[name]
	if sc == nil {
		return ledger.SharedCounter{}, fmt.Errorf("%w: %q", loyalty.ErrUnknownCounter, name)
	}
	return ledger.SharedCounter{Name: name, PeriodKey: periodKey, Limit: sc.limit, Claimed: sc.claimed[periodKey]}, nil
}

// checkCounter checks a shared counter's name and period key as
// storage.CheckShared checks a claim's.
func checkCounter(name, periodKey string) error {
	if name == "" {
		return &loyalty.ValidationError{Field: "counter", Reason: "is empty", Kind: loyalty.ErrInvalidID}
	}
	if err := loyalty.CheckID("counter", name); err != nil {
		return err
	}
	return loyalty.CheckID("period_key", periodKey)
}

// ReserveCode implements loyalty.SharedStore.
func (s *Store) ReserveCode(ctx context.Context, c ledger.Code) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := storage.CheckReservation(c); err != nil {
		return err
	}
	sh := &s.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.codes[c.Code]; ok {
		return &loyalty.CodeError{Code: c.Code, Err: loyalty.ErrCodeTaken}
	}
	sh.keep(&c)
	return nil
}

// Code implements loyalty.SharedStore, with one map lookup.
func (s *Store) Code(ctx context.Context, code string) (ledger.Code, error) {
	if err := ctx.Err(); err != nil {
		return ledger.Code{}, err
	}
	if err := loyalty.CheckCode(code); err != nil {
		return ledger.Code{}, err
	}
	sh := &s.shared
	sh.mu.RLock()
	p := sh.codes[code]
	var k ledger.Code
	if p != nil {
		k = *p
	}
	sh.mu.RUnlock()
	if p == nil {
		return ledger.Code{}, &loyalty.CodeError{Code: code, Err: loyalty.ErrUnknownCode}
	}
	return k, nil
}

// UseCode implements loyalty.SharedStore.
func (s *Store) UseCode(ctx context.Context, u ledger.CodeUse) (ledger.Code, error) {
	if err := ctx.Err(); err != nil {
		return ledger.Code{}, err
	}
	if err := loyalty.CheckCode(u.Code); err != nil {
		return ledger.Code{}, err
	}
	if u.Uses == 0 && !u.Void {
		return ledger.Code{}, &loyalty.CodeError{Code: u.Code, Err: loyalty.ErrInvalidClaim}
	}
	sh := &s.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	p, ok := sh.codes[u.Code]
	if !ok {
		return ledger.Code{}, &loyalty.CodeError{Code: u.Code, Err: loyalty.ErrUnknownCode}
	}
	k, err := use(*p, &u)
	if err != nil {
		return ledger.Code{}, err
	}
	*p = k
	return k, nil
}

// grantSet keeps a member's grants by value, in the order they were first
// granted, with an index by ID once they are many. The lots a grant was
// paid with (Grant.Paid) are copied into memory of the set's own: chunks
// of draws shared by the grants, capped so that none reaches into
// another's. It also keeps the earliest expiry of an open grant, found
// again by a walk only after a grant that held it closed or moved.
type grantSet struct {
	list  []ledger.Grant
	idx   map[string]int // once there are more than fewRecords
	draws []ledger.Draw  // room for the Paid of the next grants
	// next is the earliest ExpiresAt of an open grant (zero for none),
	// unless stale.
	next  time.Time
	stale bool
}

// Draws a grant set allocates at once: the first chunk is small (most
// members have few grants) and each next one twice the last, up to
// maxDrawChunk.
const (
	minDrawChunk = 4
	maxDrawChunk = 256
)

// set inserts g, or replaces the grant with g's ID.
func (gs *grantSet) set(g ledger.Grant) {
	if i, ok := gs.find(g.ID); ok {
		old := &gs.list[i]
		g.Paid = gs.keepPaid(old.Paid, g.Paid)
		if expires(old) && !gs.stale && !old.ExpiresAt.After(gs.next) && !(expires(&g) && g.ExpiresAt.Equal(old.ExpiresAt)) {
			gs.stale = true // old held the earliest expiry, g does not
		}
		*old = g
		gs.noteExpiry(&g)
		return
	}
	g.Paid = gs.keepPaid(nil, g.Paid)
	if len(gs.list) == cap(gs.list) {
		// Twice the room, also past the 256 grants after which append
		// grows by less: a member with many grants copies each only once
		// or twice as they come.
		gs.list = slices.Grow(gs.list, max(len(gs.list), 1))
	}
	gs.list = append(gs.list, g)
	gs.noteExpiry(&g)
	switch n := len(gs.list); {
	case gs.idx != nil:
		gs.idx[g.ID] = n - 1
	case n > fewRecords:
		gs.idx = make(map[string]int, 2*n)
		for i := range gs.list {
			gs.idx[gs.list[i].ID] = i
		}
	}
}

// expires reports whether g is open with an expiry.
func expires(g *ledger.Grant) bool {
	return g.Status == ledger.GrantOpen && !g.ExpiresAt.IsZero()
}

// noteExpiry takes the kept grant g into the earliest open expiry.
func (gs *grantSet) noteExpiry(g *ledger.Grant) {
	if !gs.stale && expires(g) && (gs.next.IsZero() || g.ExpiresAt.Before(gs.next)) {
		gs.next = g.ExpiresAt
	}
}

// nextExpiry is the earliest ExpiresAt of an open grant, zero when no open
// grant expires.
func (gs *grantSet) nextExpiry() time.Time {
	if gs.stale {
		gs.next, gs.stale = time.Time{}, false
		for i := range gs.list {
			gs.noteExpiry(&gs.list[i])
		}
	}
	return gs.next
}

// keepPaid returns a copy of paid in the set's memory: in old (the Paid of
// the grant it replaces) when it fits, else in the set's room of draws. The
// caller's slice is never kept.
func (gs *grantSet) keepPaid(old, paid []ledger.Draw) []ledger.Draw {
	switch {
	case paid == nil:
		return nil
	case len(paid) == 0:
		return []ledger.Draw{}
	case len(paid) <= cap(old):
		old = old[:len(paid)]
		copy(old, paid)
		return old
	}
	if len(paid) > cap(gs.draws)-len(gs.draws) {
		n := min(max(2*cap(gs.draws), minDrawChunk), maxDrawChunk)
		gs.draws = make([]ledger.Draw, 0, max(n, len(paid)))
	}
	at := len(gs.draws)
	gs.draws = append(gs.draws, paid...)
	return gs.draws[at:len(gs.draws):len(gs.draws)]
}

func (gs *grantSet) find(id string) (int, bool) {
	if gs.idx != nil {
		i, ok := gs.idx[id]
		return i, ok
	}
	for i := range gs.list {
		if gs.list[i].ID == id {
			return i, true
		}
	}
	return 0, false
}

// load returns copies of the open grants when open, and of those ids name
// whatever their status, each once: the open ones in grant order, then the
// others in the order of ids.
func (gs *grantSet) load(open bool, ids []string) []ledger.Grant {
	var out []ledger.Grant
	if open {
		for i := range gs.list {
			if gs.list[i].Status == ledger.GrantOpen {
				out = append(out, gs.list[i])
				out[len(out)-1].Paid = slices.Clone(out[len(out)-1].Paid)
			}
		}
	}
next:
	for _, id := range ids {
		i, ok := gs.find(id)
		if !ok || open && gs.list[i].Status == ledger.GrantOpen {
			continue
		}
		for j := range out {
			if out[j].ID == id {
				continue next
			}
		}
		out = append(out, gs.list[i])
		out[len(out)-1].Paid = slices.Clone(out[len(out)-1].Paid)
	}
	return out
}
