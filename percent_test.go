package loyalty_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// percentRule gives Percent of every order into account "back".
type percentRule struct{ p loyalty.Percent }

func (r *percentRule) Name() string { return "two-percent" }
func (r *percentRule) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	return r.p.Earn(c, "back", "2% back", out)
}

func TestPercentEarnsItsShareOfEveryLineAndOfShippingInMinorUnits(t *testing.T) {
	pct, err := loyalty.NewPercent(decimal.RequireFromString("2.0"))
	require.NoError(t, err)
	require.Equal(t, "2", pct.Value().String())
	p := &loyalty.Program{Name: "p", Currency: "USD", Basis: loyalty.EarnBasis{IncludeShipping: true},
		Rules: []loyalty.Rule{&percentRule{pct}}}
	o := orderOf(line("a", "", 1, "30.00"), line("b", "", 2, "10.00"))
	o.Shipping = decimal.RequireFromString("5.00")
	require.NoError(t, p.Validate())
	res, err := p.Evaluate(&loyalty.State{Member: loyalty.Member{ID: "ann"}}, o, now)
	require.NoError(t, err)
	// 2% of 30.00 + 20.00 + 5.00 = 1.10: 110 cents.
	require.Len(t, res.Awards, 1)
	require.Equal(t, ledger.Account("back"), res.Awards[0].Account)
	require.Equal(t, int64(110), res.Awards[0].Amount)
	require.Equal(t, []int64{60, 40}, res.Awards[0].Lines)
}

func TestNewPercentRefusesNothingMoreThanAllAndTheZeroPercentEarnsNothing(t *testing.T) {
	for _, s := range []string{"0", "-1", "100.01"} {
		_, err := loyalty.NewPercent(decimal.RequireFromString(s))
		require.ErrorIs(t, err, loyalty.ErrInvalidProgram, s)
	}
	var zero loyalty.Percent
	require.True(t, zero.IsZero())
	c := &loyalty.Input{Order: orderOf(line("a", "", 1, "1.00")), Program: &loyalty.Program{Currency: "USD"},
		Lines: []loyalty.LineBasis{{Basis: 100}}}
	require.Empty(t, zero.Earn(c, "back", "", nil))
}
