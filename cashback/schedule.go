package cashback

import (
	"strconv"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Accounts and actions the package uses unless told otherwise.
const (
	// CreditAccount is the store credit account: minor units of the program's
	// currency, spent at checkout with Engine.Redeem and
	// loyalty.Redemption.Account set to it.
	CreditAccount ledger.Account = "credit"
	// AccrualAccount is the prefix of the period accounts cashback accrues in
	// until it is paid out: "cashback:2026-Q4".
	AccrualAccount ledger.Account = "cashback"
	// PayoutAction is the kind of the action that pays a period's accrual out
	// (see Payout and PayoutRule).
	PayoutAction loyalty.ActionKind = "cashback-payout"
)

// Sources of the entries cashback writes (ledger.Entry.Source), for a
// statement that tells them apart.
const (
	// SourceOrder is the source of an order's cashback: the engine's source
	// of what an order earns.
	SourceOrder = "order"
	// SourcePayout is the source of the credit a payout pays (the kind of
	// the PayoutAction). The debit of the accrual it pays from has the
	// PayoutRule's name as its source.
	SourcePayout = string(PayoutAction)
)

// Schedule says when accrued cashback reaches the member and in what form.
//
// Cashback earned on an order accrues in the account of the period the order
// was recorded in (Accrual + ":" + the period's Key, "cashback:2026-Q4"). A
// payout for a period (an action of kind PayoutAction, see Payout) moves the
// accrual of that period, and of earlier periods not paid yet, into Credit,
// when it reaches Minimum; below it, the accrual stays and is paid with a
// later period. With CertificateMonths set, each payout is instead a reward
// certificate: a lot of its own in Credit that expires that many months
// after it was issued.
//
// A Schedule is a plain value; the rules built with it keep a copy, so
// changing it afterwards changes nothing.
type Schedule struct {
	// Every is the accrual period: calendar.Month, Quarter or Year. It is
	// required: a schedule without one (Lifetime, the zero value) does not
	// validate.
	Every calendar.Period
	// Minimum is the least a payout pays, in the program's currency; a
	// smaller accrual rolls over to the next payout. Zero pays any amount.
	Minimum decimal.Decimal
	// CertificateMonths, when positive, issues each payout as a reward
	// certificate expiring that many calendar months after it was issued.
	// Zero issues store credit that never expires.
	CertificateMonths int
	// Location, when set, is the time zone periods are counted in, in place
	// of the program's. Nil follows the program's zone
	// (loyalty.Program.Location) in the rules, Payout and BalanceOf; the
	// Schedule's own methods (Key, Account, Due, Bounds), which know no
	// program, then count in UTC: call them on s.In(program.Zone()).
	Location *time.Location
	// Accrual is the prefix of the period accounts; empty is AccrualAccount.
	Accrual ledger.Account
	// Credit is the account payouts credit; empty is CreditAccount.
	Credit ledger.Account
}

// Validate reports the first problem with the schedule as an error wrapping
// loyalty.ErrInvalidProgram.
func (s *Schedule) Validate() error {
	switch {
	case s.Every == calendar.Lifetime:
		return definition.Invalid("schedule.every", "a payout schedule needs a period (calendar.Month, Quarter or Year)")
	case s.Every.Months() == 0:
		return definition.Invalid("schedule.every", "is "+s.Every.String()+"; a payout schedule pays per calendar.Month, Quarter or Year")
	case s.Minimum.Sign() < 0:
		return definition.Invalid("schedule.minimum", "is negative")
	case s.CertificateMonths < 0:
		return definition.Invalid("schedule.certificate_months", "is negative")
	case s.CertificateMonths > 1200:
		return definition.Invalid("schedule.certificate_months", "is more than a hundred years")
	}
	return validAccounts(s.accrual(), s.credit())
}

func validAccounts(accrual, credit ledger.Account) error {
	switch {
	case accrual == ledger.PointsAccount || credit == ledger.PointsAccount:
		return definition.Invalid("schedule", "cashback is money: it may not accrue in or pay into the points account")
	case strings.HasPrefix(string(credit), string(accrual)+":"):
		return definition.Invalid("schedule.credit", "may not look like an accrual account")
	case accrual == credit:
		return definition.Invalid("schedule.credit", "must differ from the accrual account")
	}
	return nil
}

func (s *Schedule) accrual() ledger.Account {
	if s.Accrual == "" {
		return AccrualAccount
	}
	return s.Accrual
}

func (s *Schedule) credit() ledger.Account {
	if s.Credit == "" {
		return CreditAccount
	}
	return s.Credit
}

// In returns a copy of s that counts its periods in loc, unless s has a
// Location of its own: s.In(program.Zone()) is the schedule as the
// program's rules use it.
func (s *Schedule) In(loc *time.Location) *Schedule {
	c := *s
	if c.Location == nil {
		c.Location = loc
	}
	return &c
}

// of is s as the rules of program p use it.
func (s *Schedule) of(p *loyalty.Program) *Schedule {
	if s.Location != nil {
		return s
	}
	return s.In(p.Zone())
}

func (s *Schedule) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Key names the period containing t, in the schedule's Location.
func (s *Schedule) Key(t time.Time) string { return s.Every.Key(t.In(s.loc())) }

// Account returns the accrual account of the period containing t.
func (s *Schedule) Account(t time.Time) ledger.Account {
	return s.accrual() + ":" + ledger.Account(s.Key(t))
}

// Due returns the key of the last period that ended at or before now: the
// period a payout job running at now pays ("2026-Q4" on 2 January 2027).
func (s *Schedule) Due(now time.Time) string {
	start := s.Every.Start(now.In(s.loc()))
	return s.Every.Key(start.Add(-time.Nanosecond))
}

// Bounds returns the start and end of the period named key.
func (s *Schedule) Bounds(key string) (start, end time.Time, err error) {
	start, err = s.parse(key)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return start, start.AddDate(0, s.Every.Months(), 0), nil
}

// periodOf returns the start of the period whose accrual account a is, or
// ok false when a is not one of this schedule's accrual accounts.
func (s *Schedule) periodOf(a ledger.Account) (key string, start time.Time, ok bool) {
	prefix := string(s.accrual()) + ":"
	if !strings.HasPrefix(string(a), prefix) {
		return "", time.Time{}, false
	}
	key = string(a[len(prefix):])
	start, err := s.parse(key)
	return key, start, err == nil
}

// minimum is the schedule's Minimum in minor units of c, rounded up.
func (s *Schedule) minimum(c money.Currency) int64 {
	if s.Minimum.Sign() <= 0 {
		return 0
	}
	return s.Minimum.Shift(c.MinorDigits()).Ceil().IntPart()
}

// parse returns the start of the period named key in the schedule's zone; a
// key that names no period of the schedule is a *loyalty.ValidationError
// wrapping loyalty.ErrInvalidEvent.
func (s *Schedule) parse(key string) (time.Time, error) {
	start, err := s.Every.Parse(key, s.loc())
	if err != nil {
		return time.Time{}, &loyalty.ValidationError{Field: "period", Reason: strconv.Quote(key) + " does not name a " + s.Every.String() + " period", Kind: loyalty.ErrInvalidEvent}
	}
	return start, nil
}
