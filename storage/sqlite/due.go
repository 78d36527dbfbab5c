package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage"
)

var (
	_ loyalty.DueLister = (*Store)(nil)
	_ loyalty.DueLister = (*txStore)(nil)
)

// membersDueSQL lists, in one statement (one snapshot), the page of members
// of program ?1 after ?3 due by ?2 (unix microseconds), at most ?4, from
// the partial indexes of migrations/0006: its cost grows with the members
// due by ?2, not with the members. A last row (NULL ID) then says how many
// members the page passed, counted in loyalty_ledger_members up to the
// page's last member when it is full, else to the end, and whether ?3 is a
// member ("" always is).
const membersDueSQL = `WITH due(id) AS (
		SELECT member_id FROM loyalty_ledger INDEXED BY loyalty_ledger_next_due
			WHERE program = ?1 AND part = 0 AND next_due IS NOT NULL AND next_due <= ?2 AND member_id > ?3
		UNION
		SELECT member_id FROM loyalty_ledger INDEXED BY loyalty_ledger_grant_expiry
			WHERE program = ?1 AND part = 5 AND status = 'open' AND expires_at IS NOT NULL AND expires_at <= ?2 AND member_id > ?3
	),
	page(id) AS MATERIALIZED (SELECT id FROM due ORDER BY id LIMIT ?4)
	SELECT id, 0, 1 FROM page
	UNION ALL
	SELECT NULL,
		CASE WHEN (SELECT count(*) FROM page) < ?4
		THEN (SELECT count(*) FROM loyalty_ledger INDEXED BY loyalty_ledger_members
			WHERE program = ?1 AND part = 0 AND member_id > ?3)
		ELSE (SELECT count(*) FROM loyalty_ledger INDEXED BY loyalty_ledger_members
			WHERE program = ?1 AND part = 0 AND member_id > ?3 AND member_id <= (SELECT max(id) FROM page))
		END,
		?3 = '' OR EXISTS (SELECT 1 FROM loyalty_ledger WHERE program = ?1 AND member_id = ?3 AND ` + memberRow + `)`

// MembersDue implements loyalty.DueLister, in byte order of the member IDs
// (as Members). It reads the members whose next_due or an open grant's
// expiry is not after by from the indexes of migrations/0006, so its cost
// grows with the members due; counting the members passed reads one small
// index entry per member in the range. An after that names no member is
// an error wrapping loyalty.ErrUnknownMember.
func (s *Store) MembersDue(ctx context.Context, by time.Time, after string, limit int) ([]string, int, error) {
	if none, err := dueListing(ctx, after, limit); none || err != nil {
		return nil, 0, err
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return nil, 0, err
	}
	return membersDue(ctx, p.r.membersDue, s.program, by, after, limit)
}

// MembersDue implements loyalty.DueLister on the host's transaction.
func (t *txStore) MembersDue(ctx context.Context, by time.Time, after string, limit int) ([]string, int, error) {
	if none, err := dueListing(ctx, after, limit); none || err != nil {
		return nil, 0, err
	}
	x, err := t.txn(ctx)
	if err != nil {
		return nil, 0, err
	}
	return membersDue(ctx, x.stmt(x.st.membersDue), t.program, by, after, limit)
}

// dueListing checks a MembersDue call's arguments, and reports whether it
// lists nothing (limit 0 or below) without reading the store.
func dueListing(ctx context.Context, after string, limit int) (none bool, err error) {
	if err := storage.CheckMember(after); err != nil {
		return true, err
	}
	if err := ctx.Err(); err != nil {
		return true, err
	}
	return limit <= 0, nil
}

func membersDue(ctx context.Context, st *sql.Stmt, program string, by time.Time, after string, limit int) ([]string, int, error) {
	rows, err := st.QueryContext(ctx, program, by.UnixMicro(), after, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: members due: %w", err)
	}
	var (
		ids    []string
		passed int
		known  bool
	)
	for rows.Next() {
		var (
			id sql.NullString
			n  int
			k  bool
		)
		if err := rows.Scan(&id, &n, &k); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("sqlite: members due: %w", err)
		}
		if id.Valid {
			ids = append(ids, id.String)
		} else {
			passed, known = n, k
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, 0, fmt.Errorf("sqlite: members due: %w", err)
	}
	if !known {
		return nil, 0, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, after)
	}
	slices.Sort(ids) // byte order, as the page was cut
	return ids, passed, nil
}
