package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// reportLatencies reports the median and 99th percentile of lat.
func reportLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// bulkLoad fills the store with members×perMember entries by COPY, with
// the members and balance rows that go with them, as if that many earns had
// been committed.
func bulkLoad(b *testing.B, s *postgres.Store, members, perMember int) {
	b.Helper()
	ctx := context.Background()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	mid := func(m int) string { return "member-" + strconv.Itoa(m) }
	m, i := 0, 0
	n, err := s.Pool().CopyFrom(ctx, pgx.Identifier{s.Schema(), "entries"},
		[]string{"program", "member_id", "version", "idx", "account", "kind", "amount", "pending", "at", "key", "source", "ref", "lot", "rate", "note"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if m == members {
				return nil, nil
			}
			v := int64(i + 2) // version 1 enrolled the member
			row := []any{loyalty.DefaultProgram, mid(m), v, int32(0), "points", "earn", int64(i%50 + 1), int64(0), at.Add(time.Duration(i) * time.Minute),
				"earn-" + mid(m) + "-" + strconv.Itoa(i), "order", "o-" + strconv.Itoa(i), ledger.LotID(v, 0), "1 per 1.00 USD", ""}
			if i++; i == perMember {
				m, i = m+1, 0
			}
			return row, nil
		}))
	if err != nil || n != int64(members*perMember) {
		b.Fatalf("copy entries: %d rows, %v", n, err)
	}
	var sum int64
	for i := range perMember {
		sum += int64(i%50 + 1)
	}
	m = 0
	if _, err := s.Pool().CopyFrom(ctx, pgx.Identifier{s.Schema(), "members"}, []string{"program", "member_id", "profile", "version"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if m == members {
				return nil, nil
			}
			p, _ := json.Marshal(loyalty.Member{ID: mid(m), JoinedAt: at})
			m++
			return []any{loyalty.DefaultProgram, mid(m - 1), string(p), int64(perMember + 1)}, nil
		})); err != nil {
		b.Fatal(err)
	}
	m = 0
	if _, err := s.Pool().CopyFrom(ctx, pgx.Identifier{s.Schema(), "balances"}, []string{"program", "member_id", "account", "available", "pending"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if m == members {
				return nil, nil
			}
			m++
			return []any{loyalty.DefaultProgram, mid(m - 1), "points", sum, int64(0)}, nil
		})); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE `+pgx.Identifier{s.Schema(), "entries"}.Sanitize()+`, `+
		pgx.Identifier{s.Schema(), "members"}.Sanitize()+`, `+pgx.Identifier{s.Schema(), "balances"}.Sanitize()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBalanceReadMillionEntries reads the points balance of random
// members through Engine.Balance with 1,000,000 entries in the table (10,000
// members of 100 entries). The target is a median of at most 200 µs.
func BenchmarkBalanceReadMillionEntries(b *testing.B) {
	const members, perMember = 10_000, 100
	s := newStore(b)
	bulkLoad(b, s, members, perMember)
	e := engine(b, s, loyalty.SystemClock{})
	ctx := context.Background()
	if n := count(b, s, `SELECT count(*) FROM `+tbl(s, "entries")); n != members*perMember {
		b.Fatalf("%d entries, want %d", n, members*perMember)
	}
	want := balance(b, e, "member-7").Available
	if want != 2*(1+50)*50/2 {
		b.Fatalf("balance %d, want %d", want, 2*(1+50)*50/2)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	for b.Loop() {
		id := "member-" + strconv.Itoa(rng.IntN(members))
		start := time.Now()
		bal, err := e.Balance(ctx, id)
		lat = append(lat, time.Since(start))
		if err != nil || bal.Available != want {
			b.Fatalf("balance of %s: %+v %v", id, bal, err)
		}
	}
	reportLatencies(b, lat)
}

// BenchmarkEarn is one client doing durable Engine.Earn calls (load,
// evaluate, one-statement commit), one after another.
func BenchmarkEarn(b *testing.B) {
	s := newStore(b)
	e := engine(b, s, loyalty.SystemClock{})
	ctx := context.Background()
	for m := range 10 {
		enroll(b, e, "m"+strconv.Itoa(m))
	}
	lat := make([]time.Duration, 0, 1<<14)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		id := strconv.Itoa(i)
		start := time.Now()
		if _, err := e.Earn(ctx, "earn-"+id, order("o"+id, "m"+strconv.Itoa(i%10), 20)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	reportLatencies(b, lat)
}

// BenchmarkEarnParallel is 8 clients doing durable Engine.Earn calls for
// members of their own; ns/op is the inverse of the throughput.
func BenchmarkEarnParallel(b *testing.B) {
	s := newStore(b)
	e := engine(b, s, loyalty.SystemClock{})
	ctx := context.Background()
	const clients = 8
	for m := range clients * 10 {
		enroll(b, e, "m"+strconv.Itoa(m))
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism((clients + 1) / 2) // GOMAXPROCS is 2 on the reference machine
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			id := strconv.FormatInt(i, 10)
			if _, err := e.Earn(ctx, "earn-"+id, order("o"+id, fmt.Sprintf("m%d", i%(clients*10)), 20)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
