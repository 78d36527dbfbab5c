package games

import (
	"sync/atomic"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
)

// CreditAccount is the account a Credit prize credits when the prize names
// none: the store credit account of package cashback.
const CreditAccount ledger.Account = "credit"

// Notice kinds of the games package.
const (
	// NoticePlayed: a play drew the prize named in To (a prize that wins
	// nothing too; see OutcomeOf for what was given).
	NoticePlayed loyalty.NoticeKind = "games.played"
	// NoticeBadge: a quest was completed; To names its badge.
	NoticeBadge loyalty.NoticeKind = "games.badge"
	// NoticeCardFull: a punch card was filled; Detail says how many.
	NoticeCardFull loyalty.NoticeKind = "games.card_full"
	// NoticeStreak: a streak reached a milestone; To is its length.
	NoticeStreak loyalty.NoticeKind = "games.streak"
	// NoticeAnswered: a quiz was answered; To is "3 of 5" correct.
	NoticeAnswered loyalty.NoticeKind = "games.answered"
)

// Outcome is what one play drew and gave.
type Outcome struct {
	Prize string
	// Won is whether the play gave something: a winning prize, not out of
	// stock.
	Won bool
	// OutOfStock: the draw was a reward whose stock was gone, so it gave
	// nothing (StockOutLoses).
	OutOfStock bool
	// Grant is the reward granted, when the prize was one.
	Grant *ledger.Grant
}

// OutcomeOf reads the outcome of a play of g from its receipt (a replay's
// receipt too); false when the receipt holds no play of g.
func (g *Game) OutcomeOf(r *loyalty.Receipt) (Outcome, bool) {
	if r == nil {
		return Outcome{}, false
	}
	for _, n := range r.Notices {
		if n.Kind != NoticePlayed || n.Rule != g.name {
			continue
		}
		o := Outcome{Prize: n.To}
		for i := range g.prizes {
			p := &g.prizes[i]
			if p.Name != n.To {
				continue
			}
			o.Won = p.Wins()
			if p.Reward == nil {
				break
			}
			for j := range r.Grants {
				if r.Grants[j].Source == g.name && r.Grants[j].Reward == p.Reward.Reward {
					gr := r.Grants[j]
					o.Grant = &gr
				}
			}
			if o.Grant == nil {
				o.OutOfStock = true
				o.Won = p.Points > 0 || p.Credit > 0
			}
		}
		return o, true
	}
	return Outcome{}, false
}

// periodKeys remembers the key of the period the last play fell in, so
// that the plays of one day do not format it again. It is safe for
// concurrent use.
type periodKeys struct{ last atomic.Pointer[periodKey] }

// periodKey is the key of the period that holds [from, to) in loc.
type periodKey struct {
	loc      *time.Location
	from, to time.Time
	key      string
}

// key is p.Key(t).
func (k *periodKeys) key(p calendar.Period, t time.Time) string {
	if p == calendar.Lifetime {
		return ""
	}
	if c := k.last.Load(); c != nil && c.loc == t.Location() && !t.Before(c.from) && t.Before(c.to) {
		return c.key
	}
	c := &periodKey{loc: t.Location(), from: t, to: p.End(t), key: p.Key(t)}
	k.last.Store(c)
	return c.key
}

// PlaysLeft is how many plays of g the member whose state is st has left
// as of now, in the zone of program p (g.Location when set): the free
// plays left in the current FreePlays period, plus the earned plays not
// used, plus the plays the available points pay for, capped by what the
// Limit leaves of its period; 0 outside the game's window. It reports false
// for a game whose plays are free and unlimited. A widget shows it as
// "2 spins left".
func (g *Game) PlaysLeft(p *loyalty.Program, st *loyalty.State, now time.Time) (int64, bool) {
	o := &g.opts
	free := o.FreePlays.Times == 0 && o.PlaysPerOrder == 0 && o.PointsPerPlay == 0
	if free && o.Limit.Times == 0 {
		return 0, false
	}
	if (!o.Opens.IsZero() && now.Before(o.Opens)) || (!o.Closes.IsZero() && !now.Before(o.Closes)) {
		return 0, true
	}
	loc := g.Location
	if loc == nil {
		loc = zone(p)
	}
	t := now.In(loc)
	var left int64 = 1<<63 - 1
	if !free {
		left = 0
		if o.FreePlays.Times > 0 {
			left += max(o.FreePlays.Times-st.Counter(g.cFree, o.FreePlays.Per.Key(t)), 0)
		}
		if o.PlaysPerOrder > 0 {
			left += max(st.Counter(g.cEarned, "")-st.Counter(g.cUsed, ""), 0)
		}
		if o.PointsPerPlay > 0 {
			left += max(st.Balance(ledger.PointsAccount).Available, 0) / o.PointsPerPlay
		}
	}
	if o.Limit.Times > 0 {
		left = min(left, max(o.Limit.Times-st.Counter(g.cPlays, o.Limit.Per.Key(t)), 0))
	}
	return left, true
}
