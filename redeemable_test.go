package loyalty_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/ledger"
)

// storeCredit is a rule that only declares account a store credit.
type storeCredit struct{ a ledger.Account }

func (storeCredit) Name() string                                                     { return "store-credit" }
func (storeCredit) Evaluate(_ *loyalty.Input, out []loyalty.Effect) []loyalty.Effect { return out }
func (s storeCredit) Redeemable() []ledger.Account                                   { return []ledger.Account{s.a} }

func TestRedeemSpendsOnlyPointsAndDeclaredStoreCreditNeverAnUnpaidAccrual(t *testing.T) {
	ctx := context.Background()
	t0 := utc(2026, 2, 10, 12, 0)
	back, err := cashback.NewPercentage("back", decimal.NewFromInt(10), &cashback.Schedule{Every: calendar.Quarter})
	require.NoError(t, err)
	e, _, _ := zoned(t, nil, t0, &loyalty.Program{Rules: []loyalty.Rule{back}, Redemption: pennies{}})
	_, err = e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"})
	require.NoError(t, err)
	o := orderOf(line("tee", "apparel", 1, "50.00"))
	r, err := e.Earn(ctx, "earn", o)
	require.NoError(t, err)
	const accrual ledger.Account = "cashback:2026-Q1"
	acc, ok := r.Balance(accrual)
	require.True(t, ok)
	require.Equal(t, int64(5_00), acc.Available, "10% of 50.00 accrues, unpaid")
	before, err := e.History(ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)

	for _, a := range []ledger.Account{accrual, "pledge:forests"} {
		_, err = e.Redeem(ctx, "redeem-"+string(a), loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "o2", Total: usdOf("20.00"), Account: a})
		require.ErrorIs(t, err, loyalty.ErrNotRedeemable, a)
		require.Contains(t, err.Error(), string(a))
		_, err = e.Quote(ctx, loyalty.Redemption{MemberID: "ann", Total: usdOf("20.00"), Account: a})
		require.ErrorIs(t, err, loyalty.ErrNotRedeemable, "a quote refuses it too")
	}
	after, err := e.History(ctx, "ann", ledger.EntryID{}, 0)
	require.NoError(t, err)
	require.Equal(t, before, after, "nothing written")
	bal, err := e.AccountBalance(ctx, "ann", accrual)
	require.NoError(t, err)
	require.Equal(t, int64(5_00), bal.Available)

	// The credit account the rule pays into may be redeemed: empty for now.
	q, err := e.Quote(ctx, loyalty.Redemption{MemberID: "ann", Total: usdOf("20.00"), Account: cashback.CreditAccount})
	require.NoError(t, err)
	require.Equal(t, int64(0), q.Points)
	require.ErrorIs(t, q.Reason, loyalty.ErrInsufficientPoints)
	// And points always may be.
	q, err = e.Quote(ctx, loyalty.Redemption{MemberID: "ann", Total: usdOf("20.00")})
	require.NoError(t, err)
	require.Equal(t, int64(0), q.MaxPoints)
}
