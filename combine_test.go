package loyalty

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// fnRule is a rule built from a function, for the tests of this package.
type fnRule struct {
	name string
	fn   func(c *Input, out []Effect) []Effect
}

func (r fnRule) Name() string                             { return r.name }
func (r fnRule) Evaluate(c *Input, out []Effect) []Effect { return r.fn(c, out) }

// randomProgram builds a program of rate earnings (per line and on the
// order), fixed bonuses, line and order multipliers and caps, in one or two
// accounts. huge makes amounts and rates large enough to overflow int64
// products, so that the fast path falls back part way.
func randomProgram(r *rand.Rand, huge bool) *Program {
	perChoices := []string{"0.01", "0.1", "0.25", "1", "1.5", "2.50", "3", "7", "10.00", "0.03"}
	factorChoices := []string{"0.5", "1.25", "2", "3", "1.5", "1", "0", "1.1", "0.75", "2.125", "1.333"}
	if huge {
		factorChoices = append(factorChoices, "1.000000007", "3.0000000011", "1.123456789")
	}
	cats := []string{"a", "b", "c"}
	accts := []ledger.Account{ledger.PointsAccount, "miles"}
	rate := func() *Rate {
		pts := 1 + r.Int64N(20)
		if huge && r.IntN(2) == 0 {
			pts = 1 + r.Int64N(1e9)
		}
		rt, err := NewRate(pts, decimal.RequireFromString(perChoices[r.IntN(len(perChoices))]))
		if err != nil {
			panic(err)
		}
		return rt
	}
	factor := func() Factor {
		f, err := NewFactor(decimal.RequireFromString(factorChoices[r.IntN(len(factorChoices))]))
		if err != nil {
			panic(err)
		}
		return f
	}
	acct := func() ledger.Account {
		if r.IntN(4) == 0 {
			return accts[1]
		}
		return accts[r.IntN(2)*0] // mostly the points account
	}
	p := &Program{Name: "random", Currency: []money.Currency{"USD", "JPY", "KWD"}[r.IntN(3)]}
	p.Rounding = Rounding(r.IntN(4))
	p.RoundingScope = RoundingScope(r.IntN(2))
	p.Basis.IncludeShipping = r.IntN(2) == 0
	p.Basis.BeforeDiscounts = r.IntN(3) == 0
	nRules := 1 + r.IntN(7)
	for k := 0; k < nRules; k++ {
		name := fmt.Sprint("r", k)
		a := acct()
		switch r.IntN(6) {
		case 0, 1: // a rate on every line, or on a category
			rt, cat := rate(), ""
			if r.IntN(2) == 0 {
				cat = cats[r.IntN(len(cats))]
			}
			p.Rules = append(p.Rules, fnRule{name, func(c *Input, out []Effect) []Effect {
				for i, l := range c.Lines {
					if l.Basis > 0 && (cat == "" || l.Category == cat) {
						e := EarnAt(rt, l.Basis, i, l.SKU)
						e.Account = a
						out = append(out, e)
					}
				}
				if cat == "" && c.ExtraBasis > 0 {
					e := EarnAt(rt, c.ExtraBasis, OrderLevel, "extra")
					e.Account = a
					out = append(out, e)
				}
				return out
			}})
		case 2: // a rate on the whole basis, at the order level
			rt := rate()
			p.Rules = append(p.Rules, fnRule{name, func(c *Input, out []Effect) []Effect {
				e := EarnAt(rt, c.Basis, OrderLevel, "order")
				e.Account = a
				return append(out, e)
			}})
		case 3: // a multiplier of a category's lines
			f, cat := factor(), cats[r.IntN(len(cats))]
			p.Rules = append(p.Rules, fnRule{name, func(c *Input, out []Effect) []Effect {
				for i, l := range c.Lines {
					if l.Category == cat {
						e := Multiply(f, i, cat)
						e.Account = a
						out = append(out, e)
					}
				}
				return out
			}})
		case 4: // a multiplier of the order
			f := factor()
			p.Rules = append(p.Rules, fnRule{name, func(c *Input, out []Effect) []Effect {
				e := Multiply(f, OrderLevel, "all")
				e.Account = a
				return append(out, e)
			}})
		case 5: // a fixed bonus on a line or the order, sometimes a cap
			pts, line, limit := 1+r.Int64N(500), r.IntN(4)-1, int64(-1)
			if r.IntN(2) == 0 {
				limit = r.Int64N(20000)
			}
			p.Rules = append(p.Rules, fnRule{name, func(c *Input, out []Effect) []Effect {
				e := Earn(pts, line, "bonus")
				e.Account = a
				out = append(out, e)
				if limit >= 0 {
					e := Cap(limit, "cap")
					e.Account = a
					out = append(out, e)
				}
				return out
			}})
		}
	}
	return p
}

func randomOrder(r *rand.Rand, cur money.Currency, huge bool) *Order {
	price := func(max int64) decimal.Decimal {
		return decimal.New(r.Int64N(max), -int32(r.IntN(4))) // 0–3 decimals
	}
	n := 1 + r.IntN(8)
	if r.IntN(10) == 0 {
		n = 17 + r.IntN(6) // past the slot buffers
	}
	o := &Order{ID: "o", MemberID: "m", Currency: cur, PlacedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	for i := 0; i < n; i++ {
		max := int64(30000)
		if huge {
			max = 1 << 40
		}
		l := OrderLine{SKU: fmt.Sprint("s", i), Category: []string{"a", "b", "c", "d"}[r.IntN(4)], Quantity: 1 + r.Int64N(5), UnitPrice: price(max)}
		if r.IntN(4) == 0 {
			l.Discount = decimal.New(r.Int64N(100), -2)
		}
		o.Lines = append(o.Lines, l)
	}
	if r.IntN(3) == 0 {
		o.Shipping = price(2000)
	}
	if r.IntN(4) == 0 {
		o.Discount = decimal.New(r.Int64N(50), 0)
	}
	return o
}

// TestCombineFastPathMatchesGeneral checks that the int64 fast path of
// combineAccount gives exactly the Results of the general rational path on
// random programs and orders, including those that overflow int64 part way.
func TestCombineFastPathMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := &State{Member: Member{ID: "m"}}
	fastCases := 0
	for i := 0; i < 20000; i++ {
		huge := i%5 == 4
		p := randomProgram(r, huge)
		o := randomOrder(r, p.Currency, huge)
		want, wantErr := evaluateExact(p, st, o, now)
		got, gotErr := p.Evaluate(st, o, now)
		require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(gotErr), "case %d: the error of the fast path (actual), the general path (expected)", i)
		require.Equal(t, want, got, "case %d: the Result of the fast path (actual), the general path (expected)", i) // reflect.DeepEqual
		if wantErr == nil && len(got.Awards) > 0 {
			c := &Input{Scale: got.Scale}
			effects, _, _ := p.runRules(&Input{Now: now, Program: p, State: st, Member: &st.Member, Event: o, Order: o, Lines: got.Lines, Basis: got.Basis, Scale: got.Scale}, nil)
			if _, ok := commonDen(c, effects, ledger.PointsAccount); ok {
				fastCases++
			}
		}
	}
	require.GreaterOrEqual(t, fastCases, 10000, "cases that could take the fast path")
	t.Logf("%d cases could take the fast path", fastCases)
}

// evaluateExact is Program.Evaluate with combine's int64 fast path off.
func evaluateExact(p *Program, st *State, ev Event, now time.Time) (*Result, error) {
	return p.evaluateWith(newScratch(), randSeed{}, Input{Now: now, Program: p, State: st, Member: &st.Member, Event: ev}, &resultBlock{exact: true})
}

// commonDen is D for acct over effects: what combine gathers in its pass.
func commonDen(c *Input, effects []Effect, acct ledger.Account) (int64, bool) {
	d := denom{acct: acct, lcm: 1, prod: 1}
	for i := range effects {
		if effects[i].Account == acct {
			d.add(&effects[i], c.Scale)
		}
	}
	return d.value()
}
