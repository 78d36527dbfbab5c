package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage"
)

var (
	_ loyalty.DueLister = (*Store)(nil)
	_ loyalty.DueLister = (*txStore)(nil)
)

// membersDueSQL lists, in one statement (one snapshot), the page of members
// of program $1 after $3 due by $2, at most $4, from the partial indexes of
// migration 0007 (members_due, grants_due): its cost grows with the members
// due by $2, not with the members. It also says how many members the page
// passed, counted in members_pkey up to the page's last member when it is
// full, else to the end, and whether $3 is a member ("" always is). Every
// order and comparison of member IDs is the column's collation, as in
// Members.
const membersDueSQL = `WITH due AS MATERIALIZED (
	SELECT member_id FROM {s}.members WHERE program = $1 AND next_due <= $2
	UNION
	SELECT member_id FROM {s}.grants WHERE program = $1 AND status = 'open' AND {s}.grant_expires_at(record) <= $2
), page AS MATERIALIZED (SELECT member_id FROM due WHERE member_id > $3 ORDER BY member_id LIMIT $4)
SELECT (SELECT coalesce(array_agg(member_id ORDER BY member_id), '{}') FROM page),
	CASE WHEN (SELECT count(*) FROM page) < $4
	THEN (SELECT count(*) FROM {s}.members WHERE program = $1 AND member_id > $3)
	ELSE (SELECT count(*) FROM {s}.members WHERE program = $1 AND member_id > $3 AND member_id <= (SELECT max(member_id) FROM page))
	END,
	$3 = '' OR EXISTS (SELECT 1 FROM {s}.members WHERE program = $1 AND member_id = $3)`

// MembersDue implements loyalty.DueLister, in the order of Members (the
// members' primary key). It reads the members whose next_due or an open
// grant's expiry is not after by from the indexes of migration 0007, so its
// cost grows with the members due; counting the members passed reads the
// primary key's entries in the range. An after that names no member is an
// error wrapping loyalty.ErrUnknownMember; a schema before 0007 is
// ErrNotMigrated.
func (c *core) MembersDue(ctx context.Context, by time.Time, after string, limit int) ([]string, int, error) {
	if err := storage.CheckMember(after); err != nil {
		return nil, 0, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		return nil, 0, nil
	}
	var (
		ids    []string
		passed int64
		known  bool
	)
	if err := c.db.QueryRow(ctx, c.sql.membersDue, c.program, ts(by), after, int64(limit)).Scan(&ids, &passed, &known); err != nil {
		return nil, 0, wrap("members due", err)
	}
	if !known {
		return nil, 0, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, after)
	}
	if len(ids) == 0 {
		ids = nil
	}
	return ids, int(passed), nil
}

// MembersDue implements loyalty.DueLister on the host's transaction.
func (t *txStore) MembersDue(ctx context.Context, by time.Time, after string, limit int) ([]string, int, error) {
	if err := storage.CheckMember(after); err != nil {
		return nil, 0, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return nil, 0, t.doomed
	}
	ids, passed, err := t.core.MembersDue(ctx, by, after, limit)
	return ids, passed, t.check(ctx, err)
}
