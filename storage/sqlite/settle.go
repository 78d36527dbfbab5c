package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

var _ storage.RefAggregator = (*Store)(nil)

// AggregateRefs implements storage.RefAggregator with one GROUP BY over
// the journal's entry rows of the period (at in integer microseconds): the
// prefix of a Ref is cut by instr and substr, so only one row per prefix
// and kind reaches Go.
func (s *Store) AggregateRefs(ctx context.Context, q storage.RefQuery) ([]ledger.RefTotal, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	if _, err := s.prepared(ctx); err != nil {
		return nil, err
	}
	acct := q.Account
	if acct == "" {
		acct = ledger.PointsAccount
	}
	args := []any{s.program, string(acct), micro(q.From), micro(q.To)}
	var kinds strings.Builder
	if len(q.Kinds) > 0 {
		kinds.WriteString(" AND kind IN (")
		for i, k := range q.Kinds {
			if i > 0 {
				kinds.WriteString(", ")
			}
			args = append(args, string(k))
			kinds.WriteString("?" + strconv.Itoa(len(args)))
		}
		kinds.WriteString(")")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT CASE WHEN instr(ref, ':') > 1 THEN substr(ref, 1, instr(ref, ':') - 1) ELSE '' END,
		kind, sum(amount), sum(pending), count(*)
		FROM loyalty_journal WHERE program = ?1 AND idx >= 0 AND account = ?2 AND at >= ?3 AND at < ?4`+kinds.String()+`
		GROUP BY 1, 2`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate refs: %w", err)
	}
	var ts []ledger.RefTotal
	err = each(rows, func() error {
		var t ledger.RefTotal
		if err := rows.Scan(&t.Prefix, &t.Kind, &t.Amount, &t.Pending, &t.Count); err != nil {
			return err
		}
		ts = append(ts, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate refs: %w", err)
	}
	return ledger.NormalizeRefTotals(ts), nil
}
