package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
)

var _ storage.LedgerAggregator = (*Store)(nil)

// AggregateLedger implements storage.LedgerAggregator. The entries are
// summed by SQLite, with GROUP BY over the journal (a CASE on the integer
// microseconds of at places each among the bounds), so only one row per
// bucket, account, kind and source reaches Go. Members' enrolment and
// orders' placing times are kept in the rows' JSON, which SQLite's date
// functions read only to the millisecond: those rows (one per member and per
// order, not per entry) are decoded and placed in Go.
func (s *Store) AggregateLedger(ctx context.Context, bounds []time.Time) (*ledger.Totals, error) {
	if err := storage.CheckBounds(bounds); err != nil {
		return nil, err
	}
	if _, err := s.prepared(ctx); err != nil {
		return nil, err
	}
	n := len(bounds) - 1
	t := &ledger.Totals{Bounds: slices.Clone(bounds), Active: make([]int64, n), Enrolled: make([]int64, n), Buyers: make([]int64, n)}
	var cs strings.Builder
	cs.WriteString("CASE WHEN at IS NULL")
	for i, b := range bounds {
		cs.WriteString(" WHEN at < " + strconv.FormatInt(micro(b), 10) + " THEN " + strconv.Itoa(i-1))
	}
	cs.WriteString(" ELSE " + strconv.Itoa(n) + " END")
	bucket := cs.String()
	last, first := micro(bounds[n]), micro(bounds[0])
	bucket = strings.Replace(bucket, "WHEN at IS NULL", "WHEN at IS NULL THEN -1", 1)

	rows, err := s.r.QueryContext(ctx, `SELECT `+bucket+`, account, kind, source, sum(amount), sum(pending),
		sum(max(amount + pending, 0)), count(*)
		FROM loyalty_journal WHERE program = ?1 AND idx >= 0 AND (at IS NULL OR at < ?2) GROUP BY 1, 2, 3, 4`, s.program, last)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate entries: %w", err)
	}
	err = each(rows, func() error {
		var e ledger.EntryTotal
		if err := rows.Scan(&e.Bucket, &e.Account, &e.Kind, &e.Source, &e.Amount, &e.Pending, &e.Credits, &e.Count); err != nil {
			return err
		}
		t.Entries = append(t.Entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate entries: %w", err)
	}

	rows, err = s.r.QueryContext(ctx, `SELECT b, count(DISTINCT member_id) FROM (SELECT `+bucket+` AS b, member_id
		FROM loyalty_journal WHERE program = ?1 AND idx >= 0 AND at >= ?3 AND at < ?2 AND kind IN ('earn', 'redeem') AND account <> 'rewards')
		GROUP BY b
		UNION ALL
		SELECT -2, count(DISTINCT member_id) FROM loyalty_journal
		WHERE program = ?1 AND idx >= 0 AND at >= ?3 AND at < ?2 AND kind IN ('earn', 'redeem') AND account <> 'rewards'`, s.program, last, first)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate active members: %w", err)
	}
	err = each(rows, func() error {
		var b int
		var c int64
		if err := rows.Scan(&b, &c); err != nil {
			return err
		}
		if b == -2 {
			t.ActiveAll = c
		} else if b >= 0 && b < n {
			t.Active[b] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate active members: %w", err)
	}

	rows, err = s.r.QueryContext(ctx, `SELECT profile FROM loyalty_members WHERE program = ?1`, s.program)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate members: %w", err)
	}
	err = each(rows, func() error {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		var m loyalty.Member
		if err := decodeMember(b, &m); err != nil {
			return err
		}
		for i, b := range bounds[1:] {
			if m.JoinedAt.Before(b) {
				t.Enrolled[i]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate members: %w", err)
	}

	rows, err = s.r.QueryContext(ctx, `SELECT member_id, order_id, record FROM loyalty_orders WHERE program = ?1 ORDER BY member_id`, s.program)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate orders: %w", err)
	}
	buyer := make([]bool, n)
	var cur string
	flush := func() {
		any := false
		for i, b := range buyer {
			if b {
				t.Buyers[i]++
				any = true
			}
		}
		if any {
			t.BuyersAll++
		}
		clear(buyer)
	}
	err = each(rows, func() error {
		var member, id string
		var rec []byte
		if err := rows.Scan(&member, &id, &rec); err != nil {
			return err
		}
		o, err := decodeOrder(rec, id, member)
		if err != nil {
			return err
		}
		if member != cur {
			flush()
			cur = member
		}
		b := ledger.BucketOf(bounds, o.PlacedAt)
		if b >= n {
			return nil
		}
		t.Orders = append(t.Orders, ledger.OrderTotal{Bucket: b, Currency: o.Currency, Scale: o.Scale, Orders: 1, Value: o.Value, Returned: o.ReturnedValue})
		if b >= 0 {
			buyer[b] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate orders: %w", err)
	}
	flush()
	t.Normalize()
	return t, nil
}

// micro is t as stored (unix microseconds), rounded up to the next
// microsecond so that "at < micro(b)" is "at before b" for stored times.
func micro(t time.Time) int64 {
	m := t.UnixMicro()
	if time.UnixMicro(m).Before(t) {
		m++
	}
	return m
}

func each(rows *sql.Rows, f func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := f(); err != nil {
			return err
		}
	}
	return rows.Err()
}
