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
	member, balances, counters, lots, order, redemption *sql.Stmt
	receipt, history, exists, members                   *sql.Stmt
	// writes
	insertWrite, selectWrite, insertMember, updateMember *sql.Stmt
	insertEntry, upsertLot, addBalance, upsertCounter    *sql.Stmt
	upsertOrder, upsertRedemption                        *sql.Stmt
}

type stmtSet int

const (
	readStatements stmtSet = iota
	writeStatements
)

func prepare(ctx context.Context, db *sql.DB, set stmtSet) (*stmts, error) {
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
		{&s.member, `SELECT profile, version, next_due FROM loyalty_members WHERE member_id = ?`},
		{&s.balances, `SELECT account, available, pending FROM loyalty_balances WHERE member_id = ? ORDER BY account`},
		{&s.counters, `SELECT name, period, value FROM loyalty_counters WHERE member_id = ? ORDER BY name`},
		{&s.lots, `SELECT lot_id, account, remaining, earned_at, expires_at, activates_at, ref
			FROM loyalty_lots WHERE member_id = ? AND remaining > 0 ORDER BY lot_id`},
		{&s.order, `SELECT record FROM loyalty_orders WHERE member_id = ? AND order_id = ?`},
		{&s.redemption, `SELECT record FROM loyalty_redemptions WHERE member_id = ? AND redemption_id = ?`},
		{&s.receipt, `SELECT receipt FROM loyalty_writes WHERE key = ?`},
		// The range on version uses the primary key; the OR only filters the
		// first version.
		{&s.history, `SELECT version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
			FROM loyalty_entries WHERE member_id = ?1 AND version >= ?2 AND (version > ?2 OR idx > ?3)
			ORDER BY version, idx LIMIT ?4`},
		{&s.exists, `SELECT 1 FROM loyalty_members WHERE member_id = ?`},
		{&s.members, `SELECT member_id FROM loyalty_members WHERE member_id > ? ORDER BY member_id LIMIT ?`},
	}
	if set == writeStatements {
		qs = append(qs, []q{
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
			// Balances move by the sum of the change's entries; the new value
			// is returned to be checked against the one the change planned.
			{&s.addBalance, `INSERT INTO loyalty_balances (member_id, account, available, pending)
				VALUES (?, ?, ?, ?)
				ON CONFLICT (member_id, account) DO UPDATE SET available = available + excluded.available,
					pending = pending + excluded.pending
				RETURNING available, pending`},
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
	for _, st := range []*sql.Stmt{s.member, s.balances, s.counters, s.lots, s.order, s.redemption,
		s.receipt, s.history, s.exists, s.members, s.insertWrite, s.selectWrite, s.insertMember, s.updateMember,
		s.insertEntry, s.upsertLot, s.addBalance, s.upsertCounter, s.upsertOrder, s.upsertRedemption} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
