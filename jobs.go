package loyalty

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Job is something a Periodic rule has due for a member: an action to send
// through the engine, as Engine.Act would, under a key RunJobs derives.
type Job struct {
	// Name names the job in its key and in JobReport.Jobs ("birthday",
	// "tier-review/vip"). It is required.
	Name string
	// Action is what the job sends. RunJobs sets its MemberID, and an At left
	// zero to the start of the day of the run in the program's zone, so that
	// a second run of the same day sends the same action.
	Action Action
	// Key, when set, is the idempotency key of the job's write instead of
	// the one RunJobs derives: for a job that has a natural key of its own
	// (a cashback payout is keyed by its period, as cashback.Payout keys it).
	Key string
}

// Periodic is implemented by rules that have work to do as days pass (a tier
// review, a cashback payout, a birthday gift), so that Engine.RunJobs runs it
// with the rest of the periodic jobs.
//
// Due appends to jobs the jobs due for the member of c at stage and returns
// the extended slice. c holds the program, the member's State and Member and
// Now (in UTC; read the day as c.Now.In(c.Program.Zone())); Event is nil.
// Like Rule.Evaluate it must be pure and must not modify c. Returning a job
// only when its write will change something is what lets a run write
// nothing for members with nothing due; a job whose write would change
// nothing is skipped anyway.
type Periodic interface {
	Due(c *Input, stage JobStage, jobs []Job) []Job
}

// JobOptions tune RunJobs. The zero value (or nil) derives keys under
// "<program>/jobs/", lists 500 members at a time and reports no progress.
type JobOptions struct {
	// KeyPrefix starts every key RunJobs derives; empty is the program's
	// name followed by "/jobs/".
	KeyPrefix string
	// PageSize is how many member IDs RunJobs lists at a time.
	PageSize int
	// Progress, when set, is called on RunJobs' goroutine with the report so
	// far after every ProgressEvery members (1000 when zero; members passed
	// over as having nothing due are counted a page at a time) and once at
	// the end.
	Progress      func(JobReport)
	ProgressEvery int
	// AllMembers visits every member the lister lists, even when it is a
	// DueLister and no rule's calendar has a job due (see DueCalendar):
	// the same writes, more reads.
	AllMembers bool
}

// JobReport says what RunJobs did.
type JobReport struct {
	// Members is how many members were visited: every member listed, the
	// members a run passed over as having nothing due included (see
	// DueCalendar), so that it is the same whichever way the run listed.
	Members int
	// Written is how many writes the run made (committed, or replayed from
	// an earlier run under the same key); Jobs breaks them down by job name
	// ("activate", "expire", and the names of the rules' jobs).
	Written int
	Jobs    map[string]int
	// Failed is how many members' jobs failed; RunJobs' error says why the
	// first did.
	Failed int
}

// JobError is why the jobs of one member failed: which member, which stage
// and job, and the error.
type JobError struct {
	Member string
	Stage  JobStage
	Job    string
	Err    error
}

func (e *JobError) Error() string {
	return "loyalty: member " + strconv.Quote(e.Member) + ": " + e.Stage.String() + " job " + strconv.Quote(e.Job) + ": " + e.Err.Error()
}

func (e *JobError) Unwrap() error { return e.Err }

// errNothingDue stops the write of a job whose change would be empty.
var errNothingDue = errors.New("loyalty: nothing due")

// RunJobs runs the periodic jobs of the program for every member members
// lists (nil lists the engine's Store, when it is a MemberLister), member by
// member, in this order, each step seeing what the one before wrote:
//
//  1. StageActivate: held points whose return window is over become
//     spendable;
//  2. StageReview: the Periodic rules' reviews (tiers.Ladder on its review
//     dates);
//  3. StageExpire: what remains of lots whose expiry has come expires;
//  4. StageReviewAfterExpiry: the reviews again;
//  5. StageGrant: the Periodic rules' grants (a cashback payout once its
//     period is over, birthday and anniversary gifts on the member's day).
//
// Days are judged in the program's zone (Program.Zone). Each step is its
// own atomic write, made only when something is due, under the key
// KeyPrefix + date + "/" + stage + "/" + job + "/" + member ID (the date in
// the program's zone, 2006-01-02; "shop/jobs/2027-02-28/grant/birthday/ann";
// the engine's own steps have no job part: "shop/jobs/2027-02-28/expire/ann";
// a job may bring a key of its own), so a
// run that is interrupted can simply run again, and a second run on the
// same day writes nothing new. A member with nothing due costs one read and
// no write.
//
// A rule's job is a write like Engine.Act: its rules judge the member as
// the step before left them, and the write then settles what else is due
// (so a review's receipt may hold the expiries it was judged before).
//
// Run it once a day (or more often: it is idempotent within a day). Every
// write the Engine makes settles the member first, activation before
// expiry, so a host that runs no jobs still has correct balances; the jobs
// make the entries appear on their day and send the actions only they send
// (reviews, payouts, birthdays).
//
// A member whose jobs fail does not stop the others: the report counts them
// and the error says how many failed, with the first one's *JobError.
// RunJobs stops early, returning ctx.Err(), when ctx ends, and when the
// lister fails. It starts no goroutines.
//
// When the lister is a DueLister (the memory store is) and every Periodic
// rule of the program is a DueCalendar, a page of members listed at a time
// when no calendar has a job due lists only the members with a lot or a
// grant due by then (DueLister.MembersDue): the others would have had
// nothing written, so the run writes the same, and loads only the members
// it writes for. JobOptions.AllMembers turns this off.
func (e *Engine) RunJobs(ctx context.Context, members MemberLister, opts *JobOptions) (JobReport, error) {
	rep := JobReport{Jobs: map[string]int{}}
	if members == nil {
		l, ok := e.store.(MemberLister)
		if !ok {
			return rep, errors.New("loyalty: RunJobs needs a MemberLister: the engine's store cannot list its members")
		}
		members = l
	}
	var o JobOptions
	if opts != nil {
		o = *opts
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = e.program.Name + "/jobs/"
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 1000
	}
	report := func() {
		if o.Progress != nil {
			r := rep
			r.Jobs = maps.Clone(rep.Jobs)
			o.Progress(r)
		}
	}
	due, _ := members.(DueLister)
	cals, ok := e.dueCalendars()
	if !ok || o.AllMembers {
		due = nil
	}
	var first error
	r := jobRunner{e: e, prefix: o.KeyPrefix, rep: &rep}
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		var ids []string
		var err error
		passed := 0
		// Each page is listed as of now: a member's stages judge a now no
		// earlier, so a member due by then is listed.
		if now := e.now(); due != nil && !e.calendarDue(cals, now) {
			r.quietAt = now
			ids, passed, err = due.MembersDue(ctx, now, after, o.PageSize)
		} else {
			r.quietAt = time.Time{}
			ids, err = members.Members(ctx, after, o.PageSize)
		}
		if err != nil {
			return rep, fmt.Errorf("loyalty: listing members: %w", err)
		}
		if skipped := passed - len(ids); skipped > 0 {
			// Members with nothing due, passed over: covered, as if visited.
			n := rep.Members
			rep.Members += skipped
			if rep.Members/o.ProgressEvery > n/o.ProgressEvery {
				report()
			}
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if err := r.member(ctx, id); err != nil {
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				rep.Failed++
				if first == nil {
					first = err
				}
			}
			rep.Members++
			if rep.Members%o.ProgressEvery == 0 {
				report()
			}
		}
		if len(ids) < o.PageSize {
			break
		}
		after = ids[len(ids)-1]
	}
	report()
	if first != nil {
		return rep, fmt.Errorf("loyalty: the jobs of %d of %d members failed; the first: %w", rep.Failed, rep.Members, first)
	}
	return rep, nil
}

// jobRunner runs the jobs of one member after another.
type jobRunner struct {
	e      *Engine
	prefix string
	rep    *JobReport
	jobs   []Job
	keys   []string
	// quietAt, when not zero, is when every Periodic rule was a
	// DueCalendar with no job due: a member judged at that instant has no
	// rule's job due at any stage.
	quietAt time.Time
	// The program-zone day [from, to) of the last key, and its date.
	from, to time.Time
	date     string
}

// member runs the stages for member id.
func (r *jobRunner) member(ctx context.Context, id string) error {
	e := r.e
	now := e.now()
	q := Query{Now: now, Grants: true} // open grants: those expired are due at StageExpire
	// The state is read by the stages only (settleDue, grantsDue, the
	// rules' Due), never kept, so it is loaded into pooled memory.
	var buf *stateBuf
	defer func() { buf.release() }()
	st, err := e.load(ctx, id, q, &buf)
	if err != nil {
		return &JobError{Member: id, Stage: StageActivate, Job: "load", Err: err}
	}
	// With no rule's job due, the engine's own steps are the last.
	quiet := !r.quietAt.IsZero() && now.Equal(r.quietAt)
	last := StageGrant
	if quiet {
		last = StageExpire
	}
	for _, stage := range stages {
		if stage > last {
			break
		}
		wrote := false
		switch stage {
		case StageActivate, StageExpire:
			if settleDue(st, now, stage == StageExpire) {
				name := stage.String()
				key := r.key(now, stage, name, id, "")
				rc, err := e.settleJob(ctx, key, id, stage == StageExpire)
				if err != nil && !errors.Is(err, errNothingDue) {
					return &JobError{Member: id, Stage: stage, Job: name, Err: err}
				}
				if rc != nil {
					r.count(name)
					wrote = true
				}
			}
			if stage == StageExpire && grantsDue(st, now) {
				const name = "expire-grants"
				rc, err := e.expireGrantsJob(ctx, r.key(now, stage, name, id, ""), id)
				if err != nil && !errors.Is(err, errNothingDue) {
					return &JobError{Member: id, Stage: stage, Job: name, Err: err}
				}
				if rc != nil {
					r.count(name)
					wrote = true
				}
			}
		default:
			jobs, err := r.due(st, now, stage)
			if err != nil {
				return &JobError{Member: id, Stage: stage, Job: "due", Err: err}
			}
			r.keys = r.keys[:0]
			for i := range jobs {
				j := &jobs[i]
				key := r.key(now, stage, j.Name, id, j.Key)
				if slices.Contains(r.keys, key) {
					continue // another rule asked for the same write
				}
				r.keys = append(r.keys, key)
				a := j.Action
				a.MemberID = id
				if a.At.IsZero() {
					a.At = dayStart(now, e.program.Zone())
				}
				if j.Name == "" {
					return &JobError{Member: id, Stage: stage, Job: j.Name, Err: invalidEvent("job.name", "is empty")}
				}
				if err := a.Validate(); err != nil {
					return &JobError{Member: id, Stage: stage, Job: j.Name, Err: err}
				}
				rc, err := e.actJob(ctx, key, &a)
				if err != nil && !errors.Is(err, errNothingDue) {
					return &JobError{Member: id, Stage: stage, Job: j.Name, Err: err}
				}
				if rc != nil {
					r.count(j.Name)
					wrote = true
				}
			}
		}
		if wrote && stage < last { // a later stage judges what this one wrote
			now = e.now()
			q.Now = now
			buf.release()
			buf = nil
			if st, err = e.load(ctx, id, q, &buf); err != nil {
				return &JobError{Member: id, Stage: stage, Job: "load", Err: err}
			}
		}
	}
	return nil
}

func (r *jobRunner) count(name string) {
	r.rep.Written++
	r.rep.Jobs[name]++
}

// due asks the program's Periodic rules what is due at stage.
func (r *jobRunner) due(st *State, now time.Time, stage JobStage) (jobs []Job, err error) {
	p := r.e.program
	c := &Input{Now: now, Program: p, State: st, Member: &st.Member, Scale: p.MinorDigits()}
	r.jobs = r.jobs[:0]
	for _, rule := range p.Rules {
		per, ok := rule.(Periodic)
		if !ok {
			continue
		}
		if r.jobs, err = callDue(per, rule.Name(), c, stage, r.jobs); err != nil {
			return nil, err
		}
	}
	return r.jobs, nil
}

// callDue calls per.Due, turning a panic into an error naming the rule.
func callDue(per Periodic, name string, c *Input, stage JobStage, jobs []Job) (out []Job, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = jobs, fmt.Errorf("loyalty: rule %s panicked in Due: %v", strconv.Quote(name), v)
		}
	}()
	return per.Due(c, stage, jobs), nil
}

// key is the idempotency key of a job: its own when it has one, else derived
// from the prefix, the date in the program's zone, the stage, the job and the
// member; one too long for a key is shortened to a digest of it.
func (r *jobRunner) key(now time.Time, stage JobStage, name, member, own string) string {
	if own != "" {
		return own
	}
	if now.Before(r.from) || !now.Before(r.to) {
		zone := r.e.program.Zone()
		r.from = dayStart(now, zone)
		y, m, d := r.from.In(zone).Date()
		r.to = time.Date(y, m, d+1, 0, 0, 0, 0, zone).UTC()
		r.date = now.In(zone).Format(time.DateOnly)
	}
	date := r.date
	k := r.prefix + date + "/" + stage.String() + "/"
	if name != stage.String() { // the engine's own steps are named after their stage
		k += name + "/"
	}
	k += member
	if len(k) > MaxKeyLength {
		k = "jobs/" + date + "/" + partsFingerprint("job", r.prefix, stage.String(), name, member)
	}
	return k
}

// settleDue reports whether a lot of st activates (or, with expire, expires)
// at now. st was loaded with Query.Now, so its lots are there when one is due.
func settleDue(st *State, now time.Time, expire bool) bool {
	if st.NextDue.IsZero() || st.NextDue.After(now) {
		return false
	}
	for i := range st.Lots {
		l := &st.Lots[i]
		if l.Remaining == 0 {
			continue
		}
		if !l.ActivatesAt.IsZero() && !now.Before(l.ActivatesAt) || expire && l.Expired(now) {
			return true
		}
	}
	return false
}

// settleJob writes the activations (and, with expire, the expiries) due for
// member, or nothing: errNothingDue when there are none.
func (e *Engine) settleJob(ctx context.Context, key, member string, expire bool) (*Receipt, error) {
	fp := partsFingerprint("jobs-settle", member, strconv.FormatBool(expire))
	return e.write(ctx, key, fp, partFields("jobs-settle", member, strconv.FormatBool(expire)), member, Query{Lots: true}, func(w writeTry, st *State, now time.Time) (*Change, error) {
		p := &plan{}
		p.init(st, now, key, fp, OpSettle, "", Query{Lots: true})
		p.settleDue(expire)
		ch := p.finish()
		if len(ch.Entries) == 0 {
			return nil, errNothingDue
		}
		return ch, nil
	})
}

// actJob is Engine.Act that writes nothing, returning errNothingDue, when
// the action changes no entry and no counter.
func (e *Engine) actJob(ctx context.Context, key string, a *Action) (*Receipt, error) {
	fp := actionFingerprint(a)
	return e.write(ctx, key, fp, actionFields(a), a.MemberID, Query{}, func(w writeTry, st *State, now time.Time) (*Change, error) {
		p := &plan{}
		if _, err := e.planAction(w, p, st, a, now, key, fp, OpAct); err != nil {
			return nil, err
		}
		ch := p.finish()
		if len(ch.Entries) == 0 && len(ch.Counters) == 0 && len(ch.Claims) == 0 {
			ch.release()
			return nil, errNothingDue
		}
		return ch, nil
	})
}

// dayStart is midnight of now's day in zone, in UTC.
func dayStart(now time.Time, zone *time.Location) time.Time {
	y, m, d := now.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, zone).UTC()
}
