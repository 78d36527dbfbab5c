package games

import (
	"errors"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
)

// Errors of games, checked with errors.Is. A refused play, answer or game
// definition writes nothing.
var (
	// ErrOdds: a game's probabilities or weights are negative, do not sum
	// to one, or mix probabilities and weights (an *OddsError).
	ErrOdds = errors.New("games: invalid odds")
	// ErrWinChanceTooLow: the chance of winning any prize is below the
	// game's minimum (an *OddsError).
	ErrWinChanceTooLow = errors.New("games: chance of winning below the minimum")
	// ErrCostTooHigh: the expected prize cost per play is above the game's
	// declared maximum (an *OddsError).
	ErrCostTooHigh = errors.New("games: expected prize cost per play above the maximum")
	// ErrNoPlays: the member has no free, earned or paid play left (a
	// *PlayError).
	ErrNoPlays = errors.New("games: no play left")
	// ErrPlayLimit: the member reached the game's plays per period (a
	// *PlayError).
	ErrPlayLimit = errors.New("games: play limit reached")
	// ErrClosed: a quiz answered, or a game played, outside its window.
	ErrClosed = errors.New("games: closed")
	// ErrAlreadyAnswered: the member answered the quiz before.
	ErrAlreadyAnswered = errors.New("games: quiz already answered")
	// ErrInvalidAnswer: an answer names a question the quiz does not have.
	ErrInvalidAnswer = errors.New("games: invalid answer")
	// ErrNoSteps: a quest without steps.
	ErrNoSteps = errors.New("games: quest has no steps")
	// ErrNoStock: a stocked prize has none left when the host checks its
	// game (Game.CheckStock; a *StockError).
	ErrNoStock = errors.New("games: prize has no stock left")
)

// OddsError is a game refused for its odds: what was declared and what was
// required. It unwraps to Err (ErrOdds, ErrWinChanceTooLow or
// ErrCostTooHigh) and to loyalty.ErrInvalidProgram.
type OddsError struct {
	Game  string
	Field string
	// Declared is the value the game declares (the sum of probabilities, the
	// win chance, the expected cost per play) and Required the bound it
	// broke (one, the minimum, the maximum).
	Declared, Required decimal.Decimal
	Err                error
}

func (e *OddsError) Error() string {
	return "games: game " + strconv.Quote(e.Game) + ": " + e.Field + " is " + e.Declared.String() +
		", required " + e.Required.String() + ": " + e.Err.Error()
}

func (e *OddsError) Unwrap() []error { return []error{e.Err, loyalty.ErrInvalidProgram} }

// PlayError is a refused play. It unwraps to Err (ErrNoPlays or
// ErrPlayLimit); the Engine's error wraps it together with
// loyalty.ErrRefused, so errors.As finds it.
type PlayError struct {
	Game     string
	MemberID string
	// PeriodKey is the limit's period ("2026-W27", "" for lifetime);
	// Played how many plays the member made in it and Limit the most.
	PeriodKey     string
	Played, Limit int64
	Err           error
}

func (e *PlayError) Error() string {
	s := "games: member " + strconv.Quote(e.MemberID) + " playing " + strconv.Quote(e.Game) + ": " + e.Err.Error()
	if errors.Is(e.Err, ErrPlayLimit) {
		s += " (" + strconv.FormatInt(e.Played, 10) + " of " + strconv.FormatInt(e.Limit, 10)
		if e.PeriodKey != "" {
			s += " in " + e.PeriodKey
		}
		s += ")"
	}
	return s
}

func (e *PlayError) Unwrap() error { return e.Err }

// invalidAs is invalid that also wraps also.
func invalidAs(also error, field, reason string) error {
	return &kindError{err: definition.Invalid(field, reason), also: also}
}

type kindError struct{ err, also error }

func (k *kindError) Error() string   { return k.err.Error() + ": " + k.also.Error() }
func (k *kindError) Unwrap() []error { return []error{k.err, k.also} }
