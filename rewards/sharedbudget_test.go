package rewards_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/rewards"
)

// twoCampaigns are two earning rules of one campaign, "campaign" (2 points
// per 1.00) and "weekend" (1 per 1.00), both paid by budget b.
func twoCampaigns(t *testing.T, b rewards.Budget) []loyalty.Rule {
	t.Helper()
	weekend, err := points.NewRate("weekend", 1, dec("1"))
	require.NoError(t, err)
	w2, err := rewards.WithBudget(weekend, b)
	require.NoError(t, err)
	return []loyalty.Rule{campaign(t, b), w2}
}

// ruleTotal is what the explanation lines of rule gave in r.
func ruleTotal(r *loyalty.Receipt, rule string) int64 {
	var n int64
	for _, x := range r.Explanation {
		if x.Rule == rule {
			n += x.Points
		}
	}
	return n
}

// Two rules paid by one budget share what is left: the second gets only
// what the first did not take, in the same write, and the budget is spent
// exactly (before, each read the same rest and the write claimed both).
func TestTwoRulesPaidByOneBudgetShareWhatIsLeft(t *testing.T) {
	for _, global := range []bool{false, true} {
		t.Run(fmt.Sprint("global=", global), func(t *testing.T) {
			b := rewards.Budget{Name: "xmas", Points: 300, Global: global, Per: calendar.Month}
			rules := twoCampaigns(t, b)
			s := newShopIn(t, nil, testCatalog(t), rules...)
			for _, r := range rules {
				require.NoError(t, r.(*rewards.Budgeted).Setup(s.ctx, s.engine))
			}
			// Each cart is 60.00: 60 base, 120 campaign, 60 weekend points.
			for i, tc := range []struct{ campaign, weekend int64 }{
				{120, 60}, // 180 of 300
				{120, 0},  // 120 left: the campaign takes them, the weekend gets none
				{0, 0},
			} {
				r := s.earn(cart(fmt.Sprint("o", i), "ann"))
				assert.Equal(t, tc.campaign, ruleTotal(r, "campaign"), "order %d: campaign", i)
				assert.Equal(t, tc.weekend, ruleTotal(r, "weekend"), "order %d: weekend", i)
				assert.Equal(t, 60+tc.campaign+tc.weekend, r.Points(), "order %d", i)
			}
			assert.Equal(t, int64(1000+3*60+300), s.balance("ann"), "three bases and the whole budget")
			if global {
				assert.Equal(t, int64(300), s.claimed("xmas", "2026-12"))
			} else {
				assert.Equal(t, int64(300), s.counter("ann", rewards.BudgetCounter("xmas"), "2026-12"))
			}
		})
	}
}
