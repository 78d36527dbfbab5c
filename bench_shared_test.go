package loyalty_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// benchBatch is how many earns a benchmark times on one store before it
// starts a fresh one, untimed (as storage/memory's benchmarks do), so the
// figure does not grow with b.N as the store's heap does.
const benchBatch = 4096

// claimOne claims one unit of the shared stock "stock" on every order.
var claimOne = rule{name: "stock", fn: func(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if _, ok := c.Event.(*loyalty.Order); !ok {
		return out
	}
	return append(out, loyalty.ClaimShared("stock", "", 1))
}}

// benchEarn times one member's earns on the memory store, with the rules
// given after five points per dollar; limit, when not 0, defines "stock".
func benchEarn(b *testing.B, limit int64, rules ...loyalty.Rule) {
	ctx := context.Background()
	keys := make([]string, benchBatch)
	for i := range keys {
		keys[i] = "o" + strconv.Itoa(i)
	}
	o := &loyalty.Order{MemberID: "ann", Currency: "USD", Lines: []loyalty.OrderLine{
		{SKU: "tee", Category: "apparel", Quantity: 2, UnitPrice: decimal.RequireFromString("19.99")},
		{SKU: "mug", Category: "home", Quantity: 1, UnitPrice: decimal.RequireFromString("8.50")},
	}}
	p := &loyalty.Program{Name: "bench", Currency: "USD", Rules: append([]loyalty.Rule{storagetest.PerDollar(5)}, rules...)}
	var e *loyalty.Engine
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if i%benchBatch == 0 {
			b.StopTimer()
			var err error
			e, err = loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))})
			if err != nil {
				b.Fatal(err)
			}
			if limit != 0 {
				if err := e.SetLimit(ctx, "stock", limit); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		o.ID = keys[i%benchBatch]
		if _, err := e.Earn(ctx, keys[i%benchBatch], o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEarn is the plain earn of BenchmarkEarnWithClaim, in the same run.
func BenchmarkEarn(b *testing.B) { benchEarn(b, 0) }

// BenchmarkEarnWithClaim is a member's earn that also claims one unit of
// shared stock in the same change (target: at most 5 µs/op on the memory
// store).
func BenchmarkEarnWithClaim(b *testing.B) { benchEarn(b, loyalty.NoLimit, claimOne) }
