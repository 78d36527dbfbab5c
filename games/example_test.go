package games_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/games"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// A wheel of validated odds: 30% to win, an expected cost of 0.35 per
// play, one play earned per order of 20.00. The host publishes the seed's
// digest before the campaign; each outcome can be recomputed from the
// revealed seed.
func ExampleNewGame() {
	wheel, err := games.NewGame("wheel", "spin", []games.Prize{
		{Name: "100-points", Points: 100, Chance: decimal.RequireFromString("0.25"), Cost: decimal.RequireFromString("1.00")},
		{Name: "free-coffee", Reward: &ledger.Grant{Reward: "free-coffee"}, Stock: "coffee-stock", Chance: decimal.RequireFromString("0.05"), Cost: decimal.RequireFromString("2.00")},
		{Name: "try-again", Chance: decimal.RequireFromString("0.70")},
	}, games.GameOptions{PlaysPerOrder: 1, OrderMinimum: decimal.NewFromInt(20), MaxCost: decimal.RequireFromString("0.40")})
	if err != nil {
		fmt.Println(err)
		return
	}
	num, den := wheel.WinChance()
	fmt.Printf("win chance %d/%d\n", num, den)

	_, err = games.NewGame("stingy", "spin", []games.Prize{
		{Name: "100-points", Points: 100, Chance: decimal.RequireFromString("0.1")},
		{Name: "try-again", Chance: decimal.RequireFromString("0.9")},
	}, games.GameOptions{})
	fmt.Println(err)

	ctx := context.Background()
	seed := sha256.Sum256([]byte("summer campaign"))
	p := &loyalty.Program{ID: "summer", Name: "Summer game", Currency: "USD", Rules: []loyalty.Rule{wheel}}
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Random: bytes.NewReader(seed[:])})
	if err != nil {
		fmt.Println(err)
		return
	}
	digest := e.SeedDigest() // published before the campaign
	_ = e.SetLimit(ctx, "coffee-stock", 100)
	_, _ = e.Enroll(ctx, "enrol-ann", loyalty.Member{ID: "ann", JoinedAt: e.Now()})
	_, _ = e.Earn(ctx, "order-1", &loyalty.Order{ID: "order-1", MemberID: "ann", Currency: "USD", PlacedAt: e.Now(),
		Lines: []loyalty.OrderLine{{SKU: "beans", Quantity: 1, UnitPrice: decimal.NewFromInt(25)}}})
	r, err := e.Act(ctx, "ann-play-1", &loyalty.Action{Kind: "spin", MemberID: "ann", At: e.Now()})
	if err != nil {
		fmt.Println(err)
		return
	}
	o, _ := wheel.OutcomeOf(r)
	// After the campaign: the seed is revealed and anyone checks.
	fair := sha256.Sum256(seed[:]) == digest && wheel.Prizes()[wheel.Replay(seed, "summer", "ann-play-1")].Name == o.Prize
	fmt.Println("verified:", fair)
	_, err = e.Act(ctx, "ann-play-2", &loyalty.Action{Kind: "spin", MemberID: "ann", At: e.Now()})
	fmt.Println(err)
	// Output:
	// win chance 30/100
	// games: game "stingy": win_chance is 0.1, required 0.25: games: chance of winning below the minimum
	// verified: true
	// loyalty: refused by a rule: rule wheel: no play left: games: member "ann" playing "wheel": games: no play left
}
