// Package games holds the rules of game programs: games of chance (a wheel,
// a scratch card, an instant win) with validated odds, and the games of
// skill and habit that run beside them: quizzes, quests with badges, punch
// cards and streaks.
//
// A Game (NewGame) declares its prizes (points, store credit, a reward
// grant with a code, or nothing) with exact probabilities or weights.
// Validate refuses odds that are negative or do not sum to one, a chance
// of winning below the game's minimum (25% unless a stricter one is set)
// and an expected prize cost per play above a declared maximum, each an
// *OddsError. A member plays with an action of the game's kind
// (loyalty.Engine.Act); the play is paid with a free play of the period,
// a play earned on an order, or points, is limited per period, and draws
// its prize from loyalty.Input.Rand: the outcome depends only on the
// Engine's seed, the program ID and the play's key, so the same seed draws
// the same on every store, a replayed key returns the first outcome, and a
// host that published loyalty.Engine.SeedDigest lets anyone check each
// play with Game.Replay once it reveals the seed. A reward's stock is a
// shared counter across all members, claimed in the play's own write, and
// never overspent. A prize out of stock is never given: the share of the
// draws that lands on it falls to nothing (StockOutLoses, the default) or
// is refused and writes nothing (StockOutRefuses). The declared odds are
// the odds while stock lasts; Validate holds the minimum win chance against
// them and against the odds once every stocked prize is gone
// (WinChanceWithoutStock), so the minimum holds whatever the stock. A host
// runs Game.CheckStock before opening a campaign: a stocked prize whose
// counter is undefined or empty is a *StockError.
//
// Quiz, Quest, PunchCard and Streak keep their progress in the member's
// counters, and Progress reads it back from the member's state
// (loyalty.Engine.Member) for a widget: "3 of 5".
//
// Every rule implements loyalty.Rule as a host's own would, is built by
// its New function (which calls Validate) and is immutable and safe for
// concurrent use once a program is evaluated. Start with ExampleNewGame.
package games
