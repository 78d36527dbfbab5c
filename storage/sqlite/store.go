package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/loyaltykit/loyalty"
)

// ErrUnbalanced is returned by Commit, which then writes nothing, when a
// change's planned balance of an account is not the stored balance plus the
// sum of the change's entries in that account. It means a bug in the planner
// that made the change: the ledger keeps balance = sum of entries, always.
var ErrUnbalanced = errors.New("sqlite: change's balances are not the sum of its entries")

var (
	_ loyalty.MemberLister = (*Store)(nil)
	_ loyalty.MemberLister = (*txStore)(nil)
)

// Load implements loyalty.Store. It reads in one read transaction, so the
// state is a snapshot as of one committed version.
func (s *Store) Load(ctx context.Context, memberID string, q loyalty.Query) (*loyalty.State, error) {
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}
	defer tx.Rollback()
	return txn{ctx, tx, p.r}.load(memberID, q)
}

// Commit implements loyalty.Store: one IMMEDIATE transaction on the write
// connection, committed with a WAL fsync before it returns.
func (s *Store) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	a, err := encodeChange(c)
	if err != nil {
		return nil, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return nil, fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
	}
	r, wrote, err := txn{ctx, tx, p.w}.commit(c, a)
	if err != nil || !wrote {
		tx.Rollback()
		return r, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
	}
	return r, nil
}

// Receipt implements loyalty.Store.
func (s *Store) Receipt(ctx context.Context, key string) (*loyalty.Receipt, error) {
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return receipt(ctx, p.r.receipt, key)
}

// History implements loyalty.Store.
func (s *Store) History(ctx context.Context, memberID string, after loyalty.EntryID, limit int) ([]loyalty.Entry, error) {
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: history %s: %w", memberID, err)
	}
	defer tx.Rollback()
	return txn{ctx, tx, p.r}.history(memberID, after, limit)
}

// Members implements loyalty.MemberLister: member IDs in byte order.
func (s *Store) Members(ctx context.Context, after string, limit int) ([]string, error) {
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return members(ctx, p.r.members, after, limit)
}

func members(ctx context.Context, st *sql.Stmt, after string, limit int) ([]string, error) {
	rows, err := st.QueryContext(ctx, after, max(limit, 0))
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
	s  *Store
	tx *sql.Tx
}

func (t *txStore) txn(ctx context.Context) (txn, error) {
	p, err := t.s.prepared(ctx)
	if err != nil {
		return txn{}, err
	}
	return txn{ctx, t.tx, p.w}, nil
}

func (t *txStore) Load(ctx context.Context, memberID string, q loyalty.Query) (*loyalty.State, error) {
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return x.load(memberID, q)
}

// Commit runs in a savepoint of the host's transaction, so a rejected change
// leaves the transaction as it found it.
func (t *txStore) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	a, err := encodeChange(c)
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
	r, _, err := x.commit(c, a)
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
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return receipt(ctx, x.stmt(x.st.receipt), key)
}

func (t *txStore) Members(ctx context.Context, after string, limit int) ([]string, error) {
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return members(ctx, x.stmt(x.st.members), after, limit)
}

func (t *txStore) History(ctx context.Context, memberID string, after loyalty.EntryID, limit int) ([]loyalty.Entry, error) {
	x, err := t.txn(ctx)
	if err != nil {
		return nil, err
	}
	return x.history(memberID, after, limit)
}

// txn runs the statements of one handle inside one transaction.
type txn struct {
	ctx context.Context
	tx  *sql.Tx
	st  *stmts
}

func (t txn) stmt(s *sql.Stmt) *sql.Stmt { return t.tx.StmtContext(t.ctx, s) }

func (t txn) load(memberID string, q loyalty.Query) (*loyalty.State, error) {
	var (
		profile []byte
		due     sql.NullInt64
		st      = &loyalty.State{}
	)
	err := t.stmt(t.st.member).QueryRowContext(t.ctx, memberID).Scan(&profile, &st.Version, &due)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}
	if err := json.Unmarshal(profile, &st.Member); err != nil {
		return nil, fmt.Errorf("sqlite: load %s: profile: %w", memberID, err)
	}
	st.NextDue = timeOf(due)

	rows, err := t.stmt(t.st.balances).QueryContext(t.ctx, memberID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}
	for rows.Next() {
		var b loyalty.Balance
		if err := rows.Scan(&b.Account, &b.Available, &b.Pending); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
		}
		st.Balances = append(st.Balances, b)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}

	rows, err = t.stmt(t.st.counters).QueryContext(t.ctx, memberID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}
	for rows.Next() {
		var c loyalty.Counter
		if err := rows.Scan(&c.Name, &c.Period, &c.Value); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
		}
		st.Counters = append(st.Counters, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("sqlite: load %s: %w", memberID, err)
	}

	if q.Lots || !q.Now.IsZero() && !st.NextDue.IsZero() && !st.NextDue.After(q.Now) {
		if st.Lots, err = t.lots(memberID); err != nil {
			return nil, fmt.Errorf("sqlite: load %s: lots: %w", memberID, err)
		}
	}
	for _, id := range q.Orders {
		var b []byte
		err := t.stmt(t.st.order).QueryRowContext(t.ctx, memberID, id).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: load %s: order %s: %w", memberID, id, err)
		}
		var o loyalty.OrderRecord
		if err := json.Unmarshal(b, &o); err != nil {
			return nil, fmt.Errorf("sqlite: load %s: order %s: %w", memberID, id, err)
		}
		st.Orders = append(st.Orders, o)
	}
	for _, id := range q.Redemptions {
		var b []byte
		err := t.stmt(t.st.redemption).QueryRowContext(t.ctx, memberID, id).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: load %s: redemption %s: %w", memberID, id, err)
		}
		r, err := decodeRedemption(b)
		if err != nil {
			return nil, fmt.Errorf("sqlite: load %s: redemption %s: %w", memberID, id, err)
		}
		st.Redemptions = append(st.Redemptions, r)
	}
	return st, nil
}

// lots reads the member's open lots, oldest first; never nil, so the caller
// can tell "no open lots" from "lots not read".
func (t txn) lots(memberID string) ([]loyalty.Lot, error) {
	rows, err := t.stmt(t.st.lots).QueryContext(t.ctx, memberID)
	if err != nil {
		return nil, err
	}
	ls := make([]loyalty.Lot, 0, 4)
	for rows.Next() {
		l := loyalty.Lot{MemberID: memberID}
		var earned, expires, activates sql.NullInt64
		if err := rows.Scan(&l.ID, &l.Account, &l.Remaining, &earned, &expires, &activates, &l.Ref); err != nil {
			rows.Close()
			return nil, err
		}
		l.EarnedAt, l.ExpiresAt, l.ActivatesAt = timeOf(earned), timeOf(expires), timeOf(activates)
		ls = append(ls, l)
	}
	return ls, closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	return errors.Join(err, rows.Close())
}

// encoded holds what Commit writes that is encoded before the transaction
// begins, so the write lock is held for SQL only.
type encoded struct {
	receipt, profile []byte
	orders           [][]byte
	redemptions      [][]byte
	deltas           []loyalty.Balance // per account, the sum of the entries
}

func encodeChange(c *loyalty.Change) (*encoded, error) {
	switch {
	case c == nil:
		return nil, errors.New("sqlite: commit: nil change")
	case c.Key == "":
		return nil, loyalty.ErrMissingKey
	case c.MemberID == "":
		return nil, fmt.Errorf("sqlite: commit %q: change has no member ID", c.Key)
	case c.Receipt == nil:
		return nil, fmt.Errorf("sqlite: commit %q: change has no receipt", c.Key)
	}
	var (
		a   encoded
		err error
	)
	if a.receipt, err = encodeReceipt(c.Receipt); err != nil {
		return nil, fmt.Errorf("sqlite: commit %q: receipt: %w", c.Key, err)
	}
	if c.Member != nil {
		if a.profile, err = json.Marshal(c.Member); err != nil {
			return nil, fmt.Errorf("sqlite: commit %q: member: %w", c.Key, err)
		}
	}
	for i := range c.Orders {
		b, err := json.Marshal(&c.Orders[i])
		if err != nil {
			return nil, fmt.Errorf("sqlite: commit %q: order %s: %w", c.Key, c.Orders[i].ID, err)
		}
		a.orders = append(a.orders, b)
	}
	for i := range c.Redemptions {
		b, err := encodeRedemption(&c.Redemptions[i])
		if err != nil {
			return nil, fmt.Errorf("sqlite: commit %q: redemption %s: %w", c.Key, c.Redemptions[i].ID, err)
		}
		a.redemptions = append(a.redemptions, b)
	}
	delta := func(acc loyalty.Account) *loyalty.Balance {
		for i := range a.deltas {
			if a.deltas[i].Account == acc {
				return &a.deltas[i]
			}
		}
		a.deltas = append(a.deltas, loyalty.Balance{Account: acc})
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
	return &a, nil
}

func add(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

// commit applies c in t. wrote is false when nothing was written: a replay
// (r is the first receipt) or an error.
func (t txn) commit(c *loyalty.Change, a *encoded) (r *loyalty.Receipt, wrote bool, err error) {
	ctx := t.ctx
	fail := func(err error) (*loyalty.Receipt, bool, error) {
		return nil, false, fmt.Errorf("sqlite: commit %q: %w", c.Key, err)
	}

	// The idempotency record goes first: one statement settles both "new
	// key" and "replay".
	res, err := t.stmt(t.st.insertWrite).ExecContext(ctx, c.Key, c.Fingerprint, c.MemberID, c.Version+1, a.receipt)
	if err != nil {
		return fail(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail(err)
	} else if n == 0 {
		var fp string
		var b []byte
		if err := t.stmt(t.st.selectWrite).QueryRowContext(ctx, c.Key).Scan(&fp, &b); err != nil {
			return fail(err)
		}
		if fp != c.Fingerprint {
			return nil, false, fmt.Errorf("%w: key %q", loyalty.ErrKeyReused, c.Key)
		}
		r, err := decodeReceipt(b)
		if err != nil {
			return fail(err)
		}
		return r, false, nil
	}

	// The version check and the member row, in one statement.
	due := timeArg(c.NextDue)
	if c.Version == 0 {
		if c.Member == nil {
			return nil, false, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, c.MemberID)
		}
		res, err = t.stmt(t.st.insertMember).ExecContext(ctx, c.MemberID, a.profile, 1, due)
	} else {
		var profile any
		if a.profile != nil {
			profile = a.profile
		}
		res, err = t.stmt(t.st.updateMember).ExecContext(ctx, c.MemberID, c.Version, c.Version+1, due, profile)
	}
	if err != nil {
		return fail(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail(err)
	} else if n == 0 {
		var one int
		err := t.stmt(t.st.exists).QueryRowContext(ctx, c.MemberID).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil, false, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, c.MemberID)
		case err != nil:
			return fail(err)
		}
		return nil, false, fmt.Errorf("%w: member %s changed since version %d", loyalty.ErrConflict, c.MemberID, c.Version)
	}

	if len(c.Entries) > 0 {
		ins := t.stmt(t.st.insertEntry)
		for i := range c.Entries {
			e := &c.Entries[i]
			if _, err := ins.ExecContext(ctx, c.MemberID, e.ID.Version, e.ID.Index, string(e.Account), string(e.Kind),
				e.Amount, e.Pending, timeArg(e.At), e.Key, e.Source, e.Ref, e.Lot, e.Rate, e.Note); err != nil {
				return fail(fmt.Errorf("entry %d/%d: %w", e.ID.Version, e.ID.Index, err))
			}
		}
	}
	if len(c.Lots) > 0 {
		up := t.stmt(t.st.upsertLot)
		for i := range c.Lots {
			l := &c.Lots[i]
			if l.Remaining < 0 {
				return fail(fmt.Errorf("lot %d: remaining %d is negative", l.ID, l.Remaining))
			}
			if _, err := up.ExecContext(ctx, c.MemberID, l.ID, string(l.Account), l.Remaining,
				timeArg(l.EarnedAt), timeArg(l.ExpiresAt), timeArg(l.ActivatesAt), l.Ref); err != nil {
				return fail(fmt.Errorf("lot %d: %w", l.ID, err))
			}
		}
	}
	if len(a.deltas) > 0 {
		up := t.stmt(t.st.addBalance)
		for _, d := range a.deltas {
			var got loyalty.Balance
			got.Account = d.Account
			if err := up.QueryRowContext(ctx, c.MemberID, string(d.Account), d.Available, d.Pending).Scan(&got.Available, &got.Pending); err != nil {
				return fail(fmt.Errorf("balance %s: %w", d.Account, err))
			}
			i := slices.IndexFunc(c.Balances, func(b loyalty.Balance) bool { return b.Account == d.Account })
			if i >= 0 && c.Balances[i] != got {
				w := c.Balances[i]
				return nil, false, fmt.Errorf("%w: commit %q: %s planned %d available, %d pending; stored balance plus entries is %d, %d",
					ErrUnbalanced, c.Key, d.Account, w.Available, w.Pending, got.Available, got.Pending)
			}
		}
	}
	if len(c.Counters) > 0 {
		up := t.stmt(t.st.upsertCounter)
		for _, k := range c.Counters {
			if _, err := up.ExecContext(ctx, c.MemberID, k.Name, k.Period, k.Value); err != nil {
				return fail(fmt.Errorf("counter %s: %w", k.Name, err))
			}
		}
	}
	if len(c.Orders) > 0 {
		up := t.stmt(t.st.upsertOrder)
		for i := range c.Orders {
			if _, err := up.ExecContext(ctx, c.MemberID, c.Orders[i].ID, a.orders[i]); err != nil {
				return fail(fmt.Errorf("order %s: %w", c.Orders[i].ID, err))
			}
		}
	}
	if len(c.Redemptions) > 0 {
		up := t.stmt(t.st.upsertRedemption)
		for i := range c.Redemptions {
			if _, err := up.ExecContext(ctx, c.MemberID, c.Redemptions[i].ID, a.redemptions[i]); err != nil {
				return fail(fmt.Errorf("redemption %s: %w", c.Redemptions[i].ID, err))
			}
		}
	}
	return c.Receipt, true, nil
}

func receipt(ctx context.Context, st *sql.Stmt, key string) (*loyalty.Receipt, error) {
	var b []byte
	err := st.QueryRowContext(ctx, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: receipt %q", loyalty.ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: receipt %q: %w", key, err)
	}
	r, err := decodeReceipt(b)
	if err != nil {
		return nil, fmt.Errorf("sqlite: receipt %q: %w", key, err)
	}
	return r, nil
}

func (t txn) history(memberID string, after loyalty.EntryID, limit int) ([]loyalty.Entry, error) {
	rows, err := t.stmt(t.st.history).QueryContext(t.ctx, memberID, after.Version, after.Index, max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("sqlite: history %s: %w", memberID, err)
	}
	var es []loyalty.Entry
	for rows.Next() {
		e := loyalty.Entry{MemberID: memberID}
		var at sql.NullInt64
		if err := rows.Scan(&e.ID.Version, &e.ID.Index, &e.Account, &e.Kind, &e.Amount, &e.Pending, &at,
			&e.Key, &e.Source, &e.Ref, &e.Lot, &e.Rate, &e.Note); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: history %s: %w", memberID, err)
		}
		e.At = timeOf(at)
		es = append(es, e)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("sqlite: history %s: %w", memberID, err)
	}
	if len(es) == 0 {
		var one int
		err := t.stmt(t.st.exists).QueryRowContext(t.ctx, memberID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: history %s: %w", memberID, err)
		}
	}
	return es, nil
}
