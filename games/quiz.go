package games

import (
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
)

// Question is one question of a quiz and its correct answer, compared
// exactly (the host normalises case and spaces before Act).
type Question struct {
	ID     string
	Answer string
}

// QuizOptions say what a quiz gives and when it is open.
type QuizOptions struct {
	// PointsPerCorrect are earned for each correct answer.
	PointsPerCorrect int64
	// Reward (with a new code of format Code) is granted when every answer
	// is correct.
	Reward *ledger.Grant
	Code   *loyalty.CodeFormat
	// Opens and Closes bound when answers are taken (Closes excluded);
	// zero is unbounded.
	Opens, Closes time.Time
}

// Quiz is a set of questions a member answers once, with an action of the
// quiz's kind whose Data maps question IDs to answers: each correct answer
// earns PointsPerCorrect, all of them correct grants Reward. A second
// answer is refused with ErrAlreadyAnswered, one outside the window with
// ErrClosed, one naming a question the quiz lacks with ErrInvalidAnswer,
// each writing nothing. The member's counters "<name>:answered" and
// "<name>:correct" hold the result.
type Quiz struct {
	Stack loyalty.Stacking

	name      string
	kind      loyalty.ActionKind
	questions []Question
	opts      QuizOptions
	cAnswered string
	cCorrect  string
}

// NewQuiz returns the quiz name, answered with actions of kind. It fails
// with an error wrapping loyalty.ErrInvalidProgram as Validate says.
func NewQuiz(name string, kind loyalty.ActionKind, questions []Question, opts QuizOptions) (*Quiz, error) {
	q := &Quiz{name: name, kind: kind, questions: append([]Question(nil), questions...), opts: opts}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return q, nil
}

// Name returns the quiz's name.
func (q *Quiz) Name() string { return q.name }

// Kind returns the action kind that answers the quiz (loyalty.ActionRule).
func (q *Quiz) Kind() loyalty.ActionKind { return q.kind }

// Stacking returns q.Stack.
func (q *Quiz) Stacking() loyalty.Stacking { return q.Stack }

// Validate checks the quiz: a name, a kind, questions with distinct IDs
// and answers, something to give, and a window that closes after it opens.
func (q *Quiz) Validate() error {
	switch {
	case q.name == "":
		return definition.Invalid("name", "is empty")
	case q.kind == "":
		return definition.Invalid("kind", "is empty")
	case len(q.questions) == 0:
		return definition.Invalid("questions", "is empty")
	case !q.opts.Opens.IsZero() && !q.opts.Closes.IsZero() && !q.opts.Opens.Before(q.opts.Closes):
		return definition.Invalid("closes", "is not after opens")
	}
	rw := reward{points: q.opts.PointsPerCorrect, grant: q.opts.Reward, code: q.opts.Code}
	if err := rw.validate("reward"); err != nil {
		return err
	}
	for i, x := range q.questions {
		f := "questions[" + strconv.Itoa(i) + "]"
		if x.ID == "" || x.Answer == "" {
			return definition.Invalid(f, "has no ID or no answer")
		}
		for _, y := range q.questions[:i] {
			if y.ID == x.ID {
				return definition.Invalid(f+".id", strconv.Quote(x.ID)+" names two questions")
			}
		}
	}
	q.cAnswered, q.cCorrect = q.name+":answered", q.name+":correct"
	return nil
}

// Evaluate scores an answer of the member.
func (q *Quiz) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != q.kind || q.cAnswered == "" {
		return effects
	}
	o := &q.opts
	if (!o.Opens.IsZero() && c.Now.Before(o.Opens)) || (!o.Closes.IsZero() && !c.Now.Before(o.Closes)) {
		return append(effects, loyalty.RefuseWith(ErrClosed, q.name+" is not open"))
	}
	if c.State.Counter(q.cAnswered, "") > 0 {
		return append(effects, loyalty.RefuseWith(ErrAlreadyAnswered, q.name+" was answered before"))
	}
	for id := range a.Data {
		if !q.has(id) {
			return append(effects, loyalty.RefuseWith(ErrInvalidAnswer, "no question "+strconv.Quote(id)))
		}
	}
	var correct int64
	for _, x := range q.questions {
		if a.Data[x.ID] == x.Answer {
			correct++
		}
	}
	score := strconv.FormatInt(correct, 10) + " of " + strconv.Itoa(len(q.questions))
	note := q.name + ": " + score + " correct"
	effects = append(effects, loyalty.Count(q.cAnswered, "", 1))
	if correct > 0 {
		effects = append(effects, loyalty.Count(q.cCorrect, "", correct))
	}
	if o.PointsPerCorrect > 0 && correct > 0 {
		effects = append(effects, loyalty.Earn(o.PointsPerCorrect*correct, loyalty.OrderLevel, note))
	}
	if o.Reward != nil && correct == int64(len(q.questions)) {
		e := loyalty.GrantReward(*o.Reward, o.Code)
		e.Note = note
		effects = append(effects, e)
	}
	return append(effects, loyalty.NotifyChange(NoticeAnswered, "", score, note))
}

func (q *Quiz) has(id string) bool {
	for _, x := range q.questions {
		if x.ID == id {
			return true
		}
	}
	return false
}

// Progress is the correct answers of the questions; Complete once
// answered.
func (q *Quiz) Progress(_ *loyalty.Program, st *loyalty.State, _ time.Time) Progress {
	return Progress{Rule: q.name, Unit: "correct", Done: st.Counter(q.cCorrect, ""), Of: int64(len(q.questions)), Complete: st.Counter(q.cAnswered, "") > 0}
}
