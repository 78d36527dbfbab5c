// Command partners runs a two-merchant coalition on the embedded SQLite
// store: one points currency shared by a bookshop and a café. Ann earns at
// the bookshop and spends her points at the café, Bob earns at both; at
// the end of March the month's settlement says, line by line against the
// ledger, what each merchant owes the programme for the points its
// customers earned, what the programme owes it for the points redeemed
// there, and the net: who pays whom. Then the café is suspended: no new
// earns or redemptions there, balances untouched.
//
//	go run ./examples/partners            # a database in a temp dir
//	go run ./examples/partners -db my.db  # or a file you keep
package main

import (
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
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/partners"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

func main() {
	db := flag.String("db", "", "SQLite file to keep the ledgers in (default: a new file in a temp dir)")
	flag.Parse()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "loyalty-partners-")
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

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// merchants: the bookshop pays 0.012 per point its customers earn and gets
// 0.008 per point redeemed with it, billed after the month, with an alert
// when it owes more than 5.00; the café pays 0.010 and gets 0.009, from a
// prepaid deposit, with an alert when less than 20.00 would be left.
var merchants = []partners.Partner{
	{ID: "bookshop", CostPerPoint: dec("0.012"), ReimbursePerPoint: dec("0.008"), Threshold: dec("5.00")},
	{ID: "cafe", CostPerPoint: dec("0.010"), ReimbursePerPoint: dec("0.009"), Prepaid: true, Threshold: dec("20.00")},
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
	co, err := partners.New("city-points", "USD", merchants)
	if err != nil {
		return err
	}
	base, err := points.NewRate("base", 10, dec("1")) // 10 points per 1.00, at every partner
	if err != nil {
		return err
	}
	p := &loyalty.Program{Name: "City Points", Currency: "USD", Rules: []loyalty.Rule{co, base},
		Redemption: points.Redemption{Points: 100, Value: money.MinorUnits(1_00, "USD")}} // 100 points = 1.00
	if err := p.Validate(); err != nil {
		return err
	}
	clock := loyalty.NewManualClock(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC))
	e, err := loyalty.NewEngine(p, store, &loyalty.EngineOptions{Clock: clock})
	if err != nil {
		return err
	}
	if err := co.Open(ctx, e); err != nil {
		return err
	}
	fmt.Fprintln(w, "City Points: a bookshop and a café share one points currency (10 points per 1.00, 100 points = 1.00)")
	for _, id := range []string{"ann", "bob"} {
		if _, err := e.Enroll(ctx, "enroll/"+id, loyalty.Member{ID: id}); err != nil {
			return err
		}
	}

	earn := func(member, order, total string) error {
		r, err := co.Earn(ctx, e, "earn/"+order, &loyalty.Order{ID: order, MemberID: member, Currency: "USD", PlacedAt: clock.Now(),
			Lines: []loyalty.OrderLine{{SKU: "item", Quantity: 1, UnitPrice: dec(total)}}})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s  %s earns %d points at the %s on %s (order %s)\n", clock.Now().Format(time.DateOnly), member, r.Points(), partners.PartnerOf(order), total, order)
		return nil
	}
	redeem := func(member, id, bill string, pts int64) error {
		r, err := co.Redeem(ctx, e, "redeem/"+id, loyalty.Redemption{ID: id, MemberID: member, OrderID: id, Total: money.Money{Amount: dec(bill), Currency: "USD"}, Points: pts})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s  %s redeems %d points at the %s: %s off a bill of %s\n", clock.Now().Format(time.DateOnly), member, pts, partners.PartnerOf(id), r.Redemption.Value, bill)
		return nil
	}

	if err := earn("ann", "bookshop:1001", "45.00"); err != nil {
		return err
	}
	clock.Advance(24 * time.Hour)
	if err := earn("bob", "cafe:2001", "8.50"); err != nil {
		return err
	}
	clock.Advance(6 * 24 * time.Hour)
	if err := redeem("ann", "cafe:r-1", "6.40", 300); err != nil {
		return err
	}
	clock.Advance(10 * 24 * time.Hour)
	if err := earn("bob", "bookshop:1002", "12.00"); err != nil {
		return err
	}

	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	deposits := map[string]decimal.Decimal{"cafe": dec("25.00")} // the café's prepaid deposit before March
	clock.Set(time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC))
	if _, err := co.Settle(ctx, e, store, from, to, clock.Now(), deposits); errors.Is(err, partners.ErrPeriodOpen) {
		fmt.Fprintf(w, "%s  settling March is refused: %v\n", clock.Now().Format(time.DateOnly), err)
	} else {
		return fmt.Errorf("settling an open month: %v", err)
	}

	clock.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	st, err := co.Settle(ctx, e, store, from, to, clock.Now(), deposits)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSettlement of March (%s to %s), line by line:\n", from.Format(time.DateOnly), to.Format(time.DateOnly))
	err = co.Lines(ctx, e, store, from, to, func(l partners.Line) error {
		_, err := fmt.Fprintf(w, "  %-8s  %-3s  %-6s  %-13s  %+5d points\n", l.Partner, l.Member, l.Kind, l.Ref, l.Points)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	for i, s := range st.Partners {
		pt := merchants[i] // the statement lists partners in the coalition's order
		fmt.Fprintf(w, "  %-8s  issued %d × %s = %s owed; redeemed %d × %s = %s reimbursed; net %s\n",
			s.Partner, s.Issued, pt.CostPerPoint.StringFixed(3), s.Owed, s.Redeemed, pt.ReimbursePerPoint.StringFixed(3), s.Reimbursed, s.Net)
	}
	fmt.Fprintln(w)
	for i, s := range st.Partners {
		pt := merchants[i]
		switch s.Net.Amount.Sign() {
		case 1:
			fmt.Fprintf(w, "  the %s pays the programme %s\n", s.Partner, s.Net)
		case -1:
			fmt.Fprintf(w, "  the programme pays the %s %s\n", s.Partner, money.Money{Amount: s.Net.Amount.Neg(), Currency: s.Net.Currency})
		default:
			fmt.Fprintf(w, "  the %s and the programme are square\n", s.Partner)
		}
		if pt.Prepaid {
			fmt.Fprintf(w, "    its prepaid deposit of %s becomes %s USD\n", deposits[pt.ID].StringFixed(2), deposits[pt.ID].Sub(s.Net.Amount).StringFixed(2))
		}
		switch {
		case s.Alert && pt.Prepaid:
			fmt.Fprintf(w, "    alert: the deposit falls below %s\n", pt.Threshold.StringFixed(2))
		case s.Alert:
			fmt.Fprintf(w, "    alert: it owes more than %s\n", pt.Threshold.StringFixed(2))
		}
	}
	again, err := co.Settle(ctx, e, store, from, to, clock.Now(), deposits)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  settling March again gives the same statement: %t\n\n", same(st, again))

	// The café is suspended: its earns and redemptions are refused, and
	// nobody's points move.
	if err := co.Suspend(ctx, e, "cafe"); err != nil {
		return err
	}
	before, err := e.Balance(ctx, "ann")
	if err != nil {
		return err
	}
	err = redeem("ann", "cafe:r-2", "5.00", 100)
	fmt.Fprintf(w, "%s  the café is suspended; ann's redemption there is refused: %v\n", clock.Now().Format(time.DateOnly), err)
	if !errors.Is(err, partners.ErrSuspended) {
		return fmt.Errorf("redeeming at a suspended partner: %v", err)
	}
	after, err := e.Balance(ctx, "ann")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s  ann still has %d points (%d before), to spend at the bookshop\n", clock.Now().Format(time.DateOnly), after.Available, before.Available)
	return nil
}

func same(a, b *partners.Statement) bool {
	if len(a.Partners) != len(b.Partners) {
		return false
	}
	for i := range a.Partners {
		x, y := a.Partners[i], b.Partners[i]
		if x.Entries != y.Entries || x.Issued != y.Issued || x.Redeemed != y.Redeemed || x.Net.String() != y.Net.String() || x.Alert != y.Alert {
			return false
		}
	}
	return true
}
