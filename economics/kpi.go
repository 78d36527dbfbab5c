package economics

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage"
	"github.com/shopspring/decimal"
)

// Period is the half-open interval [Start, End).
type Period struct {
	Start, End time.Time
}

// Source is where issued points or money came from.
type Source string

// Sources of issued value. DefaultClassify maps entries to them.
const (
	FromOrders      Source = "orders"
	FromEngagement  Source = "engagement"
	FromReferrals   Source = "referrals"
	FromGames       Source = "games"
	FromAdjustments Source = "adjustments"
	// FromTransfers is value a write moved in from another account of the
	// program, which a redemption there took out in the same write (a
	// cashback payout into store credit): issued to the account, but not
	// new value given to members, so not counted in Cost a second time.
	FromTransfers Source = "transfers"
)

// DefaultClassify says where an entry that credited value came from, by its
// kind and Entry.Source:
//
//	kind adjust, or source "operator"              adjustments
//	source "cashback-payout" (cashback.SourcePayout:
//	  the credit a payout moves out of accruals)    transfers
//	source "order", or a rule of an order's earn   orders (the default)
//	source starting "referral"                     referrals
//	source starting "game", "wheel", "scratch",
//	  "quiz", "quest", "punch", "streak"            games
//	an action kind of the root package (signup,
//	  review, newsletter, social_follow, visit,
//	  birthday, anniversary) or of rewards
//	  ("purchase-anniversary")                     engagement
//
// Anything else is an order's: an order earns under Source "order" or its
// rule's name. A host whose rules or action kinds are named otherwise sets
// Options.Classify.
func DefaultClassify(kind ledger.EntryKind, source string) Source {
	switch {
	case kind == ledger.EntryAdjust || source == "operator":
		return FromAdjustments
	case source == "order":
		return FromOrders
	case source == sourceCashbackPayout:
		return FromTransfers
	case strings.HasPrefix(source, "referral"):
		return FromReferrals
	}
	for _, p := range []string{"game", "wheel", "scratch", "quiz", "quest", "punch", "streak"} {
		if strings.HasPrefix(source, p) {
			return FromGames
		}
	}
	switch loyalty.ActionKind(source) {
	case loyalty.ActionSignup, loyalty.ActionReview, loyalty.ActionNewsletter, loyalty.ActionSocial,
		loyalty.ActionVisit, loyalty.ActionBirthday, loyalty.ActionAnniversary, "purchase-anniversary":
		return FromEngagement
	}
	return FromOrders
}

// sourceCashbackPayout is cashback.SourcePayout (this package imports no
// program package).
const sourceCashbackPayout = "cashback-payout"

// BySource splits issued value by Source.
type BySource struct {
	Orders, Engagement, Referrals, Games, Adjustments, Transfers int64
}

func (b *BySource) add(s Source, v int64) {
	switch s {
	case FromEngagement:
		b.Engagement += v
	case FromReferrals:
		b.Referrals += v
	case FromGames:
		b.Games += v
	case FromAdjustments:
		b.Adjustments += v
	case FromTransfers:
		b.Transfers += v
	default:
		b.Orders += v
	}
}

// Flows are what moved through one account in a period, in its units
// (points, or minor units of the currency for a money account), and what
// stood in it at the period's end. Every figure is a sum of entries:
//
//	Issued       earn entries (available and held) and positive adjustments;
//	             IssuedBy.Transfers of it came from another account of the
//	             program (a cashback payout into store credit)
//	Redeemed     redeem entries, less restores of cancelled redemptions
//	             (a payout's debit of a cashback accrual included)
//	Expired      expire entries: breakage
//	Voided       held value cancelled by a return (void) and earned value
//	             taken back by one (reverse)
//	AdjustedOut  negative adjustments
//	Outstanding  the balance (available plus held) at the period's end, and
//	             Held its held part
//
// so Outstanding(end) = Outstanding(start) + Issued - Redeemed - Expired -
// Voided - AdjustedOut.
type Flows struct {
	Account     ledger.Account
	Issued      int64
	IssuedBy    BySource
	Redeemed    int64
	Expired     int64
	Voided      int64
	AdjustedOut int64
	Outstanding int64
	Held        int64
}

// Customers are orders of a group of customers in a period.
type Customers struct {
	// Orders placed, and the customers who placed them.
	Orders, Buyers int64
	// Sales is what the orders were worth (gross of returns), Revenue net of
	// returns.
	Sales, Revenue money.Money
	// AOV is Sales / Orders; Frequency Orders / Buyers. Zero when there are none.
	AOV       money.Money
	Frequency decimal.Decimal
}

// KPIs are a program's figures for one period.
type KPIs struct {
	Period
	// Points is PointsAccount; Money the money accounts (Options.MoneyAccounts),
	// sorted by account.
	Points Flows
	Money  []Flows
	// Liability is what is outstanding at the period's end at its redemption
	// value: Points.Outstanding × Options.PointValue plus every money
	// account's Outstanding.
	Liability money.Money
	// RedemptionRate is Points.Redeemed / Points.Issued and BreakageRate
	// Points.Expired / Points.Issued, over the period (zero when nothing was
	// issued); they may pass 1 when points of earlier periods are redeemed or
	// expire.
	RedemptionRate, BreakageRate decimal.Decimal
	// Active counts the members who earned or redeemed in the period;
	// Enrolled those who joined before it ended; ActiveShare Active/Enrolled.
	Active, Enrolled int64
	ActiveShare      decimal.Decimal
	// Grants counts the rewards granted in the period (RewardsAccount).
	Grants int64
	// Cost is what the programme cost in the period, each unit of value
	// given to members once, when it leaves the programme's accounts: the
	// points redeemed at PointValue plus the money redeemed from money
	// accounts, less what those redemptions moved into another account of
	// the program (IssuedBy.Transfers, at that account's value), plus
	// Options.OtherCost (the whole period's: in the total only). So a
	// cashback payout into store credit costs nothing by itself; the credit
	// costs when it is spent, and not at all if it expires. Revenue is
	// members' plus non-members' revenue (or Options.Revenue), and
	// CostShare Cost/Revenue.
	Cost, Revenue money.Money
	CostShare     decimal.Decimal
	// Members are the members' orders (from the store's order records);
	// NonMembers what the host fed in (Options.NonMembers), in the total only.
	Members, NonMembers Customers
	// Tiers is how many members stood on each tier of Options.Tiers at the
	// period's end (see Tiers, which computes it), in the total and in the
	// series' last period only: the store keeps no history of standings.
	Tiers []TierCount
}

// Report is a program's KPIs over a period and, when asked, per month or
// week of it.
type Report struct {
	Total  KPIs
	Series []KPIs
}

// Options say what Compute cannot read from the ledger.
type Options struct {
	// Currency of every money figure; required.
	Currency money.Currency
	// PointValue is the redemption value of one point (0.01 for 100 points
	// to the unit), in Currency; zero values points at nothing.
	PointValue money.Money
	// Interval and Location cut the series (nil Location is UTC): a
	// calendar.Month or calendar.Week report has a KPIs per month or week;
	// calendar.Lifetime, the zero value, reports the period as one.
	Interval calendar.Period
	Location *time.Location
	// Classify says where issued value came from; nil is DefaultClassify.
	Classify func(kind ledger.EntryKind, source string) Source
	// MoneyAccounts are the accounts counted as money, in minor units of
	// Currency; nil means every account the ledger holds but PointsAccount
	// and RewardsAccount.
	MoneyAccounts []ledger.Account
	// NonMembers are the orders of customers who are not members over the
	// whole period: the host's figures, since the ledger never sees them.
	// Their Orders, Buyers, Sales and Revenue are read; AOV and Frequency are
	// computed.
	NonMembers Customers
	// Revenue, when not zero, is the shop's revenue over the period, used for
	// CostShare instead of members' plus non-members' revenue.
	Revenue money.Money
	// OtherCost is the programme's cost the ledger does not hold (rewards
	// given, fees waived, partner costs) over the whole period.
	OtherCost money.Money
	// Tiers are the program's tier ladders (its rules that are
	// loyalty.StandingRule, such as a *tiers.Ladder) whose distribution
	// KPIs.Tiers reports; nil reports none. Counting them reads every
	// member's state (see Tiers), so the store must be a
	// loyalty.MemberLister.
	Tiers []loyalty.StandingRule
}

// Compute reports the KPIs of the program store s holds (a store, or a view
// of one program of it: loyalty.ProgramStore.ForProgram) over period p.
// A store that implements storage.LedgerAggregator sums its ledger itself;
// any other is read member by member (it must implement
// loyalty.MemberLister; its order records are found from the entries that
// earned on them, so orders that earned nothing are not counted).
//
// Bad input is an *InputError and no report: a period that does not end
// after it starts (ErrInvalidPeriod), money in another currency
// (ErrCurrencyMismatch), negative host figures (ErrInvalidInput), order
// records of the ledger in another currency (ErrCurrencyMismatch).
func Compute(ctx context.Context, s loyalty.Store, p Period, opts *Options) (*Report, error) {
	if opts == nil {
		return nil, inputError("options", -1, "are missing (a currency is required)", ErrInvalidInput)
	}
	bounds, err := checkOptions(p, opts)
	if err != nil {
		return nil, err
	}
	if err := checkLadders(opts.Tiers); err != nil {
		return nil, err
	}
	var t *ledger.Totals
	if a, ok := s.(storage.LedgerAggregator); ok {
		t, err = a.AggregateLedger(ctx, bounds)
	} else {
		t, err = Scan(ctx, s, bounds)
	}
	if err != nil {
		return nil, err
	}
	r, err := FromTotals(t, opts)
	if err != nil || len(opts.Tiers) == 0 {
		return r, err
	}
	tiers, err := Tiers(ctx, s, opts.Tiers, p.End)
	if err != nil {
		return nil, err
	}
	r.Total.Tiers = tiers
	if n := len(r.Series); n > 0 {
		r.Series[n-1].Tiers = slices.Clone(tiers)
	}
	return r, nil
}

// Bounds are the bucket bounds of period p cut by interval in loc: p.Start,
// the start of every interval (calendar.Week: every Monday; calendar.Month:
// every first of the month; calendar.Day, Quarter, Year, Hour alike)
// strictly inside p, p.End. calendar.Lifetime cuts nothing: p.Start, p.End.
func Bounds(p Period, interval calendar.Period, loc *time.Location) []time.Time {
	if loc == nil {
		loc = time.UTC
	}
	b := []time.Time{p.Start}
	if interval != calendar.Lifetime {
		for next := interval.End(p.Start.In(loc)); next.Before(p.End); next = interval.End(next) {
			b = append(b, next)
		}
	}
	return append(b, p.End)
}

func checkOptions(p Period, o *Options) ([]time.Time, error) {
	if !p.Start.Before(p.End) {
		return nil, inputError("period", -1, "ends at "+p.End.Format(time.RFC3339)+", not after its start "+p.Start.Format(time.RFC3339), ErrInvalidPeriod)
	}
	if o.Currency.Validate() != nil {
		return nil, inputError("currency", -1, "is not a currency", ErrInvalidInput)
	}
	if !o.Interval.Valid() {
		return nil, inputError("interval", -1, "is unknown", ErrInvalidInput)
	}
	for _, m := range []struct {
		field string
		m     money.Money
	}{{"point_value", o.PointValue}, {"non_members.sales", o.NonMembers.Sales}, {"non_members.revenue", o.NonMembers.Revenue},
		{"revenue", o.Revenue}, {"other_cost", o.OtherCost}} {
		if !m.m.IsZero() && m.m.Currency != o.Currency {
			return nil, inputError(m.field, -1, "is in "+string(m.m.Currency)+", not "+string(o.Currency), ErrCurrencyMismatch)
		}
		if m.m.Amount.Sign() < 0 {
			return nil, inputError(m.field, -1, "is negative", ErrInvalidInput)
		}
	}
	if o.NonMembers.Orders < 0 || o.NonMembers.Buyers < 0 {
		return nil, inputError("non_members", -1, "has a negative count", ErrInvalidInput)
	}
	return Bounds(p, o.Interval, o.Location), nil
}

// FromTotals computes the report from a program's ledger totals over
// bounds (ledger.Totals.Bounds: the first is the period's start, the last
// its end). Compute calls it; it is exported for a host that sums its
// ledger in its own way.
func FromTotals(t *ledger.Totals, o *Options) (*Report, error) {
	if len(t.Bounds) < 2 {
		return nil, inputError("bounds", -1, "hold fewer than two times", ErrInvalidPeriod)
	}
	bounds, err := checkOptions(Period{t.Bounds[0], t.Bounds[len(t.Bounds)-1]}, o)
	if err != nil {
		return nil, err
	}
	_ = bounds
	n := len(t.Bounds) - 1
	classify := o.Classify
	if classify == nil {
		classify = DefaultClassify
	}
	c := o.Currency
	zero := money.Money{Amount: decimal.Zero, Currency: c}

	// The accounts, in order.
	moneyAccts := slices.Clone(o.MoneyAccounts)
	if moneyAccts == nil {
		for _, e := range t.Entries {
			if e.Account != ledger.PointsAccount && e.Account != ledger.RewardsAccount && !slices.Contains(moneyAccts, e.Account) {
				moneyAccts = append(moneyAccts, e.Account)
			}
		}
	}
	slices.Sort(moneyAccts)
	moneyAccts = slices.Compact(moneyAccts)

	series := make([]KPIs, n)
	for i := range series {
		k := &series[i]
		k.Start, k.End = t.Bounds[i], t.Bounds[i+1]
		k.Points.Account = ledger.PointsAccount
		k.Money = make([]Flows, len(moneyAccts))
		for j, a := range moneyAccts {
			k.Money[j].Account = a
		}
	}
	flowsOf := func(k *KPIs, a ledger.Account) *Flows {
		if a == ledger.PointsAccount {
			return &k.Points
		}
		if j, ok := slices.BinarySearch(moneyAccts, a); ok {
			return &k.Money[j]
		}
		return nil
	}
	// Opening balances (bucket -1) and flows.
	open := map[ledger.Account][2]int64{} // outstanding, held
	for _, e := range t.Entries {
		if e.Account == ledger.RewardsAccount {
			if e.Bucket >= 0 && e.Bucket < n && e.Kind == ledger.EntryGrant {
				series[e.Bucket].Grants += e.Credits
			}
			continue
		}
		if e.Bucket < 0 {
			v := open[e.Account]
			v[0] += e.Amount + e.Pending
			v[1] += e.Pending
			open[e.Account] = v
			continue
		}
		if e.Bucket >= n {
			continue
		}
		f := flowsOf(&series[e.Bucket], e.Account)
		if f == nil {
			continue
		}
		net := e.Amount + e.Pending
		switch e.Kind {
		case ledger.EntryEarn:
			f.Issued += net
			f.IssuedBy.add(classify(e.Kind, e.Source), net)
		case ledger.EntryAdjust:
			debits := e.Credits - net
			f.Issued += e.Credits
			f.IssuedBy.add(classify(e.Kind, e.Source), e.Credits)
			f.AdjustedOut += debits
		case ledger.EntryRedeem, ledger.EntryRestore:
			f.Redeemed -= net
		case ledger.EntryExpire:
			f.Expired -= net
		case ledger.EntryVoid, ledger.EntryReverse:
			f.Voided -= net
		}
		f.Outstanding += net
		f.Held += e.Pending
	}
	// Balances carry over; liability, rates.
	carry := func(f *Flows, prev *Flows) {
		if prev != nil {
			f.Outstanding += prev.Outstanding
			f.Held += prev.Held
			return
		}
		v := open[f.Account]
		f.Outstanding += v[0]
		f.Held += v[1]
	}
	for i := range series {
		k := &series[i]
		var prev *KPIs
		if i > 0 {
			prev = &series[i-1]
		}
		if prev != nil {
			carry(&k.Points, &prev.Points)
		} else {
			carry(&k.Points, nil)
		}
		for j := range k.Money {
			if prev != nil {
				carry(&k.Money[j], &prev.Money[j])
			} else {
				carry(&k.Money[j], nil)
			}
		}
		if i < len(t.Active) {
			k.Active = t.Active[i]
		}
		if i < len(t.Enrolled) {
			k.Enrolled = t.Enrolled[i]
		}
		if i < len(t.Buyers) {
			k.Members.Buyers = t.Buyers[i]
		}
	}
	// Orders.
	for i := range series {
		series[i].Members.Sales, series[i].Members.Revenue = zero, zero
	}
	for _, ot := range t.Orders {
		if ot.Bucket < 0 || ot.Bucket >= n {
			continue
		}
		if ot.Currency != c {
			return nil, inputError("orders", ot.Bucket, "hold order records in "+string(ot.Currency)+", not "+string(c), ErrCurrencyMismatch)
		}
		m := &series[ot.Bucket].Members
		m.Orders += ot.Orders
		m.Sales.Amount = m.Sales.Amount.Add(decimal.New(ot.Value, -ot.Scale))
		m.Revenue.Amount = m.Revenue.Amount.Add(decimal.New(ot.Value-ot.Returned, -ot.Scale))
	}

	total := KPIs{Period: Period{t.Bounds[0], t.Bounds[n]}}
	total.Points = Flows{Account: ledger.PointsAccount}
	total.Money = make([]Flows, len(moneyAccts))
	for j, a := range moneyAccts {
		total.Money[j].Account = a
	}
	total.Members.Sales, total.Members.Revenue = zero, zero
	sum := func(to, f *Flows) {
		to.Issued += f.Issued
		to.IssuedBy.Orders += f.IssuedBy.Orders
		to.IssuedBy.Engagement += f.IssuedBy.Engagement
		to.IssuedBy.Referrals += f.IssuedBy.Referrals
		to.IssuedBy.Games += f.IssuedBy.Games
		to.IssuedBy.Adjustments += f.IssuedBy.Adjustments
		to.IssuedBy.Transfers += f.IssuedBy.Transfers
		to.Redeemed += f.Redeemed
		to.Expired += f.Expired
		to.Voided += f.Voided
		to.AdjustedOut += f.AdjustedOut
		to.Outstanding, to.Held = f.Outstanding, f.Held // the last period's
	}
	for i := range series {
		k := &series[i]
		sum(&total.Points, &k.Points)
		for j := range k.Money {
			sum(&total.Money[j], &k.Money[j])
		}
		total.Grants += k.Grants
		total.Members.Orders += k.Members.Orders
		total.Members.Sales.Amount = total.Members.Sales.Amount.Add(k.Members.Sales.Amount)
		total.Members.Revenue.Amount = total.Members.Revenue.Amount.Add(k.Members.Revenue.Amount)
		total.Enrolled = k.Enrolled
	}
	total.Active, total.Members.Buyers = t.ActiveAll, t.BuyersAll

	// Non-members and revenue are the whole period's, in the total only.
	total.NonMembers = Customers{Orders: o.NonMembers.Orders, Buyers: o.NonMembers.Buyers,
		Sales: orZero(o.NonMembers.Sales, c), Revenue: orZero(o.NonMembers.Revenue, c)}
	for i := range series {
		derive(&series[i], o, c, false)
	}
	derive(&total, o, c, true)
	return &Report{Total: total, Series: seriesOrNil(series, o.Interval)}, nil
}

func seriesOrNil(s []KPIs, i calendar.Period) []KPIs {
	if i == calendar.Lifetime {
		return nil
	}
	return s
}

func orZero(m money.Money, c money.Currency) money.Money {
	if m.IsZero() {
		return money.Money{Amount: decimal.Zero, Currency: c}
	}
	return m
}

// ratioDigits is the decimals a rate or share is given to.
const ratioDigits = 6

// Ratio is a over b to 6 decimal places, rounded half away from zero, and
// 0 when b is 0: how every rate and share of the KPIs is computed.
func Ratio(a, b decimal.Decimal) decimal.Decimal {
	if b.Sign() == 0 {
		return decimal.Zero
	}
	return a.DivRound(b, ratioDigits)
}

func derive(k *KPIs, o *Options, c money.Currency, total bool) {
	money := func(d decimal.Decimal) money.Money { return money.Money{Amount: d, Currency: c} }
	digits := c.MinorDigits()
	pv := o.PointValue.Amount
	liab := pv.Mul(decimal.NewFromInt(k.Points.Outstanding))
	cost := pv.Mul(decimal.NewFromInt(k.Points.Redeemed - k.Points.IssuedBy.Transfers))
	for _, f := range k.Money {
		liab = liab.Add(decimal.New(f.Outstanding, -digits))
		cost = cost.Add(decimal.New(f.Redeemed-f.IssuedBy.Transfers, -digits))
	}
	revenue := k.Members.Revenue.Amount
	if total {
		cost = cost.Add(o.OtherCost.Amount)
		if !o.Revenue.IsZero() {
			revenue = o.Revenue.Amount
		} else {
			revenue = revenue.Add(k.NonMembers.Revenue.Amount)
		}
	}
	k.Liability, k.Cost, k.Revenue = money(liab), money(cost), money(revenue)
	k.CostShare = Ratio(cost, revenue)
	k.RedemptionRate = Ratio(decimal.NewFromInt(k.Points.Redeemed), decimal.NewFromInt(k.Points.Issued))
	k.BreakageRate = Ratio(decimal.NewFromInt(k.Points.Expired), decimal.NewFromInt(k.Points.Issued))
	k.ActiveShare = Ratio(decimal.NewFromInt(k.Active), decimal.NewFromInt(k.Enrolled))
	for _, cu := range []*Customers{&k.Members, &k.NonMembers} {
		cu.Sales, cu.Revenue = orZero(cu.Sales, c), orZero(cu.Revenue, c)
		cu.AOV = money(decimal.Zero)
		if cu.Orders > 0 {
			cu.AOV = money(cu.Sales.Amount.DivRound(decimal.NewFromInt(cu.Orders), digits))
		}
		cu.Frequency = Ratio(decimal.NewFromInt(cu.Orders), decimal.NewFromInt(cu.Buyers))
	}
}
