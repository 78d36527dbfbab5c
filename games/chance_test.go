package games_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/games"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// wheelPrizes: 30% win, 70% nothing; 26% win once the coffee is gone.
func wheelPrizes() []games.Prize {
	return []games.Prize{
		{Name: "50-points", Points: 50, Chance: d("0.25"), Cost: d("0.50")},
		{Name: "free-coffee", Reward: &ledger.Grant{Reward: "free-coffee"}, Code: &loyalty.CodeFormat{Prefix: "COF-"}, Stock: "coffee-stock", Chance: d("0.04"), Cost: d("2.00")},
		{Name: "5-credit", Credit: 500, Chance: d("0.01"), Cost: d("5.00")},
		{Name: "nothing", Chance: d("0.7")},
	}
}

func newWheel(t testing.TB, opts games.GameOptions) *games.Game {
	g, err := games.NewGame("wheel", "spin", wheelPrizes(), opts)
	require.NoError(t, err)
	return g
}

func program(rules ...loyalty.Rule) *loyalty.Program {
	return &loyalty.Program{ID: "summer", Name: "Summer", Currency: "USD", Rules: rules}
}

func TestNewGameRefusesBadOdds(t *testing.T) {
	for name, tc := range map[string]struct {
		prizes []games.Prize
		opts   games.GameOptions
		err    error
	}{
		"negative":                     {prizes: []games.Prize{{Name: "a", Points: 1, Chance: d("1.1")}, {Name: "b", Chance: d("-0.1")}}, err: games.ErrOdds},
		"sum below one":                {prizes: []games.Prize{{Name: "a", Points: 1, Chance: d("0.3")}, {Name: "b", Chance: d("0.6")}}, err: games.ErrOdds},
		"sum above one":                {prizes: []games.Prize{{Name: "a", Points: 1, Chance: d("0.5")}, {Name: "b", Chance: d("0.5000001")}}, err: games.ErrOdds},
		"weights zero":                 {prizes: []games.Prize{{Name: "a", Points: 1, Weight: 0}, {Name: "b", Weight: 0}}, err: games.ErrOdds},
		"mixed":                        {prizes: []games.Prize{{Name: "a", Points: 1, Chance: d("0.5")}, {Name: "b", Weight: 1}}, err: games.ErrOdds},
		"win below 25%":                {prizes: []games.Prize{{Name: "a", Points: 1, Chance: d("0.2499")}, {Name: "b", Chance: d("0.7501")}}, err: games.ErrWinChanceTooLow},
		"win below a stricter minimum": {prizes: wheelPrizes(), opts: games.GameOptions{MinWinChance: d("0.31")}, err: games.ErrWinChanceTooLow},
		"a minimum below 25%":          {prizes: wheelPrizes(), opts: games.GameOptions{MinWinChance: d("0.1")}, err: games.ErrWinChanceTooLow},
		// 30% while the stocked prize lasts, 24% once it is gone.
		"win below 25% without stock": {prizes: []games.Prize{{Name: "a", Points: 1, Chance: d("0.24")}, {Name: "b", Reward: &ledger.Grant{Reward: "r"}, Stock: "s", Chance: d("0.06")}, {Name: "c", Chance: d("0.7")}}, err: games.ErrWinChanceTooLow},
		// 0.25×0.50 + 0.04×2.00 + 0.01×5.00 = 0.125 + 0.08 + 0.05 = 0.255 per play.
		"cost above max":  {prizes: wheelPrizes(), opts: games.GameOptions{MaxCost: d("0.25")}, err: games.ErrCostTooHigh},
		"cost undeclared": {prizes: []games.Prize{{Name: "a", Points: 1, Chance: d("0.5")}, {Name: "b", Chance: d("0.5")}}, opts: games.GameOptions{MaxCost: d("1")}, err: games.ErrCostTooHigh},
		"stock on points": {prizes: []games.Prize{{Name: "a", Points: 1, Stock: "s", Chance: d("0.5")}, {Name: "b", Chance: d("0.5")}}, err: loyalty.ErrInvalidProgram},
		"no prizes":       {err: loyalty.ErrInvalidProgram},
	} {
		t.Run(name, func(t *testing.T) {
			g, err := games.NewGame("wheel", "spin", tc.prizes, tc.opts)
			require.ErrorIs(t, err, tc.err)
			require.ErrorIs(t, err, loyalty.ErrInvalidProgram)
			require.Nil(t, g)
		})
	}
	var oe *games.OddsError
	_, err := games.NewGame("wheel", "spin", wheelPrizes(), games.GameOptions{MaxCost: d("0.25")})
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "0.255", oe.Declared.String())
	assert.Equal(t, "0.25", oe.Required.String())
	// A stricter minimum of 0.27 holds while the coffee lasts (0.30) but not
	// once it is gone (0.26).
	_, err = games.NewGame("wheel", "spin", wheelPrizes(), games.GameOptions{MinWinChance: d("0.27")})
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "win_chance_without_stock", oe.Field)
	assert.True(t, d("0.26").Equal(oe.Declared), oe.Declared.String())
	assert.True(t, d("0.27").Equal(oe.Required), oe.Required.String())
}

func TestNewGameAcceptsExactOddsAndAStricterMinimum(t *testing.T) {
	g, err := games.NewGame("wheel", "spin", wheelPrizes(), games.GameOptions{MinWinChance: d("0.26"), MaxCost: d("0.255")})
	require.NoError(t, err)
	num, den := g.WinChance()
	assert.Equal(t, [2]uint64{30, 100}, [2]uint64{num, den})
	// Without the coffee (4%): 26 of 100 win nothing more.
	num, den = g.WinChanceWithoutStock()
	assert.Equal(t, [2]uint64{26, 100}, [2]uint64{num, den})
	// Refusing the coffee's draws once it is gone: 26 of the 96 that stand.
	g, err = games.NewGame("wheel", "spin", wheelPrizes(), games.GameOptions{OutOfStock: games.StockOutRefuses})
	require.NoError(t, err)
	num, den = g.WinChanceWithoutStock()
	assert.Equal(t, [2]uint64{26, 96}, [2]uint64{num, den})
}

// The draw's empirical win rate over 1,000,000 plays is within 0.2
// percentage points of the declared 30%, and each prize's within 0.1.
func TestDrawMatchesDeclaredOddsOverAMillionPlays(t *testing.T) {
	g := newWheel(t, games.GameOptions{})
	r := rand.New(rand.NewChaCha8([32]byte{'o', 'd', 'd', 's'}))
	const n = 1_000_000
	counts := make([]int, len(g.Prizes()))
	for range n {
		counts[g.Draw(r)]++
	}
	won := counts[0] + counts[1] + counts[2]
	t.Logf("won %d of %d draws (declared 30%%), prizes %v", won, n, counts)
	rate := float64(won) / n // a test statistic, not money
	assert.InDelta(t, 0.30, rate, 0.002, "won %d of %d", won, n)
	for i, want := range []float64{0.25, 0.04, 0.01, 0.7} {
		assert.InDelta(t, want, float64(counts[i])/n, 0.001, "prize %d", i)
	}
}

type play struct {
	h *loyaltytest.Harness
	g *games.Game
}

func (p play) spin(key, member string) (*loyalty.Receipt, error) {
	return p.h.Engine.Act(p.h.Ctx, key, &loyalty.Action{Kind: "spin", MemberID: member, At: p.h.Clock.Now()})
}

func newPlay(t *testing.T, opts games.GameOptions, stock int64) play {
	g := newWheel(t, opts)
	h := loyaltytest.New(t, program(g), nil)
	require.NoError(t, h.Engine.SetLimit(h.Ctx, "coffee-stock", stock))
	_, err := h.Engine.Enroll(h.Ctx, "enrol-ann", loyalty.Member{ID: "ann", JoinedAt: h.Clock.Now()})
	require.NoError(t, err)
	return play{h: h, g: g}
}

func TestPlayCostsPointsAndGivesTheDrawnPrize(t *testing.T) {
	p := newPlay(t, games.GameOptions{PointsPerPlay: 10}, 100)
	_, err := p.h.Engine.Adjust(p.h.Ctx, "gift", "ann", 25, "gift")
	require.NoError(t, err)
	// a play drawing 50-points, then one drawing 5-credit: 25 - 10 + 50 - 10 = 55.
	for _, key := range []string{keysDrawing(p.g, loyaltytest.Seed, 0, 1)[0], keysDrawing(p.g, loyaltytest.Seed, 2, 1)[0]} {
		r, err := p.spin(key, "ann")
		require.NoError(t, err)
		o, ok := p.g.OutcomeOf(r)
		require.True(t, ok)
		assert.True(t, o.Won)
	}
	b, err := p.h.Engine.Balance(p.h.Ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(55), b.Available)
	c, err := p.h.Engine.AccountBalance(p.h.Ctx, "ann", games.CreditAccount)
	require.NoError(t, err)
	assert.Equal(t, int64(500), c.Available)
	// five plays drawing nothing: 55 - 50 = 5.
	for _, key := range keysDrawing(p.g, loyaltytest.Seed, 3, 5) {
		_, err := p.spin(key, "ann")
		require.NoError(t, err)
	}

	// 5 points left: the next play is refused, typed, and writes nothing.
	err = assertNothingWritten(t, p.h, func() error { _, err := p.spin("spin-3", "ann"); return err })
	require.ErrorIs(t, err, games.ErrNoPlays)
	require.ErrorIs(t, err, loyalty.ErrRefused)
	var pe *games.PlayError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, games.PlayError{Game: "wheel", MemberID: "ann", Err: games.ErrNoPlays}, *pe)
}

func TestReplayedPlayReturnsTheSameOutcomeWithoutASecondDraw(t *testing.T) {
	p := newPlay(t, games.GameOptions{Limit: points.Limit{Times: 5, Per: calendar.Day}}, 100)
	r1, err := p.spin("spin-1", "ann")
	require.NoError(t, err)
	r2, err := p.spin("spin-1", "ann")
	require.NoError(t, err)
	assert.True(t, r2.Replayed)
	o1, _ := p.g.OutcomeOf(r1)
	o2, _ := p.g.OutcomeOf(r2)
	assert.Equal(t, o1, o2)
	st, err := p.h.Engine.Member(p.h.Ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Counter("wheel:plays", "2026-01-05"))
}

func TestPlayLimitPerDayRefusesTheNextPlayUntilTomorrow(t *testing.T) {
	p := newPlay(t, games.GameOptions{Limit: points.Limit{Times: 2, Per: calendar.Day}}, 100)
	for i := range 2 {
		_, err := p.spin("spin-"+strconv.Itoa(i), "ann")
		require.NoError(t, err)
	}
	err := assertNothingWritten(t, p.h, func() error { _, err := p.spin("spin-2", "ann"); return err })
	require.ErrorIs(t, err, games.ErrPlayLimit)
	require.ErrorIs(t, err, loyalty.ErrRefused)
	var pe *games.PlayError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, games.PlayError{Game: "wheel", MemberID: "ann", PeriodKey: "2026-01-05", Played: 2, Limit: 2, Err: games.ErrPlayLimit}, *pe)
	p.h.Clock.Advance(24 * 3600e9)
	_, err = p.spin("spin-2", "ann")
	require.NoError(t, err)
}

func TestPlaysEarnedOnOrdersAboveTheMinimum(t *testing.T) {
	p := newPlay(t, games.GameOptions{PlaysPerOrder: 1, OrderMinimum: d("20")}, 100)
	_, err := p.spin("spin-0", "ann")
	require.ErrorIs(t, err, games.ErrNoPlays)
	_, err = p.h.Engine.Earn(p.h.Ctx, "o1", loyaltytest.Order("ann", "o1").Line("tee", "19.99", 1).Currency("USD").At(p.h.Clock.Now()).Build())
	require.NoError(t, err)
	_, err = p.h.Engine.Earn(p.h.Ctx, "o2", loyaltytest.Order("ann", "o2").Line("tee", "20.00", 1).Currency("USD").At(p.h.Clock.Now()).Build())
	require.NoError(t, err)
	_, err = p.spin("spin-1", "ann")
	require.NoError(t, err)
	_, err = p.spin("spin-2", "ann")
	require.ErrorIs(t, err, games.ErrNoPlays, "one order of 20.00 earned one play")
	st, err := p.h.Engine.Member(p.h.Ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Counter("wheel:earned", ""))
	assert.Equal(t, int64(1), st.Counter("wheel:used", ""))
}

func TestFreePlayOncePerDay(t *testing.T) {
	p := newPlay(t, games.GameOptions{FreePlays: points.Limit{Times: 1, Per: calendar.Day}}, 100)
	_, err := p.spin("spin-1", "ann")
	require.NoError(t, err)
	_, err = p.spin("spin-2", "ann")
	require.ErrorIs(t, err, games.ErrNoPlays)
	p.h.Clock.Advance(24 * 3600e9)
	_, err = p.spin("spin-2", "ann")
	require.NoError(t, err)
}

// keysDrawing returns n keys whose play draws prize index want.
func keysDrawing(g *games.Game, seed [32]byte, want, n int) []string {
	var keys []string
	for i := 0; len(keys) < n; i++ {
		k := "k" + strconv.Itoa(i)
		if g.Replay(seed, "summer", k) == want {
			keys = append(keys, k)
		}
	}
	return keys
}

// A reward out of stock is never granted: with StockOutLoses the play stands
// and gives nothing; the stock counter is never overspent.
func TestOutOfStockRewardIsNeverGrantedAndThePlayLoses(t *testing.T) {
	p := newPlay(t, games.GameOptions{}, 1)
	keys := keysDrawing(p.g, loyaltytest.Seed, 1, 2)
	r, err := p.spin(keys[0], "ann")
	require.NoError(t, err)
	o, _ := p.g.OutcomeOf(r)
	require.True(t, o.Won)
	require.NotNil(t, o.Grant)
	assert.Equal(t, "free-coffee", o.Grant.Reward)
	r, err = p.spin(keys[1], "ann")
	require.NoError(t, err)
	o, _ = p.g.OutcomeOf(r)
	assert.Equal(t, games.Outcome{Prize: "free-coffee", OutOfStock: true}, o)
	assert.Empty(t, r.Grants)
	sc, err := p.h.Engine.SharedCounter(p.h.Ctx, "coffee-stock", "")
	require.NoError(t, err)
	assert.Equal(t, int64(1), sc.Claimed)
}

// With StockOutRefuses a draw of a reward with no stock is a typed error
// and writes nothing: the points paid for the play stay with the member.
func TestOutOfStockRefusesThePlayAndWritesNothing(t *testing.T) {
	p := newPlay(t, games.GameOptions{OutOfStock: games.StockOutRefuses, PointsPerPlay: 10}, 0)
	_, err := p.h.Engine.Adjust(p.h.Ctx, "gift", "ann", 10, "gift")
	require.NoError(t, err)
	keys := keysDrawing(p.g, loyaltytest.Seed, 1, 1)
	err = assertNothingWritten(t, p.h, func() error { _, err := p.spin(keys[0], "ann"); return err })
	var ce *loyalty.ClaimError
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, loyalty.ErrLimitReached)
	assert.Equal(t, "coffee-stock", ce.Counter)
	b, err := p.h.Engine.Balance(p.h.Ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(10), b.Available)
}

// The host publishes SeedDigest before the campaign and reveals the seed
// after: anyone recomputes each play's prize from the seed, the program ID
// and the play's key, on any store.
func TestHostVerifiesOutcomesFromTheRevealedSeed(t *testing.T) {
	seed := sha256.Sum256([]byte("summer-2026 campaign seed"))
	g := newWheel(t, games.GameOptions{})
	ctx := context.Background()
	e, err := loyalty.NewEngine(program(g), memory.New(), &loyalty.EngineOptions{Random: bytes.NewReader(seed[:]), Clock: loyalty.NewManualClock(loyaltytest.Start)})
	require.NoError(t, err)
	published := e.SeedDigest()
	require.NoError(t, e.SetLimit(ctx, "coffee-stock", 1000))
	_, err = e.Enroll(ctx, "enrol", loyalty.Member{ID: "ann", JoinedAt: loyaltytest.Start})
	require.NoError(t, err)
	outcomes := map[string]string{}
	for i := range 50 {
		key := "play-" + strconv.Itoa(i)
		r, err := e.Act(ctx, key, &loyalty.Action{Kind: "spin", MemberID: "ann", At: loyaltytest.Start})
		require.NoError(t, err)
		o, ok := g.OutcomeOf(r)
		require.True(t, ok)
		outcomes[key] = o.Prize
	}
	// The verifier, with the revealed seed only.
	require.Equal(t, published, sha256.Sum256(seed[:]))
	prizes := g.Prizes()
	distinct := map[string]bool{}
	for key, prize := range outcomes {
		assert.Equal(t, prize, prizes[g.Replay(seed, "summer", key)].Name, key)
		distinct[prize] = true
	}
	assert.Greater(t, len(distinct), 1)
	// Another seed would have drawn differently.
	other := sha256.Sum256([]byte("another seed"))
	differ := 0
	for key, prize := range outcomes {
		if prizes[g.Replay(other, "summer", key)].Name != prize {
			differ++
		}
	}
	assert.Positive(t, differ)
}

func TestPlayOutsideTheWindowIsClosed(t *testing.T) {
	p := newPlay(t, games.GameOptions{Opens: loyaltytest.Start.Add(3600e9), Closes: loyaltytest.Start.Add(2 * 3600e9)}, 10)
	err := assertNothingWritten(t, p.h, func() error { _, err := p.spin("s", "ann"); return err })
	require.True(t, errors.Is(err, games.ErrClosed))
	require.ErrorIs(t, err, loyalty.ErrRefused)
	p.h.Clock.Advance(3600e9)
	_, err = p.spin("s", "ann")
	require.NoError(t, err)
	p.h.Clock.Advance(3600e9) // Closes is excluded
	err = assertNothingWritten(t, p.h, func() error { _, err := p.spin("s2", "ann"); return err })
	require.ErrorIs(t, err, games.ErrClosed)
}

// One game in two programs, one in UTC and one in Auckland: a play's day
// for its limit is the day in its own program's zone, also when the clock
// goes back across midnight.
func TestPlayLimitDayIsTheDayInEachProgramsZone(t *testing.T) {
	akl, err := time.LoadLocation("Pacific/Auckland")
	require.NoError(t, err)
	g := newWheel(t, games.GameOptions{Limit: points.Limit{Times: 1, Per: calendar.Day}})
	start := time.Date(2026, 1, 5, 11, 30, 0, 0, time.UTC) // 00:30 on the 6th in Auckland (UTC+13)
	utc := enrol(t, program(g), &loyaltytest.Options{Start: start})
	nz := enrol(t, program(g), &loyaltytest.Options{Start: start, Location: akl})
	spin := func(h *loyaltytest.Harness, key string) error {
		_, err := h.Engine.Act(h.Ctx, key, &loyalty.Action{Kind: "spin", MemberID: "ann", At: h.Clock.Now()})
		return err
	}
	require.NoError(t, spin(utc, "u1"))
	require.NoError(t, spin(nz, "n1"))
	assert.Equal(t, int64(1), state(t, utc).Counter("wheel:plays", "2026-01-05"))
	assert.Equal(t, int64(1), state(t, nz).Counter("wheel:plays", "2026-01-06"))
	require.ErrorIs(t, spin(utc, "u2"), games.ErrPlayLimit)
	// Two hours earlier (a host's clock set back): 22:30 on the 5th in
	// Auckland, a day with no play yet there.
	nz.Clock.Set(start.Add(-2 * time.Hour))
	require.NoError(t, spin(nz, "n2"))
	assert.Equal(t, int64(1), state(t, nz).Counter("wheel:plays", "2026-01-05"))
	require.ErrorIs(t, spin(nz, "n3"), games.ErrPlayLimit)
}

// The plays' own draws: each play draws from the stream of its key
// (loyalty.RulesRand, what the Engine gives the rules and Replay
// recomputes), so a million plays of a million keys land within 0.2
// percentage points of the declared 30% too.
func TestAMillionPlaysKeyByKeyMatchTheDeclaredOdds(t *testing.T) {
	g := newWheel(t, games.GameOptions{})
	const n = 1_000_000
	counts := make([]int, len(g.Prizes()))
	key := make([]byte, 0, 16)
	for i := range n {
		key = strconv.AppendInt(append(key[:0], "play-"...), int64(i), 10)
		counts[g.Replay(loyaltytest.Seed, "summer", string(key))]++
	}
	won := counts[0] + counts[1] + counts[2]
	t.Logf("won %d of %d plays (declared 30%%), prizes %v", won, n, counts)
	assert.InDelta(t, 0.30, float64(won)/n, 0.002, "won %d of %d", won, n)
	for i, want := range []float64{0.25, 0.04, 0.01, 0.7} {
		assert.InDelta(t, want, float64(counts[i])/n, 0.001, "prize %d: %d", i, counts[i])
	}
}

// PlaysLeft adds the free play of the day, the earned plays not used and
// what the points pay for, capped by the daily limit.
func TestPlaysLeftCountsFreeEarnedAndPaidPlaysUnderTheLimit(t *testing.T) {
	p := newPlay(t, games.GameOptions{FreePlays: points.Limit{Times: 1, Per: calendar.Day}, PlaysPerOrder: 1, OrderMinimum: d("20"),
		PointsPerPlay: 100, Limit: points.Limit{Times: 4, Per: calendar.Day}}, 100)
	left := func() int64 {
		n, ok := p.g.PlaysLeft(p.h.Program, state(t, p.h), p.h.Clock.Now())
		require.True(t, ok)
		return n
	}
	assert.Equal(t, int64(1), left(), "the free play of the day")
	_, err := p.h.Engine.Adjust(p.h.Ctx, "gift", "ann", 250, "gift")
	require.NoError(t, err)
	_, err = p.h.Engine.Earn(p.h.Ctx, "o1", loyaltytest.Order("ann", "o1").Line("tee", "25.00", 1).Currency("USD").At(p.h.Clock.Now()).Build())
	require.NoError(t, err)
	assert.Equal(t, int64(4), left(), "1 free + 1 earned + 250/100 paid = 4, the limit is 4")
	_, err = p.h.Engine.Adjust(p.h.Ctx, "gift-2", "ann", 200, "gift")
	require.NoError(t, err)
	assert.Equal(t, int64(4), left(), "1 + 1 + 4 = 6, capped at the day's 4")
	// Points paid plays drawing nothing, so no points come back.
	keys := keysDrawing(p.g, loyaltytest.Seed, 3, 5)
	for _, k := range keys[:3] {
		_, err := p.spin(k, "ann")
		require.NoError(t, err)
	}
	// The free and the earned play, then one of 100 points: 350 points pay
	// for 3 more, the limit leaves 1.
	assert.Equal(t, int64(1), left())
	_, err = p.spin(keys[3], "ann")
	require.NoError(t, err)
	assert.Equal(t, int64(0), left())
	_, err = p.spin(keys[4], "ann")
	require.ErrorIs(t, err, games.ErrPlayLimit)
	p.h.Clock.Advance(24 * time.Hour)
	assert.Equal(t, int64(1+2), left(), "a new free play and 250 points for 2")

	free := newWheel(t, games.GameOptions{})
	_, ok := free.PlaysLeft(p.h.Program, state(t, p.h), p.h.Clock.Now())
	assert.False(t, ok, "free and unlimited")
}
