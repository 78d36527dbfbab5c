package cashback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// Notice kinds the PayoutRule announces on its receipts (loyalty.Notice.Kind).
const (
	// NoticePaid: a payout credited the member; the detail says how much and
	// for which periods.
	NoticePaid loyalty.NoticeKind = "cashback-paid"
	// NoticeBelowMinimum: the accrual did not reach the schedule's minimum
	// and rolls over to the next payout.
	NoticeBelowMinimum loyalty.NoticeKind = "cashback-below-minimum"
	// NoticeRecovered: cashback a return took back after it was paid was
	// recovered from the accrual of later periods (loyalty.AllowNegative).
	NoticeRecovered loyalty.NoticeKind = "cashback-recovered"
)

// PayoutRule pays accrued cashback out on an action of kind PayoutAction
// whose Data["period"] names a period of its schedule ("2026-Q4"; empty
// means the last period that ended before the write).
//
// A payout for period P moves money, in one write: it spends
// (loyalty.Spend, an entry of kind ledger.EntryRedeem, Source the rule's
// name, Ref the action's Ref) the whole balance of the accrual account of P
// and of every earlier period, counting only periods that have ended at the
// time of the write, and earns the sum into the schedule's Credit account
// (an entry of kind ledger.EntryEarn, Source SourcePayout): store credit,
// or a reward certificate, a lot of its own expiring
// Schedule.CertificateMonths after the write (loyalty.Effect.ExpiresAt). An
// accrual account that was paid out therefore reads zero, and what a period
// still owes the member is simply its balance. An early payout never pays a
// period still running. When the sum is below Schedule.Minimum nothing
// moves and the accruals roll over to the next payout.
//
// A return reverses, from the order's accrual account, what the order
// accrued in proportion to the value returned; Program.Clawback decides
// when that period was already paid out and its account is empty:
//
//   - loyalty.ClampAtZero (the default): the reversal takes what is left in
//     the account (nothing, after a payout) and the rest is forgiven. The
//     member keeps the store credit; the accrual account stays at zero.
//   - loyalty.AllowNegative: the reversal takes it all and the accrual
//     account of the paid period goes negative: a debt. The ledger repays a
//     negative balance from the next credit to the same account, but no
//     later order accrues into a period that has ended, so the PayoutRule
//     makes that credit: each later payout first spends, oldest first, from
//     the completed accruals it would pay, and earns the same amount into
//     the indebted accounts (NoticeRecovered), which brings them back
//     towards zero; it pays only what is left, if that reaches the
//     minimum. A debt larger than the accruals stays for the payouts after.
//
// Store credit already issued is never taken back. Only a program under
// loyalty.AllowNegative recovers: should a program switch to ClampAtZero,
// negative accruals left from before are no longer recovered (nor reported
// as Balance.Owed).
//
// An action naming a period that is not one of the schedule's
// ("2026-11" on a quarterly schedule), or one that has not ended yet
// (running or not started: ErrPeriodNotOver), is refused (loyalty.Refuse):
// the write fails with an error wrapping loyalty.ErrRefused, writes nothing
// and does not use up its key, so the payout at the period's end pays
// everything the period accrued.
//
// Periods are counted in the schedule's Location, or in the program's zone
// (loyalty.Program.Location) when it has none. The rule takes part in the
// periodic jobs (loyalty.Engine.RunJobs) as a loyalty.Periodic: see Due.
//
// A program needs one PayoutRule per accrual account prefix: a second one
// would find nothing left to pay, and a write whose two rules spend the same
// accrual fails with loyalty.ErrInsufficientPoints.
type PayoutRule struct {
	name  string
	sched Schedule
}

// NewPayoutRule returns the rule name paying out what rules on schedule s
// accrued. It fails with an error wrapping loyalty.ErrInvalidProgram for an
// empty name or a nil or invalid schedule.
func NewPayoutRule(name string, s *Schedule) (*PayoutRule, error) {
	if s == nil {
		return nil, definition.Invalid("schedule", "a payout rule needs a schedule")
	}
	r := &PayoutRule{name: name, sched: *s}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// Name returns the rule's name.
func (r *PayoutRule) Name() string { return r.name }

// Schedule returns a copy of the rule's schedule.
func (r *PayoutRule) Schedule() *Schedule { s := r.sched; return &s }

// ProgramType reports that the rule belongs to a cashback program.
func (r *PayoutRule) ProgramType() string { return "cashback" }

// Kind reports that the rule reacts to PayoutAction (loyalty.ActionRule), so
// a payout to a member with nothing accrued is recorded, not refused.
func (r *PayoutRule) Kind() loyalty.ActionKind { return PayoutAction }

// Redeemable names the store credit account payouts credit, which
// Engine.Redeem may spend (loyalty.RedeemableRule).
func (r *PayoutRule) Redeemable() []ledger.Account { return []ledger.Account{r.sched.credit()} }

// Validate checks the rule, for NewPayoutRule and Program.Validate: a name
// and a valid schedule.
func (r *PayoutRule) Validate() error {
	if err := definition.ValidName(r.name); err != nil {
		return err
	}
	if r.sched.Every == 0 {
		return definition.Invalid("schedule", "is not set: build the rule with cashback.NewPayoutRule")
	}
	return r.sched.Validate()
}

// periodBalance is the accrual account of one period of a member.
type periodBalance struct {
	acct  ledger.Account
	key   string
	start time.Time
	bal   int64
}

// accruals returns the member's accrual accounts of schedule s, oldest first.
func accruals(s *Schedule, st *loyalty.State) []periodBalance {
	var out []periodBalance
	for _, b := range st.Balances {
		key, start, ok := s.periodOf(b.Account)
		if !ok {
			continue
		}
		out = append(out, periodBalance{b.Account, key, start, b.Available})
	}
	slices.SortFunc(out, func(x, y periodBalance) int { return x.start.Compare(y.start) })
	return out
}

// Evaluate pays out on a payout action, as the type's documentation says.
func (r *PayoutRule) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	a, ok := c.Event.(*loyalty.Action)
	if !ok || a.Kind != PayoutAction || c.Program == nil || r.sched.Every == 0 {
		return effects
	}
	s := r.sched.of(c.Program)
	cur := c.Program.Currency
	amountText := func(v int64) string { return money.MinorUnits(v, cur).String() }
	period := a.Data["period"]
	if period == "" {
		period = s.Due(c.Now)
	}
	pstart, err := s.parse(period)
	if err != nil {
		return append(effects, loyalty.Refuse(err.Error()))
	}
	if pstart.After(c.Now) {
		return append(effects, loyalty.RefuseWith(ErrPeriodNotOver, "cashback period "+period+" has not started"))
	}
	if pend := pstart.AddDate(0, s.Every.Months(), 0); pend.After(c.Now) {
		// Paying nothing now would use up the period's key: refuse, so the
		// payout at the period's end pays all it accrued.
		return append(effects, loyalty.RefuseWith(ErrPeriodNotOver, "cashback period "+period+" runs until "+pend.Format(time.RFC3339)))
	}
	all := accruals(s, c.State)
	var pay, debts []periodBalance
	var accrued, debt int64
	for _, p := range all {
		ended := !p.start.AddDate(0, s.Every.Months(), 0).After(c.Now)
		switch {
		case p.bal < 0 && c.Program.Clawback == loyalty.AllowNegative:
			debts = append(debts, p)
			debt -= p.bal
		case p.bal > 0 && ended && !p.start.After(pstart):
			pay = append(pay, p)
			accrued += p.bal
		}
	}
	recovered := min(debt, accrued)
	net := accrued - recovered
	paying := net > 0 && net >= s.minimum(cur)

	// Recover debts from the completed accruals, oldest from oldest: spend
	// from an accrual, earn into a debt.
	if recovered > 0 {
		var from []string
		left := recovered
		for i := range pay {
			p := &pay[i]
			v := min(p.bal, left)
			if v <= 0 {
				break
			}
			left -= v
			p.bal -= v
			from = append(from, p.key)
			effects = append(effects, loyalty.Spend(p.acct, v, "recovers cashback returned after payout"))
		}
		what := strings.Join(from, ", ")
		left = recovered
		for _, d := range debts {
			v := min(-d.bal, left)
			if v <= 0 {
				break
			}
			left -= v
			e := loyalty.Earn(v, loyalty.OrderLevel, "returned after payout, recovered from the cashback of "+what)
			e.Account = d.acct
			effects = append(effects, e)
		}
		effects = append(effects, loyalty.Notify(NoticeRecovered, amountText(recovered)+" of cashback returned after payout, from the cashback of "+what))
	}
	switch {
	case paying:
		var paid []string
		for _, p := range pay {
			if p.bal > 0 {
				paid = append(paid, p.key)
			}
		}
		what := strings.Join(paid, ", ")
		for _, p := range pay {
			if p.bal > 0 {
				effects = append(effects, loyalty.Spend(p.acct, p.bal, "paid out as "+string(s.credit())))
			}
		}
		e := loyalty.Earn(net, loyalty.OrderLevel, "cashback of "+what)
		e.Account = s.credit()
		detail := amountText(net) + " for " + what
		if s.CertificateMonths > 0 {
			e.ExpiresAt = calendar.AddMonths(c.Now.In(s.loc()), s.CertificateMonths).UTC()
			e.Note = "reward certificate for " + what + ", valid until " + e.ExpiresAt.Format(time.DateOnly)
			detail += " as a reward certificate valid until " + e.ExpiresAt.Format(time.DateOnly)
		}
		effects = append(effects, e, loyalty.Notify(NoticePaid, detail))
	case net > 0:
		effects = append(effects, loyalty.Notify(NoticeBelowMinimum, amountText(net)+
			" is below the minimum payout of "+money.New(s.Minimum, cur).String()+" and rolls over"))
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
	Amount        money.Money
	// BelowMinimum is how many members accrued less than the minimum.
	BelowMinimum int
}

// Payout pays period out ("" is the last period that ended, in the
// schedule's or the program's zone) to every member members lists: one Engine.Act
// write per member, in which the PayoutRule spends the member's completed
// accruals and earns them into store credit (see PayoutRule). Each write
// has the idempotency key "<program>/cashback-payout/<period>/<member>" and
// the action's At set to the period's end, so running it again (after a
// crash, or twice by mistake) pays nobody twice: a member already paid
// replays the first receipt, which the report counts again.
//
// The program must have a PayoutRule; period must name one of its periods
// (see Schedule.Due for the last completed one). A period that has not
// ended yet (still running, or not started) is refused before any member is
// visited, with an error wrapping ErrPeriodNotOver and loyalty.ErrRefused:
// nothing is written and no key is used, so the payout at the period's end
// pays everything. Payout stops
// at the first failing write and returns the report so far with the error;
// running it again resumes safely.
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
	sched := rule.sched.of(prog)
	if period == "" {
		period = sched.Due(e.Now())
	}
	_, end, err := sched.Bounds(period)
	if err != nil {
		return nil, err
	}
	if now := e.Now(); end.After(now) {
		return &PayoutReport{Period: period, Amount: money.MinorUnits(0, prog.Currency)},
			fmt.Errorf("%w: %w: cashback period %s ends at %s", loyalty.ErrRefused, ErrPeriodNotOver, period, end.Format(time.RFC3339))
	}
	size := 500
	if opts != nil && opts.PageSize > 0 {
		size = opts.PageSize
	}
	rep := &PayoutReport{Period: period}
	var paid int64
	defer func() { rep.Amount = money.MinorUnits(paid, prog.Currency) }()
	after := ""
	for {
		ids, err := members.Members(ctx, after, size)
		if err != nil {
			return rep, err
		}
		for _, id := range ids {
			rc, err := e.Act(ctx, payoutKey(prog, period, id), payoutAction(id, period, end))
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
				if en.Kind == ledger.EntryEarn && en.Source == SourcePayout && en.Account == rule.sched.credit() {
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

// ErrPeriodNotOver: a payout of a cashback period that has not ended yet
// (still running, or not started). Nothing is written and the period's key
// is not used, so the payout at the period's end pays everything accrued.
var ErrPeriodNotOver = errors.New("cashback: period not over")

// payoutKey is the idempotency key of member's payout of period, shared by
// Payout and the periodic jobs.
func payoutKey(p *loyalty.Program, period, member string) string {
	return p.Name + "/" + string(PayoutAction) + "/" + period + "/" + member
}

// payoutAction is the action paying period out to member, the period ending at end.
func payoutAction(member, period string, end time.Time) *loyalty.Action {
	return &loyalty.Action{Kind: PayoutAction, MemberID: member, At: end, Ref: period,
		Data: map[string]string{"period": period}}
}

// Due implements loyalty.Periodic: at loyalty.StageGrant a member is due a
// payout of the last period that ended (Schedule.Due, in the schedule's or
// the program's zone) when the payout would move money: completed accruals
// to pay (from the minimum) or a debt to recover. The job has Payout's key
// and action, so a run of the jobs and a Payout of the same period never pay
// twice, and a member below the minimum gets no write.
func (r *PayoutRule) Due(c *loyalty.Input, stage loyalty.JobStage, jobs []loyalty.Job) []loyalty.Job {
	if stage != loyalty.StageGrant || c.Program == nil || c.Member == nil || r.sched.Every == 0 {
		return jobs
	}
	s := r.sched.of(c.Program)
	period := s.Due(c.Now)
	_, end, err := s.Bounds(period)
	if err != nil {
		return jobs
	}
	a := payoutAction(c.Member.ID, period, end)
	probe := *c
	probe.Event = a
	for _, e := range r.Evaluate(&probe, nil) {
		if e.Kind == loyalty.EffectSpend {
			return append(jobs, loyalty.Job{Name: string(PayoutAction), Action: *a, Key: payoutKey(c.Program, period, c.Member.ID)})
		}
	}
	return jobs
}

// Balance is what a member sees of their cashback.
type Balance struct {
	MemberID string
	// Credit is the store credit (and unexpired certificates) spendable now.
	Credit money.Money
	// Accrued is the cashback accrued and not paid yet, per period, oldest first.
	Accrued []Accrual
	// Owed is cashback returned after it was paid and not recovered yet: the
	// negative balances of the accrual accounts, under loyalty.AllowNegative
	// (under loyalty.ClampAtZero it is forgiven and reads zero). Later
	// payouts recover it first.
	Owed money.Money
}

// Accrual is cashback accrued in one period and not paid out yet.
type Accrual struct {
	Period string
	Amount money.Money
}

// BalanceOf returns member's cashback as the program's cashback rules keep
// it: the store credit of their credit accounts and the accruals of their
// schedules.
func BalanceOf(ctx context.Context, e *loyalty.Engine, memberID string) (*Balance, error) {
	prog := e.Program()
	var scheds []*Schedule
	var credits []ledger.Account
	addCredit := func(a ledger.Account) {
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
		for _, p := range accruals(s.of(prog), st) {
			switch {
			case p.bal > 0:
				acc = append(acc, p)
			case p.bal < 0 && prog.Clawback == loyalty.AllowNegative:
				owed -= p.bal
			}
		}
	}
	slices.SortStableFunc(acc, func(x, y periodBalance) int { return x.start.Compare(y.start) })
	for _, p := range acc {
		b.Accrued = append(b.Accrued, Accrual{Period: p.key, Amount: money.MinorUnits(p.bal, cur)})
	}
	b.Credit, b.Owed = money.MinorUnits(credit, cur), money.MinorUnits(owed, cur)
	return b, nil
}
