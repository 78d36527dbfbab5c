package membership_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/membership"
	"github.com/loyaltykit/loyalty/money"
)

func TestTrialPaymentRenewalGraceLateRestoreAndLapse(t *testing.T) {
	f := newFixture(t, time.UTC, 3)
	require.Equal(t, membership.None, f.state(t).Status)
	require.Equal(t, int64(10), f.earn(t, "o1"), "no membership: 1 point per 1.00")

	r, err := f.act(t, "trial", membership.ActionTrial, map[string]string{membership.DataPlan: "monthly"})
	require.NoError(t, err)
	require.Equal(t, []loyalty.NoticeKind{membership.NoticeStarted}, kinds(r))
	s := f.state(t)
	require.Equal(t, membership.Trial, s.Status)
	require.Equal(t, start.AddDate(0, 0, 7), s.End)
	require.Equal(t, usd("5.00").String(), s.Due.String(), "first month half price")
	require.Equal(t, int64(20), f.earn(t, "o2"), "double points in trial")

	// Paying during the trial starts the paid month at the trial's end.
	f.clock.Advance(2 * 24 * time.Hour)
	r, err = f.pay(t, "pay-1", "monthly", "5.00")
	require.NoError(t, err)
	require.Equal(t, []loyalty.NoticeKind{membership.NoticeStarted}, kinds(r))
	s = f.state(t)
	require.Equal(t, membership.Active, s.Status)
	require.Equal(t, time.Date(2026, 2, 22, 10, 0, 0, 0, time.UTC), s.Start)
	require.Equal(t, time.Date(2026, 3, 22, 10, 0, 0, 0, time.UTC), s.End)
	require.Equal(t, "10.00 USD", s.Due.String())

	// Renewal on the end day: no gap.
	f.clock.Set(time.Date(2026, 3, 22, 9, 0, 0, 0, time.UTC))
	r, err = f.pay(t, "pay-2", "monthly", "10.00")
	require.NoError(t, err)
	require.Equal(t, []loyalty.NoticeKind{membership.NoticeRenewed}, kinds(r))
	require.Equal(t, time.Date(2026, 4, 22, 10, 0, 0, 0, time.UTC), f.state(t).End)

	// Missed: grace for 3 days with benefits, announced by the jobs.
	f.clock.Set(time.Date(2026, 4, 23, 10, 0, 0, 0, time.UTC))
	require.Equal(t, membership.Grace, f.state(t).Status)
	require.Equal(t, int64(20), f.earn(t, "o3"), "benefits in grace")
	rep, err := f.e.RunJobs(ctx, nil, nil)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Jobs["membership/prime"])
	rep, err = f.e.RunJobs(ctx, nil, nil)
	require.NoError(t, err)
	require.Equal(t, 0, rep.Jobs["membership/prime"], "announced once")

	// A late payment restores from the original end: 22 April to 22 May.
	_, err = f.pay(t, "pay-3", "monthly", "10.00")
	require.NoError(t, err)
	s = f.state(t)
	require.Equal(t, membership.Active, s.Status)
	require.Equal(t, time.Date(2026, 4, 22, 10, 0, 0, 0, time.UTC), s.Start)
	require.Equal(t, time.Date(2026, 5, 22, 10, 0, 0, 0, time.UTC), s.End)
	require.Equal(t, int64(3), s.Periods)

	// Missed again: lapses at the instant the grace ends.
	f.clock.Set(time.Date(2026, 5, 25, 9, 59, 59, 0, time.UTC))
	require.Equal(t, membership.Grace, f.state(t).Status)
	require.Equal(t, int64(20), f.earn(t, "o4"))
	f.clock.Set(time.Date(2026, 5, 25, 10, 0, 0, 0, time.UTC))
	require.Equal(t, membership.Lapsed, f.state(t).Status)
	require.Equal(t, int64(10), f.earn(t, "o5"), "benefits stop at the lapse")
	st, _ := f.e.Member(ctx, "ann")
	require.False(t, f.m.Benefits(st, f.clock.Now()).FreeShipping)
	rep, err = f.e.RunJobs(ctx, nil, nil)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Jobs["membership/prime"])

	// A trial is once per member.
	_, err = f.act(t, "trial-2", membership.ActionTrial, map[string]string{membership.DataPlan: "monthly"})
	require.ErrorIs(t, err, membership.ErrTrialUsed)
	// After a lapse a payment starts a new membership now, at the full fee.
	_, err = f.pay(t, "pay-4", "monthly", "10.00")
	require.NoError(t, err)
	require.Equal(t, f.clock.Now(), f.state(t).Start)
}

func TestCancelKeepsBenefitsToTheEndOfThePaidPeriodWithoutGrace(t *testing.T) {
	f := newFixture(t, time.UTC, 3)
	_, err := f.pay(t, "pay-1", "monthly", "5.00")
	require.NoError(t, err)
	f.clock.Advance(10 * 24 * time.Hour)
	r, err := f.act(t, "cancel", membership.ActionCancel, nil)
	require.NoError(t, err)
	require.Equal(t, []loyalty.NoticeKind{membership.NoticeCancelled}, kinds(r))
	require.Equal(t, membership.Cancelled, f.state(t).Status)
	require.Equal(t, int64(20), f.earn(t, "o1"))
	f.clock.Set(time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC))
	require.Equal(t, membership.Lapsed, f.state(t).Status)
	require.Equal(t, int64(10), f.earn(t, "o2"))
}

func TestYearlyBilledAsTenMonthsAndProrationExactToTheCent(t *testing.T) {
	f := newFixture(t, time.UTC, 0)
	_, err := f.pay(t, "pay-1", "monthly", "5.00") // 15 Feb to 15 Mar (28 days), first month half price
	require.NoError(t, err)
	// Upgrade after 7 days: 21 of 28 days left of the 10.00 fee credit 7.50
	// (the period's value is the fee, not the discounted first price).
	f.clock.Advance(7 * 24 * time.Hour)
	st, _ := f.e.Member(ctx, "ann")
	charge, credit, err := f.m.Proration(st, "yearly", f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, "92.50 USD", charge.String(), "100.00 - 7.50")
	require.Equal(t, "0.00 USD", credit.String())
	_, err = f.act(t, "up-bad", membership.ActionChangePlan, map[string]string{membership.DataPlan: "yearly", membership.DataAmount: "92.49"})
	require.ErrorIs(t, err, membership.ErrWrongAmount)
	r, err := f.act(t, "up", membership.ActionChangePlan, map[string]string{membership.DataPlan: "yearly", membership.DataAmount: "92.50"})
	require.NoError(t, err)
	require.Equal(t, []loyalty.NoticeKind{membership.NoticePlanChanged}, kinds(r))
	require.Equal(t, "monthly", r.Notices[0].From)
	require.Equal(t, "yearly", r.Notices[0].To)
	s := f.state(t)
	require.Equal(t, time.Date(2027, 2, 22, 10, 0, 0, 0, time.UTC), s.End)

	// Downgrade after a third of a day of the 365-day year: the unused part
	// of 100.00 is ⌊100.00 × (365 − 1/3) / 365⌋ = 99.90; 10.00 − 99.90 is
	// a credit of 89.90 carried to the next payments.
	f.clock.Advance(8 * time.Hour)
	st, _ = f.e.Member(ctx, "ann")
	charge, credit, err = f.m.Proration(st, "monthly", f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, "0.00 USD", charge.String())
	require.Equal(t, "89.90 USD", credit.String())
	_, err = f.act(t, "down", membership.ActionChangePlan, map[string]string{membership.DataPlan: "monthly", membership.DataAmount: "0"})
	require.NoError(t, err)
	s = f.state(t)
	require.Equal(t, "89.90 USD", s.Credit.String())
	require.Equal(t, "0.00 USD", s.Due.String())
	// The next renewal is paid from the credit: 89.90 − 10.00 = 79.90 left.
	_, err = f.pay(t, "pay-2", "monthly", "0")
	require.NoError(t, err)
	require.Equal(t, "79.90 USD", f.state(t).Credit.String())
}

func TestEconomicsFeeRevenueAgainstBenefitCost(t *testing.T) {
	f := newFixture(t, time.UTC, 0)
	_, err := f.pay(t, "pay-1", "monthly", "5.00")
	require.NoError(t, err)
	f.earn(t, "o1") // 10 base + 10 bonus
	f.earn(t, "o2")
	_, err = f.act(t, "disc-1", membership.ActionBenefit, map[string]string{membership.DataAmount: "0.50"})
	require.NoError(t, err)
	st, _ := f.e.Member(ctx, "ann")
	e := f.m.Economics(st)
	require.Equal(t, "2026-02-15", e.PeriodKey)
	require.Equal(t, "5.00 USD", e.Fee.String())
	require.Equal(t, int64(20), e.BonusPoints)
	require.Equal(t, "0.50 USD", e.Discounts.String())
	// At 0.01 a point the benefits cost 0.70: the fee pays for them.
	cost := e.Cost(usd("0.01"))
	require.True(t, cost.Amount.Equal(dec("0.70")))
	require.True(t, e.Fee.Amount.GreaterThan(cost.Amount))

	// A renewal starts a new period of economics; lifetime totals add up.
	f.clock.Set(time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC))
	_, err = f.pay(t, "pay-2", "monthly", "10.00")
	require.NoError(t, err)
	f.earn(t, "o3")
	st, _ = f.e.Member(ctx, "ann")
	e = f.m.Economics(st)
	require.Equal(t, "2026-03-15", e.PeriodKey)
	require.Equal(t, "10.00 USD", e.Fee.String())
	require.Equal(t, int64(10), e.BonusPoints)
	require.Equal(t, "15.00 USD", e.Fees.String())
	require.Equal(t, int64(30), e.LifetimeBonus)
	require.True(t, e.Discounts.Amount.IsZero())
}

func TestCheckoutSeesTheBenefits(t *testing.T) {
	f := newFixture(t, time.UTC, 0)
	st, _ := f.e.Member(ctx, "ann")
	q := f.m.Checkout(st, f.clock.Now(), usd("33.33"), usd("4.99"))
	require.True(t, q.Discount.Amount.IsZero())
	require.True(t, q.Shipping.Amount.IsZero())
	_, err := f.pay(t, "pay-1", "monthly", "5.00")
	require.NoError(t, err)
	st, _ = f.e.Member(ctx, "ann")
	q = f.m.Checkout(st, f.clock.Now(), usd("33.33"), usd("4.99"))
	require.Equal(t, "1.66 USD", q.Discount.String(), "5% of 33.33 = 1.6665, rounded down")
	require.Equal(t, "4.99 USD", q.Shipping.String())
	b := f.m.Benefits(st, f.clock.Now())
	require.True(t, b.MayTake("vip-mug"))
	require.True(t, b.Has("early-access"))
}

func TestBadInputIsTypedAndWritesNothing(t *testing.T) {
	for name, p := range map[string]membership.Plan{
		"zero fee":     {ID: "x", Fee: usd("0"), Period: calendar.Month},
		"negative fee": {ID: "x", Fee: usd("-1"), Period: calendar.Month},
		"zero period":  {ID: "x", Fee: usd("1"), Period: 0},
		"weekly":       {ID: "x", Fee: usd("1"), Period: calendar.Week},
		"other money":  {ID: "x", Fee: money.Money{Amount: dec("1"), Currency: "EUR"}, Period: calendar.Month},
		"sub-cent fee": {ID: "x", Fee: usd("1.001"), Period: calendar.Month},
	} {
		_, err := membership.New("prime", "USD", []membership.Plan{p}, nil)
		require.ErrorIs(t, err, loyalty.ErrInvalidProgram, name)
	}

	f := newFixture(t, time.UTC, 0)
	before, _ := f.e.Member(ctx, "ann")
	_, err := f.act(t, "eur", membership.ActionPayment, map[string]string{membership.DataPlan: "monthly", membership.DataAmount: "5.00", membership.DataCurrency: "EUR"})
	require.ErrorIs(t, err, loyalty.ErrCurrencyMismatch)
	var pe *membership.PaymentError
	require.ErrorAs(t, err, &pe)
	require.ErrorIs(t, err, loyalty.ErrRefused)
	_, err = f.pay(t, "unknown", "weekly", "5.00")
	require.ErrorIs(t, err, membership.ErrUnknownPlan)
	_, err = f.pay(t, "short", "monthly", "4.99")
	require.ErrorIs(t, err, membership.ErrWrongAmount)
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "5.00 USD", pe.Due.String())
	_, err = f.act(t, "cancel", membership.ActionCancel, nil)
	require.ErrorIs(t, err, membership.ErrNotActive)
	after, _ := f.e.Member(ctx, "ann")
	require.Equal(t, before.Version, after.Version, "nothing written")
	require.Equal(t, before.Counters, after.Counters)
}

func TestBonusPointsArePerPeriodAndAddUpOverTrialPaymentAndPlanChange(t *testing.T) {
	f := newFixture(t, time.UTC, 0)
	_, err := f.act(t, "trial", membership.ActionTrial, map[string]string{membership.DataPlan: "monthly"})
	require.NoError(t, err)
	require.Equal(t, int64(20), f.earn(t, "o1"), "10 base + 10 bonus in trial")
	st, _ := f.e.Member(ctx, "ann")
	e := f.m.Economics(st)
	require.Equal(t, int64(10), e.BonusPoints)
	require.Equal(t, int64(10), e.LifetimeBonus)

	// The first payment starts a period: the trial's bonus is past.
	_, err = f.pay(t, "pay-1", "monthly", "5.00")
	require.NoError(t, err)
	st, _ = f.e.Member(ctx, "ann")
	e = f.m.Economics(st)
	require.Equal(t, int64(0), e.BonusPoints)
	require.Equal(t, int64(10), e.LifetimeBonus)
	require.Equal(t, int64(10), st.Counter("prime:bonus-past", ""))
	f.earn(t, "o2")
	f.earn(t, "o3")

	// A plan change starts another: 20 of the month are past too.
	f.clock.Advance(24 * time.Hour)
	st, _ = f.e.Member(ctx, "ann")
	charge, _, err := f.m.Proration(st, "yearly", f.clock.Now())
	require.NoError(t, err)
	_, err = f.act(t, "up", membership.ActionChangePlan, map[string]string{membership.DataPlan: "yearly", membership.DataAmount: charge.Amount.StringFixed(2)})
	require.NoError(t, err)
	f.earn(t, "o4")
	st, _ = f.e.Member(ctx, "ann")
	e = f.m.Economics(st)
	require.Equal(t, "yearly", e.Plan)
	require.Equal(t, int64(10), e.BonusPoints, "o4 only")
	require.Equal(t, int64(40), e.LifetimeBonus, "10 trial + 20 month + 10 year")
	require.Equal(t, int64(30), st.Counter("prime:bonus-past", ""))
}
