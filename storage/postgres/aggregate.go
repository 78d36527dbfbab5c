package postgres

import (
	"context"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

var _ storage.LedgerAggregator = (*Store)(nil)

// AggregateLedger implements storage.LedgerAggregator from the summaries
// migration 0005 keeps (see migrations/0005_ledger_summary.sql), so a
// report reads one row per UTC day and key, one per active member and UTC
// month, not one per entry:
//
//   - the entry sums are entry_days plus the deltas not folded yet; a UTC
//     day that a bound cuts (any bound not at midnight UTC: a program in
//     New York starts its months at 05:00 UTC) is summed from its entries
//     instead, read by the entries_at index, so every bound gives exact
//     sums;
//   - the active members are the members whose member_months row has a day
//     wholly inside a bucket, plus those with an earn or redeem entry in a
//     cut day's part of it;
//   - enrolments and orders are grouped by their generated columns
//     (members.joined_at, orders.placed_at ...).
//
// Before reading it folds the deltas into entry_days (one transaction,
// skipped when another report of the program is folding); then every query
// runs in one REPEATABLE READ snapshot, so the report is of one state of the
// ledger. The cost of a report grows with the days, the active member-months
// and the orders of the program, and with the entries of the cut days.
func (s *Store) AggregateLedger(ctx context.Context, bounds []time.Time) (*ledger.Totals, error) {
	if err := storage.CheckBounds(bounds); err != nil {
		return nil, err
	}
	sc := pgx.Identifier{s.schema}.Sanitize()
	q := func(sql string) string { return strings.ReplaceAll(sql, "{s}", sc) }
	n := len(bounds) - 1
	b := make([]time.Time, len(bounds))
	for i, t := range bounds {
		b[i] = t.UTC()
	}
	first, last := b[0], b[n]
	cut := cutDays(b)
	months, mbuckets, masks := dayMasks(b)
	t := &ledger.Totals{Bounds: slices.Clone(bounds), Active: make([]int64, n), Enrolled: make([]int64, n), Buyers: make([]int64, n)}

	if err := s.foldDeltas(ctx, q); err != nil {
		return nil, err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, wrap("aggregate", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only

	rows, err := tx.Query(ctx, q(`WITH d AS (
			SELECT day, account, kind, source, amount, pending, credits, n FROM {s}.entry_days WHERE program = $1 AND day < $3
			UNION ALL
			SELECT day, account, kind, source, amount, pending, credits, n FROM {s}.entry_day_deltas WHERE program = $1 AND day < $3)
		SELECT width_bucket(day, $2::timestamptz[]) - 1, account, kind, source,
			sum(amount)::bigint, sum(pending)::bigint, sum(credits)::bigint, sum(n)::bigint
		FROM d WHERE day <> ALL ($4::timestamptz[]) GROUP BY 1, 2, 3, 4
		UNION ALL
		SELECT width_bucket(e.at, $2::timestamptz[]) - 1, e.account, e.kind, e.source,
			sum(e.amount)::bigint, sum(e.pending)::bigint, sum(greatest(e.amount + e.pending, 0))::bigint, count(*)
		FROM unnest($4::timestamptz[]) AS c(day)
		JOIN {s}.entries e ON e.program = $1 AND e.at >= c.day AND e.at < c.day + interval '1 day' AND e.at < $3
		GROUP BY 1, 2, 3, 4`), s.program, b, last, cut)
	if err != nil {
		return nil, wrap("aggregate entries", err)
	}
	var e ledger.EntryTotal
	_, err = pgx.ForEachRow(rows, []any{&e.Bucket, &e.Account, &e.Kind, &e.Source, &e.Amount, &e.Pending, &e.Credits, &e.Count}, func() error {
		t.Entries = append(t.Entries, e)
		return nil
	})
	if err != nil {
		return nil, wrap("aggregate entries", err)
	}

	// Active members: (member, bucket) pairs from the whole days of
	// member_months and from the cut days' entries, each once.
	var bucket *int
	var count int64
	rows, err = tx.Query(ctx, q(`WITH p AS (
			SELECT a.member_id, r.bucket AS b
			FROM unnest($5::timestamptz[], $6::integer[], $7::integer[]) AS r(month, bucket, mask)
			JOIN {s}.member_months a ON a.program = $1 AND a.month = r.month AND a.days & r.mask <> 0
			UNION
			SELECT e.member_id, width_bucket(e.at, $2::timestamptz[]) - 1
			FROM unnest($4::timestamptz[]) AS c(day)
			JOIN {s}.entries e ON e.program = $1 AND e.at >= c.day AND e.at < c.day + interval '1 day'
			WHERE e.at >= $8 AND e.at < $3 AND e.kind IN ('earn', 'redeem') AND e.account <> 'rewards')
		SELECT b, count(*) FROM p GROUP BY b
		UNION ALL SELECT NULL, count(DISTINCT member_id) FROM p`), s.program, b, last, cut, months, mbuckets, masks, first)
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
	rows, err = tx.Query(ctx, q(`SELECT width_bucket(joined_at, $2::timestamptz[]) - 1, count(*)
		FROM {s}.members WHERE program = $1 AND joined_at < $3 GROUP BY 1`), s.program, b, last)
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
	rows, err = tx.Query(ctx, q(`WITH o AS (
			SELECT member_id, width_bucket(placed_at, $2::timestamptz[]) - 1 AS b, currency, scale, value, returned
			FROM {s}.orders WHERE program = $1 AND placed_at < $3)
		SELECT 0, b, currency, scale, count(*), sum(value)::bigint, sum(returned)::bigint FROM o GROUP BY b, currency, scale
		UNION ALL
		SELECT 1, b, '', 0, count(DISTINCT member_id), 0, 0 FROM o WHERE b >= 0 GROUP BY GROUPING SETS ((b), ())`), s.program, b, last)
	if err != nil {
		return nil, wrap("aggregate orders", err)
	}
	var part int
	var ot ledger.OrderTotal
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
	if err := tx.Commit(ctx); err != nil {
		return nil, wrap("aggregate", err)
	}
	t.Normalize()
	return t, nil
}

// foldDeltas moves the program's entry_day_deltas into entry_days, unless
// another report of the program is doing it (its advisory lock is held):
// the sums are exact either way, folding only keeps them short.
func (s *Store) foldDeltas(ctx context.Context, q func(string) string) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap("aggregate fold", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	h := fnv.New64a()
	h.Write([]byte("loyaltykit/loyalty/storage/postgres fold\x00" + s.schema + "\x00" + s.program))
	var got bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(h.Sum64())).Scan(&got); err != nil {
		return wrap("aggregate fold", err)
	}
	if !got {
		return nil
	}
	if _, err := tx.Exec(ctx, q(`WITH moved AS (DELETE FROM {s}.entry_day_deltas WHERE program = $1 RETURNING *)
		INSERT INTO {s}.entry_days AS d (program, day, account, kind, source, amount, pending, credits, n)
		SELECT program, day, account, kind, source, sum(amount), sum(pending), sum(credits), sum(n)
		FROM moved GROUP BY 1, 2, 3, 4, 5
		ON CONFLICT (program, day, account, kind, source) DO UPDATE SET amount = d.amount + excluded.amount,
			pending = d.pending + excluded.pending, credits = d.credits + excluded.credits, n = d.n + excluded.n`), s.program); err != nil {
		return wrap("aggregate fold", err)
	}
	return wrap0("aggregate fold", tx.Commit(ctx))
}

func wrap0(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrap(op, err)
}

// cutDays returns the UTC days (their midnights) that a bound of b (in UTC)
// falls strictly inside: those are summed entry by entry.
func cutDays(b []time.Time) []time.Time {
	out := []time.Time{} // not nil: pgx sends nil as NULL, and x <> ALL (NULL) is never true
	for _, t := range b {
		d := utcDay(t)
		if !d.Equal(t) && (len(out) == 0 || !out[len(out)-1].Equal(d)) {
			out = append(out, d)
		}
	}
	return out
}

func utcDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dayMasks returns, for member_months, the UTC months the days of b's
// buckets lie in and, per month and bucket, the days of the month (bit d-1
// for day d) that lie wholly inside the bucket; cut days are in none.
func dayMasks(b []time.Time) (months []time.Time, buckets, masks []int32) {
	months, buckets, masks = []time.Time{}, []int32{}, []int32{}
	n := len(b) - 1
	for d := utcDay(b[0]); d.Before(b[n]); d = d.AddDate(0, 0, 1) {
		i := ledger.BucketOf(b, d)
		if i < 0 || d.AddDate(0, 0, 1).After(b[i+1]) {
			continue // before the period, or cut by a bound
		}
		m := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		k := len(months) - 1
		if k < 0 || !months[k].Equal(m) || buckets[k] != int32(i) {
			months, buckets, masks = append(months, m), append(buckets, int32(i)), append(masks, 0)
			k++
		}
		masks[k] |= 1 << (d.Day() - 1)
	}
	return months, buckets, masks
}
