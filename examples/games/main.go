// Command games runs a summer game on the embedded SQLite store: every
// order of 20.00 or more gives a spin of a wheel whose odds are validated
// (at least 25% to win, an expected prize cost per play below 0.50), its
// free-coffee prize comes from a stock shared by all members, a punch card
// runs alongside (the 5th coffee free), and each member's progress and
// prizes are printed. The Engine is seeded: the seed's digest is published
// first and every spin is verified from the revealed seed at the end.
//
//	go run ./examples/games            # a database in a temp dir
//	go run ./examples/games -db my.db  # or a file you keep
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/games"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

func main() {
	db := flag.String("db", "", "SQLite file to keep the ledger in (default: a new file in a temp dir)")
	flag.Parse()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "loyalty-games-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "loyalty.db")
	}
	if err := run(context.Background(), os.Stdout, path); err != nil {
		log.Fatal(err)
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func rules() (*games.Game, *games.PunchCard, error) {
	wheel, err := games.NewGame("summer-wheel", "spin", []games.Prize{
		{Name: "50 points", Points: 50, Chance: dec("0.30"), Cost: dec("0.50")},
		{Name: "free coffee", Reward: &ledger.Grant{Reward: "free-coffee"}, Code: &loyalty.CodeFormat{Prefix: "SUN-", Length: 8},
			Stock: "free-coffee-stock", Chance: dec("0.10"), Cost: dec("2.00")},
		{Name: "5.00 store credit", Credit: 5_00, Chance: dec("0.02"), Cost: dec("5.00")},
		{Name: "try again", Chance: dec("0.58")},
	}, games.GameOptions{PlaysPerOrder: 1, OrderMinimum: dec("20"), MaxCost: dec("0.50")})
	if err != nil {
		return nil, nil, err
	}
	card, err := games.NewPunchCard("coffee-card", 5, games.PunchOptions{Categories: []string{"coffee"}, PerUnit: true,
		Reward: &ledger.Grant{Reward: "free-coffee"}})
	return wheel, card, err
}

func run(ctx context.Context, w io.Writer, path string) error {
	store, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	wheel, card, err := rules()
	if err != nil {
		return err
	}
	p := &loyalty.Program{ID: "summer-game", Name: "Summer Game", Currency: "USD", Rules: []loyalty.Rule{wheel, card}}
	num, den := wheel.WinChance()
	dryNum, dryDen := wheel.WinChanceWithoutStock()
	fmt.Fprintf(w, "Summer Game: a wheel with %d%% to win (%d%% once the free coffee is gone), prizes from a limited stock, and a coffee punch card\n",
		num*100/den, dryNum*100/dryDen)

	// The host picks the campaign's seed and publishes its digest first.
	seed := sha256.Sum256([]byte("summer-game 2026: the secret chosen before the campaign"))
	clock := loyalty.NewManualClock(time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC))
	engine, err := loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: clock, Random: bytes.NewReader(seed[:])})
	if err != nil {
		return err
	}
	digest := engine.SeedDigest()
	fmt.Fprintf(w, "published seed digest: %s\n", hex.EncodeToString(digest[:8]))
	if err := engine.SetLimit(ctx, "free-coffee-stock", 1); err != nil { // one free coffee on the wheel, for everyone
		return err
	}
	if err := wheel.CheckStock(ctx, engine); err != nil { // every stocked prize has stock before the campaign opens
		return err
	}

	members := []string{"ann", "bob", "cem"}
	for _, id := range members {
		if _, err := engine.Enroll(ctx, "enroll/"+id, loyalty.Member{ID: id, JoinedAt: clock.Now()}); err != nil {
			return err
		}
	}
	drawn := map[string]string{}    // spin key: the prize its receipt names
	prizes := map[string][]string{} // member: the prizes their spins gave
	for day := range 6 {
		for i, id := range members {
			oid := id + "-order-" + strconv.Itoa(day+1)
			qty := int64(1 + (day+i)%3)
			o := &loyalty.Order{ID: oid, MemberID: id, Currency: "USD", PlacedAt: clock.Now(), Lines: []loyalty.OrderLine{
				{SKU: "latte", Category: "coffee", Quantity: qty, UnitPrice: dec("4.50")},
				{SKU: "beans", Category: "beans", Quantity: 1, UnitPrice: dec("16.00")},
			}}
			if _, err := engine.Earn(ctx, "earn/"+oid, o); err != nil {
				return err
			}
			key := "spin/" + oid
			r, err := engine.Act(ctx, key, &loyalty.Action{Kind: "spin", MemberID: id, At: clock.Now()})
			if err != nil {
				return err
			}
			out, _ := wheel.OutcomeOf(r)
			drawn[key] = out.Prize
			if out.Won {
				prizes[id] = append(prizes[id], out.Prize)
			}
			line := fmt.Sprintf("day %d: %s spins: %s", day+1, id, out.Prize)
			switch {
			case out.OutOfStock:
				line += " (none left: nothing given)"
			case out.Grant != nil:
				line += " (code " + out.Grant.Code + ")"
			}
			fmt.Fprintln(w, line)
		}
		clock.Advance(24 * time.Hour)
	}
	// A spin with no play left is refused and writes nothing.
	if _, err := engine.Act(ctx, "spin/ann-extra", &loyalty.Action{Kind: "spin", MemberID: "ann", At: clock.Now()}); err != nil {
		fmt.Fprintf(w, "ann spins a seventh time: %v\n", err)
	}

	// Each member's statement: balances, progress and the prizes won.
	fmt.Fprintln(w)
	for _, id := range members {
		sum, err := engine.Summary(ctx, id, nil)
		if err != nil {
			return err
		}
		credit, err := engine.AccountBalance(ctx, id, games.CreditAccount)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %d points, %s store credit\n", id, sum.Balance.Available, decimal.New(credit.Available, -2).StringFixed(2))
		won := "none"
		if len(prizes[id]) > 0 {
			won = strings.Join(prizes[id], ", ")
		}
		st, err := engine.Member(ctx, id)
		if err != nil {
			return err
		}
		spins, _ := wheel.PlaysLeft(p, st, clock.Now())
		fmt.Fprintf(w, "  won on the wheel: %s; spins left: %d\n", won, spins)
		for _, pr := range sum.Progress {
			fmt.Fprintf(w, "  %s: %d of %d %s\n", pr.Rule, pr.Done, pr.Of, pr.Unit)
		}
		for _, g := range sum.Rewards {
			line := "  reward " + g.Reward + " from " + g.Source
			if g.Code != "" {
				line += ", code " + g.Code
			}
			fmt.Fprintln(w, line)
		}
	}
	sc, err := engine.SharedCounter(ctx, "free-coffee-stock", "")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "free-coffee stock: %d of %d given\n", sc.Claimed, sc.Limit)

	// After the campaign the seed is revealed: anyone checks it against the
	// digest and recomputes every spin from the seed, the program and the key.
	ok := sha256.Sum256(seed[:]) == digest
	slots := wheel.Prizes()
	verified := 0
	for key, prize := range drawn {
		if slots[wheel.Replay(seed, p.ProgramID(), key)].Name == prize {
			verified++
		}
	}
	fmt.Fprintf(w, "seed revealed: digest matches %v, %d of %d spins verified\n", ok, verified, len(drawn))
	return nil
}
