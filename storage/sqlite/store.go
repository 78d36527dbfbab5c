package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

// ErrUnbalanced is loyalty.ErrUnbalanced, which Commit returns, writing
// nothing, for a change whose planned balance of an account is not the
// stored balance plus the sum of the change's entries in that account.
//
// Deprecated: use loyalty.ErrUnbalanced, which every store returns.
var ErrUnbalanced = loyalty.ErrUnbalanced

var (
	_ loyalty.MemberLister    = (*Store)(nil)
	_ loyalty.MemberLister    = (*txStore)(nil)
	_ loyalty.HistoryReverser = (*Store)(nil)
	_ loyalty.HistoryReverser = (*txStore)(nil)
)

// Load implements loyalty.Store. It reads with one statement, so the state
// is a snapshot as of one committed version.
func (s *Store) Load(ctx context.Context, memberID string, q loyalty.Query) (*loyalty.State, error) {
	if err := storage.CheckLoad(memberID, q); err != nil {
		return nil, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	// The writer connection's page cache holds what the last commits wrote;
	// a pooled reader would read it back from the WAL.
	if s.wmu.TryLock() {
		defer s.wmu.Unlock()
		if s.wc != nil {
			if st, ok, err := s.peek(ctx, p.w, memberID, q); ok || err != nil {
				return st, err
			}
			st, err := load(ctx, p.w, nil, s.program, memberID, q)
			if err == nil {
				s.remember(memberID, st)
			}
			return st, err
		}
	}
	return load(ctx, p.r, nil, s.program, memberID, q)
}

// Commit implements loyalty.Store: one IMMEDIATE transaction on the write
// connection, committed with a WAL fsync before it returns.
func (s *Store) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	a, err := encodeChange(c, s.program)
	if err != nil {
		return nil, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wc == nil {
		return nil, errors.New("sqlite: store is closed")
	}
	if _, err := p.w.begin.ExecContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
	}
	r, err := txn{ctx, nil, p.w, s.program}.commit(c, a)
	if err == nil {
		// COMMIT runs to the end even if ctx is done by now: the change is
		// complete, and a caller who gave up retries the key and is told.
		if _, err = p.w.commit.ExecContext(context.Background()); err != nil {
			err = fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
		}
	}
	if err != nil {
		// After a refusal, a failed statement or COMMIT the transaction may
		// still be open; after some errors SQLite has already rolled it back.
		p.w.rollback.ExecContext(context.Background())
		return nil, err
	}
	s.committed(c, a)
	return r, nil
}

// Receipt implements loyalty.Store.
func (s *Store) Receipt(ctx context.Context, key string) (*loyalty.Receipt, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return txn{ctx, nil, p.r, s.program}.receipt(key)
}

// History implements loyalty.Store.
func (s *Store) History(ctx context.Context, memberID string, after ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return txn{ctx, nil, p.r, s.program}.history(memberID, after, limit)
}

// HistoryBefore implements loyalty.HistoryReverser: newest first, read
// backwards through the member's writes in the ledger's key.
func (s *Store) HistoryBefore(ctx context.Context, memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return txn{ctx, nil, p.r, s.program}.historyBefore(memberID, before, limit)
}

// Members implements loyalty.MemberLister: member IDs in byte order.
func (s *Store) Members(ctx context.Context, after string, limit int) ([]string, error) {
	if err := storage.CheckMember(after); err != nil {
		return nil, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return members(ctx, p.r.members, s.program, after, limit)
}

func members(ctx context.Context, st *sql.Stmt, program, after string, limit int) ([]string, error) {
	rows, err := st.QueryContext(ctx, after, max(limit, 0), program)
	if err != nil {
		return nil, fmt.Errorf("sqlite: members: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: members: %w", err)
		}
		ids = append(ids, id)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("sqlite: members: %w", err)
	}
	return ids, nil
}

// txStore is the view InTx returns: every call runs on the host's transaction.
type txStore struct {
	s       *Store
	tx      *sql.Tx
	program string
}

func (t *txStore) txn(ctx context.Context) (txn, error) {
	p, err := t.s.prepared(ctx)
	if err != nil {
		return txn{}, err
	}
	return txn{ctx, t.tx, p.h, t.program}, nil
}

func (t *txStore) Load(ctx context.Context, memberID string, q loyalty.Query) (*loyalty.State, error) {
	if err := storage.CheckLoad(memberID, q); err != nil {
		return nil, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return load(ctx, x.st, x.tx, t.program, memberID, q)
}

// Commit runs in a savepoint of the host's transaction, so a rejected change
// leaves the transaction as it found it.
func (t *txStore) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	a, err := encodeChange(c, t.program)
	if err != nil {
		return nil, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT loyalty_commit`); err != nil {
		return nil, fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
	}
	r, err := x.commit(c, a)
	if err != nil {
		// Undo what the change wrote; the savepoint stays open until released.
		// A background context: the undo must run even if ctx is done.
		_, rerr := t.tx.ExecContext(context.Background(), `ROLLBACK TO loyalty_commit`)
		if rerr == nil {
			_, rerr = t.tx.ExecContext(context.Background(), `RELEASE loyalty_commit`)
		}
		if rerr != nil {
			return nil, fmt.Errorf("%w (and undoing it failed: %v; roll the transaction back)", err, rerr)
		}
		return nil, err
	}
	if _, err := t.tx.ExecContext(ctx, `RELEASE loyalty_commit`); err != nil {
		return nil, fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
	}
	return r, nil
}

func (t *txStore) Receipt(ctx context.Context, key string) (*loyalty.Receipt, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return x.receipt(key)
}

func (t *txStore) Members(ctx context.Context, after string, limit int) ([]string, error) {
	if err := storage.CheckMember(after); err != nil {
		return nil, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return members(ctx, x.stmt(x.st.members), t.program, after, limit)
}

func (t *txStore) History(ctx context.Context, memberID string, after ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return x.history(memberID, after, limit)
}

func (t *txStore) HistoryBefore(ctx context.Context, memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return x.historyBefore(memberID, before, limit)
}

// txn runs the statements of st: on the host's transaction tx, or, when tx
// is nil, as they are (on the writer connection, in the transaction Commit
// began, or on the read pool).
type txn struct {
	ctx     context.Context
	tx      *sql.Tx
	st      *stmts
	program string
}

func (t txn) stmt(s *sql.Stmt) *sql.Stmt {
	if t.tx == nil {
		return s
	}
	return t.tx.StmtContext(t.ctx, s)
}

// load runs a load statement (see loadSQL) of st and assembles its rows.
// In a host transaction, tx is that transaction.
func load(ctx context.Context, st *stmts, tx *sql.Tx, program, memberID string, q loyalty.Query) (*loyalty.State, error) {
	var now any
	if !q.Now.IsZero() {
		now = q.Now.UnixMicro()
	}
	var (
		stmt = st.load
		args [8]any
	)
	args[0], args[1], args[2] = memberID, q.Lots, now
	args[5], args[6] = program, q.Grants
	if len(q.GrantIDs) > 0 {
		var err error
		if args[7], err = idList(q.GrantIDs); err != nil {
			return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
		}
	}
	if len(q.Orders) <= loadIDs && len(q.Redemptions) <= loadIDs {
		for i, id := range q.Orders {
			args[3+i] = id
		}
		for i, id := range q.Redemptions {
			args[3+loadIDs+i] = id
		}
	} else {
		stmt = st.loadMany
		var err error
		if args[3], err = idList(q.Orders); err == nil {
			args[4], err = idList(q.Redemptions)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
		}
	}
	if tx != nil {
		stmt = tx.StmtContext(ctx, stmt)
	}
	rows, err := stmt.QueryContext(ctx, args[:]...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}
	state, err := scanState(rows, memberID, q)
	if cerr := closeRows(rows); err == nil && cerr != nil {
		err = fmt.Errorf("sqlite: load %s: %w", memberID, cerr)
	}
	if err != nil {
		return nil, err
	}
	return state, nil
}

// idList encodes ids as a JSON array for json_each, nil for none.
func idList(ids []string) (any, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func scanState(rows *sql.Rows, memberID string, q loyalty.Query) (*loyalty.State, error) {
	var (
		st             = &loyalty.State{}
		found          bool
		part           int
		name, t1, t2   sql.RawBytes
		i1, i2, i3, i4 sql.NullInt64
		i5             sql.NullInt64
		points         *ledger.Balance
	)
	if q.Lots {
		st.Lots = make([]ledger.Lot, 0, 4)
	}
	for rows.Next() {
		if err := rows.Scan(&part, &name, &t1, &t2, &i1, &i2, &i3, &i4, &i5); err != nil {
			return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
		}
		switch part {
		case partMember:
			found = true
			if err := decodeMember(t1, &st.Member); err != nil {
				return nil, fmt.Errorf("sqlite: load %s: profile: %w", memberID, err)
			}
			st.Version, st.NextDue = i1.Int64, timeOf(i2)
			if i3.Valid { // the member row holds the points balance
				points = &ledger.Balance{Account: ledger.PointsAccount, Available: i3.Int64, Pending: i4.Int64}
			}
			// The lots are read when next_due has come, and then an empty
			// list must still say "read".
			if !q.Now.IsZero() && !st.NextDue.IsZero() && !st.NextDue.After(q.Now) && st.Lots == nil {
				st.Lots = make([]ledger.Lot, 0, 4)
			}
		case partBalance:
			st.Balances = append(st.Balances, ledger.Balance{Account: ledger.Account(name), Available: i1.Int64, Pending: i2.Int64})
		case partCounter:
			st.Counters = append(st.Counters, ledger.Counter{Name: string(name), PeriodKey: string(t1), Value: i1.Int64})
		case partLot:
			st.Lots = append(st.Lots, ledger.Lot{ID: i1.Int64, MemberID: memberID, Account: ledger.Account(t1), Remaining: i2.Int64,
				EarnedAt: timeOf(i3), ExpiresAt: timeOf(i4), ActivatesAt: timeOf(i5), Ref: string(t2)})
		case partOrder:
			o, err := decodeOrder(t1, string(name), memberID)
			if err != nil {
				return nil, fmt.Errorf("sqlite: load %s: order %s: %w", memberID, name, err)
			}
			st.Orders = append(st.Orders, o)
		case partRedemption:
			r, err := decodeRedemption(t1)
			if err != nil {
				return nil, fmt.Errorf("sqlite: load %s: redemption %s: %w", memberID, name, err)
			}
			st.Redemptions = append(st.Redemptions, r)
		case partGrant:
			g, err := decodeGrant(t1)
			if err != nil {
				return nil, fmt.Errorf("sqlite: load %s: grant %s: %w", memberID, name, err)
			}
			st.Grants = append(st.Grants, g)
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
	}
	// Each part comes in primary-key order, lots oldest first, balances by
	// account (the points balance, from the member row, in its place);
	// records are handed over in the order asked for.
	if points != nil {
		i, _ := slices.BinarySearchFunc(st.Balances, points.Account, func(b ledger.Balance, a ledger.Account) int {
			return cmp.Compare(string(b.Account), string(a))
		})
		st.Balances = slices.Insert(st.Balances, i, *points)
	}
	if len(st.Orders) > 1 {
		slices.SortStableFunc(st.Orders, func(x, y ledger.OrderRecord) int {
			return slices.Index(q.Orders, x.ID) - slices.Index(q.Orders, y.ID)
		})
	}
	if len(st.Redemptions) > 1 {
		slices.SortStableFunc(st.Redemptions, func(x, y ledger.RedemptionRecord) int {
			return slices.Index(q.Redemptions, x.ID) - slices.Index(q.Redemptions, y.ID)
		})
	}
	return st, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	return errors.Join(err, rows.Close())
}

// encoded holds what Commit writes that is encoded before the transaction
// begins, so the write lock is held for SQL only.
type encoded struct {
	profile []byte
	deltas  []ledger.Balance // per account, the sum of the entries
	// putRows arguments, and the kind of each row: the write's journal rows
	// (entries, receipt, order records), then its ledger rows (order IDs,
	// redemption records, open lots, counters, the write row).
	journal, rows []any
	jshape, shape []byte
	ids           []journalRef // in rows, journal row IDs Commit fills in
	closed        []int64      // lots whose remaining is zero
	journalOrders int          // where order records after the first are, in the journal rows
}

// journalRef says that rows[at] is the ID of the write's journal row n
// (counted from 0; lastRow for its last one).
type journalRef struct {
	at int
	n  int
}

const lastRow = -1

func encodeChange(c *loyalty.Change, program string) (*encoded, error) {
	// The shape every store checks; the balances are checked against the
	// stored ones by the statements that move them.
	if err := storage.CheckShape(c); err != nil {
		return nil, err
	}
	var (
		a   encoded
		err error
	)
	receipt, err := encodeReceipt(c.Receipt, c)
	if err != nil {
		return nil, fmt.Errorf("sqlite: commit %q: receipt: %w", c.Key, err)
	}
	if c.Member != nil {
		if a.profile, err = encodeMember(c.Member); err != nil {
			return nil, fmt.Errorf("sqlite: commit %q: member: %w", c.Key, err)
		}
	}
	orders := make([]any, len(c.Orders))
	for i := range c.Orders {
		b, err := encodeOrder(&c.Orders[i], c.MemberID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: commit %q: order %s: %w", c.Key, c.Orders[i].ID, err)
		}
		orders[i] = string(b)
	}
	var order0 any // the first order record, in the first journal row
	if len(orders) > 0 {
		order0 = orders[0]
	}
	delta := func(acc ledger.Account) *ledger.Balance {
		for i := range a.deltas {
			if a.deltas[i].Account == acc {
				return &a.deltas[i]
			}
		}
		a.deltas = append(a.deltas, ledger.Balance{Account: acc})
		return &a.deltas[len(a.deltas)-1]
	}
	for i := range c.Entries {
		e := &c.Entries[i]
		d := delta(e.Account)
		var ok1, ok2 bool
		if d.Available, ok1 = add(d.Available, e.Amount); ok1 {
			d.Pending, ok2 = add(d.Pending, e.Pending)
		}
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("sqlite: commit %q: %w: entries of %s", c.Key, loyalty.ErrOverflow, e.Account)
		}
	}
	for _, b := range c.Balances {
		delta(b.Account)
	}

	// The journal rows. The receipt (and the first order record) is in the
	// row of the change's first entry, or in a row of its own before them.
	version := c.Version + 1
	a.journal = make([]any, 0, 5+14*len(c.Entries)+4*len(c.Orders))
	a.jshape = make([]byte, 0, 1+len(c.Entries)+len(c.Orders))
	inEntry := len(c.Entries) > 0 && c.Entries[0].ID.Index == 0
	if !inEntry {
		a.journal = append(a.journal, program, c.MemberID, version, string(receipt), c.Fingerprint, order0)
		a.jshape = append(a.jshape, rowReceipt)
	}
	for i := range c.Entries {
		e := &c.Entries[i]
		a.journal = append(a.journal, program, c.MemberID, e.ID.Version, e.ID.Index, string(e.Account), e.Ref,
			string(e.Kind), e.Amount, e.Pending, timeArg(e.At), e.Key, e.Source, e.Lot, e.Rate, e.Note)
		if i == 0 && inEntry {
			a.journal = append(a.journal, string(receipt), c.Fingerprint, order0)
			a.jshape = append(a.jshape, rowEntryReceipt)
			continue
		}
		a.jshape = append(a.jshape, rowEntry)
	}
	a.journalOrders = len(a.jshape)
	for i := 1; i < len(orders); i++ {
		a.journal = append(a.journal, program, c.MemberID, version, orderIdx-int64(i-1), orders[i])
		a.jshape = append(a.jshape, rowOrderRecord)
	}

	// The ledger rows.
	a.rows = make([]any, 0, 5+9*len(c.Lots)+5*len(c.Counters)+4*(len(c.Orders)+len(c.Redemptions))+6*len(c.Grants))
	a.shape = make([]byte, 0, 1+len(c.Lots)+len(c.Counters)+len(c.Orders)+len(c.Redemptions)+len(c.Grants))
	for i := range c.Orders {
		n := 0
		if i > 0 {
			n = a.journalOrders + i - 1
		}
		a.rows = append(a.rows, program, c.MemberID, c.Orders[i].ID, nil)
		a.ids = append(a.ids, journalRef{len(a.rows) - 1, n})
		a.shape = append(a.shape, rowOrder)
	}
	for i := range c.Redemptions {
		b, err := encodeRedemption(&c.Redemptions[i])
		if err != nil {
			return nil, fmt.Errorf("sqlite: commit %q: redemption %s: %w", c.Key, c.Redemptions[i].ID, err)
		}
		a.rows = append(a.rows, program, c.MemberID, c.Redemptions[i].ID, string(b))
		a.shape = append(a.shape, rowRedemption)
	}
	for i := range c.Grants {
		g := &c.Grants[i]
		b, err := encodeGrant(g)
		if err != nil {
			return nil, fmt.Errorf("sqlite: commit %q: grant %s: %w", c.Key, g.ID, err)
		}
		a.rows = append(a.rows, program, c.MemberID, g.ID, timeArg(g.ExpiresAt), string(b), string(g.Status))
		a.shape = append(a.shape, rowGrant)
	}
	for i := range c.Lots {
		l := &c.Lots[i]
		switch {
		case l.Remaining < 0:
			return nil, fmt.Errorf("sqlite: commit %q: lot %d: remaining %d is negative", c.Key, l.ID, l.Remaining)
		case l.Remaining == 0:
			a.closed = append(a.closed, l.ID)
		default:
			a.rows = append(a.rows, program, c.MemberID, l.ID, string(l.Account), l.Remaining,
				timeArg(l.EarnedAt), timeArg(l.ExpiresAt), timeArg(l.ActivatesAt), l.Ref)
			a.shape = append(a.shape, rowLot)
		}
	}
	for _, k := range c.Counters {
		a.rows = append(a.rows, program, c.MemberID, k.Name, k.PeriodKey, k.Value)
		a.shape = append(a.shape, rowCounter)
	}
	a.rows = append(a.rows, program, c.MemberID, -version, nil, nil)
	a.ids = append(a.ids, journalRef{len(a.rows) - 2, 0}, journalRef{len(a.rows) - 1, lastRow})
	a.shape = append(a.shape, rowWrite)
	return &a, nil
}

func add(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

// commit applies c in t and returns c.Receipt; it writes nothing and
// returns an error when it refuses c, a *loyalty.KeyCommittedError with the
// first receipt when c.Key was committed before.
func (t txn) commit(c *loyalty.Change, a *encoded) (*loyalty.Receipt, error) {
	ctx := t.ctx
	fail := func(err error) (*loyalty.Receipt, error) {
		return nil, fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
	}

	// The idempotency record goes first: one statement settles both "new
	// key" and "committed key".
	res, err := t.stmt(t.st.insertWrite).ExecContext(ctx, t.program, c.Key, c.MemberID, c.Version+1)
	if err != nil {
		return fail(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail(err)
	} else if n == 0 {
		w, err := t.write(c.Key)
		if err != nil {
			return fail(err)
		}
		r, err := decodeReceipt(w, t.entriesOf)
		if err != nil {
			return fail(err)
		}
		// The Engine, not the store, tells a replay from a reuse.
		return nil, &loyalty.KeyCommittedError{Receipt: r}
	}

	// The version check and the member row with its points balance, then
	// the other balances.
	if err := t.moveMember(c, a); err != nil {
		return nil, err
	}
	for _, d := range a.deltas {
		if d.Account == ledger.PointsAccount {
			continue
		}
		if err := t.moveBalance(c, d); err != nil {
			return nil, err
		}
	}
	if err := t.claimOrders(c); err != nil {
		return nil, err
	}
	// Shared state, decided here, inside the transaction: writes are
	// serialised, so of changes racing for the last unit one takes it.
	if err := t.applyShared(c); err != nil {
		return nil, err
	}
	// Entries are of the version this change creates: its write row's
	// journal rows are read back as that version's entries.
	for i := range c.Entries {
		if e := &c.Entries[i]; e.ID.Version != c.Version+1 {
			return fail(fmt.Errorf("entry %d/%d is not of version %d, which the change creates", e.ID.Version, e.ID.Index, c.Version+1))
		}
	}
	// The journal rows, then the ledger rows that say which they are.
	last, err := t.put(a.journal, string(a.jshape))
	if err != nil {
		return fail(fmt.Errorf("journal rows: %w", err))
	}
	first := last - int64(len(a.jshape)) + 1
	for _, r := range a.ids {
		if r.n == lastRow {
			a.rows[r.at] = last
		} else {
			a.rows[r.at] = first + int64(r.n)
		}
	}
	if _, err := t.put(a.rows, string(a.shape)); err != nil {
		return fail(fmt.Errorf("ledger rows: %w", err))
	}
	for _, id := range a.closed {
		if _, err := t.stmt(t.st.deleteLot).ExecContext(ctx, t.program, c.MemberID, id); err != nil {
			return fail(fmt.Errorf("lot %d: %w", id, err))
		}
	}
	return c.Receipt, nil
}

// claimOrders claims for c's member every order ID c records that it has
// no record of, and returns a *loyalty.OrderOwnerError when another member
// holds one: an order ID is unique in the store. Writes are serialised, so
// the claim and the check are one decision.
func (t txn) claimOrders(c *loyalty.Change) error {
	for i := range c.Orders {
		id := c.Orders[i].ID
		res, err := t.stmt(t.st.claimOrder).ExecContext(t.ctx, id, c.MemberID, t.program)
		if err != nil {
			return fmt.Errorf("sqlite: commit %q: order %s: %w", c.Key, id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlite: commit %q: order %s: %w", c.Key, id, err)
		} else if n == 1 {
			continue
		}
		var owner string
		err = t.stmt(t.st.orderOwner).QueryRowContext(t.ctx, id, c.MemberID, t.program).Scan(&owner)
		switch {
		case errors.Is(err, sql.ErrNoRows): // the member's own order, or claimed for it
		case err != nil:
			return fmt.Errorf("sqlite: commit %q: order %s: %w", c.Key, id, err)
		default:
			return &loyalty.OrderOwnerError{OrderID: id, MemberID: c.MemberID, Owner: owner}
		}
	}
	return nil
}

// put writes rows of shape, all journal rows or all ledger rows, with as
// few statements as it can; last is the rowid of the last one (journal
// rows are given consecutive ones, in order).
func (t txn) put(rows []any, shape string) (last int64, err error) {
	for len(shape) > 0 {
		n := min(len(shape), maxRows)
		k := 0
		for i := range n {
			k += rowArgs[shape[i]]
		}
		st, done, err := t.st.putRows(t.ctx, shape[:n])
		if err != nil {
			return 0, err
		}
		res, err := t.stmt(st).ExecContext(t.ctx, rows[:k]...)
		done()
		if err != nil {
			return 0, err
		}
		if last, err = res.LastInsertId(); err != nil {
			return 0, err
		}
		rows, shape = rows[k:], shape[n:]
	}
	return last, nil
}

// moveMember checks the member's version and moves it to c.Version+1 with
// the member row, and with it the points balance, which the member row
// holds: when c plans one, only if the stored one is what c started from
// (an UPDATE rewrites the whole row, so a second one for the balance would
// cost as much again). The other balances move after it, each by a
// statement of its own.
func (t txn) moveMember(c *loyalty.Change, a *encoded) error {
	ctx := t.ctx
	fail := func(err error) error { return fmt.Errorf("sqlite: commit %q: %w", c.Key, err) }
	due := timeArg(c.NextDue)
	var profile any
	if a.profile != nil {
		profile = a.profile
	}
	// The points balance: moved by d; when planned, from was to want.
	d, moved := ledger.Balance{}, false
	for _, x := range a.deltas {
		if x.Account == ledger.PointsAccount {
			d, moved = x, true
		}
	}
	i := slices.IndexFunc(c.Balances, func(b ledger.Balance) bool { return b.Account == ledger.PointsAccount })
	var want ledger.Balance
	var wasA, wasP int64
	if i >= 0 {
		want = c.Balances[i]
		var err error
		if wasA, wasP, err = before(c, d, want); err != nil {
			return err
		}
	}
	if c.Version == 0 {
		if c.Member == nil {
			return fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, c.MemberID)
		}
		var available, pending any // no points balance
		switch {
		case i >= 0:
			available, pending = want.Available, want.Pending
		case moved:
			available, pending = d.Available, d.Pending
		}
		res, err := t.stmt(t.st.insertMember).ExecContext(ctx, t.program, c.MemberID, a.profile, due, available, pending)
		if err != nil {
			return fail(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fail(err)
		} else if n == 0 {
			return fmt.Errorf("%w: member %s exists; the change was planned for a new one", loyalty.ErrConflict, c.MemberID)
		}
		if i >= 0 && (wasA != 0 || wasP != 0) { // the transaction is rolled back
			return fmt.Errorf("%w: commit %q: %s planned %d available, %d pending; stored none, plus entries %d, %d",
				ErrUnbalanced, c.Key, ledger.PointsAccount, want.Available, want.Pending, d.Available, d.Pending)
		}
		return nil
	}
	var (
		res sql.Result
		err error
	)
	switch {
	case i >= 0:
		res, err = t.stmt(t.st.updateMemberPoints).ExecContext(ctx, c.Version+1, due, profile, want.Available, want.Pending,
			t.program, c.MemberID, c.Version, wasA, wasP)
	case moved: // nothing planned: just move it
		res, err = t.stmt(t.st.moveMemberPoints).ExecContext(ctx, c.Version+1, due, profile, d.Available, d.Pending,
			t.program, c.MemberID, c.Version)
	default:
		res, err = t.stmt(t.st.updateMember).ExecContext(ctx, c.Version+1, due, profile, t.program, c.MemberID, c.Version)
	}
	if err != nil {
		return fail(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail(err)
	} else if n == 0 {
		return t.notAt(c, d, want)
	}
	return nil
}

// notAt explains why the member row was not at c.Version with the points
// balance c planned (want, moved there by d).
func (t txn) notAt(c *loyalty.Change, d, want ledger.Balance) error {
	var (
		version    int64
		have       ledger.Balance
		avail, pen sql.NullInt64
	)
	err := t.stmt(t.st.version).QueryRowContext(t.ctx, t.program, c.MemberID).Scan(&version, &avail, &pen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, c.MemberID)
	case err != nil:
		return fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
	case version != c.Version:
		return fmt.Errorf("%w: member %s changed since version %d", loyalty.ErrConflict, c.MemberID, c.Version)
	}
	have.Available, have.Pending = avail.Int64, pen.Int64
	return fmt.Errorf("%w: commit %q: %s planned %d available, %d pending; stored %d, %d plus entries %d, %d",
		ErrUnbalanced, c.Key, ledger.PointsAccount, want.Available, want.Pending, have.Available, have.Pending, d.Available, d.Pending)
}

// before returns the balance c expects the account of d to have before it:
// what it plans minus the sum of its entries.
func before(c *loyalty.Change, d, want ledger.Balance) (wasA, wasP int64, err error) {
	wasA, ok1 := add(want.Available, -d.Available)
	wasP, ok2 := add(want.Pending, -d.Pending)
	if !ok1 || !ok2 || d.Available == math.MinInt64 || d.Pending == math.MinInt64 {
		return 0, 0, fmt.Errorf("sqlite: commit %q: %w: balance %s", c.Key, loyalty.ErrOverflow, d.Account)
	}
	return wasA, wasP, nil
}

// moveBalance moves c's member's balance in d.Account by d (the sum of the
// change's entries there) and checks it lands where c planned.
func (t txn) moveBalance(c *loyalty.Change, d ledger.Balance) error {
	i := slices.IndexFunc(c.Balances, func(b ledger.Balance) bool { return b.Account == d.Account })
	if i < 0 { // nothing planned: just move it
		if _, err := t.stmt(t.st.addBalance).ExecContext(t.ctx, t.program, c.MemberID, string(d.Account), d.Available, d.Pending); err != nil {
			return fmt.Errorf("sqlite: commit %q: balance %s: %w", c.Key, d.Account, err)
		}
		return nil
	}
	want := c.Balances[i]
	wasA, wasP, err := before(c, d, want)
	if err != nil {
		return err
	}
	res, err := t.stmt(t.st.setBalance).ExecContext(t.ctx, want.Available, want.Pending, t.program, c.MemberID, string(d.Account), wasA, wasP)
	if err != nil {
		return fmt.Errorf("sqlite: commit %q: balance %s: %w", c.Key, d.Account, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: commit %q: balance %s: %w", c.Key, d.Account, err)
	} else if n == 1 {
		return nil
	}
	// No row held the balance the plan started from: a new account, or a
	// plan that does not add up.
	var have ledger.Balance
	err = t.stmt(t.st.balance).QueryRowContext(t.ctx, t.program, c.MemberID, string(d.Account)).Scan(&have.Available, &have.Pending)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if wasA == 0 && wasP == 0 {
			if _, err := t.stmt(t.st.insertBalance).ExecContext(t.ctx, t.program, c.MemberID, string(d.Account), want.Available, want.Pending); err != nil {
				return fmt.Errorf("sqlite: commit %q: balance %s: %w", c.Key, d.Account, err)
			}
			return nil
		}
	case err != nil:
		return fmt.Errorf("sqlite: commit %q: balance %s: %w", c.Key, d.Account, err)
	}
	return fmt.Errorf("%w: commit %q: %s planned %d available, %d pending; stored %d, %d plus entries %d, %d",
		ErrUnbalanced, c.Key, d.Account, want.Available, want.Pending, have.Available, have.Pending, d.Available, d.Pending)
}

func (t txn) receipt(key string) (*loyalty.Receipt, error) {
	w, err := t.write(key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: receipt %q", loyalty.ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: receipt %q: %w", key, err)
	}
	r, err := decodeReceipt(w, t.entriesOf)
	if err != nil {
		return nil, fmt.Errorf("sqlite: receipt %q: %w", key, err)
	}
	return r, nil
}

// write reads the idempotency record of key and its receipt; it returns
// sql.ErrNoRows when there is none.
func (t txn) write(key string) (storedWrite, error) {
	w := storedWrite{key: key}
	var fingerprint, receipt sql.NullString
	err := t.stmt(t.st.selectWrite).QueryRowContext(t.ctx, t.program, key).Scan(&fingerprint, &w.member, &w.version, &receipt)
	if err == nil && !receipt.Valid {
		err = fmt.Errorf("the receipt of %s version %d is missing", w.member, w.version)
	}
	w.fingerprint, w.receipt = fingerprint.String, []byte(receipt.String)
	return w, err
}

// entriesOf reads the entries the write that took member to version made.
func (t txn) entriesOf(member string, version int64) ([]ledger.Entry, error) {
	rows, err := t.stmt(t.st.entries).QueryContext(t.ctx, t.program, member, version)
	if err != nil {
		return nil, err
	}
	es, err := scanEntries(rows, member)
	return es, errors.Join(err, closeRows(rows))
}

func scanEntries(rows *sql.Rows, member string) ([]ledger.Entry, error) {
	var es []ledger.Entry
	for rows.Next() {
		e := ledger.Entry{MemberID: member}
		var at sql.NullInt64
		if err := rows.Scan(&e.ID.Version, &e.ID.Index, &e.Account, &e.Kind, &e.Amount, &e.Pending, &at,
			&e.Key, &e.Source, &e.Ref, &e.Lot, &e.Rate, &e.Note); err != nil {
			return nil, err
		}
		e.At = timeOf(at)
		es = append(es, e)
	}
	return es, nil
}

func (t txn) history(memberID string, after ledger.EntryID, limit int) ([]ledger.Entry, error) {
	return t.page(t.st.history, memberID, after, limit)
}

func (t txn) historyBefore(memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if before == (ledger.EntryID{}) {
		before = ledger.EntryID{Version: math.MaxInt64}
	}
	return t.page(t.st.historyBefore, memberID, before, limit)
}

// page reads a page of history with statement q from cursor c.
func (t txn) page(q *sql.Stmt, memberID string, c ledger.EntryID, limit int) ([]ledger.Entry, error) {
	rows, err := t.stmt(q).QueryContext(t.ctx, memberID, c.Version, c.Index, max(limit, 0), t.program)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history %s: %w", memberID, err)
	}
	es, err := scanEntries(rows, memberID)
	if err := errors.Join(err, closeRows(rows)); err != nil {
		return nil, fmt.Errorf("sqlite: history %s: %w", memberID, err)
	}
	if len(es) == 0 {
		var one int
		err := t.stmt(t.st.exists).QueryRowContext(t.ctx, t.program, memberID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: history %s: %w", memberID, err)
		}
	}
	return es, nil
}
