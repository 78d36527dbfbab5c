package tiers

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
)

// ReviewStats says what a Review did.
type ReviewStats struct {
	// Members is how many members were reviewed.
	Members int
	// Written is how many of them needed a write (committed, or replayed
	// from an earlier run with the same key prefix); the review left the
	// others unchanged and wrote nothing for them.
	Written int
	// Changed is how many of them changed tier (a NoticeChanged).
	Changed int
	// Graced is how many of them entered a grace period (a NoticeGrace).
	Graced int
	// Failed is how many members' writes failed; Review's error says why
	// for the first of them.
	Failed int
}

// reviewPage is how many member IDs Review asks the lister for at a time.
const reviewPage = 1024

// Review reviews every member the lister lists, at e's clock: the review a
// host triggers itself, off the ladder's Schedule (the periodic jobs,
// loyalty.Engine.RunJobs, review on it). For each member it first quotes an
// ActionTierReview as a dry run of the program (Engine.Member, Engine.Now,
// loyalty.Program.EvaluateInto); only when that changes something (a
// downgrade, a grace period, an ended floor) does it send the action through
// e.Act, as the member's own atomic write with the idempotency key
// keyPrefix+memberID, so a host subscribed to EngineOptions.AfterCommit
// receives each tier change once it is committed. Members whose standing the
// review leaves as it is cost a read and no write.
//
// Name the review in keyPrefix ("tier-review/2027-01-01/"): a Review that
// was interrupted can run again with the same prefix; members already
// reviewed that day are left alone (a review that changed something records
// its date) and the others are completed, so a one-tier-down policy never
// drops two tiers in a day.
//
// Members are reviewed by GOMAXPROCS goroutines, which have all ended when
// Review returns. A member whose review fails does not stop the others; the
// error then reports how many failed and why the first did. Review stops
// early, returning ctx.Err(), when ctx ends, and when the lister fails.
func Review(ctx context.Context, e *loyalty.Engine, lister loyalty.MemberLister, keyPrefix string) (ReviewStats, error) {
	if e == nil || lister == nil {
		return ReviewStats{}, fmt.Errorf("tiers: Review needs an engine and a member lister")
	}
	if keyPrefix == "" {
		return ReviewStats{}, fmt.Errorf("%w: Review needs a key prefix naming the review", loyalty.ErrMissingKey)
	}
	var (
		mu    sync.Mutex
		stats ReviewStats
		first error
		wg    sync.WaitGroup
	)
	workers := runtime.GOMAXPROCS(0)
	pages := make(chan []string, workers)
	for range workers {
		wg.Go(func() {
			st, ferr := reviewPages(ctx, e, pages, keyPrefix)
			mu.Lock()
			stats.Members += st.Members
			stats.Written += st.Written
			stats.Changed += st.Changed
			stats.Graced += st.Graced
			stats.Failed += st.Failed
			if first == nil {
				first = ferr
			}
			mu.Unlock()
		})
	}
	var lerr error
	after := ""
list:
	for {
		ids, err := lister.Members(ctx, after, reviewPage)
		if err != nil {
			lerr = err
			break
		}
		if len(ids) == 0 {
			break
		}
		select {
		case pages <- ids:
		case <-ctx.Done():
			break list
		}
		after = ids[len(ids)-1]
	}
	close(pages)
	wg.Wait()
	switch {
	case ctx.Err() != nil:
		return stats, ctx.Err()
	case lerr != nil:
		return stats, fmt.Errorf("tiers: listing members: %w", lerr)
	case first != nil:
		return stats, fmt.Errorf("tiers: %d of %d member reviews failed; %w", stats.Failed, stats.Failed+stats.Members, first)
	}
	return stats, nil
}

// reviewPages reviews the members of the pages it receives, returning its
// tally and its first error.
func reviewPages(ctx context.Context, e *loyalty.Engine, pages <-chan []string, keyPrefix string) (st ReviewStats, first error) {
	p := e.Program()
	probe := &loyalty.Action{Kind: ActionTierReview, Ref: keyPrefix}
	var quote loyalty.Result // reused: a dry run per member allocates nothing
	fail := func(id string, err error) {
		st.Failed++
		if first == nil {
			first = fmt.Errorf("member %s: %w", id, err)
		}
	}
	for ids := range pages {
		for _, id := range ids {
			if ctx.Err() != nil {
				return st, first
			}
			state, err := e.Member(ctx, id)
			if err != nil {
				if ctx.Err() == nil {
					fail(id, err)
				}
				continue
			}
			probe.MemberID = id
			if err := p.EvaluateInto(&quote, state, probe, e.Now()); err != nil {
				fail(id, err)
				continue
			}
			if !changes(&quote) {
				st.Members++
				continue
			}
			r, err := e.Act(ctx, keyPrefix+id, &loyalty.Action{Kind: ActionTierReview, MemberID: id, Ref: keyPrefix})
			if err != nil {
				if ctx.Err() == nil {
					fail(id, err)
				}
				continue
			}
			st.Members++
			st.Written++
			changed, graced := false, false
			for _, n := range r.Notices {
				changed = changed || n.Kind == NoticeChanged
				graced = graced || n.Kind == NoticeGrace
			}
			if changed {
				st.Changed++
			}
			if graced {
				st.Graced++
			}
		}
	}
	return st, first
}

// changes reports whether a quoted write would change anything.
func changes(r *loyalty.Result) bool {
	return len(r.Counters) > 0 || len(r.Notices) > 0 || len(r.Spends) > 0 || r.Points() != 0 || len(r.Awards) > 0
}

// Assign returns the action that gives member the tier called tier as a
// floor until the start of the day until falls on (in the ladder's
// Location, or in until's own without one: pass a date in the program's
// zone): the member has at least that tier until then, and what they
// earn meanwhile still counts. An empty tier builds the action that removes
// a floor. Send it with Engine.Act under a key of the host's choosing. It
// fails with an error wrapping loyalty.ErrInvalidEvent for an empty member,
// an unknown tier or a zero until.
func (l *Ladder) Assign(memberID, tier string, until time.Time) (*loyalty.Action, error) {
	if memberID == "" {
		return nil, &loyalty.ValidationError{Field: "member_id", Reason: "is empty", Kind: loyalty.ErrInvalidEvent}
	}
	a := &loyalty.Action{Kind: ActionAssign, MemberID: memberID, Data: map[string]string{DataLadder: l.name, "tier": tier}}
	if tier == "" {
		a.Ref = "tier floor removed"
		return a, nil
	}
	if l.Level(tier) == 0 {
		return nil, &loyalty.ValidationError{Field: "tier", Reason: "ladder " + quote(l.name) + " has no tier " + quote(tier), Kind: loyalty.ErrInvalidEvent}
	}
	if until.IsZero() {
		return nil, &loyalty.ValidationError{Field: "until", Reason: "is zero: a manual tier needs an end date", Kind: loyalty.ErrInvalidEvent}
	}
	end := l.moment(until)
	a.Data["until"] = string(end.date[:])
	a.Ref = "tier " + tier + " until " + a.Data["until"]
	return a, nil
}

// Due implements loyalty.Periodic: on a review date of the ladder's Schedule
// (in the ladder's Location, else the program's zone), at
// loyalty.StageReview and again at loyalty.StageReviewAfterExpiry, a member
// is due for a review when the review would change something for them (a
// downgrade, a grace period, an ended floor), judged as Review judges it. The
// job, named "tier-review/<ladder>", sends an ActionTierReview limited to this
// ladder (DataLadder). Whether it would change something is the ladder's own
// judgement of the member's counters (the step Evaluate runs on the
// action), not an evaluation of the program. A review that changed
// something records its date, so the second stage, and a second run on the
// same day, find nothing due.
func (l *Ladder) Due(c *loyalty.Input, stage loyalty.JobStage, jobs []loyalty.Job) []loyalty.Job {
	if l.thr == nil || stage != loyalty.StageReview && stage != loyalty.StageReviewAfterExpiry || c.Member == nil {
		return jobs
	}
	now := l.moment(l.local(c))
	t := now.t
	y, m, d := t.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	if !l.NextReview(midnight.Add(-time.Nanosecond)).Equal(midnight) {
		return jobs
	}
	a := loyalty.Action{Kind: ActionTierReview, MemberID: c.Member.ID, Ref: "tier review " + string(now.date[:]),
		Data: map[string]string{DataLadder: l.name}}
	probe := *c
	probe.Event = &a
	if len(l.keep(&probe, nil, nil)) == 0 {
		return jobs
	}
	return append(jobs, loyalty.Job{Name: "tier-review/" + l.name, Action: a})
}

// ParseChange returns the tier the member left and the one they reached (""
// for no tier) of a NoticeChanged: its From and To, or, for a notice
// written before they existed, its Detail split. ok is false for another
// kind of notice.
func ParseChange(n loyalty.Notice) (from, to string, ok bool) {
	if n.Kind != NoticeChanged {
		return "", "", false
	}
	if n.From != "" || n.To != "" {
		return n.From, n.To, true
	}
	from, to, ok = strings.Cut(n.Detail, " -> ")
	if from == none {
		from = ""
	}
	if to == none {
		to = ""
	}
	return from, to, ok
}
