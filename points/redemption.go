package points

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Redemption is the checkout redemption policy (loyalty.RedemptionPolicy):
// Points points are worth Value off an order ("100 points = 1.00 USD"), a
// redemption takes at least Minimum points, in multiples of Increment, and
// takes at most MaxPercent of the order total off.
//
// What points are worth is exact: points × Value / Points. When that has a
// fraction of the currency's minor unit (3 points = 0.10 USD makes 10 points
// worth 0.333...), it is rounded down to the minor unit, so the member never
// gets more off than the conversion gives; choose Increment so that every
// increment converts exactly (here a multiple of 3) and nothing is lost.
//
// A Redemption is a plain value: it is safe for concurrent use as long as
// nobody changes it.
type Redemption struct {
	// Points points are worth Value. Both must be positive.
	Points int64
	Value  money.Money
	// Minimum is the fewest points one redemption may take; zero means any.
	Minimum int64
	// Increment is what redeemed points must be a multiple of; zero means 1.
	Increment int64
	// MaxPercent is the largest share of the order total, in percent
	// (0 < p ≤ 100), that points may pay for. Zero means 100: the whole total.
	MaxPercent decimal.Decimal
}

// Validate reports the first problem with the policy as an error wrapping
// loyalty.ErrInvalidProgram (and loyalty.ErrOverflow for a Value or
// MaxPercent beyond loyalty.CheckAmount).
func (r Redemption) Validate() error {
	switch {
	case r.Points <= 0:
		return definition.Invalid("redemption.points", "must be positive")
	case r.Value.Amount.Sign() <= 0:
		return definition.Invalid("redemption.value", "must be positive")
	case r.Minimum < 0:
		return definition.Invalid("redemption.minimum", "is negative")
	case r.Increment < 0:
		return definition.Invalid("redemption.increment", "is negative")
	case r.MaxPercent.Sign() < 0 || r.MaxPercent.GreaterThan(decimal.NewFromInt(100)):
		return definition.Invalid("redemption.max_percent", "must be in (0, 100] (zero means 100), got "+r.MaxPercent.String())
	}
	if err := loyalty.CheckAmount("redemption.value", r.Value.Amount); err != nil {
		return err
	}
	if err := loyalty.CheckAmount("redemption.max_percent", r.MaxPercent); err != nil {
		return err
	}
	if c := r.Value.Currency; len(c) != 3 || strings.ToUpper(string(c)) != string(c) || strings.ToLower(string(c)) == string(c) {
		return definition.Invalid("redemption.value", fmt.Sprintf("%q is not a three-letter currency code", string(c)))
	}
	return nil
}

// Denomination is the currency points redeem in, Value's: Program.Validate
// refuses a policy in another currency than the program's
// (loyalty.Denominated), and checks the code is ISO 4217 or one of the
// program's units.
func (r Redemption) Denomination() money.Currency { return r.Value.Currency }

// Worth returns what points are worth, rounded down to the currency's minor
// unit. It returns zero for an invalid policy or non-positive points.
func (r Redemption) Worth(points int64) money.Money {
	if r.Validate() != nil || points <= 0 {
		return money.Money{Amount: decimal.Zero, Currency: r.Value.Currency}
	}
	return r.money(r.conversion().worth(big.NewInt(points)))
}

// Quote says what a cart of total may redeem from available points.
//
// With want zero it quotes the most it may redeem: the largest multiple of
// Increment that is at most available and whose worth is at most MaxPercent
// of total, or nothing when that is below Minimum (or worth less than one
// minor unit). When it is nothing, Quote.Reason says why: an error wrapping
// loyalty.ErrInsufficientPoints when the balance alone is too small (no
// points, fewer than Minimum or than one Increment, or worth less than one
// minor unit), loyalty.ErrBelowMinimum when the cap of this cart is worth
// less than Minimum, loyalty.ErrAboveCap when not even one Increment fits
// under the cap (a policy without a minimum).
//
// With want positive it quotes exactly want points, failing with an error
// wrapping loyalty.ErrInsufficientPoints when want exceeds available,
// loyalty.ErrBelowMinimum when it is below Minimum (or worth less than one
// minor unit), loyalty.ErrNotIncrement when it is not a multiple of
// Increment, and loyalty.ErrAboveCap when it is worth more than MaxPercent of
// total; the refused quote still carries MaxPoints and MaxValue, and the
// error as its Reason.
//
// A negative want or total fails with loyalty.ErrInvalidAmount, a total in
// another currency with loyalty.ErrCurrencyMismatch, and an invalid policy
// with loyalty.ErrInvalidProgram; those return the zero Quote. MaxPoints and
// MaxValue are otherwise always the most the cart may redeem.
func (r Redemption) Quote(available int64, total money.Money, want int64) (loyalty.Quote, error) {
	if err := r.Validate(); err != nil {
		return loyalty.Quote{}, err
	}
	cur := r.Value.Currency
	if total.Currency != cur {
		return loyalty.Quote{}, fmt.Errorf("%w: order total is in %s, points redeem in %s", loyalty.ErrCurrencyMismatch, total.Currency, cur)
	}
	if total.Amount.Sign() < 0 {
		return loyalty.Quote{}, fmt.Errorf("%w: order total %s is negative", loyalty.ErrInvalidAmount, total)
	}
	if want < 0 {
		return loyalty.Quote{}, fmt.Errorf("%w: cannot redeem %d points", loyalty.ErrInvalidAmount, want)
	}
	available = max(available, 0)
	inc := max(r.Increment, 1)
	cv := r.conversion()

	// The cap: pct % of total, in whole minor units (rounded down; worths are
	// whole minor units, so comparing with it is exact).
	pct := r.MaxPercent
	if pct.IsZero() {
		pct = decimal.NewFromInt(100)
	}
	capMinor := total.Amount.Mul(pct).Shift(cur.MinorDigits() - 2).Floor().BigInt()

	// The most points worth at most the cap: worth(p) = ⌊p·num/den⌋ ≤ C
	// ⇔ p·num ≤ (C+1)·den − 1.
	limit := available
	byCap := new(big.Int).Add(capMinor, big.NewInt(1))
	byCap.Mul(byCap, cv.den).Sub(byCap, big.NewInt(1)).Quo(byCap, cv.num)
	capped := byCap.IsInt64() && byCap.Int64() < limit
	if capped {
		limit = byCap.Int64()
	}
	maxPts := limit - limit%inc
	most := maxPts // by the cap and the balance, before the minimum
	maxWorth := cv.worth(big.NewInt(maxPts))
	zero := r.money(new(big.Int))
	var reason error
	if maxPts < r.Minimum || maxWorth.Sign() == 0 {
		reason = r.nothing(available, inc, most, capped, cv, capMinor, pct, total)
		maxPts, maxWorth = 0, new(big.Int)
	}
	q := loyalty.Quote{Points: maxPts, Value: r.money(maxWorth), MaxPoints: maxPts, MaxValue: r.money(maxWorth), Reason: reason}
	if want == 0 {
		return q, nil
	}

	worth := cv.worth(big.NewInt(want))
	var err error
	switch {
	case want > available:
		err = &loyalty.InsufficientError{Account: ledger.PointsAccount, Asked: want, Available: available}
	case want < r.Minimum:
		err = r.limit(loyalty.ErrBelowMinimum, want, inc, most, fmt.Sprintf("redeeming %d points, the minimum is %d", want, r.Minimum))
	case want%inc != 0:
		err = r.limit(loyalty.ErrNotIncrement, want, inc, most, fmt.Sprintf("redeeming %d points, not a multiple of %d", want, inc))
	case worth.Cmp(capMinor) > 0:
		err = r.limit(loyalty.ErrAboveCap, want, inc, most, fmt.Sprintf("%d points are worth %s, this order may take off at most %s (%s%% of %s)",
			want, r.money(worth), r.money(capMinor), pct, total))
	case worth.Sign() == 0:
		err = r.limit(loyalty.ErrBelowMinimum, want, inc, most, fmt.Sprintf("%d points are worth less than %s", want, money.MinorUnits(1, cur)))
	}
	if err != nil {
		q.Points, q.Value, q.Reason = 0, zero, err
		return q, err
	}
	q.Points, q.Value, q.Reason = want, r.money(worth), nil
	return q, nil
}

// nothing says why the most a cart may redeem is nothing: the balance alone
// allows nothing (too few points), or the cap of this cart does.
func (r Redemption) nothing(available, inc, most int64, capped bool, cv conversion, capMinor *big.Int, pct decimal.Decimal, total money.Money) error {
	// The fewest points one redemption may take: the smallest multiple of
	// the increment at or above the minimum.
	least := max(r.Minimum, 1)
	if m := least % inc; m != 0 {
		least += inc - m
	}
	byBalance := available - available%inc
	switch {
	case available == 0:
		return &loyalty.InsufficientError{Account: ledger.PointsAccount, Asked: least, Available: available, Detail: "no points available"}
	case byBalance < least:
		return &loyalty.InsufficientError{Account: ledger.PointsAccount, Asked: least, Available: available,
			Detail: fmt.Sprintf("%d points available, redeeming takes at least %d", available, least)}
	case !capped && cv.worth(big.NewInt(byBalance)).Sign() == 0:
		return &loyalty.InsufficientError{Account: ledger.PointsAccount, Asked: least, Available: available,
			Detail: fmt.Sprintf("%d points are worth less than %s", available, money.MinorUnits(1, r.Value.Currency))}
	case r.Minimum > 0:
		return r.limit(loyalty.ErrBelowMinimum, 0, inc, most, fmt.Sprintf("this order may take off at most %s (%s%% of %s), less than the minimum of %d points",
			r.money(capMinor), pct, total, r.Minimum))
	}
	return r.limit(loyalty.ErrAboveCap, 0, inc, most, fmt.Sprintf("this order may take off at most %s (%s%% of %s), less than %d points are worth",
		r.money(capMinor), pct, total, least))
}

// limit is the refusal of asked points (0: the most) by the policy's limit
// sentinel err, with its minimum and increment inc and the most points the
// cart allows.
func (r Redemption) limit(err error, asked, inc, most int64, detail string) error {
	return &loyalty.RedemptionLimitError{Err: err, Asked: asked, Minimum: r.Minimum, Increment: inc, Most: most, Detail: detail}
}

// conversion is the worth of points in minor units: ⌊points·num/den⌋.
type conversion struct{ num, den *big.Int }

func (r Redemption) conversion() conversion {
	a := r.Value.Amount.Shift(r.Value.Currency.MinorDigits())
	num, den := a.Coefficient(), big.NewInt(r.Points)
	if e := a.Exponent(); e >= 0 {
		num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-e)), nil))
	}
	return conversion{num: num, den: den}
}

func (cv conversion) worth(points *big.Int) *big.Int {
	w := new(big.Int).Mul(points, cv.num)
	return w.Quo(w, cv.den)
}

func (r Redemption) money(minor *big.Int) money.Money {
	return money.Money{Amount: decimal.NewFromBigInt(minor, -r.Value.Currency.MinorDigits()), Currency: r.Value.Currency}
}
