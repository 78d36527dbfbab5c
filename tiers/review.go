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
	// Members is how many members were reviewed (their write committed, or
	// was replayed from an earlier run with the same key prefix).
	Members int
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

// Review reviews every member the lister lists: one ActionReview through
// e.Act per member, each its own atomic write with the idempotency key
// keyPrefix+memberID, so a host subscribed to EngineOptions.AfterCommit
// receives each tier change once it is committed.
//
// Name the review in keyPrefix ("tier-review/2027-01-01/"): a Review that
// was interrupted can run again with the same prefix, replaying the writes
// already made and completing the others. The review happens at e's clock;
// a member reviewed twice on the same date (under another prefix) is not
// reviewed again, so a one-tier-down policy never drops two tiers in a day.
//
// Members are reviewed by GOMAXPROCS goroutines, which have all ended when
// Review returns. A member whose write fails does not stop the others; the
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
			var st ReviewStats
			var ferr error
			for ids := range pages {
				for _, id := range ids {
					if ctx.Err() != nil {
						break
					}
					r, err := e.Act(ctx, keyPrefix+id, &loyalty.Action{Kind: ActionReview, MemberID: id, Ref: keyPrefix})
					if err != nil {
						if ctx.Err() != nil {
							break
						}
						st.Failed++
						if ferr == nil {
							ferr = fmt.Errorf("member %s: %w", id, err)
						}
						continue
					}
					st.Members++
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
			mu.Lock()
			stats.Members += st.Members
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

// Assign returns the action that gives member the tier called tier as a
// floor until the start of the day until falls on (in the ladder's
// location): the member has at least that tier until then, and what they
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

// ParseChange splits the detail of a NoticeChanged into the tier the member
// left and the one they reached ("" for no tier). ok is false for another
// kind of notice.
func ParseChange(n loyalty.Notice) (from, to string, ok bool) {
	if n.Kind != NoticeChanged {
		return "", "", false
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
