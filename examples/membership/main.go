// Command membership runs a paid VIP membership, Prime-like, beside a
// points program on the embedded SQLite store: Ann orders as a plain
// customer, takes a free trial, pays, renews on the day, misses a renewal
// and pays late inside the grace (from the original end, no days lost or
// given), then misses again and lapses: from that instant her orders earn
// without the double points and checkout gives no discount. Bob takes the
// yearly plan, billed as ten months. The membership's notices (started,
// renewed, grace started, lapsed) are printed as the host would email them.
//
//	go run ./examples/membership            # a database in a temp dir
//	go run ./examples/membership -db my.db  # or a file you keep
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"
	_ "time/tzdata" // the shop's zone on any machine

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/membership"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

func main() {
	db := flag.String("db", "", "SQLite file to keep the ledgers in (default: a new file in a temp dir)")
	flag.Parse()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "loyalty-membership-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "loyalty.db")
	}
	if err := run(context.Background(), os.Stdout, path); err != nil {
		log.Fatal(err)
	}
}

func usd(s string) money.Money {
	return money.Money{Amount: decimal.RequireFromString(s), Currency: "USD"}
}

// plans: Plus monthly at 12.99 with a 14-day free trial, or yearly billed
// as ten months (129.90); both give double points, 5% off and free
// shipping.
func plans() []membership.Plan {
	b := membership.Benefits{Multiplier: decimal.NewFromInt(2), Discount: decimal.NewFromInt(5), FreeShipping: true, Perks: []string{"early-access"}}
	return []membership.Plan{
		{ID: "monthly", Fee: usd("12.99"), Period: calendar.Month, TrialDays: 14, Benefits: b},
		{ID: "yearly", Fee: membership.BilledAs(usd("12.99"), 10), Period: calendar.Year, Benefits: b},
	}
}

type shop struct {
	w     io.Writer
	e     *loyalty.Engine
	m     *membership.Membership
	clock *loyalty.ManualClock
	zone  *time.Location
}

func run(ctx context.Context, w io.Writer, path string) error {
	store, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		return err
	}
	m, err := membership.New("plus", "USD", plans(), &membership.Options{GraceDays: 3})
	if err != nil {
		return err
	}
	base, err := points.NewRate("base", 1, decimal.NewFromInt(1)) // 1 point per 1.00
	if err != nil {
		return err
	}
	p := &loyalty.Program{Name: "Shop Plus", Currency: "USD", Location: zone, Rules: []loyalty.Rule{base, m}}
	if err := p.Validate(); err != nil {
		return err
	}
	s := &shop{w: w, m: m, zone: zone, clock: loyalty.NewManualClock(time.Date(2026, 3, 1, 10, 0, 0, 0, zone))}
	s.e, err = loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: s.clock, AfterCommit: s.notify})
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "Shop Plus: monthly %s with a 14-day trial, or yearly %s (billed as ten months); double points, 5%% off, free shipping, 3 days of grace\n\n",
		plans()[0].Fee, plans()[1].Fee)
	for _, id := range []string{"ann", "bob"} {
		if _, err := s.e.Enroll(ctx, "enroll/"+id, loyalty.Member{ID: id}); err != nil {
			return err
		}
	}

	steps := []func(context.Context) error{
		func(ctx context.Context) error { return s.order(ctx, "ann", "A-1", "40.00") }, // a plain customer
		func(ctx context.Context) error {
			return s.act(ctx, "ann", "trial", membership.ActionTrial, "monthly", "")
		},
		func(ctx context.Context) error { return s.order(ctx, "ann", "A-2", "40.00") }, // double in the trial
		func(ctx context.Context) error {
			s.at(2026, 3, 10, 10) // she pays inside the trial: the month starts at its end
			return s.act(ctx, "ann", "pay/2026-03", membership.ActionPayment, "monthly", "12.99")
		},
		func(ctx context.Context) error {
			s.at(2026, 4, 15, 9) // renewed on the day: no gap
			return s.act(ctx, "ann", "pay/2026-04", membership.ActionPayment, "monthly", "12.99")
		},
		func(ctx context.Context) error {
			s.at(2026, 5, 16, 10) // the 15 May renewal is missed
			return s.jobs(ctx)
		},
		func(ctx context.Context) error { return s.order(ctx, "ann", "A-3", "40.00") }, // benefits in grace
		func(ctx context.Context) error {
			s.at(2026, 5, 17, 10) // paid late, inside the grace: from 15 May, not from today
			return s.act(ctx, "ann", "pay/2026-05", membership.ActionPayment, "monthly", "12.99")
		},
		func(ctx context.Context) error {
			s.at(2026, 6, 18, 9) // the 15 June renewal is missed; an hour of grace left
			return s.order(ctx, "ann", "A-4", "40.00")
		},
		func(ctx context.Context) error {
			s.at(2026, 6, 18, 10) // the grace ends: the membership lapses at this instant
			return s.jobs(ctx)
		},
		func(ctx context.Context) error { return s.order(ctx, "ann", "A-5", "40.00") }, // no multiplier
		func(ctx context.Context) error { return s.checkout(ctx, "ann", "40.00", "4.99") },
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	if err := s.economics(ctx, "ann"); err != nil {
		return err
	}

	// Bob takes the yearly plan: ten months' fees for twelve months.
	fmt.Fprintln(w)
	twelve := membership.BilledAs(usd("12.99"), 12)
	fmt.Fprintf(w, "bob takes the yearly plan: %s instead of %s for twelve monthly payments\n", plans()[1].Fee, twelve)
	if err := s.act(ctx, "bob", "pay/bob-2026", membership.ActionPayment, "yearly", "129.90"); err != nil {
		return err
	}
	if err := s.checkout(ctx, "bob", "40.00", "4.99"); err != nil {
		return err
	}
	return s.order(ctx, "bob", "B-1", "38.00")
}

// at moves the clock to hour o'clock of a day in the shop's zone.
func (s *shop) at(y int, mo time.Month, d, hour int) {
	s.clock.Set(time.Date(y, mo, d, hour, 0, 0, 0, s.zone))
}

func (s *shop) now() string { return s.clock.Now().In(s.zone).Format("02 Jan 15:04") }

// notify is the host's AfterCommit: it would email the member.
func (s *shop) notify(_ context.Context, r *loyalty.Receipt) {
	for _, n := range r.Notices {
		fmt.Fprintf(s.w, "    notice to %s: %s (%s)\n", r.MemberID, n.Kind, n.Detail)
	}
}

func (s *shop) state(ctx context.Context, member string) (membership.State, error) {
	st, err := s.e.Member(ctx, member)
	if err != nil {
		return membership.State{}, err
	}
	return s.m.State(st, s.clock.Now().In(s.zone)), nil
}

func (s *shop) act(ctx context.Context, member, key string, kind loyalty.ActionKind, plan, amount string) error {
	data := map[string]string{membership.DataPlan: plan}
	what := "starts a " + plan + " trial"
	if amount != "" {
		data[membership.DataAmount], data[membership.DataCurrency] = amount, "USD"
		what = "pays " + amount + " for " + plan
	}
	fmt.Fprintf(s.w, "%s  %s %s\n", s.now(), member, what)
	if _, err := s.e.Act(ctx, member+"/"+key, &loyalty.Action{Kind: kind, MemberID: member, At: s.clock.Now(), Data: data}); err != nil {
		return err
	}
	st, err := s.state(ctx, member)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "    %s: %s %s from %s to %s\n", member, st.Plan, st.Status, st.Start.In(s.zone).Format(time.DateOnly), st.End.In(s.zone).Format(time.DateOnly))
	return nil
}

func (s *shop) order(ctx context.Context, member, id, total string) error {
	st, err := s.state(ctx, member)
	if err != nil {
		return err
	}
	r, err := s.e.Earn(ctx, "earn/"+id, &loyalty.Order{ID: id, MemberID: member, Currency: "USD", PlacedAt: s.clock.Now(),
		Lines: []loyalty.OrderLine{{SKU: "goods", Quantity: 1, UnitPrice: decimal.RequireFromString(total)}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "%s  %s orders %s (membership %s): %d points\n", s.now(), member, total, st.Status, r.Points())
	return nil
}

// jobs runs the daily jobs, which announce a grace or a lapse.
func (s *shop) jobs(ctx context.Context) error {
	fmt.Fprintf(s.w, "%s  daily jobs\n", s.now())
	_, err := s.e.RunJobs(ctx, nil, nil)
	return err
}

func (s *shop) checkout(ctx context.Context, member, goods, shipping string) error {
	st, err := s.e.Member(ctx, member)
	if err != nil {
		return err
	}
	q := s.m.Checkout(st, s.clock.Now().In(s.zone), usd(goods), usd(shipping))
	fmt.Fprintf(s.w, "%s  %s's cart of %s + %s shipping: %s off, %s shipping waived\n", s.now(), member, goods, shipping, q.Discount, q.Shipping)
	return nil
}

func (s *shop) economics(ctx context.Context, member string) error {
	st, err := s.e.Member(ctx, member)
	if err != nil {
		return err
	}
	e := s.m.Economics(st)
	fmt.Fprintf(s.w, "%s paid %s in fees; the multiplier added %d points (%s at 0.01 a point)\n",
		member, e.Fees, e.LifetimeBonus, usd("0.01").Amount.Mul(decimal.NewFromInt(e.LifetimeBonus)).StringFixed(2)+" USD")
	return nil
}
