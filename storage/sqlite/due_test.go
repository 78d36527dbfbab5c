package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// TestMigrate0006FillsGrantExpiryFromRecords: the grants a database at
// version 5 holds get their expiry column from their JSON record, to the
// microsecond whatever the zone and fraction digits, so that MembersDue
// lists them after Migrate as it lists grants written since.
func TestMigrate0006FillsGrantExpiryFromRecords(t *testing.T) {
	member := func(id string, nextDue any) string {
		return fmt.Sprintf(`INSERT INTO loyalty_ledger (program, member_id, part, profile, version, next_due)
			VALUES ('default', '%s', 0, '{"ID":"%s"}', 1, %v)`, id, id, nextDue)
	}
	grant := func(member, id, status, expires string) string {
		return fmt.Sprintf(`INSERT INTO loyalty_ledger (program, member_id, part, name, record, status)
			VALUES ('default', '%s', 5, '%s', '{"ID":"%s","MemberID":"%s","ExpiresAt":"%s","Status":"%s"}', '%s')`,
			member, id, id, member, expires, status, status)
	}
	due := time.Date(2026, 1, 4, 0, 0, 0, 123456000, time.UTC)
	s, _ := openAtVersion(t, 5, "",
		member("a", "NULL"), grant("a", "g1", "open", "2026-01-04T00:00:00Z"),
		member("b", "NULL"), grant("b", "g1", "open", "2026-01-04T01:00:00.1234567+01:00"), // due, the ns dropped
		member("c", "NULL"), grant("c", "g1", "open", "0001-01-01T00:00:00Z"), // never expires
		member("d", "NULL"), grant("d", "g1", "used", "2026-01-01T00:00:00Z"),
		member("e", due.Add(time.Hour).UnixMicro()),
		member("f", "NULL"), grant("f", "g1", "open", "2026-01-03T19:00:00.5-05:00"),
		member("g", "NULL"), grant("g", "g1", "open", "2026-01-04T00:00:00.000001Z"),
	)
	ctx := context.Background()
	require.NoError(t, s.Migrate(ctx))

	rows, err := s.DB().QueryContext(ctx, `SELECT member_id, expires_at FROM loyalty_ledger WHERE part = 5 ORDER BY member_id`)
	require.NoError(t, err)
	got := map[string]any{}
	for rows.Next() {
		var id string
		var at sql.NullInt64
		require.NoError(t, rows.Scan(&id, &at))
		got[id] = nil
		if at.Valid {
			got[id] = at.Int64
		}
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	day := time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)
	require.Equal(t, map[string]any{
		"a": day.UnixMicro(),
		"b": due.UnixMicro(),
		"c": nil,
		"d": day.AddDate(0, 0, -3).UnixMicro(),
		"f": day.Add(500 * time.Millisecond).UnixMicro(),
		"g": day.Add(time.Microsecond).UnixMicro(),
	}, got)

	for _, tc := range []struct {
		by   time.Time
		want []string
	}{
		{day.Add(-time.Microsecond), nil},
		{day, []string{"a"}},
		{day.Add(time.Microsecond), []string{"a", "g"}},
		{due.Add(-time.Microsecond), []string{"a", "g"}},
		{due, []string{"a", "b", "g"}},
		{due.Add(time.Hour), []string{"a", "b", "e", "f", "g"}},
	} {
		ids, passed, err := s.MembersDue(ctx, tc.by, "", 10)
		require.NoError(t, err)
		if len(ids) == 0 {
			ids = nil
		}
		require.Equal(t, tc.want, ids, "by %v", tc.by)
		require.Equal(t, 7, passed)
	}
}

// BenchmarkMembersDue lists the members due in a store of 100,000 members
// of whom 1,000 (1%) are due (500 by a lot's next_due, 500 by an open
// grant's expiry); every other member has a lot due a year later and every
// tenth an open grant expiring then too. One op is a whole listing, paged
// by 500 as RunJobs pages; Members is the listing RunJobs read before
// MembersDue (every member, each then loaded).
func BenchmarkMembersDue(b *testing.B) {
	const members, every = 100_000, 200
	ctx := context.Background()
	s, _ := openStore(b)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	later := now.AddDate(1, 0, 0).UnixMicro()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	m, err := tx.PrepareContext(ctx, `INSERT INTO loyalty_ledger (program, member_id, part, profile, version, next_due)
		VALUES ('default', ?, 0, '{}', 1, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	g, err := tx.PrepareContext(ctx, `INSERT INTO loyalty_ledger (program, member_id, part, name, record, status, expires_at)
		VALUES ('default', ?, 5, 'g', '{}', 'open', ?)`)
	if err != nil {
		b.Fatal(err)
	}
	wantDue := 0
	for i := range members {
		id := fmt.Sprintf("m%06d", i)
		nextDue, grantAt := later, int64(0)
		switch {
		case i%every == 0:
			nextDue, wantDue = now.Add(-time.Hour).UnixMicro(), wantDue+1
		case i%every == every/2:
			grantAt, wantDue = now.UnixMicro(), wantDue+1
		case i%10 == 0:
			grantAt = later
		}
		if _, err := m.ExecContext(ctx, id, nextDue); err != nil {
			b.Fatal(err)
		}
		if grantAt != 0 {
			if _, err := g.ExecContext(ctx, id, grantAt); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchMembersDue(b, s, now, wantDue, members)
}

var _ loyalty.DueLister = (*sqlite.Store)(nil)
