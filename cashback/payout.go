package cashback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
)

// Notice kinds the PayoutRule announces on its receipts (loyalty.Notice.Kind).
const (
	// NoticePaid: a payout credited the member; the detail says how much and
	// for which periods.
	NoticePaid = "cashback-paid"
	// NoticeBelowMinimum: the accrual did not reach the schedule's minimum
	// and rolls over to the next payout.
	NoticeBelowMinimum = "cashback-below-minimum"
	// NoticeRecovered: cashback a return took back after it was paid was
	// recovered from the accrual of later periods (loyalty.AllowNegative).
	NoticeRecovered = "cashback-recovered"
	// NoticeForgiven: cashback a return took back after it was paid was
	// forgiven (loyalty.ClampAtZero).
	NoticeForgiven = "cashback-forgiven"
	// NoticeRefused: the payout action named no valid period.
	NoticeRefused = "cashback-payout-refused"
)

// PaidCounter is the name of the counter in which a PayoutRule keeps how
// much of the accrual in account a it has paid out (lifetime period, minor
// units): "cashback:2026-Q4:paid". What a period still owes the member is
// its account's balance less this counter.
func PaidCounter(a loyalty.Account) string { return string(a) + ":paid" }

// PayoutRule pays accrued cashback out on an action of kind PayoutAction
// whose Data["period"] names a period of its schedule ("2026-Q4"; empty
// means the last period that ended before the write).
//
// An accrual account keeps the cashback of its period, net of returns, for
// good: a payout does not empty it but records what it paid in the
// account's PaidCounter, in the same write that credits the member. The
// unpaid accrual of a period is its balance less its paid counter.
//
// A payout for period P credits to the schedule's Credit account the unpaid
// accrual of P and of every earlier period, counting only periods that have
// ended at the time of the write: an early payout never pays a period still
// running. The credit is store credit (an entry of kind loyalty.EntryEarn,
// Source PayoutAction, Ref the period), or a reward certificate expiring
// Schedule.CertificateMonths after the write. When the sum is below
// Schedule.Minimum nothing is paid and the accruals roll over to the next
// payout.
//
// A return always reverses, from the order's accrual account, what the
// order accrued in proportion to the value returned. When that period was
// already paid, its unpaid accrual turns negative, and Program.Clawback
// decides at the next payout. Under loyalty.ClampAtZero (the default) the
// paid part is forgiven: the member keeps the store credit, and the payout
// marks the period settled (NoticeForgiven). Under loyalty.AllowNegative it is
// a debt: each later payout first recovers debts from the accruals it would
// pay and pays only what is left (NoticeRecovered); a debt larger than them
// stays for the payouts after. Store credit already issued is never taken
// back: the root Engine cannot yet debit an account inside an action (see
// the package documentation).
//
// A program needs one PayoutRule per accrual account prefix: two would pay
// the same accrual twice.
type PayoutRule struct {
	name  string
	sched Schedule
}

// NewPayoutRule returns the rule name paying out what rules on schedule s
// accrued. It fails with an error wrapping loyalty.ErrInvalidProgram for an
// empty name or a nil or invalid schedule.
func NewPayoutRule(name string, s *Schedule) (*PayoutRule, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, invalid("schedule", "a payout rule needs a schedule")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &PayoutRule{name: name, sched: *s}, nil
}

// Name returns the rule's name.
func (r *PayoutRule) Name() string { return r.name }

// Schedule returns a copy of the rule's schedule.
func (r *PayoutRule) Schedule() *Schedule { s := r.sched; return &s }

// ProgramType reports that the rule belongs to a cashback program.
func (r *PayoutRule) ProgramType() string { return "cashback" }

// Validate reports whether r was built by NewPayoutRule.
func (r *PayoutRule) Validate() error {
	if err := validName(r.name); err != nil {
		return err
	}
	if r.sched.Every == 0 {
		return invalid("schedule", "is not set: build the rule with cashback.NewPayoutRule")
	}
	return r.sched.Validate()
}

// periodBalance is one accrual account of a member.
type periodBalance struct {
	acct      loyalty.Account
	key       string
	start     time.Time
	bal, paid int64
}

func (p *periodBalance) unpaid() int64 { return p.bal - p.paid }

// accruals returns the member's accrual accounts of schedule s, oldest first.
func accruals(s *Schedule, st *loyalty.State) []periodBalance {
	var out []periodBalance
	for _, b := range st.Balances {
		key, start, ok := s.periodOf(b.Account)
		if !ok {
			continue
		}
		out = append(out, periodBalance{b.Account, key, start, b.Available, st.Counter(PaidCounter(b.Account), "")})
	}
	slices.SortFunc(out, func(x, y periodBalance) int { return x.start.Compare(y.start) })
	return out
}

func setPaid(p *periodBalance, v int64) loyalty.Effect {
	e := loyalty.Count(PaidCounter(p.acct), "", v)
	e.Set = true
	return e
}

// Evaluate pays out on a payout action, as the type's documentation says.
func (r *PayoutRule) Evaluate(c *loyalty.Context, effects []loyalty.Effect) []loyalty.Effect {
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != PayoutAction || c.Program == nil || r.sched.Every == 0 {
		return effects
	}
	s := &r.sched
	cur := c.Program.Currency
	money := func(v int64) string { return loyalty.MinorUnits(v, cur).String() }
	period := a.Data["period"]
	if period == "" {
		period = s.Due(c.Now)
	}
	pstart, err := s.Every.Parse(period, s.loc())
	if err != nil {
		return append(effects, loyalty.Notify(NoticeRefused, err.Error()))
	}
	all := accruals(s, c.State)
	var pay, debts []*periodBalance
	var accrued, debt int64
	for i := range all {
		p := &all[i]
		ended := !p.start.AddDate(0, s.Every.months(), 0).After(c.Now)
		switch u := p.unpaid(); {
		case u < 0:
			debts = append(debts, p)
			debt -= u
		case u > 0 && ended && !p.start.After(pstart):
			pay = append(pay, p)
			accrued += u
		}
	}
	if debt > 0 && c.Program.Clawback != loyalty.AllowNegative {
		for _, d := range debts {
			effects = append(effects, setPaid(d, d.bal))
		}
		effects = append(effects, loyalty.Notify(NoticeForgiven, money(debt)+" of cashback returned after payout"))
		debts, debt = nil, 0
	}
	fromAccrual := min(debt, accrued)
	net := accrued - fromAccrual
	paying := net > 0 && net >= s.minimum(cur)

	// Consume the unpaid accruals, oldest first: all of them when paying,
	// else only what recovers debts.
	take := fromAccrual
	if paying {
		take = accrued
	}
	var paid []string
	for _, p := range pay {
		v := min(p.unpaid(), take)
		if v <= 0 {
			break
		}
		take -= v
		paid = append(paid, p.key)
		effects = append(effects, setPaid(p, p.paid+v))
	}
	if fromAccrual > 0 {
		left := fromAccrual
		for _, d := range debts {
			v := min(-d.unpaid(), left)
			if v <= 0 {
				break
			}
			left -= v
			effects = append(effects, setPaid(d, d.paid-v))
		}
		effects = append(effects, loyalty.Notify(NoticeRecovered, money(fromAccrual)+" of cashback returned after payout"))
	}
	switch {
	case paying:
		what := strings.Join(paid, ", ")
		e := loyalty.Earn(net, loyalty.OrderLevel, "cashback of "+what)
		e.Account = s.credit()
		detail := money(net) + " for " + what
		if s.CertificateMonths > 0 {
			e.ExpiresAt = addMonths(c.Now.In(s.loc()), s.CertificateMonths).UTC()
			e.Note = "reward certificate for " + what + ", valid until " + e.ExpiresAt.Format(time.DateOnly)
			detail += " as a reward certificate valid until " + e.ExpiresAt.Format(time.DateOnly)
		}
		effects = append(effects, e, loyalty.Notify(NoticePaid, detail))
	case net > 0:
		effects = append(effects, loyalty.Notify(NoticeBelowMinimum, money(net)+
			" is below the minimum payout of "+loyalty.NewMoney(s.Minimum, cur).String()+" and rolls over"))
	}
	return effects
}

// PayoutOptions tune Payout. The zero value (or nil) pages members 500 at a time.
type PayoutOptions struct {
	// PageSize is how many member IDs are listed at a time.
	PageSize int
}

// PayoutReport says what a Payout run did.
type PayoutReport struct {
	Period string
	// Members is how many members the run visited; Paid how many of them a
	// payout credited, Amount the sum credited.
	Members, Paid int
	Amount        loyalty.Money
	// BelowMinimum is how many members accrued less than the minimum.
	BelowMinimum int
}

// Payout pays period out to every member members lists, one Engine.Act
// write per member with the idempotency key "<program>/cashback-payout/
// <period>/<member>" and the action's At set to the period's end, so running
// it again (after a crash, or twice by mistake) pays nobody twice: a member
// already paid replays the first receipt, which the report counts again.
//
// The program must have a PayoutRule; period must name one of its periods
// (see Schedule.Due for the last completed one). Payout stops at the first
// failing write and returns the report so far with the error; running it
// again resumes safely.
func Payout(ctx context.Context, e *loyalty.Engine, members loyalty.MemberLister, period string, opts *PayoutOptions) (*PayoutReport, error) {
	prog := e.Program()
	var rule *PayoutRule
	for _, r := range prog.Rules {
		if pr, ok := r.(*PayoutRule); ok {
			rule = pr
			break
		}
	}
	if rule == nil {
		return nil, fmt.Errorf("%w: program %q has no cashback payout rule", loyalty.ErrInvalidProgram, prog.Name)
	}
	_, end, err := rule.sched.Bounds(period)
	if err != nil {
		return nil, err
	}
	size := 500
	if opts != nil && opts.PageSize > 0 {
		size = opts.PageSize
	}
	rep := &PayoutReport{Period: period}
	var paid int64
	defer func() { rep.Amount = loyalty.MinorUnits(paid, prog.Currency) }()
	after := ""
	for {
		ids, err := members.Members(ctx, after, size)
		if err != nil {
			return rep, err
		}
		for _, id := range ids {
			key := prog.Name + "/" + string(PayoutAction) + "/" + period + "/" + id
			rc, err := e.Act(ctx, key, &loyalty.Action{Kind: PayoutAction, MemberID: id, At: end, Ref: period,
				Data: map[string]string{"period": period}})
			if err != nil {
				return rep, fmt.Errorf("cashback: payout of %s to member %s: %w", period, id, err)
			}
			rep.Members++
			for _, n := range rc.Notices {
				if n.Kind == NoticeBelowMinimum {
					rep.BelowMinimum++
				}
			}
			var got int64
			for _, en := range rc.Entries {
				if en.Kind == loyalty.EntryEarn && en.Source == string(PayoutAction) && en.Account == rule.sched.credit() {
					got += en.Amount
				}
			}
			if got > 0 {
				rep.Paid++
				paid += got
			}
		}
		if len(ids) < size {
			return rep, nil
		}
		after = ids[len(ids)-1]
	}
}

// Balance is what a member sees of their cashback.
type Balance struct {
	MemberID string
	// Credit is the store credit (and unexpired certificates) spendable now.
	Credit loyalty.Money
	// Accrued is the cashback accrued and not paid yet, per period, oldest first.
	Accrued []Accrual
	// Owed is cashback returned after it was paid and not recovered yet
	// (under loyalty.AllowNegative; under loyalty.ClampAtZero it is forgiven
	// and reads zero); later payouts recover it first.
	Owed loyalty.Money
}

// Accrual is cashback accrued in one period and not paid out yet.
type Accrual struct {
	Period string
	Amount loyalty.Money
}

// BalanceOf returns member's cashback as the program's cashback rules keep
// it: the store credit of their credit accounts and the accruals of their
// schedules.
func BalanceOf(ctx context.Context, e *loyalty.Engine, memberID string) (*Balance, error) {
	prog := e.Program()
	var scheds []*Schedule
	var credits []loyalty.Account
	addCredit := func(a loyalty.Account) {
		if !slices.Contains(credits, a) {
			credits = append(credits, a)
		}
	}
	addSched := func(s *Schedule) {
		if s == nil {
			addCredit(CreditAccount)
			return
		}
		addCredit(s.credit())
		for _, x := range scheds {
			if x.accrual() == s.accrual() {
				return
			}
		}
		scheds = append(scheds, s)
	}
	for _, r := range prog.Rules {
		switch r := r.(type) {
		case *Percentage:
			addSched(r.sched)
		case *Stepped:
			addSched(r.sched)
		case *PayoutRule:
			addSched(&r.sched)
		}
	}
	st, err := e.Member(ctx, memberID)
	if err != nil {
		return nil, err
	}
	cur := prog.Currency
	b := &Balance{MemberID: memberID}
	var credit, owed int64
	for _, a := range credits {
		bal, err := e.AccountBalance(ctx, memberID, a)
		if err != nil {
			return nil, err
		}
		credit += bal.Available
	}
	var acc []periodBalance
	for _, s := range scheds {
		for _, p := range accruals(s, st) {
			switch u := p.unpaid(); {
			case u > 0:
				acc = append(acc, p)
			case u < 0 && prog.Clawback == loyalty.AllowNegative:
				owed -= u
			}
		}
	}
	slices.SortStableFunc(acc, func(x, y periodBalance) int { return x.start.Compare(y.start) })
	for _, p := range acc {
		b.Accrued = append(b.Accrued, Accrual{Period: p.key, Amount: loyalty.MinorUnits(p.unpaid(), cur)})
	}
	b.Credit, b.Owed = loyalty.MinorUnits(credit, cur), loyalty.MinorUnits(owed, cur)
	return b, nil
}
