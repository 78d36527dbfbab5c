package difftest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
)

// sharedGoldenFile is the pinned outcome of sharedScenario.
var sharedGoldenFile = filepath.Join("testdata", "golden_shared.json")

// sharedGolden is what sharedScenario pins, for two programs on one store:
// every receipt in write order, then per program each member's history,
// balances and grants, the shared counters and the codes.
type sharedGolden struct {
	Receipts []sharedReceipt
	Programs []sharedProgram
}

type sharedReceipt struct {
	Program string
	Receipt *loyalty.Receipt
}

type sharedProgram struct {
	ID       string
	Members  []sharedMember
	Counters []ledger.SharedCounter
	Codes    []ledger.Code
}

type sharedMember struct {
	ID       string
	History  []ledger.Entry
	Balances []ledger.Balance
	Grants   []ledger.Grant
}

// shopProgram earns 10 points per 1.00; an order of 20.00 or more is
// granted a 10.00 coupon with a code while the stock counter "ten-off"
// lasts, and claims up to 150 from the shared counter "bonus-budget".
func shopProgram(t testing.TB) *loyalty.Program {
	rate, err := loyalty.NewRate(10, decimal.NewFromInt(1))
	require.NoError(t, err)
	twenty := int64(2000)
	return &loyalty.Program{
		ID:       "shop",
		Name:     "shop",
		Currency: "USD",
		Location: loyaltytest.Zone(t, "Pacific/Auckland"),
		Rules: []loyalty.Rule{
			goldenRule{"base", func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				for i, l := range in.Lines {
					if l.Basis > 0 {
						out = append(out, loyalty.EarnAt(rate, l.Basis, i, l.SKU))
					}
				}
				return out
			}},
			goldenRule{"coupon", func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				if in.Order == nil || in.Scale != 2 || in.Value < twenty {
					return out
				}
				ef := loyalty.GrantReward(ledger.Grant{Reward: "ten-off", Value: money.MinorUnits(1000, "USD")},
					&loyalty.CodeFormat{Prefix: "SHOP-", Length: 8, Kind: "coupon"})
				ef.Counter = "ten-off"
				return append(out, ef)
			}},
			goldenRule{"budget", func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				if in.Order == nil {
					return out
				}
				ef := loyalty.ClaimShared("bonus-budget", "", 150)
				ef.UpTo = true
				return append(out, ef)
			}},
		},
	}
}

// clubProgram earns 1 point per 1.00 plus a lucky bonus of 1 to 50 points
// drawn from the write's random stream.
func clubProgram(t testing.TB) *loyalty.Program {
	rate, err := loyalty.NewRate(1, decimal.NewFromInt(1))
	require.NoError(t, err)
	return &loyalty.Program{
		ID:       "club",
		Name:     "club",
		Currency: "USD",
		Location: loyaltytest.Zone(t, "America/Los_Angeles"),
		Rules: []loyalty.Rule{
			goldenRule{"base", func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				for i, l := range in.Lines {
					if l.Basis > 0 {
						out = append(out, loyalty.EarnAt(rate, l.Basis, i, l.SKU))
					}
				}
				return out
			}},
			goldenRule{"lucky", func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				if in.Order == nil {
					return out
				}
				return append(out, loyalty.Earn(int64(in.Rand.IntN(50)+1), loyalty.OrderLevel, "lucky draw"))
			}},
		},
	}
}

// sharedScenario runs the fixed writes of two programs side by side on one
// store, both engines seeded with loyaltytest.Seed, and returns what it pins.
func sharedScenario(t *testing.T, s loyalty.Store) sharedGolden {
	shop := loyaltytest.New(t, shopProgram(t), &loyaltytest.Options{Store: s})
	club := loyaltytest.New(t, clubProgram(t), &loyaltytest.Options{Store: s})
	var g sharedGolden
	keep := func(p string, r *loyalty.Receipt) { g.Receipts = append(g.Receipts, sharedReceipt{p, r}) }

	require.NoError(t, shop.Engine.SetLimit(shop.Ctx, "ten-off", 2))
	require.NoError(t, shop.Engine.SetLimit(shop.Ctx, "bonus-budget", 400))
	for _, m := range []string{"ann", "bob", "cem"} {
		keep("shop", shop.Enroll(m))
	}
	// The same keys and member IDs in the second program.
	keep("club", club.Enroll("ann"))
	keep("club", club.Enroll("bob"))

	// Two coupons of stock: ann and bob get one, cem's order is explained
	// out of stock. The budget gives 150, 150, 100, then nothing.
	o1 := shop.Fill(loyaltytest.Order("ann", "o1").Line("boot", "25.00", 1).Build())
	keep("shop", shop.Earn("earn/o1", o1))
	keep("shop", shop.Earn("earn/o2", loyaltytest.Order("bob", "o2").Line("tee", "15.00", 2).Build()))
	shop.Advance(90 * time.Minute)
	keep("shop", shop.Earn("earn/o3", loyaltytest.Order("cem", "o3").Line("mug", "40.00", 1).Build()))
	keep("shop", shop.Earn("earn/o4", loyaltytest.Order("ann", "o4").Line("sock", "5.00", 1).Build()))

	// The club: the same key and order ID as the shop's first earn.
	keep("club", club.Earn("earn/o1", loyaltytest.Order("ann", "o1").Line("boot", "25.00", 1).Build()))
	keep("club", club.Earn("earn/c2", loyaltytest.Order("bob", "c2").Line("cap", "12.50", 1).Build()))
	// A replay draws nothing new and claims nothing more.
	r := shop.Earn("earn/o1", o1)
	require.True(t, r.Replayed)

	// A gift card the club mints, used once.
	require.NoError(t, club.Engine.ReserveCode(club.Ctx, ledger.Code{Code: "GIFT-0001", Kind: "gift-card", MaxUses: 3}))
	_, err := club.Engine.UseCode(club.Ctx, ledger.CodeUse{Code: "GIFT-0001", Uses: 1})
	require.NoError(t, err)

	for _, h := range []*loyaltytest.Harness{shop, club} {
		p := sharedProgram{ID: h.Program.ID}
		var codes []string
		for _, id := range []string{"ann", "bob", "cem"} {
			st, err := h.Engine.Member(h.Ctx, id)
			if err != nil {
				require.ErrorIs(t, err, loyalty.ErrUnknownMember)
				continue
			}
			m := sharedMember{ID: id, History: h.History(id)}
			for _, a := range []ledger.Account{ledger.PointsAccount, ledger.RewardsAccount} {
				m.Balances = append(m.Balances, h.AccountBalance(id, a))
			}
			m.Grants = slices.SortedFunc(slices.Values(st.Grants), func(a, b ledger.Grant) int { return strings.Compare(a.ID, b.ID) })
			for _, gr := range m.Grants {
				codes = append(codes, gr.Code)
			}
			p.Members = append(p.Members, m)
		}
		for _, name := range []string{"ten-off", "bonus-budget"} {
			c, err := h.Engine.SharedCounter(h.Ctx, name, "")
			if err == nil {
				p.Counters = append(p.Counters, c)
			} else {
				require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
			}
		}
		if h == club {
			codes = append(codes, "GIFT-0001")
		}
		for _, code := range codes {
			c, err := h.Engine.Code(h.Ctx, code)
			require.NoError(t, err)
			p.Codes = append(p.Codes, c)
		}
		g.Programs = append(g.Programs, p)
	}
	return g
}

// TestGoldenSharedStateIsTheSameOnEveryAdapter runs two programs side by
// side on one store of each adapter, with seeded engines, and compares
// receipts, histories, grants, shared counters and codes, as JSON, with
// testdata/golden_shared.json: the same seed gives the same codes, draws
// and ledgers on memory, SQLite and PostgreSQL, and one program's writes
// leave the other's alone.
func TestGoldenSharedStateIsTheSameOnEveryAdapter(t *testing.T) {
	for _, s := range newStores(t) {
		t.Run(s.name, func(t *testing.T) {
			g := sharedScenario(t, s.s)
			// What the scenario is about, asserted before the bytes.
			shop := g.Programs[0]
			require.Equal(t, []ledger.SharedCounter{
				{Name: "ten-off", Limit: 2, Claimed: 2},
				{Name: "bonus-budget", Limit: 400, Claimed: 400},
			}, shop.Counters)
			require.Len(t, shop.Codes, 2)
			for _, c := range shop.Codes {
				require.True(t, strings.HasPrefix(c.Code, "SHOP-") && len(c.Code) == 13, c.Code)
			}
			got, err := json.MarshalIndent(g, "", "\t")
			require.NoError(t, err)
			got = append(got, '\n')
			if *update && s.name == "memory" {
				require.NoError(t, os.WriteFile(sharedGoldenFile, got, 0o644))
				return
			}
			want, err := os.ReadFile(sharedGoldenFile)
			require.NoError(t, err, "no golden file: run go test ./storage/difftest -run GoldenShared -update")
			if !bytes.Equal(want, got) {
				require.Equal(t, string(want), string(got), "%s differs from %s (go test ./storage/difftest -run GoldenShared -update rewrites it; explain the diff in the commit)", s.name, sharedGoldenFile)
			}
		})
	}
}
