package games_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/games"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
)

// written is what a write could have changed for member ann: her history,
// her state (balances, counters, grants) and the coffee stock.
type written struct {
	history []ledger.Entry
	state   *loyalty.State
	stock   ledger.SharedCounter
}

func snapshot(t *testing.T, h *loyaltytest.Harness) written {
	t.Helper()
	hist, err := h.Engine.History(h.Ctx, "ann", ledger.EntryID{}, 1000)
	require.NoError(t, err)
	st, err := h.Engine.Member(h.Ctx, "ann")
	require.NoError(t, err)
	sc, err := h.Engine.SharedCounter(h.Ctx, "coffee-stock", "")
	if err != nil {
		require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
	}
	return written{history: hist, state: st, stock: sc}
}

// assertNothingWritten runs refused, which must fail with an error, and
// checks that ann's history, state and the stock are as they were.
func assertNothingWritten(t *testing.T, h *loyaltytest.Harness, refused func() error) error {
	t.Helper()
	before := snapshot(t, h)
	err := refused()
	require.Error(t, err)
	after := snapshot(t, h)
	assert.Equal(t, before.history, after.history, "history")
	assert.Equal(t, before.state, after.state, "member state")
	assert.Equal(t, before.stock, after.stock, "stock")
	return err
}

// The coffee's stock of 3 runs out: the first three plays that land on it
// grant a coffee with a code, every later one gives nothing (its share of
// the draws falls to nothing), and the stock is never overspent. The draws
// themselves are the declared ones: Replay names the slot each play landed
// on, and every other prize is given as drawn.
func TestStockRunsOutAndLaterPlaysNeverGiveThePrize(t *testing.T) {
	p := newPlay(t, games.GameOptions{}, 3)
	const plays = 400
	var coffeeDraws, pointsDraws, creditDraws, granted, outOfStock int
	for i := range plays {
		key := "spin-" + strconv.Itoa(i)
		r, err := p.spin(key, "ann")
		require.NoError(t, err)
		o, ok := p.g.OutcomeOf(r)
		require.True(t, ok)
		switch p.g.Replay(loyaltytest.Seed, "summer", key) {
		case 0:
			pointsDraws++
			assert.Equal(t, games.Outcome{Prize: "50-points", Won: true}, o)
		case 1:
			coffeeDraws++
			if coffeeDraws <= 3 {
				require.NotNil(t, o.Grant, "draw %d of the coffee", coffeeDraws)
				require.Len(t, r.Grants, 1)
				assert.True(t, strings.HasPrefix(r.Grants[0].Code, "COF-"))
				granted++
				continue
			}
			assert.Equal(t, games.Outcome{Prize: "free-coffee", OutOfStock: true}, o)
			assert.Empty(t, r.Grants)
			assert.Empty(t, r.Entries, "an out-of-stock draw gives nothing")
			assert.True(t, explains(r, "reward free-coffee not granted: none left"), "%+v", r.Explanation)
			outOfStock++
		case 2:
			creditDraws++
			assert.Equal(t, games.Outcome{Prize: "5-credit", Won: true}, o)
		default:
			assert.Equal(t, games.Outcome{Prize: "nothing"}, o)
		}
	}
	require.Greater(t, coffeeDraws, 6, "the seed lands on the coffee often enough to run it out")
	assert.Equal(t, 3, granted)
	assert.Equal(t, coffeeDraws-3, outOfStock)
	sc, err := p.h.Engine.SharedCounter(p.h.Ctx, "coffee-stock", "")
	require.NoError(t, err)
	assert.Equal(t, ledger.SharedCounter{Name: "coffee-stock", Limit: 3, Claimed: 3}, sc)
	st := state(t, p.h)
	assert.Equal(t, int64(50*pointsDraws), st.Balance(ledger.PointsAccount).Available)
	assert.Equal(t, int64(500*creditDraws), st.Balance(games.CreditAccount).Available)
	coffees := 0
	for _, g := range st.Grants {
		if g.Reward == "free-coffee" && g.Source == "wheel" {
			coffees++
		}
	}
	assert.Equal(t, 3, coffees)
	// The won counter counts the draws of winning slots, the coffee's after
	// its stock was gone too (a rule cannot see stock; OutcomeOf can).
	assert.Equal(t, int64(pointsDraws+creditDraws+coffeeDraws), st.Counter("wheel:won", ""))
	// And the host's check of the game now says the stock is gone.
	var se *games.StockError
	require.ErrorAs(t, p.g.CheckStock(p.h.Ctx, p.h.Engine), &se)
	assert.Equal(t, games.StockError{Game: "wheel", Prize: "free-coffee", Counter: "coffee-stock", Limit: 3, Left: 0, Err: games.ErrNoStock}, *se)
}

func explains(r *loyalty.Receipt, note string) bool {
	for _, e := range r.Explanation {
		if strings.Contains(e.Note, note) {
			return true
		}
	}
	return false
}

// A host checks its game against the store before opening it: a stocked
// prize whose counter was never defined, or that has none left, is a
// *StockError, and the check writes nothing.
func TestCheckStockRefusesAPrizeWithNoStockLeft(t *testing.T) {
	g := newWheel(t, games.GameOptions{})
	h := loyaltytest.New(t, program(g), nil)
	_, err := h.Engine.Enroll(h.Ctx, "enrol-ann", loyalty.Member{ID: "ann", JoinedAt: h.Clock.Now()})
	require.NoError(t, err)

	err = assertNothingWritten(t, h, func() error { return g.CheckStock(h.Ctx, h.Engine) })
	var se *games.StockError
	require.ErrorAs(t, err, &se)
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
	assert.Equal(t, "free-coffee", se.Prize)

	require.NoError(t, h.Engine.SetLimit(h.Ctx, "coffee-stock", 0))
	err = assertNothingWritten(t, h, func() error { return g.CheckStock(h.Ctx, h.Engine) })
	require.ErrorIs(t, err, games.ErrNoStock)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, games.StockError{Game: "wheel", Prize: "free-coffee", Counter: "coffee-stock", Limit: 0, Left: 0, Err: games.ErrNoStock}, *se)
	assert.EqualError(t, err, `games: game "wheel": prize "free-coffee" from stock "coffee-stock" (0 of 0 left): games: prize has no stock left`)

	require.NoError(t, h.Engine.SetLimit(h.Ctx, "coffee-stock", 5))
	require.NoError(t, g.CheckStock(h.Ctx, h.Engine))
}

// A play that lands on a prize whose stock counter was never defined is
// refused, typed, and writes nothing (the host forgot SetLimit).
func TestPlayDrawingAnUndefinedStockIsRefusedAndWritesNothing(t *testing.T) {
	g := newWheel(t, games.GameOptions{})
	h := loyaltytest.New(t, program(g), nil)
	_, err := h.Engine.Enroll(h.Ctx, "enrol-ann", loyalty.Member{ID: "ann", JoinedAt: h.Clock.Now()})
	require.NoError(t, err)
	key := keysDrawing(g, loyaltytest.Seed, 1, 1)[0]
	err = assertNothingWritten(t, h, func() error {
		_, err := h.Engine.Act(h.Ctx, key, &loyalty.Action{Kind: "spin", MemberID: "ann", At: h.Clock.Now()})
		return err
	})
	var ce *loyalty.ClaimError
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
	assert.Equal(t, "coffee-stock", ce.Counter)
}
