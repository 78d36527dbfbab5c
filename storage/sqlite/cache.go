package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// The writer connection keeps, per program and member, the parts of its state every
// Load returns (member, version, balances, counters, next_due) as of a
// version: filled by a Load on that connection and moved on by each Commit
// there. A Load on the writer connection that finds the member cached reads
// only the member's stored version and the records it asks for, in one
// statement (peekSQL), and uses the cached parts when the stored version is
// the cached one: a version is only ever made by one write, so every part is
// as committed. A member written by someone else (another process, a host
// transaction) has moved on to another version, and is loaded in full.
// The cache is only touched under wmu.

// maxCached bounds the members cached; when full, the cache starts over.
const maxCached = 1 << 14

// cacheKey names a cached member: member IDs are per program.
type cacheKey struct{ program, member string }

type cachedMember struct {
	version  int64
	member   loyalty.Member
	balances []ledger.Balance
	counters []ledger.Counter
	nextDue  time.Time
}

// peekSQL reads a member's version and up to one order and one redemption
// record (NULL for none) as one row of one statement, so in one snapshot.
// Its arguments: program, member, order ID, program, member, redemption
// ID, program, member.
const peekSQL = `SELECT version,
		(SELECT j.order_record FROM loyalty_ledger AS o JOIN loyalty_journal AS j ON j.id = o.journal
			WHERE o.program = ? AND o.member_id = ? AND o.part = 3 AND o.name = ? AND o.seq = 0),
		(SELECT record FROM loyalty_ledger WHERE program = ? AND member_id = ? AND part = 6 AND name = ? AND seq = 0)
	FROM loyalty_ledger WHERE program = ? AND member_id = ? AND ` + memberRow

func cloneMember(m loyalty.Member) loyalty.Member {
	m.Segments = slices.Clone(m.Segments)
	m.Attributes = maps.Clone(m.Attributes)
	return m
}

// remember caches the core of st, just loaded on the writer connection.
// Called under wmu.
func (s *Store) remember(memberID string, st *loyalty.State) {
	if s.cache == nil || len(s.cache) >= maxCached {
		s.cache = make(map[cacheKey]*cachedMember)
	}
	s.cache[cacheKey{s.program, memberID}] = &cachedMember{
		version:  st.Version,
		member:   cloneMember(st.Member),
		balances: slices.Clone(st.Balances),
		counters: slices.Clone(st.Counters),
		nextDue:  st.NextDue,
	}
}

// peek loads from the cache; ok is false when it cannot (not cached, lots
// or grants wanted, more records than peekSQL reads, or the member moved on). Called
// under wmu, on the writer connection.
func (s *Store) peek(ctx context.Context, st *stmts, memberID string, q loyalty.Query) (state *loyalty.State, ok bool, err error) {
	key := cacheKey{s.program, memberID}
	c := s.cache[key]
	if c == nil || q.Lots || q.Grants || len(q.GrantIDs) > 0 || len(q.Orders) > 1 || len(q.Redemptions) > 1 ||
		!q.Now.IsZero() && !c.nextDue.IsZero() && !c.nextDue.After(q.Now) {
		return nil, false, nil
	}
	var order, redemption any
	if len(q.Orders) == 1 {
		order = q.Orders[0]
	}
	if len(q.Redemptions) == 1 {
		redemption = q.Redemptions[0]
	}
	rows, err := st.peek.QueryContext(ctx, s.program, memberID, order, s.program, memberID, redemption, s.program, memberID)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}
	state = &loyalty.State{}
	version := int64(-1)
	if rows.Next() {
		var o, r sql.RawBytes
		if err := rows.Scan(&version, &o, &r); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("sqlite: load %s: %w", memberID, err)
		}
		if o != nil {
			x, err := decodeOrder(o, q.Orders[0], memberID)
			if err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("sqlite: load %s: order %s: %w", memberID, q.Orders[0], err)
			}
			state.Orders = []ledger.OrderRecord{x}
		}
		if r != nil {
			x, err := decodeRedemption(r)
			if err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("sqlite: load %s: redemption %s: %w", memberID, q.Redemptions[0], err)
			}
			state.Redemptions = []ledger.RedemptionRecord{x}
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, false, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}
	if version != c.version {
		delete(s.cache, key)
		return nil, false, nil
	}
	state.Member = cloneMember(c.member)
	state.Version = c.version
	state.Balances = slices.Clone(c.balances)
	state.Counters = slices.Clone(c.counters)
	state.NextDue = c.nextDue
	return state, true, nil
}

// committed moves the cached member of c on to the version c just
// committed on the writer connection. Called under wmu.
func (s *Store) committed(c *loyalty.Change, a *encoded) {
	key := cacheKey{s.program, c.MemberID}
	m := s.cache[key]
	if m == nil {
		return
	}
	if m.version != c.Version || c.Version == 0 {
		delete(s.cache, key)
		return
	}
	if a.profile != nil {
		var p loyalty.Member
		if err := decodeMember(a.profile, &p); err != nil {
			delete(s.cache, key)
			return
		}
		m.member = p
	}
	for _, d := range a.deltas {
		i, found := slices.BinarySearchFunc(m.balances, d.Account, func(b ledger.Balance, a ledger.Account) int {
			return cmp.Compare(string(b.Account), string(a))
		})
		b := ledger.Balance{Account: d.Account}
		if found {
			b = m.balances[i]
		}
		if j := slices.IndexFunc(c.Balances, func(x ledger.Balance) bool { return x.Account == d.Account }); j >= 0 {
			b.Available, b.Pending = c.Balances[j].Available, c.Balances[j].Pending
		} else {
			var ok1, ok2 bool
			b.Available, ok1 = add(b.Available, d.Available)
			b.Pending, ok2 = add(b.Pending, d.Pending)
			if !ok1 || !ok2 {
				delete(s.cache, key)
				return
			}
		}
		if found {
			m.balances[i] = b
		} else {
			m.balances = slices.Insert(m.balances, i, b)
		}
	}
	for _, k := range c.Counters {
		i, found := slices.BinarySearchFunc(m.counters, k.Name, func(x ledger.Counter, n string) int {
			return cmp.Compare(x.Name, n)
		})
		x := ledger.Counter{Name: k.Name, PeriodKey: k.PeriodKey, Value: k.Value}
		if found {
			m.counters[i] = x
		} else {
			m.counters = slices.Insert(m.counters, i, x)
		}
	}
	m.nextDue = timeOf(nullTime(c.NextDue))
	m.version = c.Version + 1
}

func nullTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}
