package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// stmts are the prepared statements of one handle. The read handle has only
// the read statements; the write handle has all of them, since a host
// transaction (InTx) reads through it too.
type stmts struct {
	// reads
	load, loadMany, receipt, history, version, exists, members *sql.Stmt
	// writes
	begin, commit, rollback                              *sql.Stmt
	insertWrite, selectWrite, insertMember, updateMember *sql.Stmt
	insertEntry, upsertLot, deleteLot                    *sql.Stmt
	setBalance, balance, insertBalance, addBalance       *sql.Stmt
	upsertCounter                                        *sql.Stmt
	upsertOrder, upsertRedemption                        *sql.Stmt
}

// loadIDs is how many order and redemption IDs the load statement takes
// inline; Loads that ask for more use loadMany.
const loadIDs = 1

// loadSQL is the statement that reads a member in one snapshot without an
// explicit transaction: kind 0 is the member row, 1 the balances, 2 the
// counters, 3 the open lots (when ?2 asks for them or next_due is not after
// ?3), 4 the order and 5 the redemption asked for. With few, ?4 and ?5 are
// one ID each (NULL for none); else JSON arrays of IDs. The Engine asks for
// one at most, and a lookup by key is much cheaper than json_each.
func loadSQL(few bool) string {
	records := `
		UNION ALL
		SELECT 4, record, order_id, NULL, NULL, NULL, NULL, NULL
			FROM loyalty_orders WHERE ?4 IS NOT NULL AND member_id = ?1 AND order_id = ?4
		UNION ALL
		SELECT 5, record, redemption_id, NULL, NULL, NULL, NULL, NULL
			FROM loyalty_redemptions WHERE ?5 IS NOT NULL AND member_id = ?1 AND redemption_id = ?5`
	if !few {
		records = `
		UNION ALL
		SELECT 4, o.record, o.order_id, NULL, NULL, NULL, NULL, NULL
			FROM json_each(?4) AS j JOIN loyalty_orders AS o ON o.member_id = ?1 AND o.order_id = j.value
		UNION ALL
		SELECT 5, r.record, r.redemption_id, NULL, NULL, NULL, NULL, NULL
			FROM json_each(?5) AS j JOIN loyalty_redemptions AS r ON r.member_id = ?1 AND r.redemption_id = j.value`
	}
	return `
		SELECT 0, profile, NULL, version, next_due, NULL, NULL, NULL
			FROM loyalty_members WHERE member_id = ?1
		UNION ALL
		SELECT 1, account, NULL, available, pending, NULL, NULL, NULL
			FROM loyalty_balances WHERE member_id = ?1
		UNION ALL
		SELECT 2, name, period, value, NULL, NULL, NULL, NULL
			FROM loyalty_counters WHERE member_id = ?1
		UNION ALL
		SELECT 3, account, ref, lot_id, remaining, earned_at, expires_at, activates_at
			FROM loyalty_lots WHERE (?2 OR EXISTS (SELECT 1 FROM loyalty_members WHERE member_id = ?1 AND next_due <= ?3))
				AND member_id = ?1` + records
}

type stmtSet int

const (
	readStatements stmtSet = iota
	writeStatements
)

// preparer is a *sql.DB or a *sql.Conn.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func prepare(ctx context.Context, db preparer, set stmtSet) (*stmts, error) {
	s := &stmts{}
	var all []*sql.Stmt
	p := func(dst **sql.Stmt, query string) error {
		st, err := db.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		*dst = st
		all = append(all, st)
		return nil
	}
	type q struct {
		dst   **sql.Stmt
		query string
	}
	qs := []q{
		{&s.load, loadSQL(true)},
		{&s.loadMany, loadSQL(false)},
		{&s.receipt, `SELECT receipt FROM loyalty_writes WHERE key = ?`},
		// The range on version uses the primary key; the OR only filters the
		// first version.
		{&s.history, `SELECT version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
			FROM loyalty_entries WHERE member_id = ?1 AND version >= ?2 AND (version > ?2 OR idx > ?3)
			ORDER BY version, idx LIMIT ?4`},
		{&s.version, `SELECT version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
			FROM loyalty_entries WHERE member_id = ? AND version = ? ORDER BY idx`},
		{&s.exists, `SELECT 1 FROM loyalty_members WHERE member_id = ?`},
		{&s.members, `SELECT member_id FROM loyalty_members WHERE member_id > ? ORDER BY member_id LIMIT ?`},
	}
	if set == writeStatements {
		qs = append(qs, []q{
			{&s.begin, `BEGIN IMMEDIATE`},
			{&s.commit, `COMMIT`},
			{&s.rollback, `ROLLBACK`},
			{&s.insertWrite, `INSERT INTO loyalty_writes (key, fingerprint, member_id, version, receipt)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`},
			{&s.selectWrite, `SELECT fingerprint, receipt FROM loyalty_writes WHERE key = ?`},
			{&s.insertMember, `INSERT INTO loyalty_members (member_id, profile, version, next_due)
				VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO NOTHING`},
			{&s.updateMember, `UPDATE loyalty_members SET version = ?3, next_due = ?4, profile = coalesce(?5, profile)
				WHERE member_id = ?1 AND version = ?2`},
			{&s.insertEntry, `INSERT INTO loyalty_entries
				(member_id, version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
			{&s.upsertLot, `INSERT INTO loyalty_lots
				(member_id, lot_id, account, remaining, earned_at, expires_at, activates_at, ref)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (member_id, lot_id) DO UPDATE SET account = excluded.account,
					remaining = excluded.remaining, earned_at = excluded.earned_at,
					expires_at = excluded.expires_at, activates_at = excluded.activates_at, ref = excluded.ref`},
			{&s.deleteLot, `DELETE FROM loyalty_lots WHERE member_id = ? AND lot_id = ?`},
			// A balance moves by the sum of the change's entries in its
			// account; the change says what it moves to, and setBalance
			// checks that the two agree (?3, ?4 are the values before).
			{&s.setBalance, `UPDATE loyalty_balances SET available = ?5, pending = ?6
				WHERE member_id = ?1 AND account = ?2 AND available = ?3 AND pending = ?4`},
			{&s.balance, `SELECT available, pending FROM loyalty_balances WHERE member_id = ? AND account = ?`},
			{&s.insertBalance, `INSERT INTO loyalty_balances (member_id, account, available, pending) VALUES (?, ?, ?, ?)`},
			{&s.addBalance, `INSERT INTO loyalty_balances (member_id, account, available, pending) VALUES (?, ?, ?, ?)
				ON CONFLICT (member_id, account) DO UPDATE SET available = available + excluded.available,
					pending = pending + excluded.pending`},
			{&s.upsertCounter, `INSERT INTO loyalty_counters (member_id, name, period, value) VALUES (?, ?, ?, ?)
				ON CONFLICT (member_id, name) DO UPDATE SET period = excluded.period, value = excluded.value`},
			{&s.upsertOrder, `INSERT INTO loyalty_orders (member_id, order_id, record) VALUES (?, ?, ?)
				ON CONFLICT (member_id, order_id) DO UPDATE SET record = excluded.record`},
			{&s.upsertRedemption, `INSERT INTO loyalty_redemptions (member_id, redemption_id, record) VALUES (?, ?, ?)
				ON CONFLICT (member_id, redemption_id) DO UPDATE SET record = excluded.record`},
		}...)
	}
	for _, q := range qs {
		if err := p(q.dst, q.query); err != nil {
			for _, st := range all {
				st.Close()
			}
			return nil, err
		}
	}
	return s, nil
}

func (s *stmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.load, s.loadMany, s.receipt, s.history, s.version, s.exists, s.members, s.insertWrite, s.selectWrite, s.insertMember, s.updateMember,
		s.insertEntry, s.upsertLot, s.deleteLot, s.setBalance, s.balance, s.insertBalance, s.addBalance, s.upsertCounter, s.upsertOrder, s.upsertRedemption} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
