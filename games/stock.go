package games

import (
	"context"
	"errors"
	"strconv"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// StockReader reads a shared counter, as *loyalty.Engine does.
type StockReader interface {
	SharedCounter(ctx context.Context, name, periodKey string) (ledger.SharedCounter, error)
}

// StockError is a game whose stocked prize has no stock to give: its
// counter is not defined (Err is loyalty.ErrUnknownCounter) or none of it is
// left (ErrNoStock). Left and Limit are the counter's, when it is defined.
type StockError struct {
	Game, Prize, Counter string
	Limit, Left          int64
	Err                  error
}

func (e *StockError) Error() string {
	s := "games: game " + strconv.Quote(e.Game) + ": prize " + strconv.Quote(e.Prize) + " from stock " + strconv.Quote(e.Counter)
	if errors.Is(e.Err, ErrNoStock) {
		s += " (" + strconv.FormatInt(e.Left, 10) + " of " + strconv.FormatInt(e.Limit, 10) + " left)"
	}
	return s + ": " + e.Err.Error()
}

func (e *StockError) Unwrap() error { return e.Err }

// CheckStock reads the stock of every prize of g that has one from s (the
// Engine the game runs in) and refuses a prize with no stock left, or whose
// counter was never defined (loyalty.Engine.SetLimit), with a *StockError:
// what a host runs after setting up a campaign and before opening it, since
// a game built with NewGame cannot see the store. It writes nothing. A
// prize that runs out later is never given (see OutOfStock).
func (g *Game) CheckStock(ctx context.Context, s StockReader) error {
	for i := range g.prizes {
		p := &g.prizes[i]
		if p.Stock == "" {
			continue
		}
		sc, err := s.SharedCounter(ctx, p.Stock, "")
		switch {
		case errors.Is(err, loyalty.ErrUnknownCounter):
			return &StockError{Game: g.name, Prize: p.Name, Counter: p.Stock, Err: loyalty.ErrUnknownCounter}
		case err != nil:
			return err
		case sc.Left() <= 0:
			return &StockError{Game: g.name, Prize: p.Name, Counter: p.Stock, Limit: sc.Limit, Left: sc.Left(), Err: ErrNoStock}
		}
	}
	return nil
}
