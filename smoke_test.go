package loyalty_test

import (
	"context"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/shopspring/decimal"
)

type rateRule struct{ r *loyalty.Rate }

func (rateRule) Name() string { return "base" }
func (x rateRule) Evaluate(c *loyalty.Context, out []loyalty.Effect) []loyalty.Effect {
	for i := range c.Lines {
		if c.Lines[i].Basis > 0 {
			out = append(out, loyalty.EarnAt(x.r, c.Lines[i].Basis, i, c.Lines[i].SKU))
		}
	}
	return out
}

type redeem struct{}

func (redeem) Quote(avail int64, total loyalty.Money, want int64) (loyalty.Quote, error) {
	if want > avail {
		return loyalty.Quote{}, loyalty.ErrInsufficientPoints
	}
	if want == 0 {
		want = avail
	}
	return loyalty.Quote{Points: want, Value: loyalty.MinorUnits(want, total.Currency), MaxPoints: avail}, nil
}

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	r, _ := loyalty.NewRate(5, decimal.NewFromInt(1))
	p := &loyalty.Program{Name: "p", Currency: "USD", Rules: []loyalty.Rule{rateRule{r}}, PendingDays: 2, Redemption: redeem{}}
	clk := loyalty.NewManualClock(time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC))
	e, err := loyalty.NewEngine(p, memory.New(), &loyalty.EngineOptions{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Enroll(ctx, "k1", loyalty.Member{ID: "m"}); err != nil {
		t.Fatal(err)
	}
	o := &loyalty.Order{ID: "o1", MemberID: "m", Currency: "USD", Lines: []loyalty.OrderLine{
		{SKU: "a", Quantity: 2, UnitPrice: decimal.RequireFromString("10.99")},
		{SKU: "b", Quantity: 1, UnitPrice: decimal.RequireFromString("5.50")},
	}}
	rc, err := e.Earn(ctx, "k2", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("earned %d %+v", rc.Points(), rc.Entries)
	for _, x := range rc.Explanation {
		t.Log(x.String())
	}
	rc2, err := e.Earn(ctx, "k2", o)
	if err != nil || rc2 != rc {
		t.Fatal("replay", err)
	}
	b, _ := e.Balance(ctx, "m")
	t.Logf("balance %+v", b)
	clk.Advance(72 * time.Hour)
	b, _ = e.Balance(ctx, "m")
	t.Logf("balance %+v", b)
	rr, err := e.Return(ctx, "k3", &loyalty.Return{ID: "r1", OrderID: "o1", MemberID: "m", Lines: []loyalty.ReturnLine{{SKU: "a", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("return %+v", rr.Entries)
	red, err := e.Redeem(ctx, "k4", loyalty.Redemption{ID: "x", MemberID: "m", Total: loyalty.MinorUnits(10000, "USD"), Points: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("redeem %+v", red.Entries)
	c, err := e.CancelRedemption(ctx, "k5", "m", "x")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cancel %+v %+v", c.Entries, c.Balances)
	h, _ := e.History(ctx, "m", loyalty.EntryID{}, 100)
	for _, x := range h {
		t.Logf("%v %s %d %d %s", x.ID, x.Kind, x.Amount, x.Pending, x.Note)
	}
}
