package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
)

// Parts of a member's range of loyalty_ledger (see migrations/0001_init.sql).
// A write's receipt is in partEntry at idx receiptIdx, before its entries.
const (
	partMember     = 0
	partBalance    = 1
	partCounter    = 2
	partLot        = 3
	partEntry      = 4
	partOrder      = 5
	partRedemption = 6

	receiptIdx = -1
)

// stmts are the prepared statements of one handle. The read pool has only
// the read statements; the writer connection and the host's handle (which
// InTx reads through too) have all of them.
type stmts struct {
	// reads
	load, loadMany, selectWrite, history, entries, exists, version, members *sql.Stmt
	// writes
	begin, commit, rollback, peek                  *sql.Stmt
	insertWrite, insertMember, updateMember        *sql.Stmt
	deleteLot                                      *sql.Stmt
	setBalance, balance, insertBalance, addBalance *sql.Stmt
	all                                            []*sql.Stmt

	// putRows statements by shape, prepared on db when first used.
	db     preparer
	mu     sync.Mutex
	shapes map[string]*sql.Stmt
}

type stmtSet int

const (
	readStatements stmtSet = iota
	writeStatements
)

// The row of a member: part 0 and the default name, seq and idx.
const memberRow = `part = 0 AND name = '' AND seq = 0 AND idx = 0`

// loadColumns are what loadSQL selects from loyalty_ledger, in scanState's
// order: the part, the name and, by part, its own columns in a few shared
// ones (fewer columns make a cheaper row to step and scan):
//
//	part     t1       t2   i1         i2         i3         i4          i5
//	member   profile       version    next_due
//	balance                available  pending
//	counter  period        value
//	lot      account  ref  seq        remaining  earned_at  expires_at  activates_at
//	record   record
const loadColumns = `l.part, l.name,
	CASE l.part WHEN 0 THEN l.profile WHEN 2 THEN l.period WHEN 3 THEN l.account ELSE l.record END,
	CASE l.part WHEN 3 THEN l.ref END,
	CASE l.part WHEN 0 THEN l.version WHEN 1 THEN l.available WHEN 2 THEN l.value WHEN 3 THEN l.seq END,
	CASE l.part WHEN 0 THEN l.next_due WHEN 1 THEN l.pending WHEN 3 THEN l.remaining END,
	CASE l.part WHEN 3 THEN l.earned_at END,
	CASE l.part WHEN 3 THEN l.expires_at END,
	CASE l.part WHEN 3 THEN l.activates_at END`

// recordRow is the rest of the key of an order or redemption record row.
const recordRow = `l.seq = 0 AND l.idx = 0`

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
		SELECT ` + loadColumns + ` FROM loyalty_ledger AS l
			WHERE ?4 IS NOT NULL AND l.member_id = ?1 AND l.part = 5 AND l.name = ?4 AND ` + recordRow + `
		UNION ALL
		SELECT ` + loadColumns + ` FROM loyalty_ledger AS l
			WHERE ?5 IS NOT NULL AND l.member_id = ?1 AND l.part = 6 AND l.name = ?5 AND ` + recordRow
	if !few {
		records = `
		UNION ALL
		SELECT ` + loadColumns + ` FROM json_each(?4) AS j JOIN loyalty_ledger AS l
			ON l.member_id = ?1 AND l.part = 5 AND l.name = j.value AND ` + recordRow + `
		UNION ALL
		SELECT ` + loadColumns + ` FROM json_each(?5) AS j JOIN loyalty_ledger AS l
			ON l.member_id = ?1 AND l.part = 6 AND l.name = j.value AND ` + recordRow
	}
	return `
		SELECT ` + loadColumns + ` FROM loyalty_ledger AS l
			WHERE l.member_id = ?1 AND l.part <= CASE
				WHEN ?2 OR (SELECT next_due FROM loyalty_ledger WHERE member_id = ?1 AND ` + memberRow + `) <= ?3 THEN 3
				ELSE 2 END` + records
}

// rowColumns are the columns putRows writes: those of entries, the
// receipt, lots, counters and records (a row leaves the others NULL).
const rowColumns = `member_id, part, name, seq, idx, account, remaining, earned_at, expires_at, activates_at, ref,
	kind, amount, pending, at, key, source, lot, rate, note, period, value, record`

// Kinds of ledger rows putRows writes, and the values each writes in
// rowColumns order: "?" is an argument of the row (the first is the member
// ID), "" NULL, anything else a literal. A row binds only its own columns.
// Parameters are plain "?", not "?NNN": the driver allocates the name of
// every numbered parameter at every execution.
const (
	rowReceipt    = 'R' // member, version, record
	rowEntry      = 'E' // member, version, idx, account, ref, kind, amount, pending, at, key, source, lot, rate, note
	rowLot        = 'L' // member, lot ID, account, remaining, earned_at, expires_at, activates_at, ref
	rowCounter    = 'C' // member, name, period, value
	rowOrder      = 'O' // member, order ID, record
	rowRedemption = 'D' // member, redemption ID, record
)

var rowValues = map[byte][]string{
	rowReceipt:    {"?", "4", "''", "?", "-1", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "?"},
	rowEntry:      {"?", "4", "''", "?", "?", "?", "", "", "", "", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "", "", ""},
	rowLot:        {"?", "3", "''", "?", "0", "?", "?", "?", "?", "?", "?", "", "", "", "", "", "", "", "", "", "", "", ""},
	rowCounter:    {"?", "2", "?", "0", "0", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "?", "?", ""},
	rowOrder:      {"?", "5", "?", "0", "0", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "?"},
	rowRedemption: {"?", "6", "?", "0", "0", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "?"},
}

// maxRows is the most rows one putRows statement writes; more take several.
const maxRows = 8

// maxShapes bounds the putRows statements a handle keeps prepared; a
// change of a rarer shape prepares its statement for once.
const maxShapes = 64

// putRowsSQL inserts ledger rows of the kinds in shape, in that order (the
// receipt, entries, lots, counters, order and redemption records). A lot,
// counter or record that exists is updated; the receipt and entries never
// exist (Commit checks that its entries are of the version it creates).
func putRowsSQL(shape string) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO loyalty_ledger (` + rowColumns + `) VALUES `)
	for i := range len(shape) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range rowValues[shape[i]] {
			if j > 0 {
				b.WriteString(", ")
			}
			switch v {
			case "":
				b.WriteString("NULL")
			default:
				b.WriteString(v)
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(` ON CONFLICT (member_id, part, name, seq, idx) DO UPDATE SET
		account = excluded.account, remaining = excluded.remaining, earned_at = excluded.earned_at,
		expires_at = excluded.expires_at, activates_at = excluded.activates_at, ref = excluded.ref,
		period = excluded.period, value = excluded.value, record = excluded.record`)
	return b.String()
}

// rowArgs is how many arguments a row of each kind binds.
var rowArgs = func() (n [256]int) {
	for k, vs := range rowValues {
		for _, v := range vs {
			if v == "?" {
				n[k]++
			}
		}
	}
	return n
}()

// putRows returns the statement that writes rows of shape; done closes it
// when it is not kept.
func (s *stmts) putRows(ctx context.Context, shape string) (st *sql.Stmt, done func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.shapes[shape]; st != nil {
		return st, func() {}, nil
	}
	if st, err = s.db.PrepareContext(ctx, putRowsSQL(shape)); err != nil {
		return nil, nil, err
	}
	if len(s.shapes) >= maxShapes {
		return st, func() { st.Close() }, nil
	}
	if s.shapes == nil {
		s.shapes = make(map[string]*sql.Stmt)
	}
	s.shapes[shape] = st
	s.all = append(s.all, st)
	return st, func() {}, nil
}

func prepare(ctx context.Context, db preparer, set stmtSet) (*stmts, error) {
	s := &stmts{db: db}
	qs := []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.load, loadSQL(true)},
		{&s.loadMany, loadSQL(false)},
		{&s.selectWrite, `SELECT w.fingerprint, w.member_id, w.version, l.record FROM loyalty_writes AS w
			LEFT JOIN loyalty_ledger AS l ON l.member_id = w.member_id AND l.part = 4 AND l.name = '' AND l.seq = w.version AND l.idx = -1
			WHERE w.key = ?`},
		// The range on seq (the version) uses the primary key; the OR only
		// filters the first version.
		{&s.history, `SELECT seq, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
			FROM loyalty_ledger WHERE member_id = ?1 AND part = 4 AND name = '' AND seq >= ?2 AND (seq > ?2 OR idx > ?3) AND idx >= 0
			ORDER BY seq, idx LIMIT ?4`},
		{&s.entries, `SELECT seq, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
			FROM loyalty_ledger WHERE member_id = ? AND part = 4 AND name = '' AND seq = ? AND idx >= 0 ORDER BY idx`},
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
			{&s.peek, peekSQL},
			{&s.commit, `COMMIT`},
			{&s.rollback, `ROLLBACK`},
			{&s.insertWrite, `INSERT INTO loyalty_writes (key, fingerprint, member_id, version)
				VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`},
			{&s.insertMember, `INSERT INTO loyalty_ledger (member_id, part, profile, version, next_due) VALUES (?, 0, ?, 1, ?)
				ON CONFLICT DO NOTHING`},
			{&s.updateMember, `UPDATE loyalty_ledger SET version = ?, next_due = ?, profile = coalesce(?, profile)
				WHERE member_id = ? AND ` + memberRow + ` AND version = ?`},
			{&s.deleteLot, `DELETE FROM loyalty_ledger WHERE member_id = ? AND part = 3 AND name = '' AND seq = ? AND idx = 0`},
			// A balance moves by the sum of the change's entries in its
			// account; the change says what it moves to, and setBalance
			// checks that the two agree (the last two are the values before).
			{&s.setBalance, `UPDATE loyalty_ledger SET available = ?, pending = ?
				WHERE member_id = ? AND part = 1 AND name = ? AND seq = 0 AND idx = 0 AND available = ? AND pending = ?`},
			{&s.balance, `SELECT available, pending FROM loyalty_ledger
				WHERE member_id = ? AND part = 1 AND name = ? AND seq = 0 AND idx = 0`},
			{&s.insertBalance, `INSERT INTO loyalty_ledger (member_id, part, name, available, pending) VALUES (?, 1, ?, ?, ?)`},
			{&s.addBalance, `INSERT INTO loyalty_ledger (member_id, part, name, available, pending) VALUES (?, 1, ?, ?, ?)
				ON CONFLICT (member_id, part, name, seq, idx) DO UPDATE SET available = available + excluded.available,
					pending = pending + excluded.pending`},
		}...)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range s.all {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
