// Command economics simulates a year of a shop's customers under two
// programs, on the same customers, and writes a report a marketing or
// finance person can read: "1 point per 1.00 with Bronze/Silver/Gold tiers"
// against "2% cashback as store credit". It prints the KPIs side by side
// and per month, and writes report.md with four charts (liability, cost as a
// share of revenue, breakage, tier distribution over time) as PNG images,
// drawn with gonum.org/v1/plot (imported only here, so the library keeps
// its dependencies).
//
//	go run ./examples/economics                        # 1,500 customers, a few seconds
//	go run ./examples/economics -customers 20000 -out report -picture docs/economics.png
package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/economics/sim"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/tiers"
	"github.com/shopspring/decimal"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func main() {
	customers := flag.Int("customers", 1500, "customers to simulate (members and not)")
	months := flag.Int("months", 12, "months to simulate")
	seed := flag.Uint64("seed", 42, "seed of every draw")
	out := flag.String("out", filepath.Join(os.TempDir(), "loyalty-economics-report"), "directory the report is written to")
	picture := flag.String("picture", "", "also write the four charts as one PNG here (docs/economics.png)")
	flag.Parse()

	d := decimal.RequireFromString
	rate := must(points.NewRate("base", 1, d("1")))
	ladder := must(tiers.NewLadder("club", tiers.Spend("USD"), tiers.CalendarYear, []tiers.Tier{
		{Name: "Bronze", Threshold: d("0")},
		{Name: "Silver", Threshold: d("300"), Multiplier: d("1.25")},
		{Name: "Gold", Threshold: d("1000"), Multiplier: d("1.5")},
	}, nil))
	pts := &loyalty.Program{Name: "points-and-tiers", Currency: "USD", Rules: []loyalty.Rule{ladder, rate},
		Expiry: points.AfterDays(182), PendingDays: 14,
		Redemption: points.Redemption{Points: 100, Value: money.New(d("1.00"), "USD"), Minimum: 500}}
	back := must(cashback.NewPercentage("two-percent", d("2"), nil))
	cash := &loyalty.Program{Name: "cashback", Currency: "USD", Rules: []loyalty.Rule{back}}

	prices := func(s ...string) []decimal.Decimal {
		out := make([]decimal.Decimal, len(s))
		for i, v := range s {
			out[i] = d(v)
		}
		return out
	}
	mix := []sim.Category{
		{Name: "apparel", Weight: 3, Prices: prices("19.99", "34.50", "59.00")},
		{Name: "shoes", Weight: 1, Prices: prices("79.90", "120.00")},
		{Name: "gift-cards", Weight: 0.2, Prices: prices("25.00", "50.00")},
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var bar progressBar
	cfg := &sim.Config{
		Seed: *seed, Start: start, End: start.AddDate(0, *months, 0),
		Customers: sim.Customers{Count: *customers, Segments: []sim.Segment{
			{Name: "regular", Weight: 1, OrdersPerMonth: 1.5, Items: 2, Categories: mix, ChurnPerMonth: 0.02,
				JoinShare: 0.8, ExtraFrequency: 0.2, RedeemPropensity: 0.6, ReturnRate: 0.08},
			{Name: "casual", Weight: 3, OrdersPerMonth: 0.3, Items: 1.5, Categories: mix, ChurnPerMonth: 0.05,
				JoinShare: 0.3, ExtraFrequency: 0.1, RedeemPropensity: 0.3, ReturnRate: 0.05},
		}},
		EnrolledAtStart: 0.5,
		Progress:        bar.show,
	}

	fmt.Printf("Reward economics: %q against %q on the same %d customers, %d months from %s (seed %d)\n\n",
		pts.Name, cash.Name, *customers, *months, start.Format(time.DateOnly), *seed)
	began := time.Now()
	cmp, err := sim.Compare(context.Background(), pts, cash, cfg)
	bar.done()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "simulated in %s\n", time.Since(began).Round(time.Millisecond))

	var report strings.Builder
	fmt.Fprintf(&report, "# Reward economics: %s against %s\n\n", cmp.A.Program, cmp.B.Program)
	fmt.Fprintf(&report, "%d customers (%d members at the end), %d months from %s, seed %d. Money in USD.\n\n",
		cmp.A.Customers, cmp.A.Members, *months, start.Format(time.DateOnly), *seed)
	report.WriteString("## Side by side, over the whole run\n\n")
	side := sideBySide(cmp)
	report.WriteString(side)
	fmt.Print(side)
	for _, r := range []*sim.Result{cmp.A, cmp.B} {
		t := monthly(r)
		fmt.Printf("\n%s, month by month\n\n%s", r.Program, t)
		fmt.Fprintf(&report, "\n## %s, month by month\n\n%s", r.Program, t)
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	charts := charts(cmp)
	report.WriteString("\n## Charts\n\n")
	for _, c := range charts {
		file := c.file + ".png"
		if err := c.plot.Save(16*vg.Centimeter, 10*vg.Centimeter, filepath.Join(*out, file)); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(&report, "![%s](%s)\n\n", c.plot.Title.Text, file)
	}
	if err := os.WriteFile(filepath.Join(*out, "report.md"), []byte(report.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	if *picture != "" {
		if err := grid(charts, *picture); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("\ncharts in one picture: %s\n", *picture)
	}
	fmt.Printf("\nreport: %s (and %d charts beside it)\n", filepath.Join(*out, "report.md"), len(charts))
}

// sideBySide is a Markdown table of the two programs' totals.
func sideBySide(c *sim.Comparison) string {
	a, b := c.A.Total, c.B.Total
	var s strings.Builder
	row := func(name, x, y string) { fmt.Fprintf(&s, "| %-34s | %18s | %18s |\n", name, x, y) }
	row("KPI", c.A.Program, c.B.Program)
	fmt.Fprintf(&s, "|%s|%s:|%s:|\n", strings.Repeat("-", 36), strings.Repeat("-", 19), strings.Repeat("-", 19))
	row("revenue (all customers, net)", dollars(a.Revenue), dollars(b.Revenue))
	row("members' revenue", dollars(a.MemberRevenue), dollars(b.MemberRevenue))
	row("members' orders / non-members'", fmt.Sprintf("%d / %d", a.MemberOrders, a.NonMemberOrders), fmt.Sprintf("%d / %d", b.MemberOrders, b.NonMemberOrders))
	row("AOV members / non-members", dollars(a.MemberAOV)+" / "+dollars(a.NonMemberAOV), dollars(b.MemberAOV)+" / "+dollars(b.NonMemberAOV))
	row("points issued", fmt.Sprint(a.PointsIssued), fmt.Sprint(b.PointsIssued))
	row("points redeemed / expired", fmt.Sprintf("%d / %d", a.PointsRedeemed, a.PointsExpired), fmt.Sprintf("%d / %d", b.PointsRedeemed, b.PointsExpired))
	row("store credit issued / redeemed", dollars(a.MoneyIssued)+" / "+dollars(a.MoneyRedeemed), dollars(b.MoneyIssued)+" / "+dollars(b.MoneyRedeemed))
	row("programme cost", dollars(a.Cost), dollars(b.Cost))
	row("cost as a share of revenue", pct(a.CostShareOfRevenue), pct(b.CostShareOfRevenue))
	row("liability at the end", dollars(a.Liability), dollars(b.Liability))
	row("redemption rate / breakage rate", pct(a.RedemptionRate)+" / "+pct(a.BreakageRate), pct(b.RedemptionRate)+" / "+pct(b.BreakageRate))
	row("active members / enrolled", fmt.Sprintf("%d / %d", a.ActiveMembers, a.EnrolledMembers), fmt.Sprintf("%d / %d", b.ActiveMembers, b.EnrolledMembers))
	return s.String()
}

// monthly is a Markdown table of a program's KPIs per month.
func monthly(r *sim.Result) string {
	var s strings.Builder
	s.WriteString("| month   |    revenue | member orders | points issued | redeemed | expired | credit issued |       cost | cost share |  liability | active / enrolled | tiers |\n")
	s.WriteString("|---------|-----------:|--------------:|--------------:|---------:|--------:|--------------:|-----------:|-----------:|-----------:|------------------:|-------|\n")
	for _, m := range r.Months {
		var ts []string
		for _, t := range m.Tiers {
			ts = append(ts, fmt.Sprintf("%s %d", t.Tier, t.Members))
		}
		fmt.Fprintf(&s, "| %s | %10s | %13d | %13d | %8d | %7d | %13s | %10s | %10s | %10s | %17s | %s |\n",
			m.From.Format("2006-01"), dollars(m.Revenue), m.MemberOrders, m.PointsIssued, m.PointsRedeemed, m.PointsExpired,
			dollars(m.MoneyIssued), dollars(m.Cost), pct(m.CostShareOfRevenue), dollars(m.Liability),
			fmt.Sprintf("%d / %d", m.ActiveMembers, m.EnrolledMembers), strings.Join(ts, ", "))
	}
	return s.String()
}

func dollars(v decimal.Decimal) string { return v.StringFixed(2) }
func pct(r decimal.Decimal) string     { return r.Shift(2).StringFixed(2) + "%" }

type chart struct {
	file string
	plot *plot.Plot
}

var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	greys  = []color.Color{color.RGBA{R: 205, G: 127, B: 50, A: 255}, color.RGBA{R: 170, G: 170, B: 180, A: 255}, color.RGBA{R: 230, G: 190, B: 40, A: 255}, color.RGBA{R: 120, G: 120, B: 200, A: 255}}
)

// charts draws liability, cost share, breakage and the tier distribution.
func charts(c *sim.Comparison) []chart {
	months := c.A.Months
	labels := make([]string, len(months))
	ticks := make([]plot.Tick, len(months))
	for i, m := range months {
		labels[i] = m.From.Format("Jan")
		ticks[i] = plot.Tick{Value: float64(i), Label: labels[i]}
	}
	series := func(r *sim.Result, f func(sim.KPI) float64) plotter.XYs {
		xy := make(plotter.XYs, len(r.Months))
		for i, m := range r.Months {
			xy[i] = plotter.XY{X: float64(i), Y: f(m)}
		}
		return xy
	}
	lines := func(title, y string, f func(sim.KPI) float64, rs ...*sim.Result) *plot.Plot {
		p := plot.New()
		p.Title.Text = title
		p.Y.Label.Text = y
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.Add(plotter.NewGrid())
		for i, r := range rs {
			l := must(plotter.NewLine(series(r, f)))
			l.Color = []color.Color{blue, orange}[i]
			l.Width = vg.Points(2)
			p.Add(l)
			p.Legend.Add(r.Program, l)
		}
		p.Legend.Top, p.Legend.Left = true, true
		p.Y.Min = 0
		return p
	}
	f64 := func(d decimal.Decimal) float64 { return d.InexactFloat64() }

	liability := lines("Liability at month end", "USD", func(k sim.KPI) float64 { return f64(k.Liability) }, c.A, c.B)
	cost := lines("Programme cost as a share of revenue", "%", func(k sim.KPI) float64 { return k.CostShareOfRevenue.Shift(2).InexactFloat64() }, c.A, c.B)
	breakage := lines("Breakage: points expired / issued", "%", func(k sim.KPI) float64 { return k.BreakageRate.Shift(2).InexactFloat64() }, c.A)

	// Tier distribution: stacked bars, one stack a month.
	tp := plot.New()
	tp.Title.Text = "Members by tier (" + c.A.Program + ")"
	tp.Y.Label.Text = "members"
	tp.NominalX(labels...)
	var names []string
	for _, m := range months {
		for _, t := range m.Tiers {
			if !contains(names, t.Tier) {
				names = append(names, t.Tier)
			}
		}
	}
	var below *plotter.BarChart
	for i, name := range names {
		v := make(plotter.Values, len(months))
		for j, m := range months {
			for _, t := range m.Tiers {
				if t.Tier == name {
					v[j] = float64(t.Members)
				}
			}
		}
		b := must(plotter.NewBarChart(v, vg.Points(12)))
		b.Color = greys[i%len(greys)]
		b.LineStyle.Width = 0
		if below != nil {
			b.StackOn(below)
		}
		below = b
		tp.Add(b)
		tp.Legend.Add(name, b)
	}
	tp.Legend.Top, tp.Legend.Left = true, true
	return []chart{{"liability", liability}, {"cost-share", cost}, {"breakage", breakage}, {"tiers", tp}}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// grid draws the charts two by two into one PNG.
func grid(cs []chart, file string) error {
	img := vgimg.New(28*vg.Centimeter, 18*vg.Centimeter)
	dc := draw.New(img)
	t := draw.Tiles{Rows: 2, Cols: 2, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(6)}
	ps := [][]*plot.Plot{{cs[0].plot, cs[1].plot}, {cs[2].plot, cs[3].plot}}
	canvases := plot.Align(ps, t, dc)
	for j := range ps {
		for i := range ps[j] {
			ps[j][i].Draw(canvases[j][i])
		}
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// progressBar draws the simulation's progress on standard error.
type progressBar struct {
	program string
	shown   int
}

func (b *progressBar) show(p sim.Progress) {
	const width = 40
	n := p.Day * width / p.Days
	if p.Program == b.program && n == b.shown && p.Day != p.Days {
		return
	}
	if p.Program != b.program && b.program != "" {
		fmt.Fprintln(os.Stderr)
	}
	b.program, b.shown = p.Program, n
	fmt.Fprintf(os.Stderr, "\r%-18s [%s%s] %3d%%  %s  %d members, %d orders",
		p.Program, strings.Repeat("#", n), strings.Repeat(".", width-n), 100*p.Day/p.Days, p.Date.Format(time.DateOnly), p.Members, p.Orders)
}

func (b *progressBar) done() {
	if b.program != "" {
		fmt.Fprintln(os.Stderr)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
