package postgres_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// earnLike is a hand-built earn of one point for member at version from
// (balance from before it, as every earn of earnLike adds one), with an
// order record and a lot, as the Engine plans an earn; claim adds a claim
// of one unit of shared counter "stock".
func earnLike(member string, from int64, claim bool) *loyalty.Change {
	key := member + "-" + strconv.FormatInt(from, 10)
	v := from + 1
	lot := ledger.LotID(v, 0)
	e := ledger.Entry{ID: ledger.EntryID{Version: v}, MemberID: member, Account: ledger.PointsAccount, Kind: ledger.EntryEarn,
		Amount: 1, At: t0, Key: key, Source: "order", Ref: "o-" + key, Lot: lot, Rate: "1 per 1.00 USD"}
	bal := []ledger.Balance{{Account: ledger.PointsAccount, Available: v}}
	c := &loyalty.Change{Key: key, Fingerprint: "fp-" + key, MemberID: member, Version: from,
		Entries:  []ledger.Entry{e},
		Lots:     []ledger.Lot{{ID: lot, MemberID: member, Account: ledger.PointsAccount, Remaining: 1, EarnedAt: t0, Ref: "o-" + key}},
		Balances: bal,
		Orders:   []ledger.OrderRecord{{ID: "o-" + key, MemberID: member, Currency: "USD", PlacedAt: t0, Scale: 2, Value: 100, Points: 1, Lot: lot}},
		Receipt: &loyalty.Receipt{Key: key, Fingerprint: "fp-" + key, MemberID: member, Operation: loyalty.OpEarn, Ref: "o-" + key, At: t0,
			Version: v, Entries: []ledger.Entry{e}, Balances: bal}}
	if from == 0 {
		c.Member = &loyalty.Member{ID: member, JoinedAt: t0}
	}
	if claim {
		c.Claims = []ledger.Claim{{Counter: "stock", Amount: 1}}
	}
	return c
}

// BenchmarkCommitParallel is 8 clients committing hand-built earns (one
// entry, lot, balance and order record each) for members of their own,
// without ("plain") and with ("claim") a claim of one unit of one shared
// counter that all of them claim from: the hot counter, whose period is 16
// buckets (migration 0006), so that claimers do not wait for each other.
// ns/op is the inverse of the throughput; compare the two in the same run.
func BenchmarkCommitParallel(b *testing.B) {
	const clients = 8
	for _, claim := range []bool{false, true} {
		name := "plain"
		if claim {
			name = "claim"
		}
		b.Run(name, func(b *testing.B) {
			s := newStore(b)
			ctx := context.Background()
			if err := s.SetLimit(ctx, "stock", loyalty.NoLimit); err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.SetParallelism((clients + 1) / 2) // GOMAXPROCS is 2 on the reference machine
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				member := "c" + strconv.FormatInt(next.Add(1), 10)
				var from int64
				for pb.Next() {
					if _, err := s.Commit(ctx, earnLike(member, from, claim)); err != nil {
						b.Error(err)
						return
					}
					from++
				}
			})
			b.StopTimer()
			if claim {
				c, err := s.SharedCounter(ctx, "stock", "")
				if err != nil || c.Claimed != count(b, s, `SELECT count(*) FROM `+tbl(s, "writes")) {
					b.Fatalf("claimed %+v, %v; want one per write", c, err)
				}
			}
		})
	}
}

// claimRule earns as program() does and claims one unit of "stock" on every
// order, through the Engine's EffectClaim.
type claimRule struct{}

func (claimRule) Name() string { return "stock" }
func (claimRule) Evaluate(_ *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	return append(effects, loyalty.ClaimShared("stock", "", 1))
}

// BenchmarkEarnParallelWithClaim is BenchmarkEarnParallel's 8 clients doing
// Engine.Earn, without ("plain") and with ("claim") a rule claiming one unit
// of one shared counter on every order.
func BenchmarkEarnParallelWithClaim(b *testing.B) {
	const clients = 8
	for _, claim := range []bool{false, true} {
		name := "plain"
		if claim {
			name = "claim"
		}
		b.Run(name, func(b *testing.B) {
			s := newStore(b)
			ctx := context.Background()
			if err := s.SetLimit(ctx, "stock", loyalty.NoLimit); err != nil {
				b.Fatal(err)
			}
			p := program()
			if claim {
				p.Rules = append(p.Rules, claimRule{})
			}
			e, err := loyalty.NewEngine(p, s, &loyalty.EngineOptions{Clock: loyalty.SystemClock{}, MaxRetries: 10000})
			if err != nil {
				b.Fatal(err)
			}
			for m := range clients * 10 {
				enroll(b, e, "m"+strconv.Itoa(m))
			}
			before, err := s.SharedCounter(ctx, "stock", "") // the enrolments ran the rule too
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.SetParallelism((clients + 1) / 2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					id := strconv.FormatInt(i, 10)
					if _, err := e.Earn(ctx, "earn-"+id, order("o"+id, "m"+strconv.FormatInt(i%(clients*10), 10), 20)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if claim {
				c, err := s.SharedCounter(ctx, "stock", "")
				if err != nil || c.Claimed-before.Claimed != next.Load() {
					b.Fatalf("claimed %+v, %v; want %d more than %d", c, err, next.Load(), before.Claimed)
				}
			}
		})
	}
}

// loadCodes fills the store's codes with n codes, C000000001 and on, with
// generate_series.
func loadCodes(b *testing.B, s *postgres.Store, n int) {
	b.Helper()
	ctx := context.Background()
	codes := pgx.Identifier{s.Schema(), "codes"}.Sanitize()
	if _, err := s.Pool().Exec(ctx, `INSERT INTO `+codes+` (program, code, kind, owner, ref, max_uses, uses, void, created_at)
SELECT 'default', 'C' || lpad(i::text, 9, '0'), 'coupon', 'member-' || (i % 10000), '', 1, 0, false, $1
FROM generate_series(1, $2::int) AS i`, t0, n); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `VACUUM ANALYZE `+codes); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCodeLookupMillionCodes looks random codes up through
// SharedStore.Code among 1,000,000 (target: a median of at most 1 ms).
func BenchmarkCodeLookupMillionCodes(b *testing.B) {
	const n = 1_000_000
	s := newStore(b)
	loadCodes(b, s, n)
	ctx := context.Background()
	if got := count(b, s, `SELECT count(*) FROM `+tbl(s, "codes")); got != n {
		b.Fatalf("%d codes, want %d", got, n)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	for b.Loop() {
		i := rng.IntN(n) + 1
		code := "C" + leftPad(strconv.Itoa(i), 9)
		start := time.Now()
		c, err := s.Code(ctx, code)
		lat = append(lat, time.Since(start))
		if err != nil || c.Owner != "member-"+strconv.Itoa(i%10000) {
			b.Fatalf("code %s: %+v %v", code, c, err)
		}
	}
	reportLatencies(b, lat)
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}
