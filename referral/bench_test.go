package referral_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/points"
)

// BenchmarkResolve resolves a referral code to its referrer on the memory
// store (issue 13: at most 1 µs).
func BenchmarkResolve(b *testing.B) {
	f := newFixture(b, config())
	code := f.code(b, "ann")
	for _, m := range []string{"bob", "cat", "dan", "eve"} {
		f.code(b, m)
	}
	b.ReportAllocs()
	for b.Loop() {
		if who, err := f.p.Resolve(ctx, code); err != nil || who != "ann" {
			b.Fatal(who, err)
		}
	}
}

// friendState is a referred friend's ledger before their first order.
func friendState() *loyalty.State {
	return &loyalty.State{Version: 2, Member: loyalty.Member{ID: "bob", JoinedAt: start,
		Attributes: map[string]string{"referrer": "ann", "code": "K7M2QX9P"}}}
}

// BenchmarkEarnEvaluation is the evaluation of a points program on a
// friend's order: the baseline the referral check adds to.
func BenchmarkEarnEvaluation(b *testing.B) {
	rate, err := points.NewRate("base", 5, dec("1"))
	if err != nil {
		b.Fatal(err)
	}
	p := newFixture(b, config()).p.Engine().Program()
	p.Rules = []loyalty.Rule{rate}
	benchEvaluate(b, p)
}

// BenchmarkEarnEvaluationWithReferral is the same with the referral
// program's rules beside the rate (attribution read from the member, the
// qualifying check: first order, minimum, days since signup): the
// difference to BenchmarkEarnEvaluation is what they add (issue 13: at
// most 0.5 µs).
func BenchmarkEarnEvaluationWithReferral(b *testing.B) {
	rate, err := points.NewRate("base", 5, dec("1"))
	if err != nil {
		b.Fatal(err)
	}
	p := newFixture(b, config()).p.Engine().Program()
	p.Rules = append(p.Rules, rate)
	benchEvaluate(b, p)
}

// BenchmarkEarnEvaluationWithReferralLaterOrder is
// BenchmarkEarnEvaluationWithReferral on a friend's later order, which the
// referral rules only read a counter of.
func BenchmarkEarnEvaluationWithReferralLaterOrder(b *testing.B) {
	rate, err := points.NewRate("base", 5, dec("1"))
	if err != nil {
		b.Fatal(err)
	}
	p := newFixture(b, config()).p.Engine().Program()
	p.Rules = append(p.Rules, rate)
	st := friendState()
	st.Counters = []ledger.Counter{{Name: "first-order", PeriodKey: "o0", Value: 1}}
	benchEvaluateState(b, p, st)
}

func benchEvaluate(b *testing.B, p *loyalty.Program) { benchEvaluateState(b, p, friendState()) }

func benchEvaluateState(b *testing.B, p *loyalty.Program, st *loyalty.State) {
	b.Helper()
	if err := p.Validate(); err != nil {
		b.Fatal(err)
	}
	o := order("o:o1~0123456789abcdef", "bob", start, "80.00") // the ID OnOrder records
	res := &loyalty.Result{}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.EvaluateInto(res, st, o, start); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQualifyingCheck runs the referral program's rules alone on a
// friend's first order, as an evaluation calls them: reading the
// attribution from the member and checking first order, minimum and days
// since signup (the engine's combining of the effects they return is in
// BenchmarkEarnEvaluationWithReferral).
func BenchmarkQualifyingCheck(b *testing.B) {
	p := newFixture(b, config()).p.Engine().Program()
	st := friendState()
	o := order("o:o1~0123456789abcdef", "bob", start, "80.00") // the ID OnOrder records
	c := &loyalty.Input{Now: start, Program: p, State: st, Member: &st.Member, Event: o, Order: o, Value: 8000, Basis: 8000, Scale: 2}
	buf := make([]loyalty.Effect, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for _, r := range p.Rules {
			buf = r.Evaluate(c, buf)
		}
		if len(buf) != 1 {
			b.Fatal(len(buf))
		}
	}
}
