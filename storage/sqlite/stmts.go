package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
)

// Parts of a member's range of loyalty_ledger, in key order (see
// migrations/0002_journal.sql). A write touches the rows around the
// member row, and keeps them small: its new lot ends the open lots, oldest
// first, just before the member row; its write row (which journal rows it
// appended) starts the writes, newest first (seq is minus the version),
// after the balances, counters and order IDs. Its entries, receipt and
// order records go to loyalty_journal, which only ever grows at its end.
const (
	partLot        = -1
	partMember     = 0
	partBalance    = 1
	partCounter    = 2
	partOrder      = 3 // an order ID and the journal row of its record
	partWrite      = 4 // a write (seq is minus its version) and its journal rows
	partGrant      = 5 // a grant: name = its ID, record, status (migrations/0004)
	partRedemption = 6
)

// Journal rows: a write's entries (idx 0, 1, ...), its receipt in its first
// row (the first entry's, or a row of its own at idx receiptIdx), the first
// of its order records there too and the others in rows of their own.
const (
	receiptIdx = -1
	orderIdx   = -2 // the second order record's row; the third's is at -3...
)

// stmts are the prepared statements of one handle. The read pool has only
// the read statements; the writer connection and the host's handle (which
// InTx reads through too) have all of them.
type stmts struct {
	// reads
	load, loadMany, selectWrite, history, historyBefore, entries, exists, version, members *sql.Stmt
	membersDue                                                                             *sql.Stmt // due.go
	// writes
	begin, commit, rollback, peek                  *sql.Stmt
	insertWrite, insertMember, updateMember        *sql.Stmt
	updateMemberPoints, moveMemberPoints           *sql.Stmt
	deleteLot                                      *sql.Stmt
	setBalance, balance, insertBalance, addBalance *sql.Stmt
	claimOrder, orderOwner                         *sql.Stmt
	// shared state (migrations/0005); sharedCounter and code also read
	sharedCounter, code                 *sql.Stmt
	claim, release, setLimit, overLimit *sql.Stmt
	insertCode, useCode                 *sql.Stmt
	all                                 []*sql.Stmt

	// putRows statements by table and shape, prepared on db when first used.
	db     preparer
	mu     sync.Mutex
	shapes map[string]*sql.Stmt
}

type stmtSet int

const (
	readStatements stmtSet = iota
	writeStatements
)

// The row of a member: part 0 and the default name and seq. It also holds
// the member's points balance (available, pending; NULL for none): every
// earn moves it, and an UPDATE costs a rewrite of the whole row.
const memberRow = `part = 0 AND name = '' AND seq = 0`

// loadColumns are what loadSQL selects from loyalty_ledger, in scanState's
// order: the part, the name and, by part, its own columns in a few shared
// ones (fewer columns make a cheaper row to step and scan):
//
//	part        t1       t2   i1         i2         i3         i4          i5
//	lot         account  ref  lot ID     remaining  earned_at  expires_at  activates_at
//	member      profile       version    next_due   available  pending
//	balance                   available  pending
//	counter     period        value
//	redemption  record
const loadColumns = `l.part, l.name,
	CASE l.part WHEN 0 THEN l.profile WHEN 2 THEN l.period WHEN -1 THEN l.account ELSE l.record END,
	CASE l.part WHEN -1 THEN l.ref END,
	CASE l.part WHEN 0 THEN l.version WHEN 1 THEN l.available WHEN 2 THEN l.value WHEN -1 THEN l.seq END,
	CASE l.part WHEN 0 THEN l.next_due WHEN 1 THEN l.pending WHEN -1 THEN l.remaining END,
	CASE l.part WHEN -1 THEN l.earned_at WHEN 0 THEN l.available END,
	CASE l.part WHEN -1 THEN l.expires_at WHEN 0 THEN l.pending END,
	CASE l.part WHEN -1 THEN l.activates_at END`

// orderColumns are loadColumns for an order ID row o and its journal row j.
const orderColumns = `3, o.name, j.order_record, NULL, NULL, NULL, NULL, NULL, NULL`

// loadIDs is how many order and redemption IDs the load statement takes
// inline; Loads that ask for more use loadMany.
const loadIDs = 1

// loadSQL reads a member in one statement, so in one snapshot without an
// explicit transaction: the range of the member's row, balances, counters
// and, when ?2 asks for them or next_due is not after ?3, open lots; then
// the orders and redemptions asked for. With few, ?4 and ?5 are one ID
// each (NULL for none); else JSON arrays of IDs. The Engine asks for one
// at most, and a lookup by key is much cheaper than json_each. ?6 is the
// program; ?7 asks for the open grants and ?8 is a JSON array of grant IDs
// (NULL for none).
func loadSQL(few bool) string {
	records := `
		UNION ALL
		SELECT ` + orderColumns + ` FROM loyalty_ledger AS o JOIN loyalty_journal AS j ON j.id = o.journal
			WHERE ?4 IS NOT NULL AND o.program = ?6 AND o.member_id = ?1 AND o.part = 3 AND o.name = ?4 AND o.seq = 0
		UNION ALL
		SELECT ` + loadColumns + ` FROM loyalty_ledger AS l
			WHERE ?5 IS NOT NULL AND l.program = ?6 AND l.member_id = ?1 AND l.part = 6 AND l.name = ?5 AND l.seq = 0`
	if !few {
		records = `
		UNION ALL
		SELECT ` + orderColumns + ` FROM json_each(?4) AS k
			JOIN loyalty_ledger AS o ON o.program = ?6 AND o.member_id = ?1 AND o.part = 3 AND o.name = k.value AND o.seq = 0
			JOIN loyalty_journal AS j ON j.id = o.journal
		UNION ALL
		SELECT ` + loadColumns + ` FROM json_each(?5) AS k JOIN loyalty_ledger AS l
			ON l.program = ?6 AND l.member_id = ?1 AND l.part = 6 AND l.name = k.value AND l.seq = 0`
	}
	records += `
		UNION ALL
		SELECT ` + loadColumns + ` FROM loyalty_ledger AS l
			WHERE (?7 OR ?8 IS NOT NULL) AND l.program = ?6 AND l.member_id = ?1 AND l.part = 5
				AND ((?7 AND l.status = 'open') OR l.name IN (SELECT value FROM json_each(?8)))`
	return `
		SELECT ` + loadColumns + ` FROM loyalty_ledger AS l
			WHERE l.program = ?6 AND l.member_id = ?1 AND l.part BETWEEN CASE
				WHEN ?2 OR (SELECT next_due FROM loyalty_ledger WHERE program = ?6 AND member_id = ?1 AND ` + memberRow + `) <= ?3 THEN -1
				ELSE 0 END AND 2` + records
}

// A write's rows are written by putRows statements: INSERTs of several rows
// of one table at once, by kind of row. Each kind says the table, and the
// values it writes in that table's columns: "?" is an argument of the row
// (the first is the program, the second the member ID), "" NULL, anything
// else a literal. A row
// binds only its own columns. Parameters are plain "?", not "?NNN": the
// driver allocates the name of every numbered parameter at every execution.
const (
	// Ledger rows. A lot, counter, order ID or redemption record that
	// exists is updated; a write row never exists.
	rowLot        = 'L' // member, lot ID, account, remaining, earned_at, expires_at, activates_at, ref
	rowCounter    = 'C' // member, name, period, value
	rowOrder      = 'O' // member, order ID, journal row of its record
	rowWrite      = 'W' // member, minus the version, its first and last journal rows
	rowRedemption = 'D' // member, redemption ID, record
	rowGrant      = 'G' // member, grant ID, expires_at (migrations/0006), record, status
	// Journal rows, always new.
	rowEntry        = 'E' // member, version, idx, account, ref, kind, amount, pending, at, key, source, lot, rate, note
	rowEntryReceipt = 'F' // an entry's, then the receipt, fingerprint and (NULL for none) the first order record
	rowReceipt      = 'R' // member, version, receipt, fingerprint, first order record (or NULL)
	rowOrderRecord  = 'X' // member, version, idx, order record
)

const (
	ledgerColumns = `program, member_id, part, name, seq, account, remaining, earned_at, expires_at, activates_at, ref,
		period, value, record, journal, journal_last, status`
	journalColumns = `program, member_id, version, idx, account, ref, kind, amount, pending, at, key, source, lot, rate, note,
		receipt, fingerprint, order_record`
)

var rowValues = map[byte][]string{
	rowLot:        {"?", "?", "-1", "''", "?", "?", "?", "?", "?", "?", "?", "", "", "", "", "", ""},
	rowCounter:    {"?", "?", "2", "?", "0", "", "", "", "", "", "", "?", "?", "", "", "", ""},
	rowOrder:      {"?", "?", "3", "?", "0", "", "", "", "", "", "", "", "", "", "?", "", ""},
	rowWrite:      {"?", "?", "4", "''", "?", "", "", "", "", "", "", "", "", "", "?", "?", ""},
	rowGrant:      {"?", "?", "5", "?", "0", "", "", "", "?", "", "", "", "", "?", "", "", "?"},
	rowRedemption: {"?", "?", "6", "?", "0", "", "", "", "", "", "", "", "", "?", "", "", ""},

	rowEntry:        {"?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "", "", ""},
	rowEntryReceipt: {"?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?"},
	rowReceipt:      {"?", "?", "?", "-1", "", "", "", "", "", "", "", "", "", "", "", "?", "?", "?"},
	rowOrderRecord:  {"?", "?", "?", "?", "", "", "", "", "", "", "", "", "", "", "", "", "", "?"},
}

// inJournal reports whether rows of kind k are journal rows.
func inJournal(k byte) bool {
	switch k {
	case rowEntry, rowEntryReceipt, rowReceipt, rowOrderRecord:
		return true
	}
	return false
}

// maxRows is the most rows one putRows statement writes; more take several.
const maxRows = 8

// maxShapes bounds the putRows statements a handle keeps prepared; a
// change of a rarer shape prepares its statement for once.
const maxShapes = 64

// putRowsSQL inserts rows of the kinds in shape, in that order, all of
// them ledger rows or all journal rows.
func putRowsSQL(shape string) string {
	var b strings.Builder
	journal := inJournal(shape[0])
	if journal {
		b.WriteString(`INSERT INTO loyalty_journal (` + journalColumns + `) VALUES `)
	} else {
		b.WriteString(`INSERT INTO loyalty_ledger (` + ledgerColumns + `) VALUES `)
	}
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
	if !journal {
		b.WriteString(` ON CONFLICT (program, member_id, part, name, seq) DO UPDATE SET
		account = excluded.account, remaining = excluded.remaining, earned_at = excluded.earned_at,
		expires_at = excluded.expires_at, activates_at = excluded.activates_at, ref = excluded.ref,
		period = excluded.period, value = excluded.value, record = excluded.record, journal = excluded.journal,
		status = excluded.status`)
	}
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

// writeRows joins a write's row h (member, part 4, minus its version) to
// its journal rows j.
const writeRows = `j.id BETWEEN h.journal AND h.journal_last`

// entryColumns are what scanEntries reads from a journal row j.
const entryColumns = `j.version, j.idx, j.account, j.kind, j.amount, j.pending, j.at, j.key, j.source, j.ref, j.lot, j.rate, j.note`

func prepare(ctx context.Context, db preparer, set stmtSet) (*stmts, error) {
	s := &stmts{db: db}
	qs := []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.load, loadSQL(true)},
		{&s.loadMany, loadSQL(false)},
		// A write's receipt is in its first journal row.
		{&s.selectWrite, `SELECT j.fingerprint, w.member_id, w.version, j.receipt FROM loyalty_writes AS w
			LEFT JOIN loyalty_ledger AS h ON h.program = w.program AND h.member_id = w.member_id AND h.part = 4 AND h.name = ''
				AND h.seq = -w.version
			LEFT JOIN loyalty_journal AS j ON j.id = h.journal
			WHERE w.program = ? AND w.key = ?`},
		// The writes from the cursor's on, oldest first (seq, minus the
		// version, descending), each with its journal rows in order; the
		// OR only filters the cursor's own write.
		{&s.history, `SELECT ` + entryColumns + `
			FROM loyalty_ledger AS h JOIN loyalty_journal AS j ON ` + writeRows + `
			WHERE h.program = ?5 AND h.member_id = ?1 AND h.part = 4 AND h.name = '' AND h.seq <= -?2 AND j.idx >= 0 AND (h.seq < -?2 OR j.idx > ?3)
			ORDER BY h.seq DESC, j.id LIMIT ?4`},
		// The writes up to the cursor's, newest first (seq ascending), each
		// with its journal rows backwards; the OR only filters the cursor's
		// own write. The zero cursor comes as the largest version.
		{&s.historyBefore, `SELECT ` + entryColumns + `
			FROM loyalty_ledger AS h JOIN loyalty_journal AS j ON ` + writeRows + `
			WHERE h.program = ?5 AND h.member_id = ?1 AND h.part = 4 AND h.name = '' AND h.seq >= -?2 AND j.idx >= 0 AND (h.seq > -?2 OR j.idx < ?3)
			ORDER BY h.seq, j.id DESC LIMIT ?4`},
		{&s.entries, `SELECT ` + entryColumns + `
			FROM loyalty_ledger AS h JOIN loyalty_journal AS j ON ` + writeRows + `
			WHERE h.program = ? AND h.member_id = ? AND h.part = 4 AND h.name = '' AND h.seq = -? AND j.idx >= 0 ORDER BY j.id`},
		{&s.exists, `SELECT 1 FROM loyalty_ledger WHERE program = ? AND member_id = ? AND ` + memberRow},
		{&s.version, `SELECT version, available, pending FROM loyalty_ledger WHERE program = ? AND member_id = ? AND ` + memberRow},
		// A member's rows are one range of the key, so the next member
		// after x is min(member_id) > x: one seek per member.
		{&s.members, `WITH RECURSIVE m(id, n) AS (
				SELECT (SELECT min(member_id) FROM loyalty_ledger WHERE program = ?3 AND member_id > ?1), 1
				UNION ALL
				SELECT (SELECT min(member_id) FROM loyalty_ledger WHERE program = ?3 AND member_id > m.id), n + 1
				FROM m WHERE m.id IS NOT NULL AND n < ?2)
			SELECT id FROM m WHERE id IS NOT NULL AND ?2 > 0`},
		{&s.membersDue, membersDueSQL},
		{&s.sharedCounter, `SELECT c.lim, coalesce(p.claimed, 0) FROM loyalty_shared_counters AS c
			LEFT JOIN loyalty_shared_periods AS p ON p.program = c.program AND p.name = c.name AND p.period_key = ?3
			WHERE c.program = ?1 AND c.name = ?2`},
		{&s.code, `SELECT kind, owner, ref, max_uses, uses, void, created_at, expires_at FROM loyalty_codes
			WHERE program = ? AND code = ?`},
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
			{&s.insertWrite, `INSERT INTO loyalty_writes (program, key, member_id, version) VALUES (?, ?, ?, ?)
				ON CONFLICT (program, key) DO NOTHING`},
			{&s.insertMember, `INSERT INTO loyalty_ledger (program, member_id, part, profile, version, next_due, available, pending)
				VALUES (?, ?, 0, ?, 1, ?, ?, ?) ON CONFLICT DO NOTHING`},
			{&s.updateMember, `UPDATE loyalty_ledger SET version = ?, next_due = ?, profile = coalesce(?, profile)
				WHERE program = ? AND member_id = ? AND ` + memberRow + ` AND version = ?`},
			// The points balance moves to what the change planned only
			// from what it planned from (the last two; none counts as 0).
			{&s.updateMemberPoints, `UPDATE loyalty_ledger SET version = ?, next_due = ?, profile = coalesce(?, profile),
				available = ?, pending = ?
				WHERE program = ? AND member_id = ? AND ` + memberRow + ` AND version = ? AND coalesce(available, 0) = ? AND coalesce(pending, 0) = ?`},
			{&s.moveMemberPoints, `UPDATE loyalty_ledger SET version = ?, next_due = ?, profile = coalesce(?, profile),
				available = coalesce(available, 0) + ?, pending = coalesce(pending, 0) + ?
				WHERE program = ? AND member_id = ? AND ` + memberRow + ` AND version = ?`},
			{&s.deleteLot, `DELETE FROM loyalty_ledger WHERE program = ? AND member_id = ? AND part = -1 AND name = '' AND seq = ?`},
			// A balance moves by the sum of the change's entries in its
			// account; the change says what it moves to, and setBalance
			// checks that the two agree (the last two are the values before).
			{&s.setBalance, `UPDATE loyalty_ledger SET available = ?, pending = ?
				WHERE program = ? AND member_id = ? AND part = 1 AND name = ? AND seq = 0 AND available = ? AND pending = ?`},
			{&s.balance, `SELECT available, pending FROM loyalty_ledger WHERE program = ? AND member_id = ? AND part = 1 AND name = ? AND seq = 0`},
			{&s.insertBalance, `INSERT INTO loyalty_ledger (program, member_id, part, name, available, pending) VALUES (?, ?, 1, ?, ?, ?)`},
			// An order ID the member has no record of is claimed for it,
			// unless another member holds it (see migrations/0003).
			{&s.claimOrder, `INSERT INTO loyalty_order_owners (program, order_id, member_id)
				SELECT ?3, ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM loyalty_ledger WHERE program = ?3 AND member_id = ?2 AND part = 3 AND name = ?1)
				ON CONFLICT (program, order_id) DO NOTHING`},
			{&s.orderOwner, `SELECT member_id FROM loyalty_order_owners WHERE program = ?3 AND order_id = ?1 AND member_id <> ?2
				AND NOT EXISTS (SELECT 1 FROM loyalty_ledger WHERE program = ?3 AND member_id = ?2 AND part = 3 AND name = ?1)`},
			{&s.addBalance, `INSERT INTO loyalty_ledger (program, member_id, part, name, available, pending) VALUES (?, ?, 1, ?, ?, ?)
				ON CONFLICT (program, member_id, part, name, seq) DO UPDATE SET available = available + excluded.available,
					pending = pending + excluded.pending`},
			// A claim takes ?4 from a period of a defined counter only if
			// that leaves it within the limit (lim - claimed never
			// overflows); a release gives back no more than was claimed.
			// Either changes no row when it is refused.
			{&s.claim, `INSERT INTO loyalty_shared_periods (program, name, period_key, claimed)
				SELECT c.program, c.name, ?3, ?4 FROM loyalty_shared_counters AS c
				WHERE c.program = ?1 AND c.name = ?2 AND ?4 <= c.lim
				ON CONFLICT (program, name, period_key) DO UPDATE SET claimed = claimed + excluded.claimed
				WHERE excluded.claimed <= (SELECT lim FROM loyalty_shared_counters WHERE program = ?1 AND name = ?2) - claimed`},
			{&s.release, `UPDATE loyalty_shared_periods SET claimed = claimed - ?4
				WHERE program = ?1 AND name = ?2 AND period_key = ?3 AND claimed >= ?4`},
			{&s.setLimit, `INSERT INTO loyalty_shared_counters (program, name, lim) VALUES (?, ?, ?)
				ON CONFLICT (program, name) DO UPDATE SET lim = excluded.lim`},
			// The period that claimed the most, if it claimed more than ?3.
			{&s.overLimit, `SELECT period_key, claimed FROM loyalty_shared_periods
				WHERE program = ?1 AND name = ?2 AND claimed > ?3 ORDER BY claimed DESC, period_key LIMIT 1`},
			{&s.insertCode, `INSERT INTO loyalty_codes (program, code, kind, owner, ref, max_uses, uses, void, created_at, expires_at)
				VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (program, code) DO NOTHING`},
			{&s.useCode, `UPDATE loyalty_codes SET uses = ?3, void = ?4 WHERE program = ?1 AND code = ?2`},
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
