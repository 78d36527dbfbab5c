// Command referral runs a refer-a-friend program beside a points program on
// the embedded SQLite store, crediting its rewards to the points program
// (referral.Config.CreditTo): Ann refers Bob, Bob gets a welcome coupon and
// orders, the order passes its return window and Ann is credited, her
// referral points spendable with her other points; a
// self-referral and a referral over Ann's monthly cap are refused with
// their reasons; then Ann becomes an ambassador and earns commission on
// three orders brought by her code, one of them returned.
//
//	go run ./examples/referral            # a database in a temp dir
//	go run ./examples/referral -db my.db  # or a file you keep
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/referral"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

func main() {
	db := flag.String("db", "", "SQLite file to keep the ledgers in (default: a new file in a temp dir)")
	flag.Parse()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "loyalty-referral-")
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

// config is the referral program: 500 referral points to the referrer when
// the friend's first order of at least 50.00 comes within 30 days of
// signup, held for the 14-day return window; a 10.00 welcome coupon; at
// most 3 rewarded referrals a month; ambassadors earn 10% of the orders
// their code brings, as a payable balance.
func config() referral.Config {
	return referral.Config{
		ID: "referral", Name: "Refer a friend", Currency: "USD",
		Secret:         []byte("example secret, keep yours in a vault"),
		Window:         24 * time.Hour,
		Welcome:        referral.Welcome{Coupon: "welcome-10", CouponValue: money.MinorUnits(10_00, "USD"), CouponDays: 30},
		ReferrerPoints: 500, MinOrder: decimal.NewFromInt(50), QualifyDays: 30, ReturnDays: 14,
		MonthlyCap: 3,
		Velocity:   referral.Velocity{Max: 20, Per: calendar.Day},
		Ambassador: referral.Ambassador{Commission: decimal.NewFromInt(10), Payable: true, Perks: []string{"free-shipping", "early-access"}},
	}
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
	clock := loyalty.NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	// Seeded engines: the same coupon codes on every run.
	opts := func() *loyalty.EngineOptions {
		return &loyalty.EngineOptions{Clock: clock, Random: bytes.NewReader(make([]byte, 32))}
	}

	// The shop's points program and the referral program, side by side.
	rate, err := points.NewRate("base-rate", 1, decimal.NewFromInt(1))
	if err != nil {
		return err
	}
	shop, err := loyalty.NewEngine(&loyalty.Program{ID: "points", Name: "Acme Rewards", Currency: "USD", Rules: []loyalty.Rule{rate}, PendingDays: 14}, store, opts())
	if err != nil {
		return err
	}
	// The referral program credits its rewards to the points program.
	cfg := config()
	cfg.CreditTo = shop.Program()
	ref, err := referral.New(cfg, store, opts())
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Refer a friend: 500 points when a friend's first order of 50.00 passes its 14-day return window")

	join := func(id string) error {
		_, err := shop.Enroll(ctx, "enroll/"+id, loyalty.Member{ID: id})
		return err
	}
	if err := join("ann"); err != nil {
		return err
	}
	// Ann's own order earns her 40 points, held for 14 days.
	if _, err := shop.Earn(ctx, "earn/A-1", order("A-1", "ann", clock.Now(), "40.00")); err != nil {
		return err
	}
	code, err := ref.CodeFor(ctx, "ann")
	if err != nil {
		return err
	}
	if err := ref.Remember(ctx, "ann", referral.Fingerprint{Kind: "email", Value: "ann@example.com"}); err != nil {
		return err
	}
	link, err := referral.Link("https://shop.example/join", "", code.Code)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "ann shares %s\n", link)

	// Bob signs up with Ann's code and gets the welcome coupon.
	if err := join("bob"); err != nil {
		return err
	}
	a, err := ref.Attribute(ctx, referral.Signup{Friend: "bob", Code: code.Code, JoinedAt: clock.Now(),
		Fingerprints: []referral.Fingerprint{{Kind: "email", Value: "bob@example.com"}}})
	if err != nil {
		return err
	}
	g := a.Welcome.Grants[0]
	fmt.Fprintf(w, "bob signed up with ann's code: welcome coupon %s worth %s in Acme Rewards, valid until %s\n", g.Code, g.Value, g.ExpiresAt.Format(time.DateOnly))

	// Ann tries to refer herself with a second account: refused.
	if err := join("ann-2"); err != nil {
		return err
	}
	_, err = ref.Attribute(ctx, referral.Signup{Friend: "ann-2", Code: code.Code, JoinedAt: clock.Now(),
		Fingerprints: []referral.Fingerprint{{Kind: "email", Value: "ann@example.com"}}})
	var fe *referral.FraudError
	if !errors.As(err, &fe) {
		return fmt.Errorf("self-referral not refused: %v", err)
	}
	fmt.Fprintf(w, "refused: %v\n", err)

	// Bob's first order: the shop takes his 10.00 welcome coupon off (the
	// coupon is price, not attribution), and 70.00 still qualifies; Ann's
	// reward is held for its return window.
	clock.Advance(2 * 24 * time.Hour)
	o := order("B-1001", "bob", clock.Now(), "80.00")
	o.Discount, o.Codes = decimal.NewFromInt(10), []string{g.Code}
	if _, err := shop.Earn(ctx, "earn/"+o.ID, o); err != nil {
		return err
	}
	out, err := ref.OnOrder(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "bob's order %s: %s (%s)\n", o.ID, out.Reason, out.Detail)
	b, err := shop.Balance(ctx, "ann")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "ann in Acme Rewards: %d points held (40 of her own order, 500 for bob)\n", b.Pending)
	clock.Advance(15 * 24 * time.Hour)
	if b, err = shop.Balance(ctx, "ann"); err != nil {
		return err
	}
	fmt.Fprintf(w, "after the window ann has %d points to spend in Acme Rewards, her own and the referral's together\n", b.Available)

	// Three more friends order in December: the fourth rewarded referral
	// of the month is over Ann's cap of 3.
	for i, friend := range []string{"cem", "dia", "eve"} {
		if err := join(friend); err != nil {
			return err
		}
		if _, err := ref.Attribute(ctx, referral.Signup{Friend: friend, Code: code.Code, JoinedAt: clock.Now()}); err != nil {
			return err
		}
		o := order(fmt.Sprintf("F-%d", 2001+i), friend, clock.Now(), "60.00")
		out, err := ref.OnOrder(ctx, o)
		if err != nil {
			return err
		}
		if out.Refusal != nil {
			fmt.Fprintf(w, "%s's order %s: refused: %v\n", friend, o.ID, out.Refusal)
			continue
		}
		fmt.Fprintf(w, "%s's order %s: %s\n", friend, o.ID, out.Reason)
	}

	s, err := ref.Statement(ctx, "ann")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nann's referrals: %d signed up, %d qualified, %d pending (%d points), %d paid (%d points)\n",
		s.SignedUp, s.Qualified, s.Pending, s.PendingPoints, s.Paid, s.PaidPoints)
	for _, l := range s.Lines {
		fmt.Fprintf(w, "  %-4s %-15s %s\n", l.Friend, l.Status, l.Detail)
	}

	// Ann becomes an ambassador and earns 10% on the orders her code brings.
	if _, err := ref.Promote(ctx, "promote/ann", "ann", "top referrer"); err != nil {
		return err
	}
	perks, err := ref.Perks(ctx, "ann")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nann is an ambassador, with perks %v\n", perks)
	from := clock.Now()
	for _, o := range []*loyalty.Order{order("S-1", "zoe", clock.Now(), "80.00"), order("S-2", "yan", clock.Now(), "45.50"), order("S-3", "xia", clock.Now(), "120.00")} {
		r, err := ref.Commission(ctx, code.Code, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "order %s of %s by %s: commission %s\n", o.ID, o.Lines[0].UnitPrice.StringFixed(2), o.MemberID, earned(r.Entries, referral.Payable))
	}
	clock.Advance(24 * time.Hour)
	if _, err := ref.OnReturn(ctx, &loyalty.Return{ID: "S-3-R", OrderID: "S-3", MemberID: "xia", ReturnedAt: clock.Now(), Amount: decimal.NewFromInt(120)}); err != nil {
		return err
	}
	fmt.Fprintln(w, "xia returned order S-3")
	if _, err := ref.PayOut(ctx, "payout/2026-12/ann", "ann", 10_00); err != nil {
		return err
	}
	as, err := ref.AmbassadorStatement(ctx, "ann", from, clock.Now().Add(time.Hour))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "ann's December commission: orders %v, earned %s, reversed %s, paid %s, payable %s\n",
		as.Orders, amountText(as.Earned), amountText(as.Reversed), amountText(as.Paid), amountText(as.Balance))
	return nil
}

func order(id, member string, at time.Time, amount string) *loyalty.Order {
	return &loyalty.Order{ID: id, MemberID: member, PlacedAt: at, Currency: "USD",
		Lines: []loyalty.OrderLine{{SKU: "item", Quantity: 1, UnitPrice: decimal.RequireFromString(amount)}}}
}

// money formats cents as USD.
func amountText(cents int64) string { return money.MinorUnits(cents, "USD").String() }

// earned is what entries credited to account a, as money.
func earned(es []ledger.Entry, a ledger.Account) string {
	var n int64
	for _, e := range es {
		if e.Account == a {
			n += e.Amount
		}
	}
	return amountText(n)
}
