package main

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
)

func TestQuickstartPrintsStatements(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, filepath.Join(t.TempDir(), "q.db")))
	for _, want := range []string{
		"ann earned 996 points on order A-1001",
		"bob returned the rain jacket: -600 points",
		"ann redeemed 1100 points: 11.00 USD off order A-1002",
		"Statement of ann: 96 points available, 0 pending",
		"Statement of bob: 200 points available, 0 pending",
		"Statement of cem: 1480 points available, 0 pending",
		"double-shoes: ×2 (line 1, category shoes) = +640",
	} {
		assert.Contains(t, out.String(), want)
	}
}

// The shop's own unit test of its program, as a host writes one with
// loyaltytest: welcome points at once, order points held for the 14-day
// return window, gift cards earning nothing, a return inside the window
// voiding what it held, and the points expiring at the end of the month a
// year on.
func TestProgramHoldsOrderPointsForTheReturnWindowAndExpiresThemAYearOn(t *testing.T) {
	p, err := program()
	require.NoError(t, err)
	h := loyaltytest.New(t, p, nil) // Monday 5 January 2026, noon UTC
	r := h.Enroll("ann")
	assert.Equal(t, int64(200), r.Points(), "welcome points")

	// 5 × 89.90 × 2 (shoes) + 5 × 19.50 = 899 + 97.5 → 996; the gift card earns nothing.
	r = h.Earn("earn/A-1", loyaltytest.Order("ann", "A-1").
		Line("trail-shoe", "89.90", 1).Category("shoes").
		Line("socks", "6.50", 3).Category("apparel").
		Line("gift-card", "50.00", 1).Category("gift-cards").
		Build())
	assert.Equal(t, int64(996), r.Points())
	h.AssertBalance("ann", 200, 996)

	h.AdvanceDays(3)
	r = h.Return("return/A-1", loyaltytest.ReturnOf("ann", "A-1-R", "A-1").Line("socks", 3).Build())
	assert.Equal(t, int64(-97), r.Points(), "the socks' share, voided while held")
	h.AssertBalance("ann", 200, 899)

	h.AdvanceDays(11) // the window closes on 19 January
	h.AssertBalance("ann", 1099, 0)

	h.AdvanceTo(time.Date(2027, time.January, 31, 23, 0, 0, 0, time.UTC))
	h.AssertBalance("ann", 1099, 0)
	h.AdvanceTo(time.Date(2027, time.February, 1, 0, 0, 0, 0, time.UTC))
	h.AssertBalance("ann", 0, 0)
	h.Settle("settle/ann", "ann")
	h.AssertEntries("ann",
		loyaltytest.Entry{Kind: ledger.EntryEarn, Amount: 200},
		loyaltytest.Entry{Kind: ledger.EntryEarn, Pending: 996},
		loyaltytest.Entry{Kind: ledger.EntryVoid, Pending: -97},
		loyaltytest.Entry{Kind: ledger.EntryActivate, Amount: 899, Pending: -899},
		loyaltytest.Entry{Kind: ledger.EntryExpire, Amount: -200},
		loyaltytest.Entry{Kind: ledger.EntryExpire, Amount: -899},
	)
}
