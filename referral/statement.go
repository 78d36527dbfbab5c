package referral

import (
	"context"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// StatementLine is one friend on a referrer's statement.
type StatementLine struct {
	Friend     string
	SignedUpAt time.Time
	// Order is the friend's qualifying order, empty until one qualified.
	Order string
	// Status is ReasonSignedUp, ReasonPendingReview, ReasonRejected,
	// ReasonPending, ReasonPaid, ReasonReturned, ReasonCapMonth,
	// ReasonCapLifetime or ReasonBudget; Detail says it in words.
	Status Reason
	Detail string
	// Points is the referrer's reward for the friend (held or paid).
	Points int64
	// AvailableAt is when a pending reward becomes spendable.
	AvailableAt time.Time
}

// Statement is what a referrer sees: every friend who signed up on their
// codes, oldest first, and the totals.
type Statement struct {
	Referrer                            string
	Lines                               []StatementLine
	SignedUp, Qualified, Pending, Paid  int
	PendingPoints, PaidPoints, Returned int64
}

// sums are a reward's entries: available, pending, and earned in all.
type sums struct{ avail, pending, earned int64 }

// Statement returns referrer's statement as of now. A member who never
// referred anyone has an empty one. It reads the referrer's ledger, one
// index code and one ledger per friend, and writes nothing.
func (p *Program) Statement(ctx context.Context, referrer string) (*Statement, error) {
	if err := checkMember("referrer", referrer); err != nil {
		return nil, err
	}
	out := &Statement{Referrer: referrer}
	st, err := p.engine.Member(ctx, referrer)
	if err != nil {
		if isUnknown(err) {
			return out, nil
		}
		return nil, err
	}
	// The referrer's rewards, by the recorded ID of their order: points of
	// the referral program's ledger, or the memo of what was credited to
	// CreditTo (available at once: held or not is then told by the date).
	acct := ledger.PointsAccount
	if p.credits() {
		acct = CreditedPoints
	}
	byRef := map[string]*sums{}
	var after ledger.EntryID
	for {
		es, err := p.engine.History(ctx, referrer, after, 500)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.Account != acct {
				continue
			}
			s := byRef[e.Ref]
			if s == nil {
				s = &sums{}
				byRef[e.Ref] = s
			}
			s.avail += e.Amount
			s.pending += e.Pending
			if e.Kind == ledger.EntryEarn {
				s.earned += e.Amount + e.Pending
			}
		}
		if len(es) < 500 {
			break
		}
		after = es[len(es)-1].ID
	}
	now := p.engine.Now()
	n := st.Counter(ctrSignups, "")
	for i := int64(1); i <= n; i++ {
		idx, ok, err := p.lookup(ctx, p.index("s", referrer, strconv.FormatInt(i, 10)))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // a signup whose index a crash left unwritten; the next Attribute retry writes it
		}
		line := StatementLine{Friend: idx.Owner, Status: ReasonSignedUp, Detail: "signed up, no qualifying order yet"}
		fst, err := p.engine.Member(ctx, idx.Owner)
		if err != nil {
			return nil, err
		}
		line.SignedUpAt = fst.Member.JoinedAt
		out.SignedUp++
		switch fst.Counter(ctrReview, "") {
		case reviewPending:
			line.Status, line.Detail = ReasonPendingReview, "waiting for review"
		case reviewRejected:
			line.Status, line.Detail = ReasonRejected, "rejected on review"
		}
		q, qok, err := p.lookup(ctx, p.index("q", idx.Owner))
		if err != nil {
			return nil, err
		}
		if qok {
			out.Qualified++
			line.Order = q.Ref
			s := byRef[p.orderID(tagReferrer, q.Ref)]
			if line.Status == ReasonSignedUp {
				p.rewardStatus(ctx, &line, q, s, now)
			}
			switch {
			case s == nil:
				if o, ok, err := p.lookup(ctx, p.index("o", idx.Owner)); err != nil {
					return nil, err
				} else if ok {
					line.Status, line.Detail = Reason(o.Ref), "qualified, not rewarded: "+refusalWords[Reason(o.Ref)]
				}
			case line.Status == ReasonPending:
				out.Pending++
				out.PendingPoints += line.Points
			case line.Status == ReasonPaid:
				out.Paid++
				out.PaidPoints += line.Points
			case line.Status == ReasonReturned:
				out.Returned += s.earned
			}
		}
		out.Lines = append(out.Lines, line)
	}
	return out, nil
}

func (p *Program) rewardStatus(_ context.Context, line *StatementLine, q ledger.Code, s *sums, now time.Time) {
	if s == nil {
		line.Status, line.Detail = ReasonQualified, "qualified, reward not written yet"
		return
	}
	due := q.CreatedAt.In(p.zone).AddDate(0, 0, p.cfg.ReturnDays).UTC()
	if p.credits() && now.Before(due) {
		s = &sums{pending: s.avail + s.pending, earned: s.earned}
	}
	switch {
	case s.pending > 0 && now.Before(due):
		line.Status, line.Points, line.AvailableAt = ReasonPending, s.pending, due
		line.Detail = "held until " + due.Format(time.DateOnly) + ", the end of order " + q.Ref + "'s return window"
	case s.pending+s.avail > 0:
		line.Status, line.Points = ReasonPaid, s.pending+s.avail
		line.Detail = "paid: order " + q.Ref + " kept past its return window"
		if p.credits() {
			line.Detail += ", credited to program " + p.cfg.CreditTo.ProgramID()
		}
	case s.earned > 0:
		line.Status, line.Detail = ReasonReturned, "voided: order "+q.Ref+" was returned in its window"
	}
}

// refusalWords say why a qualified referral was not rewarded.
var refusalWords = map[Reason]string{
	ReasonCapMonth:    "the referrer's monthly cap was reached",
	ReasonCapLifetime: "the referrer's lifetime cap was reached",
	ReasonBudget:      "the campaign's budget was spent",
}
