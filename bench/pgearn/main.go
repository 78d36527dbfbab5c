// Command pgearn measures durable earn commits per second on PostgreSQL:
// concurrent clients each call Engine.Earn for orders of their own members,
// for a fixed duration, through storage/postgres. bench/postgres.sh runs it
// next to pgbench; see there.
//
// Every earn is a full Engine.Earn: a Load (one statement), the program's
// evaluation and a Commit (one pipelined round trip, committed with
// synchronous_commit as the server has it). The store lives in a scratch
// schema that is dropped at the end.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pgearn:", err)
		os.Exit(1)
	}
}

func run() error {
	defaultDSN := os.Getenv("LOYALTY_POSTGRES_DSN")
	if defaultDSN == "" {
		defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	var (
		dsn      = flag.String("dsn", defaultDSN, "PostgreSQL DSN (default $LOYALTY_POSTGRES_DSN)")
		clients  = flag.Int("clients", 8, "concurrent clients")
		duration = flag.Duration("duration", 10*time.Second, "how long to measure")
		warmup   = flag.Duration("warmup", 2*time.Second, "how long to run before measuring")
		members  = flag.Int("members", 50, "members per client")
	)
	flag.Parse()
	if *clients < 1 || *members < 1 || *duration <= 0 {
		return errors.New("clients, members and duration must be positive")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := pgxpool.ParseConfig(*dsn)
	if err != nil {
		return fmt.Errorf("malformed DSN: %v", err)
	}
	cfg.MaxConns = int32(*clients) + 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()

	var b [4]byte
	_, _ = rand.Read(b[:])
	schema := "loyalty_bench_" + hex.EncodeToString(b[:])
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			fmt.Fprintln(os.Stderr, "pgearn: dropping the scratch schema:", err)
		}
	}()
	store, err := postgres.New(pool, &postgres.Options{Schema: schema})
	if err != nil {
		return err
	}
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	engine, err := loyalty.NewEngine(benchProgram(), store, nil)
	if err != nil {
		return err
	}

	// Enrol every member first, concurrently.
	if err := parallel(*clients, func(c int) error {
		for m := range *members {
			id := memberID(c, m)
			if _, err := engine.Enroll(ctx, "enroll-"+id, loyalty.Member{ID: id}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("enrol: %w", err)
	}

	var (
		measuring atomic.Bool
		done      atomic.Bool
		earns     atomic.Int64
		latMu     sync.Mutex
		lat       []time.Duration
	)
	errc := make(chan error, 1)
	go func() {
		errc <- parallel(*clients, func(c int) error {
			var mine []time.Duration
			for i := 0; !done.Load(); i++ {
				id := memberID(c, i%*members)
				o := benchOrder("o-"+strconv.Itoa(c)+"-"+strconv.Itoa(i), id, engine.Now())
				start := time.Now()
				r, err := engine.Earn(ctx, "earn-"+o.ID, o)
				if err != nil {
					return err
				}
				if r.Points() <= 0 {
					return fmt.Errorf("order %s earned %d points", o.ID, r.Points())
				}
				if measuring.Load() {
					earns.Add(1)
					mine = append(mine, time.Since(start))
				}
			}
			latMu.Lock()
			lat = append(lat, mine...)
			latMu.Unlock()
			return nil
		})
	}()
	if !sleep(ctx, *warmup) {
		return ctx.Err()
	}
	measuring.Store(true)
	start := time.Now()
	ok := sleep(ctx, *duration)
	measuring.Store(false)
	elapsed := time.Since(start)
	n := earns.Load()
	done.Store(true)
	if err := <-errc; err != nil {
		return err
	}
	if !ok {
		return ctx.Err()
	}
	slices.Sort(lat)
	fmt.Printf("clients:  %d (%d members each), %s measured after %s warm-up\n", *clients, *members, duration.String(), warmup.String())
	fmt.Printf("earns:    %d\n", n)
	fmt.Printf("latency:  p50 %s  p99 %s\n", pct(lat, 50), pct(lat, 99))
	// Tenths of earns per second, in integers: the wall clock is what this
	// tool measures, but no figure it prints goes through a float.
	tenths := int64(n) * 10 * int64(time.Second) / int64(elapsed)
	fmt.Printf("earns/s:  %d.%d\n", tenths/10, tenths%10)
	return nil
}

func memberID(client, i int) string { return "m-" + strconv.Itoa(client) + "-" + strconv.Itoa(i) }

// benchProgram earns 5 points per 1.00 with points expiring after a year,
// doubled on shoes, capped per order: a typical points program.
func benchProgram() *loyalty.Program {
	rate, err := points.NewRate("base", 5, decimal.NewFromInt(1))
	must(err)
	shoes, err := points.NewCategoryMultiplier("shoes-x2", decimal.NewFromInt(2), "shoes")
	must(err)
	limit, err := points.NewOrderCap("cap", 50_000)
	must(err)
	return &loyalty.Program{Name: "bench", Currency: "USD", Rules: []loyalty.Rule{rate, shoes, limit}, Expiry: points.AfterDays(365)}
}

// benchOrder is an order placed at the engine's clock reading at.
func benchOrder(id, member string, at time.Time) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, PlacedAt: at, Currency: "USD",
		Lines: []loyalty.OrderLine{
			{SKU: "sneaker", Category: "shoes", Quantity: 1, UnitPrice: decimal.RequireFromString("89.99")},
			{SKU: "sock", Category: "apparel", Quantity: 3, UnitPrice: decimal.RequireFromString("4.50")},
			{SKU: "cap", Category: "apparel", Quantity: 1, UnitPrice: decimal.RequireFromString("19.95"), Discount: decimal.RequireFromString("2.00")},
		}}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// parallel runs f(0..n-1) concurrently and returns the first error.
func parallel(n int, f func(int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f(i) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100].Round(time.Microsecond)
}
