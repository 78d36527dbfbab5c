package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// TestMigrate0007ListsTheGrantsWrittenBefore: the grants of a schema at
// version 6 are indexed by the expiry in their JSON record when Migrate
// builds grants_due, to the microsecond whatever the zone and fraction
// digits (digits past the sixth dropped, never rounded up), so MembersDue
// lists them as it lists grants written since; before Migrate it is
// ErrNotMigrated.
func TestMigrate0007ListsTheGrantsWrittenBefore(t *testing.T) {
	ctx := context.Background()
	s := storeAt(t, 6)
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := s.Pool().Exec(ctx, q, args...)
		require.NoError(t, err, q)
	}
	day := time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)
	due := day.Add(123456 * time.Microsecond)
	member := func(id string, nextDue any) {
		exec(`INSERT INTO `+tbl(s, "members")+` (program, member_id, profile, version, next_due) VALUES ('default', $1, '{}', 1, $2)`, id, nextDue)
	}
	grant := func(member, status, expires string) {
		exec(`INSERT INTO `+tbl(s, "grants")+` (program, member_id, grant_id, status, record) VALUES ('default', $1, 'g1', $2, $3)`,
			member, status, fmt.Sprintf(`{"ID":"g1","MemberID":%q,"ExpiresAt":%q,"Status":%q}`, member, expires, status))
	}
	member("a", nil)
	grant("a", "open", "2026-01-04T00:00:00Z")
	member("b", nil)
	grant("b", "open", "2026-01-04T01:00:00.1234569+01:00") // due, the ns dropped
	member("c", nil)
	grant("c", "open", "0001-01-01T00:00:00Z") // never expires
	member("d", nil)
	grant("d", "used", "2026-01-01T00:00:00Z")
	member("e", due.Add(time.Hour))
	member("f", nil)
	grant("f", "open", "2026-01-03T19:00:00.5-05:00")
	member("g", nil)
	grant("g", "open", "2026-01-04T00:00:00.000001Z")
	member("h", nil)
	grant("h", "open", "0000-06-01T00:00:00Z") // a year PostgreSQL refuses: always due

	_, _, err := s.MembersDue(ctx, day, "", 10)
	require.ErrorIs(t, err, postgres.ErrNotMigrated)
	require.NoError(t, s.Migrate(ctx))
	for _, tc := range []struct {
		by   time.Time
		want []string
	}{
		{day.Add(-time.Microsecond), []string{"h"}},
		{day, []string{"a", "h"}},
		{day.Add(time.Microsecond), []string{"a", "g", "h"}},
		{due.Add(-time.Microsecond), []string{"a", "g", "h"}},
		{due, []string{"a", "b", "g", "h"}},
		{due.Add(time.Hour), []string{"a", "b", "e", "f", "g", "h"}},
	} {
		ids, passed, err := s.MembersDue(ctx, tc.by, "", 10)
		require.NoError(t, err)
		require.Equal(t, tc.want, ids, "by %v", tc.by)
		require.Equal(t, 8, passed)
	}
}

// TestMembersDueInAHostTransaction: the view InTx returns lists what the
// transaction sees, its own uncommitted writes included.
func TestMembersDueInAHostTransaction(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	clock := loyalty.NewManualClock(t0)
	p := program()
	p.PendingDays = 7
	enroll(t, engine(t, s, clock), "ann")
	tx, err := s.Pool().Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // after the test
	v := s.InTx(tx).(loyalty.DueLister)
	e, err := loyalty.NewEngine(p, s.InTx(tx), &loyalty.EngineOptions{Clock: clock})
	require.NoError(t, err)
	_, err = e.Earn(ctx, "earn-ann", order("o1", "ann", 10))
	require.NoError(t, err)
	by := clock.Now().AddDate(0, 0, 7)
	ids, passed, err := v.MembersDue(ctx, by, "", 10)
	require.NoError(t, err)
	require.Equal(t, []string{"ann"}, ids, "the pending lot activates in 7 days")
	require.Equal(t, 1, passed)
	ids, _, err = s.MembersDue(ctx, by, "", 10)
	require.NoError(t, err)
	require.Empty(t, ids, "not committed")
}

// BenchmarkMembersDue lists the members due in a store of 100,000 members
// of whom 1,000 (1%) are due (500 by next_due, 500 by an open grant's
// expiry); every other member has a lot due a year later and every tenth an
// open grant expiring then too. One op is a whole listing, paged by 500 as
// RunJobs pages; Members is the listing RunJobs read before MembersDue
// (every member, each then loaded).
const (
	dueMembers = 100_000
	dueEvery   = 200 // one member in dueEvery is due by next_due, one by a grant
)

// dueStore is the store of BenchmarkMembersDue, its members due by the
// instant it returns, written by COPY and analyzed.
func dueStore(b testing.TB) (*postgres.Store, time.Time) {
	const members, every = dueMembers, dueEvery
	ctx := context.Background()
	s := newStore(b)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	later := now.AddDate(1, 0, 0)
	id := func(i int) string { return fmt.Sprintf("m%06d", i) }
	i := 0
	if _, err := s.Pool().CopyFrom(ctx, pgx.Identifier{s.Schema(), "members"}, []string{"program", "member_id", "profile", "version", "next_due"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == members {
				return nil, nil
			}
			next := later
			if i%every == 0 {
				next = now.Add(-time.Hour)
			}
			i++
			return []any{loyalty.DefaultProgram, id(i - 1), "{}", int64(1), next}, nil
		})); err != nil {
		b.Fatal(err)
	}
	i = 0
	if _, err := s.Pool().CopyFrom(ctx, pgx.Identifier{s.Schema(), "grants"}, []string{"program", "member_id", "grant_id", "status", "record"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for ; i < members; i++ {
				at := later
				switch {
				case i%every == every/2:
					at = now
				case i%10 != 0:
					continue
				}
				i++
				return []any{loyalty.DefaultProgram, id(i - 1), "g", "open",
					`{"ID":"g","ExpiresAt":"` + at.Format(time.RFC3339Nano) + `","Status":"open"}`}, nil
			}
			return nil, nil
		})); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `VACUUM ANALYZE `+tbl(s, "members")); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE `+tbl(s, "grants")); err != nil {
		b.Fatal(err)
	}
	var plan strings.Builder
	rows, err := s.Pool().Query(ctx, `EXPLAIN SELECT member_id FROM `+tbl(s, "members")+` WHERE program = 'default' AND next_due <= $1
		UNION SELECT member_id FROM `+tbl(s, "grants")+` WHERE program = 'default' AND status = 'open'
		AND `+pgx.Identifier{s.Schema(), "grant_expires_at"}.Sanitize()+`(record) <= $1`, now)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if !strings.Contains(plan.String(), "members_due") || !strings.Contains(plan.String(), "grants_due") {
		b.Fatalf("the listing does not read the due indexes:\n%s", plan.String())
	}
	return s, now
}

func BenchmarkMembersDue(b *testing.B) {
	s, now := dueStore(b)
	adaptertest.BenchMembersDue(b, s, now, dueMembers/dueEvery*2, dueMembers)
}
