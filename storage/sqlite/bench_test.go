package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// The benchmarks below measure steady state: each first runs warmUp
// operations of its kind, so that the WAL has reached its working size and
// been checkpointed (a WAL file that is still growing makes every fsync also
// write file-size metadata), then times b.N more on one writer, for 100
// members in turn. The issue holds earns/s to at least half the baseline's
// commits/s on the same machine.
const (
	benchMembers = 100
	warmUp       = 3000
)

// BenchmarkDurableEarn measures durable earn commits on one writer through
// the Engine: Load, plan, one IMMEDIATE transaction and its WAL fsync.
func BenchmarkDurableEarn(b *testing.B) {
	ctx := context.Background()
	s, _ := openStore(b)
	e := newHarness(b, s).Engine
	for i := range benchMembers {
		if _, err := e.Enroll(ctx, fmt.Sprint("enroll-", i), loyalty.Member{ID: fmt.Sprint("m", i)}); err != nil {
			b.Fatal(err)
		}
	}
	orders, earn := benchOrders(b, e, warmUp+b.N)
	for _, o := range orders[:warmUp] {
		earn(o)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for _, o := range orders[warmUp:] {
		earn(o)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
}

// BenchmarkCommitWithClaim is BenchmarkDurableEarn with each earn's change
// also claiming one unit of a shared counter (without a limit, so it never
// runs out), in the same transaction: the cost of a claim on a member write.
func BenchmarkCommitWithClaim(b *testing.B) {
	ctx := context.Background()
	s, _ := openStore(b)
	if err := s.SetLimit(ctx, "stock", loyalty.NoLimit); err != nil {
		b.Fatal(err)
	}
	e := newHarness(b, claimingStore{s}).Engine
	for i := range benchMembers {
		if _, err := e.Enroll(ctx, fmt.Sprint("enroll-", i), loyalty.Member{ID: fmt.Sprint("m", i)}); err != nil {
			b.Fatal(err)
		}
	}
	orders, earn := benchOrders(b, e, warmUp+b.N)
	for _, o := range orders[:warmUp] {
		earn(o)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for _, o := range orders[warmUp:] {
		earn(o)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
	b.StopTimer()
	k, err := s.SharedCounter(ctx, "stock", "")
	if err != nil || k.Claimed != int64(benchMembers+warmUp+b.N) {
		b.Fatalf("stock claimed %+v, %v; want %d", k, err, benchMembers+warmUp+b.N)
	}
}

// claimingStore adds a claim of one unit of "stock" to every change.
type claimingStore struct{ loyalty.Store }

func (s claimingStore) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	c.Claims = append(c.Claims[:0], ledger.Claim{Counter: "stock", Amount: 1})
	return s.Store.Commit(ctx, c)
}

// BenchmarkRawBaseline is the floor BenchmarkDurableEarn is held to: a bare
// insert-plus-upsert transaction with prepared statements on the same kind
// of file (a Store's, through DB()), with the same pragmas.
func BenchmarkRawBaseline(b *testing.B) {
	s, _ := openStore(b)
	commit := rawCommitter(b, s)
	for i := range warmUp {
		commit(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		commit(warmUp + i)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
}

// rawCommitter creates the baseline's two tables in s's file and returns a
// function that commits the i-th transaction: insert an entry, upsert a
// balance, with prepared statements, through s.DB().
func rawCommitter(b *testing.B, s *sqlite.Store) func(i int) {
	ctx := context.Background()
	db := s.DB()
	if _, err := db.Exec(`CREATE TABLE raw_entries (member_id TEXT NOT NULL, seq INTEGER NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY (member_id, seq)) WITHOUT ROWID;
		CREATE TABLE raw_balances (member_id TEXT NOT NULL PRIMARY KEY, amount INTEGER NOT NULL) WITHOUT ROWID`); err != nil {
		b.Fatal(err)
	}
	ins, err := db.Prepare(`INSERT INTO raw_entries (member_id, seq, amount) VALUES (?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	up, err := db.Prepare(`INSERT INTO raw_balances (member_id, amount) VALUES (?, ?)
		ON CONFLICT (member_id) DO UPDATE SET amount = amount + excluded.amount`)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ins.Close(); up.Close() })
	ids := make([]string, benchMembers)
	for i := range ids {
		ids[i] = fmt.Sprint("m", i)
	}
	return func(i int) {
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE
		if err != nil {
			b.Fatal(err)
		}
		m, amount := ids[i%benchMembers], int64(10+i%90)
		if _, err := tx.Stmt(ins).ExecContext(ctx, m, i, amount); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Stmt(up).ExecContext(ctx, m, amount); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDurableEarnVsRawBaseline runs the two workloads above
// alternately, one operation each, on two files of the same kind, so both
// see the same machine and disk at the same moments; it reports each one's
// commits per second and their ratio (earn/s ÷ raw/s). On a shared machine
// this ratio is steadier than the ratio of two separate runs.
func BenchmarkDurableEarnVsRawBaseline(b *testing.B) {
	ctx := context.Background()
	s, _ := openStore(b)
	e := newHarness(b, s).Engine
	for i := range benchMembers {
		if _, err := e.Enroll(ctx, fmt.Sprint("enroll-", i), loyalty.Member{ID: fmt.Sprint("m", i)}); err != nil {
			b.Fatal(err)
		}
	}
	raw, _ := openStore(b)
	commitRaw := rawCommitter(b, raw)
	orders, earn := benchOrders(b, e, warmUp+b.N)
	for i, o := range orders[:warmUp] {
		earn(o)
		commitRaw(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var te, tr time.Duration
	for i, o := range orders[warmUp:] {
		t := time.Now()
		earn(o)
		t2 := time.Now()
		commitRaw(warmUp + i)
		te, tr = te+t2.Sub(t), tr+time.Since(t2)
	}
	b.ReportMetric(float64(b.N)/te.Seconds(), "earns/s")
	b.ReportMetric(float64(b.N)/tr.Seconds(), "raw/s")
	b.ReportMetric(tr.Seconds()/te.Seconds(), "ratio")
}

// benchOrders returns n orders spread over the benchmark's members and a
// function that earns one under its own ID as the key.
func benchOrders(b *testing.B, e *loyalty.Engine, n int) ([]*loyalty.Order, func(*loyalty.Order)) {
	orders := make([]*loyalty.Order, n)
	for i := range orders {
		orders[i] = order(fmt.Sprint("o", i), fmt.Sprint("m", i%benchMembers), int64(10+i%90))
	}
	return orders, func(o *loyalty.Order) {
		if _, err := e.Earn(context.Background(), o.ID, o); err != nil {
			b.Fatal(err)
		}
	}
}
