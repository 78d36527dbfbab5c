package games_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/games"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// BenchmarkDraw is the draw alone: plays per second of a 4-prize wheel.
func BenchmarkDraw(b *testing.B) {
	g := newWheel(b, games.GameOptions{})
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n += g.Draw(r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "plays/s")
	_ = n
}

// benchBatch is how many plays a benchmark times on one store before it
// starts a fresh one, untimed (as the root's BenchmarkEarn does), so the
// figure does not grow with b.N as the store's heap does.
const benchBatch = 4096

// BenchmarkPlay is one play through the Engine on the memory store: the
// draw from the write's stream, a free play counted against a limit, the
// prize (points, a coupon with a code from a stock, credit or nothing, with
// the wheel's odds) and the ledger write, for one member and spread over
// 1,000. Compare with the root's BenchmarkEarn, which times the same way.
func BenchmarkPlay(b *testing.B) {
	for _, members := range []int{1, 1000} {
		b.Run("members-"+strconv.Itoa(members), func(b *testing.B) {
			benchPlay(b, members, games.GameOptions{Limit: points.Limit{Times: 1 << 40, Per: calendar.Day}})
		})
	}
}

func benchPlay(b *testing.B, members int, opts games.GameOptions) {
	g := newWheel(b, opts)
	ctx := context.Background()
	ids := make([]string, members)
	for i := range ids {
		ids[i] = "m" + strconv.Itoa(i)
	}
	keys := make([]string, benchBatch)
	for i := range keys {
		keys[i] = "play-" + strconv.Itoa(i)
	}
	a := loyalty.Action{Kind: "spin", At: loyaltytest.Start}
	var e *loyalty.Engine
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if i%benchBatch == 0 {
			b.StopTimer()
			var err error
			e, err = loyalty.NewEngine(program(g), memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(loyaltytest.Start), Random: rand.NewChaCha8(loyaltytest.Seed)})
			if err != nil {
				b.Fatal(err)
			}
			if err := e.SetLimit(ctx, "coffee-stock", loyalty.NoLimit); err != nil {
				b.Fatal(err)
			}
			for _, id := range ids {
				if _, err := e.Enroll(ctx, "enrol-"+id, loyalty.Member{ID: id, JoinedAt: loyaltytest.Start}); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
		a.MemberID = ids[i%members]
		if _, err := e.Act(ctx, keys[i%benchBatch], &a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "plays/s")
}
