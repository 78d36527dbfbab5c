package points_test

import (
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/shopspring/decimal"
)

// BenchmarkEvaluateFiveLineOrder measures the earn evaluation of a 5-line
// USD order under a rate, a category multiplier, a segment multiplier and a
// per-order cap (issue target: ≤ 1 µs/op, ≤ 16 allocs/op).
func BenchmarkEvaluateFiveLineOrder(b *testing.B) {
	p, st, o, now := benchProgram(b)
	res, err := p.Evaluate(st, o, now)
	if err != nil {
		b.Fatal(err)
	}
	if res.Points() <= 0 {
		b.Fatalf("earned %d points", res.Points())
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Evaluate(st, o, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateIntoFiveLineOrder is the same evaluation reusing one
// Result, as Engine.Earn evaluates (in pooled memory) and as a host quoting
// many carts would: the cost of the evaluation itself, without allocating
// the Result a caller keeps.
func BenchmarkEvaluateIntoFiveLineOrder(b *testing.B) {
	p, st, o, now := benchProgram(b)
	var res loyalty.Result
	if err := p.EvaluateInto(&res, st, o, now); err != nil || res.Points() <= 0 {
		b.Fatal(res.Points(), err)
	}
	want := res.Points()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.EvaluateInto(&res, st, o, now); err != nil {
			b.Fatal(err)
		}
	}
	if res.Points() != want {
		b.Fatalf("reused result earned %d, first %d", res.Points(), want)
	}
}

// BenchmarkRulesFiveLineOrder measures this package's share of
// BenchmarkEvaluateFiveLineOrder: the four rules' Evaluate on a prepared
// context, without the root's basis computation and combination. It must
// not allocate.
func BenchmarkRulesFiveLineOrder(b *testing.B) {
	p, st, o, now := benchProgram(b)
	res, err := p.Evaluate(st, o, now)
	if err != nil {
		b.Fatal(err)
	}
	var lines int64
	for _, l := range res.Lines {
		lines += l.Basis
	}
	c := &loyalty.Input{
		Now: now, Program: p, State: st, Member: &st.Member, Event: o, Order: o,
		Lines: res.Lines, Basis: res.Basis, Value: res.Value, ExtraBasis: res.Basis - lines, Scale: res.Scale,
	}
	effects := make([]loyalty.Effect, 0, 32)
	b.ReportAllocs()
	for b.Loop() {
		effects = effects[:0]
		for _, r := range p.Rules {
			effects = r.Evaluate(c, effects)
		}
	}
	if len(effects) != 9 {
		b.Fatalf("got %d effects, want 9: 5 earnings, 2 category and 1 segment multipliers, 1 cap", len(effects))
	}
}

// benchProgram is the program and order of the benchmarks: a 5-line USD
// order with shipping, two lines in the multiplied category, a VIP member.
func benchProgram(b *testing.B) (*loyalty.Program, *loyalty.State, *loyalty.Order, time.Time) {
	b.Helper()
	rate, err := points.NewRate("base", 5, decimal.NewFromInt(1))
	if err != nil {
		b.Fatal(err)
	}
	shoes, err := points.NewCategoryMultiplier("shoes-x2", decimal.NewFromInt(2), "shoes")
	if err != nil {
		b.Fatal(err)
	}
	vip, err := points.NewSegmentMultiplier("vip-x1.5", decimal.RequireFromString("1.5"), "vip")
	if err != nil {
		b.Fatal(err)
	}
	limit, err := points.NewOrderCap("cap", 5000)
	if err != nil {
		b.Fatal(err)
	}
	p := &loyalty.Program{Name: "bench", Currency: "USD", Rules: []loyalty.Rule{rate, shoes, vip, limit}}
	if err := p.Validate(); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	st := &loyalty.State{Member: loyalty.Member{ID: "m1", Segments: []string{"vip"}}}
	o := &loyalty.Order{
		ID: "o1", MemberID: "m1", PlacedAt: now, Currency: "USD",
		Lines: []loyalty.OrderLine{
			{SKU: "sneaker", Category: "shoes", Quantity: 1, UnitPrice: decimal.RequireFromString("89.99")},
			{SKU: "sock", Category: "apparel", Quantity: 3, UnitPrice: decimal.RequireFromString("4.50")},
			{SKU: "boot", Category: "shoes", Quantity: 1, UnitPrice: decimal.RequireFromString("129.00"), Discount: decimal.RequireFromString("10.00")},
			{SKU: "cap", Category: "apparel", Quantity: 2, UnitPrice: decimal.RequireFromString("19.95")},
			{SKU: "lace", Category: "accessories", Quantity: 4, UnitPrice: decimal.RequireFromString("1.25")},
		},
		Shipping: decimal.RequireFromString("5.00"),
	}
	return p, st, o, now
}

var sinkDecimal decimal.Decimal

// BenchmarkDecimalArithmeticFiveLineOrder is the yardstick the issue gives
// for BenchmarkEvaluateFiveLineOrder: the bare shopspring/decimal arithmetic
// of the same order (line totals, rate, category and segment multipliers,
// cap), without rules, explanations or exactness checks. On a shared
// machine, compare the two in the same run rather than across runs.
func BenchmarkDecimalArithmeticFiveLineOrder(b *testing.B) {
	_, _, o, _ := benchProgram(b)
	rate, two, onehalf, limit := decimal.NewFromInt(5), decimal.NewFromInt(2), decimal.RequireFromString("1.5"), decimal.NewFromInt(5000)
	b.ReportAllocs()
	for b.Loop() {
		total := decimal.Zero
		for i := range o.Lines {
			l := &o.Lines[i]
			v := l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)).Sub(l.Discount).Mul(rate)
			if l.Category == "shoes" {
				v = v.Mul(two)
			}
			total = total.Add(v)
		}
		total = total.Mul(onehalf).Floor()
		if total.GreaterThan(limit) {
			total = limit
		}
		sinkDecimal = total
	}
}
