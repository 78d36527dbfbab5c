package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

// sqlstateVersion is what commit_change raises when the member is not at
// the version a change was planned from.
const sqlstateVersion = "LY001"

// sqlstateUnbalanced is what commit_change raises when a balance the change
// plans is not the stored one plus the change's entries.
const sqlstateUnbalanced = "LY002"

// sqlstateOrderOwner is what commit_change raises when a change records an
// order ID another member holds; DETAIL is the owner, HINT the order ID.
const sqlstateOrderOwner = "LY003"

// ts is t as a timestamptz parameter: NULL for the zero time.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// fromTS is the time.Time of a timestamptz column, in UTC; NULL is zero.
func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// Load implements loyalty.Store in one statement: the member, balances and
// counters, the open lots when q asks for them or one is due at q.Now, and
// the order and redemption records q names.
func (c *core) Load(ctx context.Context, memberID string, q loyalty.Query) (*loyalty.State, error) {
	if err := storage.CheckLoad(memberID, q); err != nil {
		return nil, err
	}
	orders, redemptions := q.Orders, q.Redemptions
	if orders == nil {
		orders = []string{}
	}
	if redemptions == nil {
		redemptions = []string{}
	}
	grantIDs := q.GrantIDs
	if grantIDs == nil {
		grantIDs = []string{}
	}
	rows, err := c.db.Query(ctx, c.sql.load, c.program, memberID, q.Lots, ts(q.Now), orders, redemptions, q.Grants, grantIDs)
	if err != nil {
		return nil, wrap("load", err)
	}
	defer rows.Close()
	var (
		st     loyalty.State
		found  bool
		k      int32
		s1, s2 pgtype.Text
		n1, n2 pgtype.Int8
		t1     pgtype.Timestamptz
		t2, t3 pgtype.Timestamptz
		j      []byte
		oi, ri []int // places of the records in q.Orders, q.Redemptions
	)
	for rows.Next() {
		if err := rows.Scan(&k, &s1, &s2, &n1, &n2, &t1, &t2, &t3, &j); err != nil {
			return nil, wrap("load", err)
		}
		switch k {
		case 0:
			found = true
			st.Version, st.NextDue = n1.Int64, fromTS(t1)
			if err := json.Unmarshal(j, &st.Member); err != nil {
				return nil, fmt.Errorf("postgres: load: member %q: decoding profile: %v", memberID, err)
			}
		case 1:
			st.Balances = append(st.Balances, ledger.Balance{Account: ledger.Account(s1.String), Available: n1.Int64, Pending: n2.Int64})
		case 2:
			st.Counters = append(st.Counters, ledger.Counter{Name: s1.String, PeriodKey: s2.String, Value: n1.Int64})
		case 3:
			st.Lots = append(st.Lots, ledger.Lot{ID: n1.Int64, MemberID: memberID, Account: ledger.Account(s1.String),
				Remaining: n2.Int64, EarnedAt: fromTS(t1), ExpiresAt: fromTS(t2), ActivatesAt: fromTS(t3), Ref: s2.String})
		case 4:
			var r ledger.OrderRecord
			if err := json.Unmarshal(j, &r); err != nil {
				return nil, fmt.Errorf("postgres: load: order %q: %v", s1.String, err)
			}
			st.Orders = append(st.Orders, r)
			oi = append(oi, slices.Index(q.Orders, s1.String))
		case 5:
			var r ledger.RedemptionRecord
			if err := json.Unmarshal(j, &r); err != nil {
				return nil, fmt.Errorf("postgres: load: redemption %q: %v", s1.String, err)
			}
			st.Redemptions = append(st.Redemptions, r)
			ri = append(ri, slices.Index(q.Redemptions, s1.String))
		case 6:
			var g ledger.Grant
			if err := json.Unmarshal(j, &g); err != nil {
				return nil, fmt.Errorf("postgres: load: grant %q: %v", s1.String, err)
			}
			st.Grants = append(st.Grants, g)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("load", err)
	}
	if !found {
		return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
	}
	// Deterministic order: accounts, counters and lots by name and ID, records
	// in the order the query named them.
	slices.SortFunc(st.Balances, func(a, b ledger.Balance) int { return strings.Compare(string(a.Account), string(b.Account)) })
	slices.SortFunc(st.Counters, func(a, b ledger.Counter) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(st.Lots, func(a, b ledger.Lot) int { return cmp.Compare(a.ID, b.ID) })
	sortBy(st.Orders, oi)
	sortBy(st.Redemptions, ri)
	slices.SortFunc(st.Grants, func(a, b ledger.Grant) int { return strings.Compare(a.ID, b.ID) })
	if st.Lots == nil && (q.Lots || !q.Now.IsZero() && !st.NextDue.IsZero() && !st.NextDue.After(q.Now)) {
		st.Lots = []ledger.Lot{} // read, and there are none
	}
	return &st, nil
}

// sortBy sorts xs by the keys at the same places.
func sortBy[T any](xs []T, keys []int) {
	if len(xs) < 2 {
		return
	}
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return keys[a] - keys[b] })
	out := make([]T, len(xs))
	for i, j := range idx {
		out[i] = xs[j]
	}
	copy(xs, out)
}

// Commit implements loyalty.Store in one statement, SELECT commit_change(...)
// (see the package doc): the version check, which takes the member's row
// lock, the idempotency record, whose primary key refuses a key committed
// before, and the rows of the change, as one transaction. When a check
// refuses, nothing is written and one more query says why.
//
// An error that is none of the loyalty sentinels (a lost connection, a
// cancelled context) leaves the outcome unknown: the change may have been
// committed. Retrying with the same key is always safe.
func (c *core) Commit(ctx context.Context, ch *loyalty.Change) (*loyalty.Receipt, error) {
	switch {
	case ch == nil:
		return nil, errors.New("postgres: commit: nil change")
	case ch.Key == "":
		return nil, loyalty.ErrMissingKey
	case ch.MemberID == "":
		return nil, fmt.Errorf("%w: change has no member ID", loyalty.ErrInvalidEvent)
	case ch.Version < 0:
		return c.resolve(ctx, ch, fmt.Errorf("%w: change planned from version %d", loyalty.ErrConflict, ch.Version))
	case ch.Version == 0 && ch.Member == nil:
		return c.resolve(ctx, ch, nil) // nothing to create the member from
	}
	// The checks every store makes; the balances the change was planned
	// from are compared with the stored ones by commit_change.
	prior, err := storage.Prior(ch)
	if err != nil {
		return nil, err
	}
	args, err := commitArgs(c.program, ch, prior)
	if err != nil {
		return nil, err
	}
	if c.inTx {
		err = c.runInSavepoint(ctx, args)
	} else {
		_, err = c.db.Exec(ctx, c.sql.commit, args...)
	}
	if err == nil {
		return ch.Receipt, nil
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == sqlstateUnbalanced {
		return nil, fmt.Errorf("%w: commit %q: %s", loyalty.ErrUnbalanced, ch.Key, pe.Message)
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == sqlstateOrderOwner {
		return nil, &loyalty.OrderOwnerError{OrderID: pe.Hint, MemberID: ch.MemberID, Owner: pe.Detail}
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && (pe.Code == sqlstateClaim || pe.Code == sqlstateCode) {
		if e := sharedError(pe, ch.Claims); e != nil {
			return nil, e
		}
	}
	if refused(err) && ctx.Err() == nil {
		return c.resolve(ctx, ch, nil)
	}
	return nil, wrap("commit", err)
}

// refused reports whether err is a check of the commit refusing it (or the
// server giving up on it as a whole), after which nothing was written.
func refused(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case sqlstateVersion, "40001", "40P01": // version check, serialization failure, deadlock
		return true
	case "23505": // unique_violation
		return pe.ConstraintName == "writes_pkey" || pe.ConstraintName == "members_pkey"
	}
	return false
}

const savepoint = "loyalty_commit"

// runInSavepoint runs commit_change inside the host's transaction under a
// savepoint, pipelined in one round trip; on failure it rolls back to the
// savepoint so the host transaction stays usable.
func (c *core) runInSavepoint(ctx context.Context, args []any) error {
	b := &pgx.Batch{}
	b.Queue(`SAVEPOINT ` + savepoint)
	b.Queue(c.sql.commit, args...)
	b.Queue(`RELEASE SAVEPOINT ` + savepoint)
	err := c.db.SendBatch(ctx, b).Close()
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code != "25P02" { // 25P02: the host's tx was already aborted
		if _, rerr := c.db.Exec(ctx, `ROLLBACK TO SAVEPOINT `+savepoint+`; RELEASE SAVEPOINT `+savepoint); rerr != nil {
			return fmt.Errorf("%v; and rolling back to the savepoint: %v", err, rerr)
		}
	}
	return err
}

// resolve says why a commit was refused, with what is committed now: the
// key was committed before (a *loyalty.KeyCommittedError with its receipt),
// ErrUnknownMember or ErrConflict. fallback, when not nil, is returned when the key is unknown.
func (c *core) resolve(ctx context.Context, ch *loyalty.Change, fallback error) (*loyalty.Receipt, error) {
	var (
		fp      pgtype.Text
		receipt []byte
		version pgtype.Int8
	)
	if err := c.db.QueryRow(ctx, c.sql.resolve, c.program, ch.Key, ch.MemberID).Scan(&fp, &receipt, &version); err != nil {
		return nil, wrap("commit", err)
	}
	switch {
	case fp.Valid:
		// The Engine, not the store, tells a replay from a reuse.
		r, err := decodeReceipt(ch.Key, receipt)
		if err != nil {
			return nil, err
		}
		return nil, &loyalty.KeyCommittedError{Receipt: r}
	case fallback != nil:
		return nil, fallback
	case !version.Valid && (ch.Version != 0 || ch.Member == nil):
		return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, ch.MemberID)
	case !version.Valid:
		// Created and gone again: only a host deleting rows does that.
		return nil, fmt.Errorf("%w: member %s changed during the commit", loyalty.ErrConflict, ch.MemberID)
	}
	return nil, fmt.Errorf("%w: member %s is at version %d, change planned from %d", loyalty.ErrConflict, ch.MemberID, version.Int64, ch.Version)
}

func decodeReceipt(key string, b []byte) (*loyalty.Receipt, error) {
	var r *loyalty.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("postgres: decoding the receipt of key %q: %v", key, err)
	}
	return r, nil
}

// lastBy drops all but the last of the elements with the same key, keeping
// order; a change normally has none, and ON CONFLICT cannot touch a row twice.
func lastBy[T any, K comparable](xs []T, key func(*T) K) []T {
	if len(xs) < 2 {
		return xs
	}
	seen := make(map[K]int, len(xs))
	dup := false
	for i := range xs {
		k := key(&xs[i])
		if _, ok := seen[k]; ok {
			dup = true
		}
		seen[k] = i
	}
	if !dup {
		return xs
	}
	out := make([]T, 0, len(seen))
	for i := range xs {
		if seen[key(&xs[i])] == i {
			out = append(out, xs[i])
		}
	}
	return out
}

// args returns the arguments of commit_change for ch: the member row, the
// idempotency record, and the rows to write as one array per column.
// prior is, for each of ch.Balances, the balance its account must hold
// before ch (see storage.Prior).
func commitArgs(program string, ch *loyalty.Change, prior []ledger.Balance) ([]any, error) {
	receipt, err := json.Marshal(ch.Receipt)
	if err != nil {
		return nil, fmt.Errorf("postgres: commit: encoding the receipt: %v", err)
	}
	var profile any // NULL keeps the stored profile
	if ch.Member != nil {
		p, err := json.Marshal(ch.Member)
		if err != nil {
			return nil, fmt.Errorf("postgres: commit: encoding the member: %v", err)
		}
		profile = string(p)
	}
	// JSON goes as strings: a []byte would be sent as bytea under the simple
	// protocol (QueryExecModeSimpleProtocol, for PgBouncer users).
	args := make([]any, 0, commitParams)
	args = append(args, program, ch.MemberID, ch.Version, profile, ts(ch.NextDue), ch.Key, ch.Fingerprint, string(receipt))

	n := len(ch.Entries)
	var (
		eVersion, eAmount, ePending, eLot                  = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		eIdx                                               = make([]int32, n)
		eAccount, eKind, eKey, eSource, eRef, eRate, eNote = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		eAt                                                = make([]pgtype.Timestamptz, n)
	)
	for i := range ch.Entries {
		e := &ch.Entries[i]
		eVersion[i], eIdx[i] = e.ID.Version, e.ID.Index
		eAccount[i], eKind[i], eKey[i], eSource[i], eRef[i], eRate[i], eNote[i] = string(e.Account), string(e.Kind), e.Key, e.Source, e.Ref, e.Rate, e.Note
		eAmount[i], ePending[i], eLot[i] = e.Amount, e.Pending, e.Lot
		eAt[i] = ts(e.At)
	}
	args = appendColumns(args, n, eVersion, eIdx, eAccount, eKind, eAmount, ePending, eAt, eKey, eSource, eRef, eLot, eRate, eNote)

	lots := lastBy(ch.Lots, func(l *ledger.Lot) int64 { return l.ID })
	n = len(lots)
	lID, lRemaining := make([]int64, n), make([]int64, n)
	lAccount, lRef := make([]string, n), make([]string, n)
	lEarned, lExpires, lActivates := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	for i := range lots {
		l := &lots[i]
		lID[i], lAccount[i], lRemaining[i], lRef[i] = l.ID, string(l.Account), l.Remaining, l.Ref
		lEarned[i], lExpires[i], lActivates[i] = ts(l.EarnedAt), ts(l.ExpiresAt), ts(l.ActivatesAt)
	}
	args = appendColumns(args, n, lID, lAccount, lRemaining, lEarned, lExpires, lActivates, lRef)

	bs := lastBy(ch.Balances, func(b *ledger.Balance) ledger.Account { return b.Account })
	n = len(bs)
	bAccount, bAvailable, bPending := make([]string, n), make([]int64, n), make([]int64, n)
	for i := range bs {
		bAccount[i], bAvailable[i], bPending[i] = string(bs[i].Account), bs[i].Available, bs[i].Pending
	}
	args = appendColumns(args, n, bAccount, bAvailable, bPending)

	cs := lastBy(ch.Counters, func(c *ledger.Counter) string { return c.Name })
	n = len(cs)
	cName, cPeriod, cValue := make([]string, n), make([]string, n), make([]int64, n)
	for i := range cs {
		cName[i], cPeriod[i], cValue[i] = cs[i].Name, cs[i].PeriodKey, cs[i].Value
	}
	args = appendColumns(args, n, cName, cPeriod, cValue)

	os := lastBy(ch.Orders, func(o *ledger.OrderRecord) string { return o.ID })
	oID, oRec := make([]string, len(os)), make([]string, len(os))
	for i := range os {
		j, err := json.Marshal(&os[i])
		if err != nil {
			return nil, fmt.Errorf("postgres: commit: encoding order %q: %v", os[i].ID, err)
		}
		oID[i], oRec[i] = os[i].ID, string(j)
	}
	rs := lastBy(ch.Redemptions, func(r *ledger.RedemptionRecord) string { return r.ID })
	rID, rRec := make([]string, len(rs)), make([]string, len(rs))
	for i := range rs {
		j, err := json.Marshal(&rs[i])
		if err != nil {
			return nil, fmt.Errorf("postgres: commit: encoding redemption %q: %v", rs[i].ID, err)
		}
		rID[i], rRec[i] = rs[i].ID, string(j)
	}
	args = appendColumns(args, len(os), oID, oRec)
	args = appendColumns(args, len(rs), rID, rRec)
	// storage.Prior refused a change naming an account twice, so bs is
	// ch.Balances and prior is in its order.
	n = len(prior)
	wasAvailable, wasPending := make([]int64, n), make([]int64, n)
	for i := range prior {
		wasAvailable[i], wasPending[i] = prior[i].Available, prior[i].Pending
	}
	args = appendColumns(args, n, wasAvailable, wasPending)
	return appendShared(args, ch)
}

// appendColumns appends the column arrays of n rows, or as many NULLs when
// there are none (cheaper to send than empty arrays).
func appendColumns(args []any, n int, cols ...any) []any {
	if n == 0 {
		for range cols {
			args = append(args, nil)
		}
		return args
	}
	return append(args, cols...)
}

// Receipt implements loyalty.Store.
func (c *core) Receipt(ctx context.Context, key string) (*loyalty.Receipt, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	var b []byte
	err := c.db.QueryRow(ctx, c.sql.receipt, c.program, key).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: receipt %q", loyalty.ErrNotFound, key)
	}
	if err != nil {
		return nil, wrap("receipt", err)
	}
	return decodeReceipt(key, b)
}

// History implements loyalty.Store: entries after the cursor in (version,
// index) order, read through the entries' primary key.
func (c *core) History(ctx context.Context, memberID string, after ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
	return c.page(ctx, c.sql.history, memberID, after, limit)
}

// HistoryBefore implements loyalty.HistoryReverser: entries before the
// cursor, newest first, read backwards through the entries' primary key.
func (c *core) HistoryBefore(ctx context.Context, memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
	if before == (ledger.EntryID{}) {
		before = ledger.EntryID{Version: 1<<63 - 1, Index: 1<<31 - 1} // past every entry
	}
	return c.page(ctx, c.sql.historyBefore, memberID, before, limit)
}

// page reads a page of history with query q from cursor cur.
func (c *core) page(ctx context.Context, q, memberID string, cur ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := c.db.Query(ctx, q, c.program, memberID, cur.Version, cur.Index, limit)
	if err != nil {
		return nil, wrap("history", err)
	}
	var (
		out           []ledger.Entry
		account, kind string
		at            pgtype.Timestamptz
	)
	for rows.Next() {
		var e ledger.Entry
		if err := rows.Scan(&e.ID.Version, &e.ID.Index, &account, &kind, &e.Amount, &e.Pending, &at, &e.Key, &e.Source, &e.Ref, &e.Lot, &e.Rate, &e.Note); err != nil {
			rows.Close()
			return nil, wrap("history", err)
		}
		e.MemberID, e.Account, e.Kind, e.At = memberID, ledger.Account(account), ledger.EntryKind(kind), fromTS(at)
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("history", err)
	}
	if len(out) == 0 {
		var exists bool
		if err := c.db.QueryRow(ctx, c.sql.historyMember, c.program, memberID).Scan(&exists); err != nil {
			return nil, wrap("history", err)
		}
		if !exists {
			return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, memberID)
		}
	}
	return out, nil
}

// Members implements loyalty.MemberLister: member IDs after after, in the
// order of the members' primary key (the database's collation).
func (c *core) Members(ctx context.Context, after string, limit int) ([]string, error) {
	if err := storage.CheckMember(after); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := c.db.Query(ctx, c.sql.members, c.program, after, limit)
	if err != nil {
		return nil, wrap("members", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("members", err)
	}
	return ids, nil
}
