package postgres

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// queries are the store's SQL texts with the schema filled in, built once per
// Store; pgx prepares and caches each per connection.
type queries struct {
	commit, resolve, load, history, historyBefore, historyMember, receipt, members string
}

func newQueries(schema string) *queries {
	s := pgx.Identifier{schema}.Sanitize()
	r := strings.NewReplacer("{s}", s)
	return &queries{
		commit: r.Replace(`SELECT {s}.commit_change($1, $2, $3, $4, $5, $6, $7,
	$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
	$21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39)`),

		// resolve classifies a commit the checks refused, in one row.
		resolve: r.Replace(`SELECT w.fingerprint, w.receipt, (SELECT m.version FROM {s}.members m WHERE m.member_id = $2)
FROM (SELECT 1) AS one LEFT JOIN {s}.writes w ON w.key = $1`),

		// load reads a member's state in one statement (see load_member).
		load: r.Replace(`SELECT k, s1, s2, n1, n2, t1, t2, t3, j FROM {s}.load_member($1, $2, $3, $4, $5)`),

		history: r.Replace(`SELECT version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
FROM {s}.entries WHERE member_id = $1 AND (version, idx) > ($2, $3)
ORDER BY version, idx LIMIT $4`),
		// historyBefore reads the entries' primary key backwards from the cursor.
		historyBefore: r.Replace(`SELECT version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
FROM {s}.entries WHERE member_id = $1 AND (version, idx) < ($2, $3)
ORDER BY version DESC, idx DESC LIMIT $4`),
		historyMember: r.Replace(`SELECT EXISTS (SELECT 1 FROM {s}.members WHERE member_id = $1)`),
		receipt:       r.Replace(`SELECT receipt FROM {s}.writes WHERE key = $1`),
		members:       r.Replace(`SELECT member_id FROM {s}.members WHERE member_id > $1 ORDER BY member_id LIMIT $2`),
	}
}
