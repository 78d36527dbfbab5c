package games_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/games"
	"github.com/loyaltykit/loyalty/loyaltytest"
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

// BenchmarkPlay is one play through the Engine on the memory store: the
// draw from the write's stream, a free play counted against a limit, the
// prize and the ledger write. The stocked reward has stock enough for
// every play.
func BenchmarkPlay(b *testing.B) {
	for _, name := range []string{"members-1", "members-1000"} {
		b.Run(name, func(b *testing.B) {
			g := newWheel(b, games.GameOptions{})
			ctx := context.Background()
			e, err := loyalty.NewEngine(program(g), memory.New(), &loyalty.EngineOptions{Clock: loyalty.NewManualClock(loyaltytest.Start), Random: rand.NewChaCha8(loyaltytest.Seed)})
			if err != nil {
				b.Fatal(err)
			}
			if err := e.SetLimit(ctx, "coffee-stock", loyalty.NoLimit); err != nil {
				b.Fatal(err)
			}
			members := 1
			if name == "members-1000" {
				members = 1000
			}
			ids := make([]string, members)
			for i := range ids {
				ids[i] = "m" + strconv.Itoa(i)
				if _, err := e.Enroll(ctx, "enrol-"+ids[i], loyalty.Member{ID: ids[i], JoinedAt: loyaltytest.Start}); err != nil {
					b.Fatal(err)
				}
			}
			keys := make([]string, 1<<16)
			for i := range keys {
				keys[i] = "play-" + strconv.Itoa(i)
			}
			a := loyalty.Action{Kind: "spin", At: loyaltytest.Start}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				a.MemberID = ids[i%members]
				key := keys[i%len(keys)]
				if i >= len(keys) {
					key += "-" + strconv.Itoa(i/len(keys))
				}
				if _, err := e.Act(ctx, key, &a); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
