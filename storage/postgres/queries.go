package postgres

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// commitParams is the number of commit_change's parameters.
const commitParams = 58

// queries are the store's SQL texts with the schema filled in, built once per
// Store; pgx prepares and caches each per connection. Every query's first
// parameter is the program.
type queries struct {
	commit, resolve, load, history, historyBefore, historyMember, receipt, members string
	membersDue                                                                     string // due.go

	setLimit, sharedCounter, reserveCode, code, useCode string
}

func newQueries(schema string) *queries {
	s := pgx.Identifier{schema}.Sanitize()
	r := strings.NewReplacer("{s}", s)
	var params strings.Builder
	for i := 1; i <= commitParams; i++ {
		if i > 1 {
			params.WriteString(", ")
		}
		params.WriteString("$" + strconv.Itoa(i))
	}
	return &queries{
		commit: r.Replace(`SELECT {s}.commit_change(` + params.String() + `)`),

		// resolve classifies a commit the checks refused, in one row.
		resolve: r.Replace(`SELECT w.fingerprint, w.receipt, (SELECT m.version FROM {s}.members m WHERE m.program = $1 AND m.member_id = $3)
FROM (SELECT 1) AS one LEFT JOIN {s}.writes w ON w.program = $1 AND w.key = $2`),

		// load reads a member's state in one statement (see load_member).
		load: r.Replace(`SELECT k, s1, s2, n1, n2, t1, t2, t3, j FROM {s}.load_member($1, $2, $3, $4, $5, $6, $7, $8)`),

		history: r.Replace(`SELECT version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
FROM {s}.entries WHERE program = $1 AND member_id = $2 AND (version, idx) > ($3, $4)
ORDER BY version, idx LIMIT $5`),
		// historyBefore reads the entries' primary key backwards from the cursor.
		historyBefore: r.Replace(`SELECT version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
FROM {s}.entries WHERE program = $1 AND member_id = $2 AND (version, idx) < ($3, $4)
ORDER BY version DESC, idx DESC LIMIT $5`),
		historyMember: r.Replace(`SELECT EXISTS (SELECT 1 FROM {s}.members WHERE program = $1 AND member_id = $2)`),
		receipt:       r.Replace(`SELECT receipt FROM {s}.writes WHERE program = $1 AND key = $2`),
		members:       r.Replace(`SELECT member_id FROM {s}.members WHERE program = $1 AND member_id > $2 ORDER BY member_id LIMIT $3`),
		membersDue:    r.Replace(membersDueSQL),

		setLimit: r.Replace(`SELECT {s}.set_limit($1, $2, $3)`),
		// sharedCounter sums the period's buckets (migration 0006) in one
		// snapshot: what the commits before it claimed, exactly.
		sharedCounter: r.Replace(`SELECT s."limit", (SELECT coalesce(sum(p.claimed), 0)::bigint FROM {s}.shared_counter_periods p
	WHERE p.program = s.program AND p.name = s.name AND p.period_key = $3)
FROM {s}.shared_counters s WHERE s.program = $1 AND s.name = $2`),
		reserveCode: r.Replace(`INSERT INTO {s}.codes (program, code, kind, owner, ref, max_uses, uses, void, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, 0, false, $7, $8) ON CONFLICT (program, code) DO NOTHING`),
		code: r.Replace(`SELECT kind, owner, ref, max_uses, uses, void, created_at, expires_at
FROM {s}.codes WHERE program = $1 AND code = $2`),
		useCode: r.Replace(`SELECT o_kind, o_owner, o_ref, o_max_uses, o_uses, o_void, o_created_at, o_expires_at FROM {s}.use_code($1, $2, $3, $4)`),
	}
}
