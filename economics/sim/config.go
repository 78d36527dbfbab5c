package sim

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/shopspring/decimal"
)

// Customers describes the synthetic customer base of a simulation: how many
// customers there are and the segments they fall into. Every customer
// belongs to one segment, drawn by the segments' weights from the seed.
type Customers struct {
	// Count is how many customers the shop has, members or not. It must be
	// positive.
	Count int
	// Segments are the kinds of customers; at least one.
	Segments []Segment
}

// Segment is a kind of customer: how often they buy, what a basket holds,
// how soon they leave, whether they join the program and how they respond
// to it. Probabilities and rates are floats; money is exact (Category.Prices).
type Segment struct {
	// Name names the segment; it becomes the member's segment
	// (loyalty.Member.Segments), so segment multipliers apply.
	Name string
	// Weight is the segment's share of the customers, relative to the other
	// segments' weights; it must not be negative, and some must be positive.
	Weight float64
	// OrdersPerMonth is how often a customer of the segment buys before
	// joining, or never joining: a mean over a 30.4-day month. It must not
	// be negative, and with ExtraFrequency at most one order a day.
	OrdersPerMonth float64
	// Items is the mean number of items in a basket, at least 1: a basket
	// holds 1 + a Poisson draw of Items-1 items, each of a category drawn by
	// the category mix at one of its prices.
	Items float64
	// Categories is the category mix: at least one, with positive weights.
	Categories []Category
	// ChurnPerMonth is the chance, per month, that a customer stops buying
	// for good; 0 to 1.
	ChurnPerMonth float64
	// JoinShare is the chance that a customer joins the program at some
	// point; 0 to 1. A customer who joins does so on the first day
	// (Config.EnrolledAtStart of them) or on a day spread evenly over the
	// horizon; their orders before that day are non-members' orders.
	JoinShare float64
	// ExtraFrequency is how much more often members buy: 0.15 buys 15% more
	// often once enrolled. It must not be negative.
	ExtraFrequency float64
	// RedeemPropensity is the chance that a member with something to
	// redeem redeems it at checkout (points, store credit); 0 to 1.
	RedeemPropensity float64
	// ReturnRate is the chance that an order is sent back in full, 1 to 14
	// days after it was placed; 0 to 1.
	ReturnRate float64
}

// Category is one category of the mix: its weight and the prices its items
// sell at, drawn evenly. Prices are exact decimals in the program's
// currency, positive, with at most the currency's minor digits.
type Category struct {
	Name   string
	Weight float64
	Prices []decimal.Decimal
}

// Config is one simulation: the customers, the horizon, the seed and how
// to report progress. The same Config (and Seed) gives the same customers,
// the same orders and, for the same program, the same KPIs, byte for byte.
type Config struct {
	// Seed seeds every draw: the customers, their orders, their responses
	// and the engine's own random stream (EngineOptions.Random).
	Seed uint64
	// Start and End bound the horizon [Start, End), simulated day by day
	// from Start's day in the program's zone. End must be after Start.
	Start, End time.Time
	Customers  Customers
	// EnrolledAtStart is the share of the customers who ever join that are
	// members already on the first day; 0 to 1.
	EnrolledAtStart float64
	// PointValue is what one point is worth when the liability of
	// outstanding points is valued; zero asks the program's redemption
	// policy (the value of 1,000,000 points against a large order, divided
	// by 1,000,000).
	PointValue decimal.Decimal
	// JobsEvery runs Engine.RunJobs every that many days (1 when zero),
	// at 23:00 after the day's enrolments and orders. Every write settles its
	// member first, so balances are right whatever the cadence; a longer
	// one moves when expiries and reviews are recorded.
	JobsEvery int
	// Workers is how many goroutines shop and run the jobs, each for its
	// own share of the customers; 0 is one. The KPIs are the same whatever
	// the number (the ledger's entry IDs are not). More than one pays only
	// on idle cores: the writes serialise on the store's lock for part of
	// their time.
	Workers int
	// Progress, when set, is called on Run's goroutine after every
	// simulated day.
	Progress func(Progress)
}

// Progress is how far a run is.
type Progress struct {
	// Program is the name of the program being simulated.
	Program string
	// Day counts the days simulated (1 after the first), of Days.
	Day, Days int
	// Date is the day just simulated, midnight in the program's zone.
	Date time.Time
	// Members is how many customers are enrolled; Orders and Writes count
	// member orders earned and writes committed so far.
	Members int
	Orders  int64
	Writes  int64
}

// Errors of a Config, each wrapped by a *ConfigError that names the field.
var (
	// ErrInvalidConfig is the kind of every bad Config.
	ErrInvalidConfig = errors.New("sim: invalid config")
	// ErrNoCustomers: Customers.Count is not positive, or there are no
	// segments to draw customers from.
	ErrNoCustomers = errors.New("sim: no customers")
	// ErrInvalidFrequency: a purchase frequency (OrdersPerMonth,
	// ExtraFrequency) is negative, not a number, or above one order a day.
	ErrInvalidFrequency = errors.New("sim: invalid purchase frequency")
	// ErrInvalidPeriod: End is not after Start.
	ErrInvalidPeriod = errors.New("sim: invalid period")
	// ErrInvalidProbability: a share, a rate or a weight is outside its range.
	ErrInvalidProbability = errors.New("sim: invalid probability")
	// ErrInvalidPrice: a price is not positive or has more digits than the
	// program's currency.
	ErrInvalidPrice = errors.New("sim: invalid price")
)

// ConfigError says which field of a Config is wrong and why. errors.Is
// matches its Kind (ErrNoCustomers, ErrInvalidFrequency, ...) and
// ErrInvalidConfig.
type ConfigError struct {
	Field  string
	Reason string
	Kind   error
}

func (e *ConfigError) Error() string {
	return "sim: " + e.Field + " " + e.Reason
}

// Unwrap returns the error's kind and ErrInvalidConfig.
func (e *ConfigError) Unwrap() []error {
	if e.Kind == nil || e.Kind == ErrInvalidConfig {
		return []error{ErrInvalidConfig}
	}
	return []error{e.Kind, ErrInvalidConfig}
}

func bad(kind error, field, reason string) error {
	return &ConfigError{Field: field, Reason: reason, Kind: kind}
}

func segField(i int, f string) string { return "customers.segments[" + strconv.Itoa(i) + "]." + f }

// Validate checks the Config against a program's currency digits; Run calls
// it with the program's before anything runs.
func (c *Config) Validate(digits int32) error {
	if c == nil {
		return bad(ErrNoCustomers, "config", "is nil")
	}
	if c.Start.IsZero() || !c.End.After(c.Start) {
		return bad(ErrInvalidPeriod, "end", "("+c.End.Format(time.RFC3339)+") must be after start ("+c.Start.Format(time.RFC3339)+")")
	}
	if c.End.Sub(c.Start) > 20*366*24*time.Hour {
		return bad(ErrInvalidPeriod, "end", "is more than 20 years after start")
	}
	if c.Customers.Count > 10_000_000 {
		return bad(ErrInvalidConfig, "customers.count", "is more than 10,000,000")
	}
	if c.Customers.Count <= 0 {
		return bad(ErrNoCustomers, "customers.count", "must be positive, is "+strconv.Itoa(c.Customers.Count))
	}
	if len(c.Customers.Segments) == 0 {
		return bad(ErrNoCustomers, "customers.segments", "are empty")
	}
	if !unit(c.EnrolledAtStart) {
		return bad(ErrInvalidProbability, "enrolled_at_start", "must be within 0..1")
	}
	if c.PointValue.Sign() < 0 {
		return bad(ErrInvalidPrice, "point_value", "is negative")
	}
	if c.Workers < 0 {
		return bad(ErrInvalidConfig, "workers", "is negative")
	}
	if c.JobsEvery < 0 {
		return bad(ErrInvalidConfig, "jobs_every", "is negative")
	}
	var weight float64
	for i := range c.Customers.Segments {
		s := &c.Customers.Segments[i]
		if s.Name == "" {
			return bad(ErrInvalidConfig, segField(i, "name"), "is empty")
		}
		if err := loyalty.CheckID(segField(i, "name"), s.Name); err != nil {
			return bad(ErrInvalidConfig, segField(i, "name"), err.Error())
		}
		if !(s.Weight >= 0) || math.IsInf(s.Weight, 0) {
			return bad(ErrInvalidProbability, segField(i, "weight"), "must be a non-negative number")
		}
		weight += s.Weight
		if !(s.OrdersPerMonth >= 0) || math.IsInf(s.OrdersPerMonth, 0) {
			return bad(ErrInvalidFrequency, segField(i, "orders_per_month"), "must be a non-negative number, is "+ftoa(s.OrdersPerMonth))
		}
		if !(s.ExtraFrequency >= 0) || math.IsInf(s.ExtraFrequency, 0) {
			return bad(ErrInvalidFrequency, segField(i, "extra_frequency"), "must be a non-negative number, is "+ftoa(s.ExtraFrequency))
		}
		if s.OrdersPerMonth*(1+s.ExtraFrequency)/daysPerMonth > 1 {
			return bad(ErrInvalidFrequency, segField(i, "orders_per_month"), "makes more than one order a day")
		}
		if !(s.Items >= 1) || s.Items > 1000 {
			return bad(ErrInvalidConfig, segField(i, "items"), "must be within 1..1000, is "+ftoa(s.Items))
		}
		for _, p := range [...]struct {
			f string
			v float64
		}{{"churn_per_month", s.ChurnPerMonth}, {"join_share", s.JoinShare},
			{"redeem_propensity", s.RedeemPropensity}, {"return_rate", s.ReturnRate}} {
			if !unit(p.v) {
				return bad(ErrInvalidProbability, segField(i, p.f), "must be within 0..1, is "+ftoa(p.v))
			}
		}
		if len(s.Categories) == 0 {
			return bad(ErrInvalidConfig, segField(i, "categories"), "are empty")
		}
		for j := range s.Categories {
			k := &s.Categories[j]
			f := segField(i, "categories["+strconv.Itoa(j)+"]")
			if err := loyalty.CheckID(f+".name", k.Name); err != nil || k.Name == "" {
				return bad(ErrInvalidConfig, f+".name", "must be a non-empty ID")
			}
			if !(k.Weight > 0) || math.IsInf(k.Weight, 0) {
				return bad(ErrInvalidProbability, f+".weight", "must be positive")
			}
			if len(k.Prices) == 0 {
				return bad(ErrInvalidPrice, f+".prices", "are empty")
			}
			for _, p := range k.Prices {
				if p.Sign() <= 0 {
					return bad(ErrInvalidPrice, f+".prices", p.String()+" is not positive")
				}
				if !p.Equal(p.Truncate(digits)) {
					return bad(ErrInvalidPrice, f+".prices", p.String()+" has more than "+strconv.Itoa(int(digits))+" decimal digits")
				}
				if p.Shift(digits).GreaterThan(decimal.NewFromInt(1 << 40)) {
					return bad(ErrInvalidPrice, f+".prices", p.String()+" is too large")
				}
			}
		}
	}
	if !(weight > 0) || math.IsInf(weight, 0) {
		return bad(ErrNoCustomers, "customers.segments", "have no positive weight")
	}
	return nil
}

const daysPerMonth = 365.25 / 12

func unit(v float64) bool { return v >= 0 && v <= 1 }

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
