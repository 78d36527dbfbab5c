package games

import (
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
)

// Step is one step of a quest: Target of what it counts, which is one of
// actions of kind Action ("write 2 reviews", "visit 5 times"), actions of
// any of the kinds Actions ("3 reviews or visits"), orders of at least
// MinOrder (Orders), or distinct categories among Categories bought ("buy
// in 3 categories").
type Step struct {
	Name       string
	Target     int64
	Action     loyalty.ActionKind
	Actions    []loyalty.ActionKind
	Orders     bool
	MinOrder   decimal.Decimal
	Categories []string
}

// QuestOptions say when a quest runs and what completing it gives.
type QuestOptions struct {
	// Starts and Ends bound the window in which events count (Ends
	// excluded); zero is unbounded.
	Starts, Ends time.Time
	// Badge names the badge announced (NoticeBadge) on completion; the
	// quest's name when empty.
	Badge  string
	Points int64
	Reward *ledger.Grant
	Code   *loyalty.CodeFormat
}

// Quest is an achievement of several steps with a member's progress in
// each: when every step reaches its target, inside the window, the member
// earns the badge (a NoticeBadge) and the reward, once. Its counters are
// "<name>:<step>" per step ("<name>:<step>:<category>" per category of a
// category step) and "<name>:done".
//
// A quest reacts to actions of several kinds, so it declares none
// (loyalty.ActionRule): an action the quest no longer counts (the quest
// done, the window over) is refused with loyalty.ErrUnknownAction unless
// another rule declares its kind (points.Engagement for reviews, say).
type Quest struct {
	Stack loyalty.Stacking

	name  string
	steps []Step
	opts  QuestOptions
	rw    reward
	cDone string
	cStep []string
	badge string
}

// NewQuest returns the quest name of steps. It fails with an error
// wrapping loyalty.ErrInvalidProgram (and ErrNoSteps without steps) as
// Validate says.
func NewQuest(name string, steps []Step, opts QuestOptions) (*Quest, error) {
	q := &Quest{name: name, steps: slices.Clone(steps), opts: opts}
	for i := range q.steps {
		q.steps[i].Categories = slices.Clone(q.steps[i].Categories)
		q.steps[i].Actions = slices.Clone(q.steps[i].Actions)
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return q, nil
}

// Name returns the quest's name.
func (q *Quest) Name() string { return q.name }

// Stacking returns q.Stack.
func (q *Quest) Stacking() loyalty.Stacking { return q.Stack }

// Validate checks the quest: a name, steps (ErrNoSteps) with distinct
// names, positive targets and one thing counted each, a category target
// no more than its categories, a reward, a window ending after it starts.
func (q *Quest) Validate() error {
	switch {
	case q.name == "":
		return definition.Invalid("name", "is empty")
	case len(q.steps) == 0:
		return invalidAs(ErrNoSteps, "steps", "is empty")
	case !q.opts.Starts.IsZero() && !q.opts.Ends.IsZero() && !q.opts.Starts.Before(q.opts.Ends):
		return definition.Invalid("ends", "is not after starts")
	}
	q.rw = reward{points: q.opts.Points, grant: q.opts.Reward, code: q.opts.Code}
	if err := q.rw.validate("reward"); err != nil {
		return err
	}
	q.cStep = make([]string, len(q.steps))
	for i, s := range q.steps {
		f := "steps[" + strconv.Itoa(i) + "]"
		kinds := 0
		if s.Action != "" || len(s.Actions) > 0 {
			kinds++
		}
		if s.Action != "" && len(s.Actions) > 0 {
			return definition.Invalid(f+".actions", "is set with action: give one or the other")
		}
		for j, k := range s.Actions {
			if err := loyalty.CheckID(f+".actions["+strconv.Itoa(j)+"]", string(k)); err != nil {
				return err
			}
			if k == "" {
				return definition.Invalid(f+".actions["+strconv.Itoa(j)+"]", "is empty")
			}
			if slices.Contains(s.Actions[:j], k) {
				return definition.Invalid(f+".actions["+strconv.Itoa(j)+"]", strconv.Quote(string(k))+" is named twice")
			}
		}
		if s.Orders {
			kinds++
		}
		if len(s.Categories) > 0 {
			kinds++
		}
		switch {
		case s.Name == "":
			return definition.Invalid(f+".name", "is empty")
		case s.Target < 1:
			return definition.Invalid(f+".target", "must be positive")
		case kinds != 1:
			return definition.Invalid(f, "must count one of an action, orders or categories")
		case len(s.Categories) > 0 && s.Target > int64(len(s.Categories)):
			return definition.Invalid(f+".target", "is more than its categories")
		case s.MinOrder.Sign() < 0:
			return definition.Invalid(f+".min_order", "is negative")
		}
		for _, t := range q.steps[:i] {
			if t.Name == s.Name {
				return definition.Invalid(f+".name", strconv.Quote(s.Name)+" names two steps")
			}
		}
		q.cStep[i] = q.name + ":" + s.Name
	}
	q.cDone = q.name + ":done"
	q.badge = q.opts.Badge
	if q.badge == "" {
		q.badge = q.name
	}
	return nil
}

// done is step i's progress in st, capped at its target.
func (q *Quest) done(st *loyalty.State, i int) int64 {
	s := &q.steps[i]
	if len(s.Categories) == 0 {
		return min(st.Counter(q.cStep[i], ""), s.Target)
	}
	var n int64
	for _, c := range s.Categories {
		if st.Counter(q.cStep[i]+":"+c, "") > 0 {
			n++
		}
	}
	return min(n, s.Target)
}

// Evaluate counts the event into the steps it matches and completes the
// quest when they all reach their targets.
func (q *Quest) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	o := &q.opts
	if q.cDone == "" || (!o.Starts.IsZero() && c.Now.Before(o.Starts)) || (!o.Ends.IsZero() && !c.Now.Before(o.Ends)) {
		return effects
	}
	st := c.State
	if st.Counter(q.cDone, "") > 0 {
		return effects
	}
	a, _ := c.Event.(*loyalty.Action)
	complete, counted := true, false
	for i := range q.steps {
		s := &q.steps[i]
		have := q.done(st, i)
		add := int64(0)
		switch {
		case a != nil && s.counts(a.Kind) && have < s.Target:
			add = 1
			effects = append(effects, loyalty.Count(q.cStep[i], "", 1))
		case s.Orders && c.Order != nil && c.Value > 0 && c.Value >= c.Units(s.MinOrder) && have < s.Target:
			add = 1
			effects = append(effects, loyalty.Count(q.cStep[i], "", 1))
		case len(s.Categories) > 0 && c.Order != nil && have < s.Target:
			for _, cat := range s.Categories {
				if st.Counter(q.cStep[i]+":"+cat, "") > 0 || !bought(c.Lines, cat) {
					continue
				}
				effects = append(effects, loyalty.Count(q.cStep[i]+":"+cat, "", 1))
				add++
			}
		}
		counted = counted || add > 0
		if have+add < s.Target {
			complete = false
		}
	}
	if !counted || !complete {
		return effects
	}
	note := q.name + ": badge " + q.badge
	effects = q.rw.append(effects, note)
	return append(effects, loyalty.Count(q.cDone, "", 1), loyalty.NotifyChange(NoticeBadge, "", q.badge, note))
}

// counts reports whether the step counts actions of kind k.
func (s *Step) counts(k loyalty.ActionKind) bool {
	return (s.Action != "" && k == s.Action) || slices.Contains(s.Actions, k)
}

func bought(lines []loyalty.LineBasis, category string) bool {
	for _, l := range lines {
		if l.Category == category && l.Quantity > 0 && !l.Excluded {
			return true
		}
	}
	return false
}

// Progress is the steps complete of all of them, with each step's own
// progress in Steps ("1 of 2 reviews").
func (q *Quest) Progress(_ *loyalty.Program, st *loyalty.State, _ time.Time) Progress {
	p := Progress{Rule: q.name, Unit: "steps", Of: int64(len(q.steps)), Complete: st.Counter(q.cDone, "") > 0}
	for i := range q.steps {
		n := q.done(st, i)
		if p.Complete {
			n = q.steps[i].Target
		}
		if n >= q.steps[i].Target {
			p.Done++
		}
		p.Steps = append(p.Steps, Progress{Rule: q.steps[i].Name, Done: n, Of: q.steps[i].Target})
	}
	return p
}
