package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

var _ storage.RefAggregator = (*Store)(nil)

// AggregateRefs implements storage.RefAggregator with one GROUP BY the
// server runs over the program's entries of the period: the prefix of a
// Ref is cut by strpos and left, so only one row per prefix and kind
// reaches Go. Entries are read by the primary key's program prefix and
// filtered by at, which is not indexed (as for AggregateLedger): an index
// would cost every earn a second index write for a monthly report.
func (s *Store) AggregateRefs(ctx context.Context, q storage.RefQuery) ([]ledger.RefTotal, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	acct := q.Account
	if acct == "" {
		acct = ledger.PointsAccount
	}
	kinds := make([]string, len(q.Kinds))
	for i, k := range q.Kinds {
		kinds[i] = string(k)
	}
	sql := strings.ReplaceAll(`SELECT CASE WHEN strpos(ref, ':') > 1 THEN left(ref, strpos(ref, ':') - 1) ELSE '' END,
		kind, sum(amount)::bigint, sum(pending)::bigint, count(*)
		FROM {s}.entries WHERE program = $1 AND account = $2 AND at >= $3 AND at < $4
		AND (cardinality($5::text[]) = 0 OR kind = ANY($5::text[]))
		GROUP BY 1, 2`, "{s}", pgx.Identifier{s.schema}.Sanitize())
	rows, err := s.db.Query(ctx, sql, s.program, string(acct), microCeil(q.From), microCeil(q.To), kinds)
	if err != nil {
		return nil, wrap("aggregate refs", err)
	}
	var ts []ledger.RefTotal
	var t ledger.RefTotal
	_, err = pgx.ForEachRow(rows, []any{&t.Prefix, &t.Kind, &t.Amount, &t.Pending, &t.Count}, func() error {
		ts = append(ts, t)
		return nil
	})
	if err != nil {
		return nil, wrap("aggregate refs", err)
	}
	return ledger.NormalizeRefTotals(ts), nil
}

// microCeil is t rounded up to the microsecond the server keeps, in UTC:
// for a stored at, "at < microCeil(t)" is "at before t", and "at >=
// microCeil(t)" is "at not before t", whatever t's nanoseconds.
func microCeil(t time.Time) time.Time {
	m := time.UnixMicro(t.UnixMicro()).UTC()
	if m.Before(t) {
		m = m.Add(time.Microsecond)
	}
	return m
}
