package games

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
)

// Prize is one slot of a game of chance: points, store credit, a reward
// (a coupon, a free product, with a new code when Code is set), or nothing
// when it holds none of them. Its odds are Chance (an exact probability,
// "0.05") or Weight (a share of the game's total weight); a game uses one
// or the other for every prize.
type Prize struct {
	// Name names the prize in notices and explanations ("100-points").
	Name string
	// Points are credited to ledger.PointsAccount.
	Points int64
	// Credit is store credit in minor units of the program's currency,
	// credited to CreditAccount ("credit" when empty).
	Credit        int64
	CreditAccount ledger.Account
	// Reward is granted to the winner (see loyalty.GrantReward), with a new
	// unique code of format Code when Code is set.
	Reward *ledger.Grant
	Code   *loyalty.CodeFormat
	// Stock, on a reward prize, names the shared counter that holds its
	// stock across all members (see loyalty.Engine.SetLimit); empty means
	// unlimited. See Game for how odds relate to stock.
	Stock string

	Chance decimal.Decimal
	Weight int64
	// Cost is what one of the prize costs the shop, in the program's
	// currency, for the expected cost per play (GameOptions.MaxCost).
	Cost decimal.Decimal
}

// Wins reports whether the prize gives anything.
func (p *Prize) Wins() bool { return p.Points > 0 || p.Credit > 0 || p.Reward != nil }

// OutOfStock says what becomes of the share of the draws of a reward whose
// stock is gone: a prize out of stock is never given, and its share falls
// to nothing (StockOutLoses) or is refused (StockOutRefuses). Either way the
// game's minimum win chance is checked against the odds with every stocked
// prize gone as well as against the declared ones (WinChanceWithoutStock),
// so a wheel whose stocked prizes carry much of its win chance is refused
// when it is built, not discovered when the stock runs out.
type OutOfStock uint8

const (
	// StockOutLoses: a draw that lands on a reward whose stock is gone
	// stands and gives nothing but the prize's points or credit, if it has
	// any (the receipt's explanation says the reward was not granted: none
	// left; OutcomeOf says OutOfStock). The declared odds are the odds while
	// stock lasts; once a prize is gone its share of the draws wins nothing,
	// so the win chance falls by its chance, to WinChanceWithoutStock at
	// worst. The draw itself is unchanged, so Replay still names the slot
	// the play landed on.
	StockOutLoses OutOfStock = iota
	// StockOutRefuses: the play is refused with a *loyalty.ClaimError
	// wrapping loyalty.ErrLimitReached and writes nothing: the member
	// keeps the play (and its points), and the same key draws the same
	// prize again. The plays that stand are drawn from the prizes in stock,
	// in proportion to their declared odds.
	StockOutRefuses
)

// GameOptions are what a game costs, how plays are earned and limited, and
// the bounds its odds are checked against. The zero value is a game whose
// plays are free and unlimited, with a 25% minimum win chance.
type GameOptions struct {
	// MinWinChance is the least chance of winning any prize, 0.25 when
	// zero; a stricter (higher) value may be set, a lower one is refused.
	MinWinChance decimal.Decimal
	// MaxCost, when not zero, is the most the expected prize cost per play
	// (the sum of each prize's chance times its Cost) may be; every
	// winning prize must then declare its Cost.
	MaxCost decimal.Decimal

	// A play is paid from the first of these the member has: a free play
	// of FreePlays in the current period, an earned play (PlaysPerOrder
	// per order of at least OrderMinimum), then PointsPerPlay points. A
	// game with none of them is free to play.
	FreePlays     points.Limit
	PlaysPerOrder int64
	OrderMinimum  decimal.Decimal
	PointsPerPlay int64

	// Limit caps a member's plays per period (the zero Limit is unlimited).
	Limit points.Limit
	// Opens and Closes, when not zero, bound when the game may be played
	// (Closes excluded).
	Opens, Closes time.Time
	// OutOfStock says what a draw of a reward with no stock left does.
	OutOfStock OutOfStock
}

// Game is a game of chance (a wheel, a scratch card, an instant win): a
// member plays with an action of the game's kind (loyalty.Engine.Act), and
// the play draws one prize with the declared odds from loyalty.Input.Rand,
// so the outcome depends only on the Engine's seed, the program's ID and
// the play's idempotency key: the same seed draws the same prizes on every
// store, a replayed key returns the first outcome, and anyone given the
// seed can recompute each draw (Replay). The play, what it cost and its
// prize commit in one write.
//
// Counters of a member (loyalty.State.Counter), each named after the game:
// "<name>:plays" the plays in the Limit's period, "<name>:free" the free
// plays in FreePlays' period, "<name>:earned" and "<name>:used" the plays
// earned on orders and used (lifetime), "<name>:won" the plays that drew
// a winning prize (a reward drawn when its stock was gone counts too: a
// rule cannot see stock; OutcomeOf reads what the receipt gave).
//
// Plays earned on an order are not taken back when the order is returned.
// A Preview (or Estimate) of a play with its key shows its draw before it
// is made: never offer one to the member who plays.
//
// Build it with NewGame. Stack and Location must not change once a program
// using it is evaluated.
type Game struct {
	Stack loyalty.Stacking
	// Location, when set, overrides the program's zone for the periods of
	// FreePlays and Limit.
	Location *time.Location

	name   string
	kind   loyalty.ActionKind
	prizes []Prize
	opts   GameOptions
	// cum[i] is the total weight of prizes[:i+1]; total the weight of all.
	cum         []uint64
	total, wins uint64
	// dryWins/dryTotal is the win chance once every stocked reward is gone.
	dryWins, dryTotal uint64
	cPlays            string
	cFree             string
	cEarned           string
	cUsed             string
	cWon              string
	notes             []string
	stockRefuses      bool
	// played[i] announces prize i (NoticePlayed) and grants[i] grants it
	// when it is a reward, made once by Validate: the Engine copies what an
	// effect points to, so every play shares them.
	played []loyalty.Effect
	grants []loyalty.Effect
	// limitKeys and freeKeys remember the period of the last play.
	limitKeys, freeKeys periodKeys
}

// Minimum win chance of every game.
var defaultMinWin = decimal.New(25, -2)

// NewGame returns the game name, played with actions of kind, drawing from
// prizes. It fails with an error wrapping loyalty.ErrInvalidProgram (and an
// *OddsError for the odds) as Validate says.
func NewGame(name string, kind loyalty.ActionKind, prizes []Prize, opts GameOptions) (*Game, error) {
	g := &Game{name: name, kind: kind, prizes: append([]Prize(nil), prizes...), opts: opts}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}

// Name returns the game's name.
func (g *Game) Name() string { return g.name }

// Kind returns the action kind a play is (loyalty.ActionRule).
func (g *Game) Kind() loyalty.ActionKind { return g.kind }

// Stacking returns g.Stack.
func (g *Game) Stacking() loyalty.Stacking { return g.Stack }

// Prizes returns a copy of the game's prizes, in draw order.
func (g *Game) Prizes() []Prize { return append([]Prize(nil), g.prizes...) }

// WinChance is the declared chance of winning any prize while every prize
// is in stock, as the fraction num/den (exactly; den is a power of ten for
// probabilities).
func (g *Game) WinChance() (num, den uint64) { return g.wins, g.total }

// WinChanceWithoutStock is the chance of winning once every prize with a
// Stock is gone, as the fraction num/den: with StockOutLoses their share of
// the draws wins nothing (a stocked reward that also gives points or credit
// still wins those), with StockOutRefuses those draws are refused and the
// plays that stand are drawn from the other prizes. Validate holds it to
// the game's minimum win chance as it does WinChance, so the minimum a
// game declares holds whatever the stock.
func (g *Game) WinChanceWithoutStock() (num, den uint64) { return g.dryWins, g.dryTotal }

// withoutStock is the winning and total weight once every stocked prize is
// gone (see WinChanceWithoutStock).
func (g *Game) withoutStock(weights []uint64, wins, total uint64) (uint64, uint64) {
	for i := range g.prizes {
		p := &g.prizes[i]
		if p.Stock == "" {
			continue
		}
		switch {
		case g.opts.OutOfStock == StockOutRefuses:
			wins -= weights[i]
			total -= weights[i]
		case p.Points == 0 && p.Credit == 0:
			wins -= weights[i]
		}
	}
	return wins, total
}

// Validate checks the game: a name and kind; prizes with names, all with a
// Chance or all with a Weight, none negative; probabilities summing to
// exactly one (weights to more than zero); a win chance of at least
// MinWinChance (itself at least 0.25), with every prize in stock and with
// every stocked prize gone (WinChanceWithoutStock); an expected cost per play no more
// than MaxCost; stock only on reward prizes; positive play costs and
// known periods.
func (g *Game) Validate() error {
	switch {
	case g.name == "":
		return definition.Invalid("name", "is empty")
	case g.kind == "":
		return definition.Invalid("kind", "is empty")
	case len(g.prizes) == 0:
		return definition.Invalid("prizes", "is empty")
	}
	if err := loyalty.CheckID("kind", string(g.kind)); err != nil {
		return err
	}
	o := &g.opts
	switch {
	case o.PlaysPerOrder < 0:
		return definition.Invalid("plays_per_order", "is negative")
	case o.PointsPerPlay < 0:
		return definition.Invalid("points_per_play", "is negative")
	case o.OrderMinimum.Sign() < 0:
		return definition.Invalid("order_minimum", "is negative")
	case o.FreePlays.Times < 0 || o.Limit.Times < 0:
		return definition.Invalid("limit.times", "is negative")
	case o.FreePlays.Per > calendar.Year || o.Limit.Per > calendar.Year:
		return definition.Invalid("limit.per", "is an unknown period")
	case !o.Opens.IsZero() && !o.Closes.IsZero() && !o.Opens.Before(o.Closes):
		return definition.Invalid("closes", "is not after opens")
	case o.OutOfStock > StockOutRefuses:
		return definition.Invalid("out_of_stock", "is unknown")
	case o.MaxCost.Sign() < 0:
		return definition.Invalid("max_cost", "is negative")
	}
	min := o.MinWinChance
	if min.IsZero() {
		min = defaultMinWin
	}
	if min.LessThan(defaultMinWin) || min.GreaterThan(decimal.NewFromInt(1)) {
		return &OddsError{Game: g.name, Field: "min_win_chance", Declared: min, Required: defaultMinWin, Err: ErrWinChanceTooLow}
	}
	weights, total, err := g.weights()
	if err != nil {
		return err
	}
	cum := make([]uint64, len(weights))
	var run, wins uint64
	for i, w := range weights {
		run += w
		cum[i] = run
		if g.prizes[i].Wins() {
			wins += w
		}
	}
	// wins/total >= min, exactly: wins >= min × total.
	if decimal.NewFromUint64(wins).LessThan(min.Mul(decimal.NewFromUint64(total))) {
		return &OddsError{Game: g.name, Field: "win_chance", Declared: ratio(wins, total), Required: min, Err: ErrWinChanceTooLow}
	}
	// The minimum holds once every stocked reward is gone too.
	dryWins, dryTotal := g.withoutStock(weights, wins, total)
	if dryTotal == 0 || decimal.NewFromUint64(dryWins).LessThan(min.Mul(decimal.NewFromUint64(dryTotal))) {
		declared := decimal.Zero
		if dryTotal > 0 {
			declared = ratio(dryWins, dryTotal)
		}
		return &OddsError{Game: g.name, Field: "win_chance_without_stock", Declared: declared, Required: min, Err: ErrWinChanceTooLow}
	}
	if o.MaxCost.Sign() > 0 {
		var cost decimal.Decimal
		for i := range g.prizes {
			p := &g.prizes[i]
			if p.Wins() && p.Cost.Sign() <= 0 {
				return invalidAs(ErrCostTooHigh, "prizes["+strconv.Itoa(i)+"].cost", "is not declared, so the expected cost cannot be checked")
			}
			cost = cost.Add(p.Cost.Mul(decimal.NewFromUint64(weights[i])))
		}
		if cost.GreaterThan(o.MaxCost.Mul(decimal.NewFromUint64(total))) {
			return &OddsError{Game: g.name, Field: "expected_cost", Declared: cost.DivRound(decimal.NewFromUint64(total), 6), Required: o.MaxCost, Err: ErrCostTooHigh}
		}
	}
	g.cum, g.total, g.wins = cum, total, wins
	g.dryWins, g.dryTotal = dryWins, dryTotal
	g.cPlays, g.cFree, g.cEarned, g.cUsed, g.cWon = g.name+":plays", g.name+":free", g.name+":earned", g.name+":used", g.name+":won"
	g.stockRefuses = o.OutOfStock == StockOutRefuses
	g.notes = make([]string, len(g.prizes))
	g.played = make([]loyalty.Effect, len(g.prizes))
	g.grants = make([]loyalty.Effect, len(g.prizes))
	for i := range g.prizes {
		p := &g.prizes[i]
		g.notes[i] = g.name + " prize " + p.Name
		g.played[i] = loyalty.NotifyChange(NoticePlayed, "", p.Name, g.notes[i])
		if p.Reward != nil {
			e := loyalty.GrantReward(*p.Reward, p.Code)
			e.Note = g.notes[i]
			if p.Stock != "" && !g.stockRefuses {
				e.Counter = p.Stock
			}
			g.grants[i] = e
		}
	}
	return nil
}

// ratio is num/den as a decimal, to 8 places.
func ratio(num, den uint64) decimal.Decimal {
	return decimal.NewFromUint64(num).DivRound(decimal.NewFromUint64(den), 8)
}

// weights checks the prizes and returns their integer weights and total:
// probabilities become numerators over 10^k, k their most decimal places.
func (g *Game) weights() ([]uint64, uint64, error) {
	byChance := !g.prizes[0].Chance.IsZero() || g.prizes[0].Weight == 0
	scale := int32(0)
	for i := range g.prizes {
		p := &g.prizes[i]
		f := "prizes[" + strconv.Itoa(i) + "]"
		if p.Name == "" {
			return nil, 0, definition.Invalid(f+".name", "is empty")
		}
		for j := range g.prizes[:i] {
			if g.prizes[j].Name == p.Name {
				return nil, 0, definition.Invalid(f+".name", strconv.Quote(p.Name)+" names two prizes")
			}
		}
		switch {
		case p.Points < 0 || p.Credit < 0:
			return nil, 0, definition.Invalid(f, "gives a negative amount")
		case p.Reward != nil && p.Reward.Reward == "":
			return nil, 0, definition.Invalid(f+".reward.reward", "is empty")
		case p.Stock != "" && p.Reward == nil:
			return nil, 0, definition.Invalid(f+".stock", "is set on a prize that is not a reward")
		case p.Cost.Sign() < 0:
			return nil, 0, definition.Invalid(f+".cost", "is negative")
		case p.Weight < 0 || p.Chance.Sign() < 0:
			return nil, 0, &OddsError{Game: g.name, Field: f + ".chance", Declared: decimal.Min(p.Chance, decimal.NewFromInt(p.Weight)), Required: decimal.Zero, Err: ErrOdds}
		case byChance && p.Weight != 0, !byChance && !p.Chance.IsZero():
			return nil, 0, invalidAs(ErrOdds, f, "mixes a chance and a weight: give every prize one or the other")
		}
		if p.Stock != "" {
			if err := loyalty.CheckID(f+".stock", p.Stock); err != nil {
				return nil, 0, err
			}
		}
		if byChance {
			scale = max(scale, -p.Chance.Exponent())
		}
	}
	if scale > 18 {
		return nil, 0, invalidAs(ErrOdds, "prizes.chance", "has more than 18 decimal places")
	}
	ws := make([]uint64, len(g.prizes))
	var total uint64
	for i := range g.prizes {
		p := &g.prizes[i]
		if byChance {
			ws[i] = p.Chance.Shift(scale).BigInt().Uint64()
		} else {
			ws[i] = uint64(p.Weight)
		}
		if ws[i] > 1<<62 || total+ws[i] > 1<<62 {
			return nil, 0, invalidAs(ErrOdds, "prizes.weight", "sum too large")
		}
		total += ws[i]
	}
	if byChance {
		var sum decimal.Decimal
		for i := range g.prizes {
			sum = sum.Add(g.prizes[i].Chance)
		}
		if !sum.Equal(decimal.NewFromInt(1)) {
			return nil, 0, &OddsError{Game: g.name, Field: "sum of chances", Declared: sum, Required: decimal.NewFromInt(1), Err: ErrOdds}
		}
	} else if total == 0 {
		return nil, 0, &OddsError{Game: g.name, Field: "sum of weights", Declared: decimal.Zero, Required: decimal.NewFromInt(1), Err: ErrOdds}
	}
	return ws, total, nil
}

// Draw draws the index of one prize from r with the declared odds: one
// uniform value below the total weight (r.Uint64N), exactly, whatever the
// stock. A play draws with Draw from loyalty.Input.Rand.
func (g *Game) Draw(r *rand.Rand) int {
	x := r.Uint64N(g.total)
	lo, hi := 0, len(g.cum)-1
	for lo < hi { // the first i with x < cum[i]
		m := int(uint(lo+hi) >> 1)
		if x < g.cum[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// local is the evaluation's now in loc, the program's zone when loc is nil.
func local(c *loyalty.Input, loc *time.Location) time.Time {
	if loc == nil && c.Program != nil {
		loc = c.Program.Zone()
	}
	if loc == nil {
		return c.Now
	}
	return c.Now.In(loc)
}

// Evaluate earns plays on orders (GameOptions.PlaysPerOrder) and plays the
// game on an action of its kind: it pays for the play, draws a prize from
// c.Rand and gives it, or refuses the play with a *PlayError (no play
// left, the limit reached) or ErrClosed, writing nothing.
func (g *Game) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	if g.total == 0 {
		return effects
	}
	if c.Order != nil {
		if g.opts.PlaysPerOrder > 0 && c.Value >= c.Units(g.opts.OrderMinimum) && c.Value > 0 {
			e := loyalty.Count(g.cEarned, "", g.opts.PlaysPerOrder)
			return append(effects, e)
		}
		return effects
	}
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != g.kind {
		return effects
	}
	o := &g.opts
	if (!o.Opens.IsZero() && c.Now.Before(o.Opens)) || (!o.Closes.IsZero() && !c.Now.Before(o.Closes)) {
		return append(effects, loyalty.RefuseWith(ErrClosed, g.name+" is not open"))
	}
	t := local(c, g.Location)
	st := c.State
	var limitKey string
	if o.Limit.Times > 0 {
		limitKey = g.limitKeys.key(o.Limit.Per, t)
		if n := st.Counter(g.cPlays, limitKey); n >= o.Limit.Times {
			return append(effects, loyalty.RefuseWith(&PlayError{Game: g.name, MemberID: a.MemberID, PeriodKey: limitKey, Played: n, Limit: o.Limit.Times, Err: ErrPlayLimit}, "play limit reached"))
		}
	}
	free := o.FreePlays.Times == 0 && o.PlaysPerOrder == 0 && o.PointsPerPlay == 0
	switch {
	case free:
	case o.FreePlays.Times > 0 && st.Counter(g.cFree, g.freeKeys.key(o.FreePlays.Per, t)) < o.FreePlays.Times:
		effects = append(effects, loyalty.Count(g.cFree, g.freeKeys.key(o.FreePlays.Per, t), 1))
	case o.PlaysPerOrder > 0 && st.Counter(g.cEarned, "") > st.Counter(g.cUsed, ""):
		effects = append(effects, loyalty.Count(g.cUsed, "", 1))
	case o.PointsPerPlay > 0 && st.Balance(ledger.PointsAccount).Available >= o.PointsPerPlay:
		effects = append(effects, loyalty.Spend(ledger.PointsAccount, o.PointsPerPlay, g.name+" play"))
	default:
		return append(effects, loyalty.RefuseWith(&PlayError{Game: g.name, MemberID: a.MemberID, Err: ErrNoPlays}, "no play left"))
	}
	if o.Limit.Times > 0 {
		effects = append(effects, loyalty.Count(g.cPlays, limitKey, 1))
	}
	i := g.Draw(c.Rand)
	p := &g.prizes[i]
	note := g.notes[i]
	if p.Points > 0 {
		effects = append(effects, loyalty.Earn(p.Points, loyalty.OrderLevel, note))
	}
	if p.Credit > 0 {
		e := loyalty.Earn(p.Credit, loyalty.OrderLevel, note)
		e.Account = p.CreditAccount
		if e.Account == "" {
			e.Account = CreditAccount
		}
		effects = append(effects, e)
	}
	if p.Reward != nil {
		if p.Stock != "" && g.stockRefuses {
			effects = append(effects, loyalty.ClaimShared(p.Stock, "", 1))
		}
		effects = append(effects, g.grants[i])
	}
	if p.Wins() {
		effects = append(effects, loyalty.Count(g.cWon, "", 1))
	}
	return append(effects, g.played[i])
}
