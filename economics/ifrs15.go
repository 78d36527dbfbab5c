package economics

import (
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Accounting for points under IFRS 15 (B39-B43, illustrative example 52,
// IE267-IE270) and ASC 606 (606-10-55-41 to 45): points that give a member a
// material right are a performance obligation of their own. Each period's
// sales price is allocated between the goods and the points by relative
// stand-alone selling price, the points' price allowing for the points not
// expected to be redeemed; revenue of the points is recognised as they are
// redeemed, breakage with it in proportion (B46); a revised expected
// redemption rate changes the cumulative revenue, and the period of the
// revision catches up (a change in estimate, IAS 8).
//
// The points of all periods are one pool: at the end of period k
//
//	allocated(k)  = sales(k) × pointsSSP(k) / (goodsSSP(k) + pointsSSP(k)),
//	                pointsSSP(k) = issued(k) × pointValue(k) × expectedRate(k)
//	A(k)          = allocated(1) + ... + allocated(k)
//	E(k)          = expectedRate(k) × (issued(1) + ... + issued(k))
//	C(k)          = A(k) × min(1, (redeemed(1) + ... + redeemed(k)) / E(k))
//	revenue(k)    = C(k) - C(k-1)
//	liability(k)  = A(k) - C(k)
//
// An allocation is made once, at the rate of its period, and never redone;
// only the rate used for recognition (E) follows revisions. When nothing is
// expected to be redeemed (E = 0) the whole pool is recognised. Breakage(k)
// is the part of C(k) beyond what the redeemed points would have earned had
// every point been expected to be redeemed, A(k) × redeemed / issued.

// divDigits is the decimals a quotient is carried to before the one
// rounding to the minor unit: far beyond any currency's minor unit, so the
// rounded figures are those of exact arithmetic (short of a tie at the 24th
// decimal).
const divDigits = 24

// Rounding says how amounts are rounded to the minor unit of the currency.
type Rounding int

const (
	// HalfUp rounds half away from zero (4,102.50 to 4,103), as the
	// standard's example does.
	HalfUp Rounding = iota
	// HalfEven rounds half to the even unit (banker's rounding).
	HalfEven
)

// round rounds d to digits decimals.
func (r Rounding) round(d decimal.Decimal, digits int32) decimal.Decimal {
	if r == HalfEven {
		return d.RoundBank(digits)
	}
	return d.Round(digits)
}

// AccountingPeriod is what happened to a programme's points in one
// reporting period, as IFRS 15 needs it.
type AccountingPeriod struct {
	// Label names the period in the report ("2026-01", "Year 1").
	Label string
	// Sales is the transaction price of the sales that earned points in the
	// period (what customers paid, in the schedule's currency).
	Sales money.Money
	// GoodsSSP is the stand-alone selling price of the goods sold, without
	// points; the zero Money means Sales.
	GoodsSSP money.Money
	// PointsIssued and PointsRedeemed are the points earned by those sales
	// and redeemed in the period (of any period's issue).
	PointsIssued   int64
	PointsRedeemed int64
	// PointValue is the stand-alone selling price of one point before the
	// likelihood of redemption: the discount it gives when redeemed (1.00
	// per point in the standard's example).
	PointValue money.Money
	// ExpectedRate is the share of all points issued so far that is expected
	// to be redeemed, as estimated at the end of the period, in 0..1.
	ExpectedRate decimal.Decimal
}

// Allocation is the accounting of one period (amounts rounded to the minor
// unit, see ScheduleOptions).
type Allocation struct {
	Label string
	// GoodsRevenue is the part of the period's sales allocated to the goods,
	// recognised when sold; PointsAllocated the part allocated to the points,
	// deferred.
	GoodsRevenue    money.Money
	PointsAllocated money.Money
	// PointsRevenue is the revenue of points recognised in the period (the
	// catch-up of a revised rate included), Breakage the part of it that is
	// breakage, and CatchUp the part due to the revision of the rate alone
	// (what the period's revenue differs by from the same redemptions at the
	// previous period's rate).
	PointsRevenue money.Money
	Breakage      money.Money
	CatchUp       money.Money
	// Cumulative figures at the end of the period.
	CumulativeAllocated money.Money
	CumulativeRevenue   money.Money
	// ContractLiability is what remains deferred at the end of the period.
	ContractLiability money.Money
	// Cumulative points, and those expected to be redeemed at the period's rate.
	IssuedToDate, RedeemedToDate int64
	ExpectedRedemptions          decimal.Decimal
}

// ScheduleOptions tune Schedule; nil means the currency's minor unit with
// HalfUp.
type ScheduleOptions struct {
	// Digits is the number of decimals amounts are rounded to; a negative
	// value means the currency's minor digits.
	Digits   int32
	Rounding Rounding
}

// Schedule accounts for a programme's points over consecutive periods, in
// currency c, as the comment on this file derives. Every amount is computed
// exactly and rounded once, when reported: the cumulative figures are
// rounded, and each period's figure is the difference of two rounded
// cumulative ones, so the periods always add up to the cumulative figures
// and the liability is exactly what was allocated less what was recognised.
//
// Bad input returns a *InputError and no schedule: money in another
// currency (ErrCurrencyMismatch), a rate outside 0..1 (ErrInvalidRate),
// negative sales, prices or points, redemptions beyond the points issued
// (ErrInvalidInput).
func Schedule(c money.Currency, periods []AccountingPeriod, opts *ScheduleOptions) ([]Allocation, error) {
	if err := c.Validate(); err != nil {
		return nil, inputError("currency", -1, "is not a currency", ErrInvalidInput)
	}
	digits, rounding := c.MinorDigits(), HalfUp
	if opts != nil {
		if opts.Digits >= 0 {
			digits = opts.Digits
		}
		rounding = opts.Rounding
	}
	for i := range periods {
		if err := checkPeriod(c, i, &periods[i]); err != nil {
			return nil, err
		}
	}
	money := func(d decimal.Decimal) money.Money { return money.Money{Amount: d, Currency: c} }
	out := make([]Allocation, len(periods))
	var (
		allocated       decimal.Decimal // A, exact
		allocatedR      decimal.Decimal // A, rounded
		issued, redeemd int64
		prevC, prevB    decimal.Decimal // rounded cumulative revenue and breakage
		prevRate        decimal.Decimal
	)
	for i := range periods {
		p := &periods[i]
		goods := p.GoodsSSP.Amount
		if p.GoodsSSP.IsZero() {
			goods = p.Sales.Amount
		}
		ssp := p.PointValue.Amount.Mul(decimal.NewFromInt(p.PointsIssued)).Mul(p.ExpectedRate)
		alloc := decimal.Zero
		if total := goods.Add(ssp); total.Sign() > 0 {
			alloc = p.Sales.Amount.Mul(ssp).DivRound(total, divDigits)
		}
		prevAllocR := allocatedR
		allocated = allocated.Add(alloc)
		allocatedR = rounding.round(allocated, digits)
		issued += p.PointsIssued
		redeemd += p.PointsRedeemed
		if redeemd > issued {
			return nil, inputError("points_redeemed", i, "bring the points redeemed beyond those issued", ErrInvalidInput)
		}
		cum := recognised(allocated, redeemd, issued, p.ExpectedRate)
		cumR := rounding.round(cum, digits)
		// Breakage: beyond what the redeemed points earn at full redemption.
		full := decimal.Zero
		if issued > 0 {
			full = allocated.Mul(decimal.NewFromInt(redeemd)).DivRound(decimal.NewFromInt(issued), divDigits)
		}
		brR := rounding.round(cum.Sub(full), digits)
		// Catch-up: this period's cumulative revenue at the previous rate.
		catch := decimal.Zero
		if i > 0 && !p.ExpectedRate.Equal(prevRate) {
			at := rounding.round(recognised(allocated, redeemd, issued, prevRate), digits)
			catch = cumR.Sub(at)
		}
		out[i] = Allocation{
			Label:               p.Label,
			PointsAllocated:     money(allocatedR.Sub(prevAllocR)),
			GoodsRevenue:        money(rounding.round(p.Sales.Amount, digits).Sub(allocatedR.Sub(prevAllocR))),
			PointsRevenue:       money(cumR.Sub(prevC)),
			Breakage:            money(brR.Sub(prevB)),
			CatchUp:             money(catch),
			CumulativeAllocated: money(allocatedR),
			CumulativeRevenue:   money(cumR),
			ContractLiability:   money(allocatedR.Sub(cumR)),
			IssuedToDate:        issued,
			RedeemedToDate:      redeemd,
			ExpectedRedemptions: p.ExpectedRate.Mul(decimal.NewFromInt(issued)),
		}
		prevC, prevB, prevRate = cumR, brR, p.ExpectedRate
	}
	return out, nil
}

// recognised is the exact cumulative revenue of points: A × min(1, R / E).
func recognised(allocated decimal.Decimal, redeemed, issued int64, rate decimal.Decimal) decimal.Decimal {
	expected := rate.Mul(decimal.NewFromInt(issued))
	r := decimal.NewFromInt(redeemed)
	if expected.Sign() == 0 || r.Cmp(expected) >= 0 {
		return allocated
	}
	return allocated.Mul(r).DivRound(expected, divDigits)
}

func checkPeriod(c money.Currency, i int, p *AccountingPeriod) error {
	for _, m := range []struct {
		field string
		m     money.Money
	}{{"sales", p.Sales}, {"goods_ssp", p.GoodsSSP}, {"point_value", p.PointValue}} {
		if !m.m.IsZero() && m.m.Currency != c {
			return inputError(m.field, i, "is in "+string(m.m.Currency)+", not "+string(c), ErrCurrencyMismatch)
		}
		if m.m.Amount.Sign() < 0 {
			return inputError(m.field, i, "is negative", ErrInvalidInput)
		}
	}
	if p.PointsIssued < 0 || p.PointsRedeemed < 0 {
		return inputError("points", i, "are negative", ErrInvalidInput)
	}
	if p.PointsIssued > 0 && p.PointValue.IsZero() {
		return inputError("point_value", i, "is missing", ErrInvalidInput)
	}
	if p.ExpectedRate.Sign() < 0 || p.ExpectedRate.Cmp(decimal.NewFromInt(1)) > 0 {
		return inputError("expected_rate", i, "is "+p.ExpectedRate.String()+", outside 0..1", ErrInvalidRate)
	}
	return nil
}
