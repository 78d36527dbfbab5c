package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// Parts of a member's range of loyalty_ledger (see migrations/0001_init.sql),
// and the kinds of rows the load statement returns from other tables.
const (
	partMember  = 0
	partBalance = 1
	partCounter = 2
	partLot     = 3
	partEntry   = 4

	loadOrder      = 10
	loadRedemption = 11
)

// stmts are the prepared statements of one handle. The read pool has only
// the read statements; the writer connection and the host's handle (which
// InTx reads through too) have all of them.
type stmts struct {
	// reads
	load, loadMany, selectWrite, history, entries, exists, version, members *sql.Stmt
	// writes
	begin, commit, rollback                        *sql.Stmt
	insertWrite, insertMember, updateMember        *sql.Stmt
	deleteLot                                      *sql.Stmt
	setBalance, balance, insertBalance, addBalance *sql.Stmt
	upsertOrder, upsertRedemption                  *sql.Stmt
	moveMember                                     *sql.Stmt
	putRows                                        [maxRows + 1]*sql.Stmt
	all                                            []*sql.Stmt
}

type stmtSet int

const (
	readStatements stmtSet = iota
	writeStatements
)

// The row of a member: part 0 and the default name, seq and idx.
const memberRow = `part = 0 AND name = '' AND seq = 0 AND idx = 0`

// loadColumns are what loadSQL selects from loyalty_ledger, in scanState's
// order; the record arms fill part, name and record.
const loadColumns = `l.part, l.name, l.profile, l.version, l.next_due, l.available, l.pending, l.period, l.value,
	l.account, l.seq, l.remaining, l.earned_at, l.expires_at, l.activates_at, l.ref, NULL`

const recordColumns = `NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.record`

// loadIDs is how many order and redemption IDs the load statement takes
// inline; Loads that ask for more use loadMany.
const loadIDs = 1

// loadSQL reads a member in one statement, so in one snapshot without an
// explicit transaction: the range of the member's row, balances, counters
// and, when ?2 asks for them or next_due is not after ?3, open lots; then
// the orders and redemptions asked for. With few, ?4 and ?5 are one ID
// each (NULL for none); else JSON arrays of IDs. The Engine asks for one
// at most, and a lookup by key is much cheaper than json_each.
func loadSQL(few bool) string {
	records := `
		UNION ALL
		SELECT 10, r.order_id, ` + recordColumns + ` FROM loyalty_orders AS r
			WHERE ?4 IS NOT NULL AND r.member_id = ?1 AND r.order_id = ?4
		UNION ALL
		SELECT 11, r.redemption_id, ` + recordColumns + ` FROM loyalty_redemptions AS r
			WHERE ?5 IS NOT NULL AND r.member_id = ?1 AND r.redemption_id = ?5`
	if !few {
		records = `
		UNION ALL
		SELECT 10, r.order_id, ` + recordColumns + ` FROM json_each(?4) AS j JOIN loyalty_orders AS r
			ON r.member_id = ?1 AND r.order_id = j.value
		UNION ALL
		SELECT 11, r.redemption_id, ` + recordColumns + ` FROM json_each(?5) AS j JOIN loyalty_redemptions AS r
			ON r.member_id = ?1 AND r.redemption_id = j.value`
	}
	return `
		SELECT ` + loadColumns + ` FROM loyalty_ledger AS l
			WHERE l.member_id = ?1 AND l.part <= CASE
				WHEN ?2 OR (SELECT next_due FROM loyalty_ledger WHERE member_id = ?1 AND ` + memberRow + `) <= ?3 THEN 3
				ELSE 2 END` + records
}

// rowColumns are the columns putRows writes: those of entries, lots and
// counters (a row leaves the others NULL).
const rowColumns = `member_id, part, name, seq, idx, account, remaining, earned_at, expires_at, activates_at, ref,
	kind, amount, pending, at, key, source, lot, rate, note, period, value`

const rowWidth = 22

// maxRows is the most rows one putRows statement writes; more take several.
const maxRows = 8

// putRowsSQL inserts n ledger rows (entries, lots, counters). A lot or
// counter that exists is updated; an entry never exists (Commit checks that
// its entries are of the version it creates).
func putRowsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO loyalty_ledger (` + rowColumns + `) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?" + strings.Repeat(", ?", rowWidth-1) + ")")
	}
	b.WriteString(` ON CONFLICT (member_id, part, name, seq, idx) DO UPDATE SET
		account = excluded.account, remaining = excluded.remaining, earned_at = excluded.earned_at,
		expires_at = excluded.expires_at, activates_at = excluded.activates_at, ref = excluded.ref,
		period = excluded.period, value = excluded.value`)
	return b.String()
}

func prepare(ctx context.Context, db preparer, set stmtSet) (*stmts, error) {
	s := &stmts{}
	qs := []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.load, loadSQL(true)},
		{&s.loadMany, loadSQL(false)},
		{&s.selectWrite, `SELECT fingerprint, receipt FROM loyalty_writes WHERE key = ?`},
		// The range on seq (the version) uses the primary key; the OR only
		// filters the first version.
		{&s.history, `SELECT seq, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
			FROM loyalty_ledger WHERE member_id = ?1 AND part = 4 AND name = '' AND seq >= ?2 AND (seq > ?2 OR idx > ?3)
			ORDER BY seq, idx LIMIT ?4`},
		{&s.entries, `SELECT seq, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
			FROM loyalty_ledger WHERE member_id = ? AND part = 4 AND name = '' AND seq = ? ORDER BY idx`},
		{&s.exists, `SELECT 1 FROM loyalty_ledger WHERE member_id = ? AND ` + memberRow},
		{&s.version, `SELECT version FROM loyalty_ledger WHERE member_id = ? AND ` + memberRow},
		// Every member's range starts with its member row, so the next
		// member after x is min(member_id) > x: one seek per member.
		{&s.members, `WITH RECURSIVE m(id, n) AS (
				SELECT (SELECT min(member_id) FROM loyalty_ledger WHERE member_id > ?1), 1
				UNION ALL
				SELECT (SELECT min(member_id) FROM loyalty_ledger WHERE member_id > m.id), n + 1
				FROM m WHERE m.id IS NOT NULL AND n < ?2)
			SELECT id FROM m WHERE id IS NOT NULL AND ?2 > 0`},
	}
	if set == writeStatements {
		qs = append(qs, []struct {
			dst   **sql.Stmt
			query string
		}{
			{&s.begin, `BEGIN IMMEDIATE`},
			{&s.commit, `COMMIT`},
			{&s.rollback, `ROLLBACK`},
			{&s.insertWrite, `INSERT INTO loyalty_writes (key, fingerprint, member_id, version, receipt)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`},
			{&s.insertMember, `INSERT INTO loyalty_ledger (member_id, part, profile, version, next_due) VALUES (?, 0, ?, 1, ?)
				ON CONFLICT DO NOTHING`},
			{&s.updateMember, `UPDATE loyalty_ledger SET version = ?3, next_due = ?4, profile = coalesce(?5, profile)
				WHERE member_id = ?1 AND ` + memberRow + ` AND version = ?2`},
			// moveMember is updateMember and setBalance for one account in
			// one statement; it returns the parts of the rows it changed.
			{&s.moveMember, `UPDATE loyalty_ledger SET
					version = iif(part = 0, ?3, version),
					next_due = iif(part = 0, ?4, next_due),
					profile = iif(part = 0, coalesce(?5, profile), profile),
					available = iif(part = 1, ?9, available),
					pending = iif(part = 1, ?10, pending)
				WHERE member_id = ?1 AND part <= 1 AND seq = 0 AND idx = 0 AND (
					part = 0 AND name = '' AND version = ?2 OR
					part = 1 AND name = ?6 AND available = ?7 AND pending = ?8)
				RETURNING part`},
			{&s.deleteLot, `DELETE FROM loyalty_ledger WHERE member_id = ? AND part = 3 AND name = '' AND seq = ? AND idx = 0`},
			// A balance moves by the sum of the change's entries in its
			// account; the change says what it moves to, and setBalance
			// checks that the two agree (?3, ?4 are the values before).
			{&s.setBalance, `UPDATE loyalty_ledger SET available = ?5, pending = ?6
				WHERE member_id = ?1 AND part = 1 AND name = ?2 AND seq = 0 AND idx = 0 AND available = ?3 AND pending = ?4`},
			{&s.balance, `SELECT available, pending FROM loyalty_ledger
				WHERE member_id = ? AND part = 1 AND name = ? AND seq = 0 AND idx = 0`},
			{&s.insertBalance, `INSERT INTO loyalty_ledger (member_id, part, name, available, pending) VALUES (?, 1, ?, ?, ?)`},
			{&s.addBalance, `INSERT INTO loyalty_ledger (member_id, part, name, available, pending) VALUES (?, 1, ?, ?, ?)
				ON CONFLICT (member_id, part, name, seq, idx) DO UPDATE SET available = available + excluded.available,
					pending = pending + excluded.pending`},
			{&s.upsertOrder, `INSERT INTO loyalty_orders (member_id, order_id, record) VALUES (?, ?, ?)
				ON CONFLICT (member_id, order_id) DO UPDATE SET record = excluded.record`},
			{&s.upsertRedemption, `INSERT INTO loyalty_redemptions (member_id, redemption_id, record) VALUES (?, ?, ?)
				ON CONFLICT (member_id, redemption_id) DO UPDATE SET record = excluded.record`},
		}...)
	}
	if set == writeStatements {
		for n := 1; n <= maxRows; n++ {
			qs = append(qs, struct {
				dst   **sql.Stmt
				query string
			}{&s.putRows[n], putRowsSQL(n)})
		}
	}
	for _, q := range qs {
		st, err := db.PrepareContext(ctx, q.query)
		if err != nil {
			s.close()
			return nil, err
		}
		*q.dst = st
		s.all = append(s.all, st)
	}
	return s, nil
}

// preparer is a *sql.DB or a *sql.Conn.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func (s *stmts) close() error {
	var errs []error
	for _, st := range s.all {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
