package games

import (
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
)

// Progress is how far a member is in one game rule, read from the member's
// state: Done of Of ("3 of 5" stamps, steps, weeks, correct answers).
type Progress struct {
	// Rule names the rule; Unit what is counted ("stamps", "steps").
	Rule string
	Unit string
	Done int64
	Of   int64
	// Complete: the quest is done, the quiz answered.
	Complete bool
	// Completed counts the cards filled, or the longest streak.
	Completed int64
	// Steps, of a quest, is the progress of each step.
	Steps []Progress `json:",omitempty"`
}

// String is "3 of 5 stamps".
func (p Progress) String() string {
	s := strconv.FormatInt(p.Done, 10) + " of " + strconv.FormatInt(p.Of, 10)
	if p.Unit != "" {
		s += " " + p.Unit
	}
	return s
}

// Tracker is implemented by the rules of this package that keep progress
// (Quiz, Quest, PunchCard, Streak). Progress reads st as of now, in the
// zone of program p.
type Tracker interface {
	Progress(p *loyalty.Program, st *loyalty.State, now time.Time) Progress
}

// memberProgress implements loyalty.ProgressRule for the trackers of this
// package, so that loyalty.Engine.Summary lists their progress: now is in
// the program's zone.
func memberProgress(t Tracker, st *loyalty.State, now time.Time) (loyalty.Progress, bool) {
	g := t.Progress(&loyalty.Program{Location: now.Location()}, st, now)
	return loyalty.Progress{Rule: g.Rule, Unit: g.Unit, Done: g.Done, Of: g.Of, Complete: g.Complete}, true
}

// MemberProgress implements loyalty.ProgressRule (see Progress).
func (p *PunchCard) MemberProgress(st *loyalty.State, now time.Time) (loyalty.Progress, bool) {
	return memberProgress(p, st, now)
}

// MemberProgress implements loyalty.ProgressRule (see Progress).
func (q *Quest) MemberProgress(st *loyalty.State, now time.Time) (loyalty.Progress, bool) {
	return memberProgress(q, st, now)
}

// MemberProgress implements loyalty.ProgressRule (see Progress).
func (q *Quiz) MemberProgress(st *loyalty.State, now time.Time) (loyalty.Progress, bool) {
	return memberProgress(q, st, now)
}

// MemberProgress implements loyalty.ProgressRule (see Progress).
func (s *Streak) MemberProgress(st *loyalty.State, now time.Time) (loyalty.Progress, bool) {
	return memberProgress(s, st, now)
}

// ProgressOf is the progress of every rule of p that keeps some, in rule
// order, read from st (loyalty.Engine.Member) as of now.
func ProgressOf(p *loyalty.Program, st *loyalty.State, now time.Time) []Progress {
	var out []Progress
	for _, r := range p.Rules {
		if t, ok := r.(Tracker); ok {
			out = append(out, t.Progress(p, st, now))
		}
	}
	return out
}

// reward is what completing something gives: points, and a reward grant
// with a code when Code is set.
type reward struct {
	points int64
	grant  *ledger.Grant
	code   *loyalty.CodeFormat
}

func (r *reward) validate(field string) error {
	switch {
	case r.points < 0:
		return definition.Invalid(field+".points", "is negative")
	case r.points == 0 && r.grant == nil:
		return definition.Invalid(field, "gives neither points nor a reward")
	case r.grant != nil && r.grant.Reward == "":
		return definition.Invalid(field+".reward.reward", "is empty")
	}
	return nil
}

func (r *reward) append(effects []loyalty.Effect, note string) []loyalty.Effect {
	if r.points > 0 {
		effects = append(effects, loyalty.Earn(r.points, loyalty.OrderLevel, note))
	}
	if r.grant != nil {
		e := loyalty.GrantReward(*r.grant, r.code)
		e.Note = note
		effects = append(effects, e)
	}
	return effects
}

// zone is p's zone, UTC without a program.
func zone(p *loyalty.Program) *time.Location {
	if p == nil {
		return time.UTC
	}
	return p.Zone()
}
