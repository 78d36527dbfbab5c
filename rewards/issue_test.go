package rewards_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/rewards"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (s *shop) coupons(id string) []rewards.Coupon {
	s.t.Helper()
	st, err := s.engine.Member(s.ctx, id)
	require.NoError(s.t, err)
	return rewards.Coupons(st)
}

func (s *shop) runJobs() loyalty.JobReport {
	s.t.Helper()
	rep, err := s.engine.RunJobs(s.ctx, nil, nil)
	require.NoError(s.t, err)
	return rep
}

func TestBirthdayCouponIsGivenOnTheDayInTheProgramsZoneOncePerYear(t *testing.T) {
	auckland := must(time.LoadLocation("Pacific/Auckland"))      // UTC+13 in December
	losAngeles := must(time.LoadLocation("America/Los_Angeles")) // UTC−8
	// ann's birthday is 8 December; the clock says 7 December, 12:00 UTC.
	for _, tc := range []struct {
		zone    *time.Location
		givenAt time.Time // the first run of the jobs that gives it
	}{
		{auckland, monday},                       // 8 December, 01:00 in Auckland
		{losAngeles, monday.Add(21 * time.Hour)}, // 09:00 UTC on the 8th: 8 December, 01:00 in Los Angeles
		{time.UTC, monday.Add(12 * time.Hour)},   // midnight
	} {
		t.Run(tc.zone.String(), func(t *testing.T) {
			cat := testCatalog(t)
			s := newShopIn(t, tc.zone, cat, must(rewards.NewBirthdayCoupon("birthday", cat, "gift")))
			if tc.givenAt.After(monday) {
				s.runJobs()
				assert.Empty(t, s.coupons("ann"), "not yet the 8th in %s", tc.zone)
				s.clock.Set(tc.givenAt)
			}
			rep := s.runJobs()
			assert.Equal(t, 1, rep.Jobs["birthday"])
			cs := s.coupons("ann")
			require.Len(t, cs, 1)
			assert.Equal(t, "gift", cs[0].Reward)
			assert.Equal(t, int64(1), s.rewardsHeld("ann"))

			s.clock.Set(tc.givenAt.Add(2 * time.Hour))
			s.runJobs()
			_, err := s.engine.Act(s.ctx, "birthday-again", &loyalty.Action{Kind: loyalty.ActionBirthday, MemberID: "ann", Ref: "again"})
			require.NoError(t, err)
			assert.Len(t, s.coupons("ann"), 1, "once per year")
		})
	}
}

func TestWelcomeCouponIsGivenOnceOnSignup(t *testing.T) {
	cat := testCatalog(t)
	s := newShopIn(t, nil, cat, must(rewards.NewWelcomeCoupon("welcome", cat, "ten-off")))
	cs := s.coupons("ann")
	require.Len(t, cs, 1)
	assert.Equal(t, "ten-off", cs[0].Reward)
	assert.Equal(t, monday.AddDate(0, 0, 30), cs[0].ExpiresAt)
}

func TestNextOrderCouponIsGivenWithAnOrderAboveTheMinimumAndUsableOnTheNext(t *testing.T) {
	cat := testCatalog(t)
	s := newShopIn(t, nil, cat, must(rewards.NewNextOrderCoupon("next-order", cat, "ten-pct", dec("50"))))
	small := cart("o0", "ann")
	small.Lines = small.Lines[:1]
	_, err := s.engine.Earn(s.ctx, "o0", small)
	require.NoError(t, err)
	assert.Empty(t, s.coupons("ann"), "20.00 is below 50.00")

	r, err := s.engine.Earn(s.ctx, "o1", cart("o1", "ann"))
	require.NoError(t, err)
	require.Len(t, r.Grants, 1)
	code := r.Grants[0].Code
	o := cart("o2", "ann", code)
	ds, err := cat.Check(s.ctx, s.engine, o)
	require.NoError(t, err)
	ds[0].Apply(o)
	_, err = s.engine.Earn(s.ctx, "o2", o)
	require.NoError(t, err)
	// the order used its coupon and (54.00 after 10% off is above 50.00) got the next one
	cs := s.coupons("ann")
	require.Len(t, cs, 1)
	assert.NotEqual(t, code, cs[0].Code)
}

func TestPurchaseAnniversaryCouponComesOnTheFirstOrdersDay(t *testing.T) {
	tokyo := must(time.LoadLocation("Asia/Tokyo")) // UTC+9
	cat := testCatalog(t)
	s := newShopIn(t, tokyo, cat, must(rewards.NewPurchaseAnniversaryCoupon("anniversary", cat, "gift")))
	// first order at 20:00 UTC on 7 December: 8 December in Tokyo
	s.clock.Set(monday.Add(8 * time.Hour))
	o := cart("o1", "ann")
	o.PlacedAt = s.clock.Now()
	_, err := s.engine.Earn(s.ctx, "o1", o)
	require.NoError(t, err)
	o2 := cart("o2", "ann")
	o2.PlacedAt = s.clock.Now()
	_, err = s.engine.Earn(s.ctx, "o2", o2)
	require.NoError(t, err)

	s.clock.Set(time.Date(2027, time.December, 7, 12, 0, 0, 0, time.UTC)) // 7 December 21:00 in Tokyo
	s.runJobs()
	assert.Empty(t, s.coupons("ann"))
	s.clock.Set(time.Date(2027, time.December, 7, 16, 0, 0, 0, time.UTC)) // 8 December 01:00 in Tokyo
	rep := s.runJobs()
	assert.Equal(t, 1, rep.Jobs["anniversary"])
	require.Len(t, s.coupons("ann"), 1)
	s.runJobs()
	assert.Len(t, s.coupons("ann"), 1)
}
