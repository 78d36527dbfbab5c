package postgres

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// queries are the store's SQL texts with the schema filled in, built once per
// Store; pgx prepares and caches each per connection.
type queries struct {
	advance, write, entries, lots, balances, counters, orders, redemptions string
	resolve, load, history, historyMember, receipt, members                string
}

func newQueries(schema string) *queries {
	s := pgx.Identifier{schema}.Sanitize()
	r := strings.NewReplacer("{s}", s)
	return &queries{
		advance: r.Replace(`SELECT {s}.advance_member($1, $2, $3, $4)`),
		write:   r.Replace(`INSERT INTO {s}.writes (key, fingerprint, member_id, version, receipt) VALUES ($1, $2, $3, $4, $5)`),
		entries: r.Replace(`INSERT INTO {s}.entries (member_id, version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note)
SELECT $1, * FROM unnest($2::bigint[], $3::integer[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[])`),
		lots: r.Replace(`INSERT INTO {s}.lots (member_id, lot_id, account, remaining, earned_at, expires_at, activates_at, ref)
SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::text[])
ON CONFLICT (member_id, lot_id) DO UPDATE SET account = excluded.account, remaining = excluded.remaining,
	earned_at = excluded.earned_at, expires_at = excluded.expires_at, activates_at = excluded.activates_at, ref = excluded.ref`),
		balances: r.Replace(`INSERT INTO {s}.balances (member_id, account, available, pending)
SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[])
ON CONFLICT (member_id, account) DO UPDATE SET available = excluded.available, pending = excluded.pending`),
		counters: r.Replace(`INSERT INTO {s}.counters (member_id, name, period, value)
SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])
ON CONFLICT (member_id, name) DO UPDATE SET period = excluded.period, value = excluded.value`),
		orders: r.Replace(`INSERT INTO {s}.orders (member_id, order_id, record)
SELECT $1, id, rec::jsonb FROM unnest($2::text[], $3::text[]) AS t (id, rec)
ON CONFLICT (member_id, order_id) DO UPDATE SET record = excluded.record`),
		redemptions: r.Replace(`INSERT INTO {s}.redemptions (member_id, redemption_id, record)
SELECT $1, id, rec::jsonb FROM unnest($2::text[], $3::text[]) AS t (id, rec)
ON CONFLICT (member_id, redemption_id) DO UPDATE SET record = excluded.record`),

		// resolve classifies a commit the checks refused, in one row.
		resolve: r.Replace(`SELECT w.fingerprint, w.receipt, (SELECT m.version FROM {s}.members m WHERE m.member_id = $2)
FROM (SELECT 1) AS one LEFT JOIN {s}.writes w ON w.key = $1`),

		// load reads a member's state in one statement, so one snapshot:
		// k says what a row is (0 member, 1 balance, 2 counter, 3 lot,
		// 4 order, 5 redemption).
		load: r.Replace(`SELECT 0 AS k, NULL::text AS s1, NULL::text AS s2, version AS n1, NULL::bigint AS n2,
	next_due AS t1, NULL::timestamptz AS t2, NULL::timestamptz AS t3, profile AS j
FROM {s}.members WHERE member_id = $1
UNION ALL
SELECT 1, account, NULL, available, pending, NULL, NULL, NULL, NULL
FROM {s}.balances WHERE member_id = $1
UNION ALL
SELECT 2, name, period, value, NULL, NULL, NULL, NULL, NULL
FROM {s}.counters WHERE member_id = $1
UNION ALL
SELECT 3, account, ref, lot_id, remaining, earned_at, expires_at, activates_at, NULL
FROM {s}.lots WHERE member_id = $1 AND remaining <> 0
	AND ($2 OR EXISTS (SELECT 1 FROM {s}.members WHERE member_id = $1 AND next_due <= $3))
UNION ALL
SELECT 4, order_id, NULL, NULL, NULL, NULL, NULL, NULL, record
FROM {s}.orders WHERE member_id = $1 AND order_id = ANY ($4::text[])
UNION ALL
SELECT 5, redemption_id, NULL, NULL, NULL, NULL, NULL, NULL, record
FROM {s}.redemptions WHERE member_id = $1 AND redemption_id = ANY ($5::text[])`),

		history: r.Replace(`SELECT version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
FROM {s}.entries WHERE member_id = $1 AND (version, idx) > ($2, $3)
ORDER BY version, idx LIMIT $4`),
		historyMember: r.Replace(`SELECT EXISTS (SELECT 1 FROM {s}.members WHERE member_id = $1)`),
		receipt:       r.Replace(`SELECT receipt FROM {s}.writes WHERE key = $1`),
		members:       r.Replace(`SELECT member_id FROM {s}.members WHERE member_id > $1 ORDER BY member_id LIMIT $2`),
	}
}
