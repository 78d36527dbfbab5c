package membership

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/money"
)

// Actions the membership reacts to, sent through Engine.Act. The host owns
// billing: it charges the member, then reports what was paid.
const (
	// ActionPayment reports a payment: Data[DataPlan] the plan,
	// Data[DataAmount] the amount ("9.99") and Data[DataCurrency] its
	// currency. It starts a membership (or converts a trial: the paid
	// period then starts at the trial's end), renews one from the end of
	// its period (early, on time, or late inside the grace: no days are
	// lost or given), or starts a new one after a lapse. It must be exactly
	// what State.Due says.
	ActionPayment loyalty.ActionKind = "membership_payment"
	// ActionTrial starts plan Data[DataPlan]'s free trial: once per member.
	ActionTrial loyalty.ActionKind = "membership_trial"
	// ActionCancel stops renewal: benefits run to the end of the paid
	// period (a trial ends at once), then the membership lapses, with no grace.
	ActionCancel loyalty.ActionKind = "membership_cancel"
	// ActionChangePlan moves an active member to plan Data[DataPlan] now,
	// paying Data[DataAmount] (see Proration).
	ActionChangePlan loyalty.ActionKind = "membership_change"
	// ActionBenefit reports a member discount the host gave at checkout,
	// Data[DataAmount], for Economics.
	ActionBenefit loyalty.ActionKind = "membership_benefit"
	// ActionReview is what the periodic jobs send when a member's
	// membership went into grace or lapsed, to announce it.
	ActionReview loyalty.ActionKind = "membership_review"
)

// Action.Data keys.
const (
	DataPlan     = "plan"
	DataAmount   = "amount"
	DataCurrency = "currency"
	// DataMembership limits an action to the membership of that name when a
	// program runs several.
	DataMembership = "membership"
)

// Notice kinds the membership announces; they reach
// loyalty.EngineOptions.AfterCommit once the write committed.
const (
	NoticeStarted      loyalty.NoticeKind = "membership_started" // a trial or a first paid period (From "", To the plan)
	NoticeRenewed      loyalty.NoticeKind = "membership_renewed"
	NoticeGraceStarted loyalty.NoticeKind = "membership_grace_started"
	NoticeLapsed       loyalty.NoticeKind = "membership_lapsed"
	NoticeCancelled    loyalty.NoticeKind = "membership_cancelled"
	NoticePlanChanged  loyalty.NoticeKind = "membership_plan_changed" // From and To the plans
)

// Evaluate multiplies an order's points by the plan's multiplier while the
// membership runs at the write's time (c.Now, in the membership's zone),
// and handles the membership's actions.
func (m *Membership) Evaluate(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	switch ev := c.Event.(type) {
	case *loyalty.Order:
		plan, ok := m.factor(c.State, c.Now, c)
		if !ok {
			return effects
		}
		return append(effects, loyalty.Multiply(m.factors[plan], loyalty.OrderLevel, m.notes[plan]))
	case *loyalty.Action:
		if n, ok := ev.Data[DataMembership]; ok && n != m.name {
			return effects
		}
		switch ev.Kind {
		case ActionPayment:
			return m.pay(c, ev, effects)
		case ActionTrial:
			return m.trial(c, ev, effects)
		case ActionCancel:
			return m.cancel(c, effects)
		case ActionChangePlan:
			return m.change(c, ev, effects)
		case ActionBenefit:
			return m.benefit(c, ev, effects)
		case ActionReview:
			return m.review(c, effects)
		}
	}
	return effects
}

func set(name, period string, v int64) loyalty.Effect {
	e := loyalty.Count(name, period, v)
	e.Set = true
	return e
}

func refuse(effects []loyalty.Effect, err error, why string) []loyalty.Effect {
	return append(effects, loyalty.RefuseWith(err, why))
}

// amount reads Data[DataAmount] in minor units; ok is false when it is
// missing, does not parse, is negative or finer than the minor unit.
func (m *Membership) amount(a *loyalty.Action) (int64, decimal.Decimal, bool) {
	d, err := decimal.NewFromString(a.Data[DataAmount])
	if err != nil || d.Sign() < 0 || loyalty.CheckAmount("amount", d) != nil {
		return 0, d, false
	}
	v, ok := money.Money{Amount: d, Currency: m.currency}.Minor()
	return v, d, ok
}

func (m *Membership) pay(c *loyalty.Input, a *loyalty.Action, effects []loyalty.Effect) []loyalty.Effect {
	pi := m.plan(a.Data[DataPlan])
	if pi < 0 {
		return refuse(effects, ErrUnknownPlan, "no plan "+quote(a.Data[DataPlan]))
	}
	cur := money.Currency(a.Data[DataCurrency])
	paid, d, ok := m.amount(a)
	if !ok && cur == m.currency {
		return refuse(effects, ErrMalformed, "amount "+quote(a.Data[DataAmount])+" is not an amount of "+string(m.currency))
	}
	if cur != m.currency || cur != c.Program.Currency {
		return refuse(effects, &PaymentError{Plan: m.plans[pi].ID, Paid: money.Money{Amount: d, Currency: cur}, Due: m.money(m.due(&snap{}, pi)), Err: loyalty.ErrCurrencyMismatch}, "payment in "+string(cur))
	}
	loc := m.zone(c)
	s := m.read(c.State)
	st := m.status(&s, c.Now, loc)
	if st.Running() && s.flags&flagTrial == 0 && s.plan != pi {
		return refuse(effects, ErrOtherPlan, "member of "+m.plans[s.plan].ID+", paid for "+m.plans[pi].ID)
	}
	due := m.due(&s, pi)
	if paid != due {
		return refuse(effects, &PaymentError{Plan: m.plans[pi].ID, Paid: m.money(paid), Due: m.money(due), Err: ErrWrongAmount}, "wrong amount")
	}
	p := m.plans[pi]
	var start time.Time
	kind, from := NoticeRenewed, m.plans[pi].ID
	switch {
	case st == Trial:
		start, kind, from = s.end, NoticeStarted, ""
	case st.Running(): // active, cancelled or in grace: from the original end
		start = s.end
	default: // none or lapsed
		start, kind, from = c.Now, NoticeStarted, ""
	}
	end := calendar.AddMonths(start.In(loc), p.Period.Months()).UTC()
	key := start.In(loc).Format(time.DateOnly)
	effects = append(effects,
		set(m.cPlan, "", int64(pi)+1), set(m.cStart, "", start.UnixMicro()), set(m.cEnd, "", end.UnixMicro()),
		set(m.cFlags, "", s.flags&flagTrialUsed), set(m.cPaid, "", m.fee[pi]), set(m.cCredit, "", max(s.credit-(m.feeFor(&s, pi)-paid), 0)),
		set(m.cSeen, "", int64(Active)), set(m.cPeriods, "", s.periods+1),
		set(m.cFee, key, paid), loyalty.Count(m.cFees, "", paid))
	effects = m.fold(&s, effects)
	detail := p.ID + " paid " + m.money(paid).String() + " to " + end.In(loc).Format(time.DateOnly)
	return append(effects, loyalty.NotifyChange(kind, from, p.ID, detail))
}

// feeFor is the price of plan before credit.
func (m *Membership) feeFor(s *snap, plan int) int64 {
	if s.periods == 0 {
		return m.first[plan]
	}
	return m.fee[plan]
}

func (m *Membership) trial(c *loyalty.Input, a *loyalty.Action, effects []loyalty.Effect) []loyalty.Effect {
	pi := m.plan(a.Data[DataPlan])
	if pi < 0 {
		return refuse(effects, ErrUnknownPlan, "no plan "+quote(a.Data[DataPlan]))
	}
	p := m.plans[pi]
	loc := m.zone(c)
	s := m.read(c.State)
	switch {
	case p.TrialDays == 0:
		return refuse(effects, ErrTrialUsed, "plan "+p.ID+" has no trial")
	case s.flags&flagTrialUsed != 0:
		return refuse(effects, ErrTrialUsed, "the member had a trial")
	case m.status(&s, c.Now, loc).Running():
		return refuse(effects, ErrTrialUsed, "the member's membership runs")
	}
	end := addDays(c.Now, p.TrialDays, loc)
	effects = append(effects,
		set(m.cPlan, "", int64(pi)+1), set(m.cStart, "", c.Now.UnixMicro()), set(m.cEnd, "", end.UnixMicro()),
		set(m.cFlags, "", flagTrial|flagTrialUsed), set(m.cPaid, "", 0), set(m.cSeen, "", int64(Trial)))
	return append(effects, loyalty.NotifyChange(NoticeStarted, "", p.ID, p.ID+" trial to "+end.In(loc).Format(time.DateOnly)))
}

func (m *Membership) cancel(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	loc := m.zone(c)
	s := m.read(c.State)
	st := m.status(&s, c.Now, loc)
	if st != Active && st != Trial && st != Grace {
		return refuse(effects, ErrNotActive, "membership is "+st.String())
	}
	end := s.end
	if st == Trial || st == Grace {
		end = c.Now // a trial or a missed renewal ends at once
	}
	effects = append(effects, set(m.cFlags, "", s.flags|flagCancelled), set(m.cEnd, "", end.UnixMicro()), set(m.cSeen, "", int64(Cancelled)))
	return append(effects, loyalty.NotifyChange(NoticeCancelled, m.plans[s.plan].ID, "", "benefits to "+end.In(loc).Format(time.RFC3339)))
}

// Proration of a plan change (ActionChangePlan), exact to the minor unit:
// the change takes effect at once and starts a new period of the new plan.
// The unused part of the current period is credited in proportion to the
// time left, rounded down to the minor unit:
//
//	credit = ⌊paid × (end − now) / (end − start)⌋   (times in microseconds)
//	charge = new plan's fee − credit − carried credit
//
// An upgrade pays charge (Data[DataAmount]); a downgrade whose charge is
// negative pays 0 and carries −charge as credit to the next payments.
// Proration returns the charge and carried credit a change to plan would
// have at now.
func (m *Membership) Proration(st *loyalty.State, plan string, now time.Time) (charge, credit money.Money, err error) {
	pi := m.plan(plan)
	if pi < 0 {
		return money.Money{}, money.Money{}, ErrUnknownPlan
	}
	s := m.read(st)
	if m.status(&s, now.UTC(), m.readLoc(now)) != Active {
		return money.Money{}, money.Money{}, ErrNotActive
	}
	ch, cr := m.prorate(&s, pi, now.UTC())
	return m.money(ch), m.money(cr), nil
}

func (m *Membership) prorate(s *snap, pi int, now time.Time) (charge, credit int64) {
	left, total := s.end.Sub(now).Microseconds(), s.end.Sub(s.start).Microseconds()
	unused := int64(0)
	if total > 0 {
		unused = decimal.New(s.paid, 0).Mul(decimal.New(left, 0)).Div(decimal.New(total, 0)).Floor().IntPart()
	}
	ch := m.fee[pi] - unused - s.credit
	if ch < 0 {
		return 0, -ch
	}
	return ch, 0
}

func (m *Membership) change(c *loyalty.Input, a *loyalty.Action, effects []loyalty.Effect) []loyalty.Effect {
	pi := m.plan(a.Data[DataPlan])
	if pi < 0 {
		return refuse(effects, ErrUnknownPlan, "no plan "+quote(a.Data[DataPlan]))
	}
	loc := m.zone(c)
	s := m.read(c.State)
	if st := m.status(&s, c.Now, loc); st != Active {
		return refuse(effects, ErrNotActive, "membership is "+st.String())
	}
	if s.plan == pi {
		return refuse(effects, ErrOtherPlan, "already on plan "+m.plans[pi].ID)
	}
	if cur := money.Currency(a.Data[DataCurrency]); cur != "" && cur != m.currency {
		return refuse(effects, &PaymentError{Plan: m.plans[pi].ID, Err: loyalty.ErrCurrencyMismatch}, "payment in "+string(cur))
	}
	paid, _, ok := m.amount(a)
	if !ok {
		return refuse(effects, ErrMalformed, "amount "+quote(a.Data[DataAmount])+" is not an amount of "+string(m.currency))
	}
	charge, credit := m.prorate(&s, pi, c.Now)
	if paid != charge {
		return refuse(effects, &PaymentError{Plan: m.plans[pi].ID, Paid: m.money(paid), Due: m.money(charge), Err: ErrWrongAmount}, "wrong amount")
	}
	end := calendar.AddMonths(c.Now.In(loc), m.plans[pi].Period.Months()).UTC()
	key := c.Now.In(loc).Format(time.DateOnly)
	effects = append(effects,
		set(m.cPlan, "", int64(pi)+1), set(m.cStart, "", c.Now.UnixMicro()), set(m.cEnd, "", end.UnixMicro()),
		set(m.cFlags, "", s.flags&flagTrialUsed), set(m.cPaid, "", m.fee[pi]), set(m.cCredit, "", credit),
		set(m.cSeen, "", int64(Active)), set(m.cPeriods, "", s.periods+1),
		set(m.cFee, key, paid), loyalty.Count(m.cFees, "", paid))
	effects = m.fold(&s, effects)
	detail := "paid " + m.money(paid).String() + ", credit " + m.money(credit).String() + ", to " + end.In(loc).Format(time.DateOnly)
	return append(effects, loyalty.NotifyChange(NoticePlanChanged, m.plans[s.plan].ID, m.plans[pi].ID, detail))
}

func (m *Membership) benefit(c *loyalty.Input, a *loyalty.Action, effects []loyalty.Effect) []loyalty.Effect {
	v, _, ok := m.amount(a)
	if !ok || v == 0 {
		return refuse(effects, ErrMalformed, "amount "+quote(a.Data[DataAmount])+" is not a positive amount of "+string(m.currency))
	}
	key := m.feeKey(c.State)
	return append(effects, loyalty.Count(m.cDisc, key, v), loyalty.Count(m.cDiscAll, "", v))
}

// feeKey is the period key of the member's fee counter (no allocation).
func (m *Membership) feeKey(st *loyalty.State) string {
	for i := range st.Counters {
		if st.Counters[i].Name == m.cFee {
			return st.Counters[i].PeriodKey
		}
	}
	return ""
}

// review announces a grace or a lapse the member's status reached.
func (m *Membership) review(c *loyalty.Input, effects []loyalty.Effect) []loyalty.Effect {
	s := m.read(c.State)
	st := m.status(&s, c.Now, m.zone(c))
	if st == s.seen || (st != Grace && st != Lapsed) {
		return effects
	}
	effects = append(effects, set(m.cSeen, "", int64(st)))
	plan := m.plans[s.plan].ID
	if st == Grace {
		return append(effects, loyalty.NotifyChange(NoticeGraceStarted, plan, plan, "renewal missed; pay by "+m.graceEnd(&s, m.zone(c)).In(m.zone(c)).Format(time.DateOnly)))
	}
	return append(effects, loyalty.NotifyChange(NoticeLapsed, plan, "", "membership ended"))
}

// Finish implements loyalty.Finisher: it counts the points the plan's
// multiplier added to an order (Economics.BonusPoints) in one counter, of
// the current period; a payment or a plan change folds what it held into
// the past periods' counter (see fold), so an earn writes one counter, not
// a period's and a lifetime's, and need not look up the period.
func (m *Membership) Finish(c *loyalty.Input, res *loyalty.Result, effects []loyalty.Effect) []loyalty.Effect {
	if _, ok := c.Event.(*loyalty.Order); !ok {
		return effects
	}
	var bonus int64
	for i := range res.Explanation {
		x := &res.Explanation[i]
		if x.Kind == loyalty.EffectMultiply && x.Rule == m.name {
			bonus += x.Points
		}
	}
	if bonus == 0 {
		return effects
	}
	return append(effects, loyalty.Count(m.cBonus, "", bonus))
}

// Due implements loyalty.Periodic: at StageReview it sends ActionReview to
// members whose membership went into grace or lapsed since last announced.
func (m *Membership) Due(c *loyalty.Input, stage loyalty.JobStage, jobs []loyalty.Job) []loyalty.Job {
	if stage != loyalty.StageReview {
		return jobs
	}
	s := m.read(c.State)
	st := m.status(&s, c.Now, m.zone(c))
	if st == s.seen || (st != Grace && st != Lapsed) {
		return jobs
	}
	return append(jobs, loyalty.Job{Name: "membership/" + m.name, Action: loyalty.Action{Kind: ActionReview, Data: map[string]string{DataMembership: m.name}}})
}
