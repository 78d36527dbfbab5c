package memory_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// oneForOne redeems 1 point for 0.01, any amount the member has: a quote
// that does no arithmetic, so that the redemption benchmark times the store.
type oneForOne struct{}

func (oneForOne) Quote(avail int64, total money.Money, want int64) (loyalty.Quote, error) {
	if want > avail {
		return loyalty.Quote{}, loyalty.ErrInsufficientPoints
	}
	return loyalty.Quote{Points: want, Value: money.MinorUnits(want, total.Currency), MaxPoints: avail}, nil
}

func benchEngine(b *testing.B) (*loyalty.Engine, *loyalty.ManualClock) {
	p := &loyalty.Program{Name: "bench", Currency: "USD", Rules: []loyalty.Rule{storagetest.PerDollar(5)}, Redemption: oneForOne{}}
	clock := loyalty.NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	return e, clock
}

// batch is how many operations a benchmark times on one store before it
// starts a fresh one (untimed): the store keeps everything it is given, so
// without batches the cost per operation would grow with b.N as the heap
// does, and the figure would depend on -benchtime.
const batch = 4096

// BenchmarkEarnAndCommit is one order earned and committed on one goroutine
// (issue 10's target: at least 500,000 per second, i.e. at most 2 µs/op), on a store
// holding up to a batch of earlier orders.
func BenchmarkEarnAndCommit(b *testing.B) {
	ctx := context.Background()
	keys := make([]string, batch)
	for i := range keys {
		keys[i] = "o" + strconv.Itoa(i)
	}
	o := &loyalty.Order{MemberID: "ann", Currency: "USD", Lines: []loyalty.OrderLine{
		{SKU: "tee", Category: "apparel", Quantity: 2, UnitPrice: decimal.RequireFromString("19.99")},
		{SKU: "mug", Category: "home", Quantity: 1, UnitPrice: decimal.RequireFromString("8.50")},
	}}
	var e *loyalty.Engine
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if i%batch == 0 {
			b.StopTimer()
			e, _ = benchEngine(b)
			if _, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		o.ID = keys[i%batch]
		if _, err := e.Earn(ctx, keys[i%batch], o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "earns/s")
}

// BenchmarkRedeemFromTenLots is a checkout redemption that draws from ten
// lots (target: at most 5 µs/op), on a store of a batch of members each
// holding ten lots.
func BenchmarkRedeemFromTenLots(b *testing.B) {
	ctx := context.Background()
	members := make([]string, batch)
	for i := range members {
		members[i] = "m" + strconv.Itoa(i)
	}
	total := money.MinorUnits(100_00, "USD")
	var e *loyalty.Engine
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m := members[i%batch]
		if i%batch == 0 {
			b.StopTimer()
			e, _ = benchEngine(b)
			for _, id := range members {
				if _, err := e.Enroll(ctx, "e"+id, loyalty.Member{ID: id}); err != nil {
					b.Fatal(err)
				}
				for l := 0; l < 10; l++ {
					if _, err := e.Adjust(ctx, id+"/"+strconv.Itoa(l), id, 10, "seed"); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StartTimer()
		}
		r, err := e.Redeem(ctx, "r"+m, loyalty.Redemption{ID: "r", MemberID: m, Total: total, Points: 100})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Redemption.Draws) != 10 {
			b.Fatalf("drew from %d lots", len(r.Redemption.Draws))
		}
	}
}

// BenchmarkBalance reads the balance of a member with a long history; the
// time must not grow with the history (target: at most 1 µs at 100,000).
func BenchmarkBalance(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run("entries="+strconv.Itoa(n), func(b *testing.B) {
			e, _ := benchEngine(b)
			ctx := context.Background()
			if _, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"}); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if _, err := e.Adjust(ctx, strconv.Itoa(i), "ann", 1, "seed"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bal, err := e.Balance(ctx, "ann")
				if err != nil || bal.Available != int64(n) {
					b.Fatal(bal, err)
				}
			}
		})
	}
}

// BenchmarkCommitWithClaim commits a member's write that also claims one
// unit of a large shared counter ("claim"), and the same write without the
// claim ("plain"), on hand-built changes (target: at most 5 µs/op with the
// claim). Each batch of writes goes to a fresh store, as in the benchmarks
// above.
func BenchmarkCommitWithClaim(b *testing.B) {
	for _, withClaim := range []bool{false, true} {
		name := "plain"
		if withClaim {
			name = "claim"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			changes := make([]*loyalty.Change, batch)
			var s *memory.Store
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if i%batch == 0 {
					b.StopTimer()
					s = memory.New()
					if err := s.SetLimit(ctx, "stock", 1<<40); err != nil {
						b.Fatal(err)
					}
					if _, err := s.Commit(ctx, enrolment("enrol", "ann")); err != nil {
						b.Fatal(err)
					}
					for j := range changes {
						c := adjustment("k"+strconv.Itoa(j), "ann", int64(j+1), 1, int64(j+1))
						if withClaim {
							c.Claims = []ledger.Claim{{Counter: "stock", Amount: 1}}
						}
						changes[j] = c
					}
					b.StartTimer()
				}
				if _, err := s.Commit(ctx, changes[i%batch]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCodeLookup looks a code up among 1,000,000 (target: at most
// 1 µs), in an order that jumps around the codes.
func BenchmarkCodeLookup(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	s := memory.New()
	codes := make([]string, n)
	for i := range codes {
		codes[i] = "CODE-" + strconv.Itoa(1_000_000_007+i*7919)
		if err := s.ReserveCode(ctx, ledger.Code{Code: codes[i], Kind: "coupon", MaxUses: 1, CreatedAt: t0}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		want := codes[(i*104_729)%n]
		k, err := s.Code(ctx, want)
		if err != nil || k.Code != want {
			b.Fatal(k, err)
		}
	}
}
