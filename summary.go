package loyalty

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Summary is a member's points as of one instant: what a points widget
// shows. Everything in it is read from one Load of the member, settled in
// memory at At, and the history as of that same version, so its parts agree
// with each other even while writes go on.
type Summary struct {
	MemberID string
	// At is the instant the summary is as of (the engine's clock), and
	// Version the member version it was read at.
	At      time.Time
	Version int64
	// Balance is the points balance at At: held points whose return window
	// is over count as available and expired lots are gone, as the next
	// write of the member will record.
	Balance ledger.Balance
	// Worth is what the available balance is worth in the program's
	// currency: the redemption policy's Worth(points) when it has that
	// method (points.Redemption does, at its conversion, rounded down to the
	// minor unit), else the most the whole balance takes off a cart large
	// enough for it. Zero without a redemption policy or points.
	Worth money.Money
	// Pending is the held points of each lot, with when they become
	// spendable, soonest first.
	Pending []DuePoints
	// Expiring is what remains of each lot that expires within the window
	// (SummaryOptions.ExpiringWithin) after At, soonest first; held points
	// that would expire before they activate are listed too.
	Expiring []DuePoints
	// Standings is the member's place on every tier ladder of the program
	// (each rule that implements StandingRule), in the program's rule order.
	Standings []Standing
	// Progress is how far the member is in every game or challenge of the
	// program that tracks some (each rule that implements ProgressRule: a
	// punch card, a quest, a streak), in rule order: "3 of 5 stamps".
	Progress []Progress
	// Rewards are the member's open grants (coupons, vouchers), by ID.
	Rewards []ledger.Grant
	// Recent is the newest entries of the member's history, newest first.
	// It starts with the activations and expiries due at At that no write has
	// recorded yet, if any: their Key is empty, and the member's next write
	// records them. Page further back with Engine.HistoryBefore from the ID
	// of its last entry.
	Recent []ledger.Entry
}

// DuePoints are points of one lot that activate or expire at a time.
type DuePoints struct {
	Points int64
	At     time.Time
	Lot    int64
	Ref    string // the order or action that earned them
}

// SummaryOptions tune Engine.Summary. The zero value (or nil) lists what
// expires within 30 days and the 10 newest entries.
type SummaryOptions struct {
	// ExpiringWithin is how far after the summary's instant Expiring looks;
	// zero means 30 days.
	ExpiringWithin time.Duration
	// Recent is how many history entries to return; zero means 10.
	Recent int
}

// Defaults of SummaryOptions.
const (
	defaultExpiringWithin = 30 * 24 * time.Hour
	defaultRecent         = 10
)

// Standing is a member's place on a tier ladder at an instant, as the rule
// that keeps the ladder describes it (tiers.Ladder does).
type Standing struct {
	// Rule names the ladder's rule.
	Rule string
	// Tier is the member's tier ("" when none) and Level its 1-based place
	// on the ladder (0 when none); Next is the tier above ("" at the top).
	Tier  string
	Level int
	Next  string
	// Amount is what the qualification window counts now, and ToNext what
	// is still to spend, earn or order to reach Next (0 at the top), in the
	// ladder's units; AmountText and ToNextText say them in words ("250.00
	// USD", "3 orders").
	Amount, ToNext         int64
	AmountText, ToNextText string
	// KeepBy, when not zero, is when the tier is next judged, and ToKeep
	// what is still needed before then to keep it (0 when it is safe).
	KeepBy time.Time
	ToKeep int64
}

// Progress is how far a member is in a game or challenge, as the rule that
// keeps it says: Done of Of Unit ("3 of 5 stamps"), Complete once done.
type Progress struct {
	Rule     string
	Unit     string
	Done, Of int64
	Complete bool
}

// ProgressRule is implemented by rules that track a member's progress
// (package games' punch cards, quests, quizzes and streaks), so that
// Engine.Summary lists it without the root package knowing the game.
// MemberProgress reads st, settled at now (in the program's time zone),
// and reports false when the rule has nothing to say of the member.
type ProgressRule interface {
	MemberProgress(st *State, now time.Time) (Progress, bool)
}

// StandingRule is implemented by rules that place members on a tier ladder
// (tiers.Ladder), so that Engine.Summary can say where a member stands
// without the root package knowing the ladder. Standing reads st, settled
// at now, and reports false when the rule has nothing to say of the member.
type StandingRule interface {
	Standing(st *State, now time.Time) (Standing, bool)
}

// Summary returns a member's points widget in one call, as of one instant:
// the balance and its worth, held points with when they activate, points
// expiring soon, the member's tier standing and their recent history,
// newest first. It writes nothing. opts may be nil; a negative
// ExpiringWithin or Recent is an error wrapping ErrInvalidEvent. It returns
// ErrUnknownMember for a member never enrolled.
func (e *Engine) Summary(ctx context.Context, memberID string, opts *SummaryOptions) (*Summary, error) {
	window, recent := defaultExpiringWithin, defaultRecent
	if opts != nil {
		switch {
		case opts.ExpiringWithin < 0:
			return nil, invalidEvent("summary.expiring_within", "is negative")
		case opts.Recent < 0:
			return nil, invalidEvent("summary.recent", "is negative")
		}
		if opts.ExpiringWithin > 0 {
			window = opts.ExpiringWithin
		}
		if opts.Recent > 0 {
			recent = opts.Recent
		}
	}
	if memberID == "" {
		return nil, invalidEvent("member_id", "is empty")
	}
	if err := CheckID("member_id", memberID); err != nil {
		return nil, err
	}
	now := e.now()
	st, err := e.store.Load(ctx, memberID, Query{Lots: true, Grants: true})
	if err != nil {
		return nil, err
	}
	// The history as of the version loaded: entries of later writes have
	// IDs from Version+1 on, so they are after the cursor, never in the page.
	hist, err := historyBefore(ctx, e.store, memberID, ledger.EntryID{Version: st.Version + 1}, recent)
	if err != nil {
		return nil, err
	}
	version := st.Version

	p := &plan{}
	p.init(st, now, "", "", OpSettle, "", Query{Lots: true})
	p.settle()
	s := &Summary{MemberID: memberID, At: now, Version: version, Balance: *p.balance(ledger.PointsAccount)}

	horizon := now.Add(window)
	for i := range p.lots {
		l := &p.lots[i]
		if l.Account != ledger.PointsAccount || l.Remaining <= 0 {
			continue
		}
		if l.Pending(now) {
			s.Pending = append(s.Pending, DuePoints{Points: l.Remaining, At: l.ActivatesAt, Lot: l.ID, Ref: l.Ref})
		}
		if !l.ExpiresAt.IsZero() && !l.ExpiresAt.After(horizon) {
			s.Expiring = append(s.Expiring, DuePoints{Points: l.Remaining, At: l.ExpiresAt, Lot: l.ID, Ref: l.Ref})
		}
	}
	byTime := func(a, b DuePoints) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Lot, b.Lot)) }
	slices.SortFunc(s.Pending, byTime)
	slices.SortFunc(s.Expiring, byTime)

	// The settled entries (in the order they were planned) come first,
	// newest first, then the committed ones.
	settled := p.ch.Entries
	s.Recent = make([]ledger.Entry, 0, min(recent, len(settled)+len(hist)))
	for i := len(settled) - 1; i >= 0 && len(s.Recent) < recent; i-- {
		s.Recent = append(s.Recent, settled[i])
	}
	s.Recent = append(s.Recent, hist[:min(len(hist), recent-len(s.Recent))]...)

	s.Worth = e.worth(s.Balance.Available)

	// The rules see the state as settled at now.
	settledState := *st
	settledState.Lots = p.lots
	settledState.Balances = slices.Clone(st.Balances)
	for _, b := range p.balances {
		settledState.Balances = setBalance(settledState.Balances, b)
	}
	for _, r := range e.program.Rules {
		if sr, ok := r.(StandingRule); ok {
			if sd, ok := sr.Standing(&settledState, now); ok {
				if sd.Rule == "" {
					sd.Rule = r.Name()
				}
				s.Standings = append(s.Standings, sd)
			}
		}
		if pr, ok := r.(ProgressRule); ok {
			if g, ok := pr.MemberProgress(&settledState, now.In(e.program.Zone())); ok {
				if g.Rule == "" {
					g.Rule = r.Name()
				}
				s.Progress = append(s.Progress, g)
			}
		}
	}
	s.Rewards = slices.SortedFunc(slices.Values(st.Grants), func(a, b ledger.Grant) int { return strings.Compare(a.ID, b.ID) })
	return s, nil
}

// worth is what available points are worth under the program's redemption
// policy (see Summary.Worth).
func (e *Engine) worth(available int64) money.Money {
	zero := money.Money{Amount: decimal.Zero, Currency: e.program.Currency}
	pol := e.program.Redemption
	if pol == nil || available <= 0 {
		return zero
	}
	if w, ok := pol.(interface {
		Worth(points int64) money.Money
	}); ok {
		return w.Worth(available)
	}
	// A cart of a billion units of the currency, so that the policy's cap
	// on one order does not bind.
	q, err := pol.Quote(available, money.Money{Amount: decimal.New(1, 9), Currency: e.program.Currency}, 0)
	if err != nil {
		return zero
	}
	return q.MaxValue
}
