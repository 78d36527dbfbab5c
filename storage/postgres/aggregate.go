package postgres

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loyaltykit/loyalty"
)

var _ loyalty.LedgerAggregator = (*Store)(nil)

// AggregateLedger implements loyalty.LedgerAggregator with four GROUP BY
// queries the server runs over the program's rows (entries, members,
// orders), one scan of each: width_bucket places a row's time among the
// bounds, so no entry is sent to Go, only one row per bucket, account, kind
// and source. Entries are read by the primary key's program prefix; an
// entry's at is not indexed, since the opening balance (bucket -1) needs
// every entry before the period anyway. Enrolment and order times are read
// from the stored JSON (Member.JoinedAt, OrderRecord.PlacedAt).
func (s *Store) AggregateLedger(ctx context.Context, bounds []time.Time) (*loyalty.LedgerTotals, error) {
	if err := loyalty.CheckBounds(bounds); err != nil {
		return nil, err
	}
	sc := pgx.Identifier{s.schema}.Sanitize()
	q := func(sql string) string { return strings.ReplaceAll(sql, "{s}", sc) }
	n := len(bounds) - 1
	b := make([]time.Time, len(bounds))
	for i, t := range bounds {
		b[i] = t.UTC()
	}
	last := b[n]
	t := &loyalty.LedgerTotals{Bounds: slices.Clone(bounds), Active: make([]int64, n), Enrolled: make([]int64, n), Buyers: make([]int64, n)}

	rows, err := s.db.Query(ctx, q(`SELECT width_bucket(coalesce(at, '-infinity'), $2::timestamptz[]) - 1, account, kind, source,
		sum(amount)::bigint, sum(pending)::bigint, sum(greatest(amount + pending, 0))::bigint, count(*)
		FROM {s}.entries WHERE program = $1 AND coalesce(at, '-infinity') < $3
		GROUP BY 1, 2, 3, 4`), s.program, b, last)
	if err != nil {
		return nil, wrap("aggregate entries", err)
	}
	var e loyalty.EntryTotal
	_, err = pgx.ForEachRow(rows, []any{&e.Bucket, &e.Account, &e.Kind, &e.Source, &e.Amount, &e.Pending, &e.Credits, &e.Count}, func() error {
		t.Entries = append(t.Entries, e)
		return nil
	})
	if err != nil {
		return nil, wrap("aggregate entries", err)
	}

	// Active members per bucket, and over all (the grouping set ()).
	var bucket *int
	var count int64
	// The distinct (bucket, member) pairs by hash, then counted: cheaper
	// than count(DISTINCT) per bucket, which sorts every entry.
	rows, err = s.db.Query(ctx, q(`WITH p AS (SELECT DISTINCT width_bucket(at, $2::timestamptz[]) - 1 AS b, member_id
			FROM {s}.entries WHERE program = $1 AND at >= $4 AND at < $3 AND kind IN ('earn', 'redeem') AND account <> 'rewards')
		SELECT b, count(*) FROM p GROUP BY b
		UNION ALL SELECT NULL, count(DISTINCT member_id) FROM p`), s.program, b, last, b[0])
	if err != nil {
		return nil, wrap("aggregate active members", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&bucket, &count}, func() error {
		if bucket == nil {
			t.ActiveAll = count
		} else if *bucket >= 0 && *bucket < n {
			t.Active[*bucket] = count
		}
		return nil
	})
	if err != nil {
		return nil, wrap("aggregate active members", err)
	}

	// Members by the bucket they joined in; Enrolled accumulates them.
	rows, err = s.db.Query(ctx, q(`SELECT width_bucket((profile->>'JoinedAt')::timestamptz, $2::timestamptz[]) - 1, count(*)
		FROM {s}.members WHERE program = $1 AND (profile->>'JoinedAt')::timestamptz < $3 GROUP BY 1`), s.program, b, last)
	if err != nil {
		return nil, wrap("aggregate members", err)
	}
	joined := make([]int64, n+1) // joined[i+1]: in bucket i; joined[0] before
	_, err = pgx.ForEachRow(rows, []any{&bucket, &count}, func() error {
		if bucket != nil && *bucket >= -1 && *bucket < n {
			joined[*bucket+1] = count
		}
		return nil
	})
	if err != nil {
		return nil, wrap("aggregate members", err)
	}
	run := joined[0]
	for i := range n {
		run += joined[i+1]
		t.Enrolled[i] = run
	}

	// Orders by bucket, currency and scale; buyers per bucket and over all.
	rows, err = s.db.Query(ctx, q(`WITH o AS (
			SELECT member_id, width_bucket((record->>'PlacedAt')::timestamptz, $2::timestamptz[]) - 1 AS b,
				record->>'Currency' AS currency, (record->>'Scale')::int AS scale,
				(record->>'Value')::bigint AS value, (record->>'ReturnedValue')::bigint AS returned
			FROM {s}.orders WHERE program = $1 AND (record->>'PlacedAt')::timestamptz < $3)
		SELECT 0, b, currency, scale, count(*), sum(value)::bigint, sum(returned)::bigint FROM o GROUP BY b, currency, scale
		UNION ALL
		SELECT 1, b, '', 0, count(DISTINCT member_id), 0, 0 FROM o WHERE b >= 0 GROUP BY GROUPING SETS ((b), ())`), s.program, b, last)
	if err != nil {
		return nil, wrap("aggregate orders", err)
	}
	var part int
	var ot loyalty.OrderTotal
	var ob *int
	_, err = pgx.ForEachRow(rows, []any{&part, &ob, &ot.Currency, &ot.Scale, &ot.Orders, &ot.Value, &ot.Returned}, func() error {
		switch {
		case part == 0 && ob != nil:
			ot.Bucket = *ob
			t.Orders = append(t.Orders, ot)
		case ob == nil:
			t.BuyersAll = ot.Orders
		case *ob >= 0 && *ob < n:
			t.Buyers[*ob] = ot.Orders
		}
		return nil
	})
	if err != nil {
		return nil, wrap("aggregate orders", err)
	}
	t.Normalize()
	return t, nil
}
