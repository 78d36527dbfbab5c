package memory

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var gt0 = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

func paidGrant(id string, paid ...ledger.Draw) ledger.Grant {
	return ledger.Grant{ID: id, Reward: "r", Status: ledger.GrantOpen, Paid: paid}
}

func TestGrantSetKeepsNoCallerMemoryOfPaid(t *testing.T) {
	var gs grantSet
	paid := []ledger.Draw{{Lot: 1, Amount: 5}}
	gs.set(paidGrant("a", paid...))
	paid[0].Amount = 99 // the caller's slice changes after the commit
	gs.set(paidGrant("b", ledger.Draw{Lot: 2, Amount: 7}))
	got := gs.load(true, nil)
	require.Len(t, got, 2)
	assert.Equal(t, []ledger.Draw{{Lot: 1, Amount: 5}}, got[0].Paid)
	assert.Equal(t, []ledger.Draw{{Lot: 2, Amount: 7}}, got[1].Paid)
	got[1].Paid[0].Amount = 0 // nor does a loaded copy reach the store
	assert.Equal(t, []ledger.Draw{{Lot: 2, Amount: 7}}, gs.load(true, nil)[1].Paid)
}

func TestGrantSetPaidOfOneGrantNeverReachesAnother(t *testing.T) {
	var gs grantSet
	for i := range 20 {
		gs.set(paidGrant("g"+strconv.Itoa(i), ledger.Draw{Lot: int64(i), Amount: 1}))
	}
	// g3 is paid again with more draws than it had room for, and g4 with
	// as many, in place.
	gs.set(paidGrant("g3", ledger.Draw{Lot: 30, Amount: 2}, ledger.Draw{Lot: 31, Amount: 3}))
	gs.set(paidGrant("g4", ledger.Draw{Lot: 40, Amount: 4}))
	gs.set(paidGrant("g5")) // no draws
	for _, g := range gs.load(true, nil) {
		switch g.ID {
		case "g3":
			assert.Equal(t, []ledger.Draw{{Lot: 30, Amount: 2}, {Lot: 31, Amount: 3}}, g.Paid)
		case "g4":
			assert.Equal(t, []ledger.Draw{{Lot: 40, Amount: 4}}, g.Paid)
		case "g5":
			assert.Nil(t, g.Paid)
		default:
			i, err := strconv.Atoi(g.ID[1:])
			require.NoError(t, err)
			assert.Equal(t, []ledger.Draw{{Lot: int64(i), Amount: 1}}, g.Paid, g.ID)
		}
	}
	gs.set(ledger.Grant{ID: "g6", Status: ledger.GrantOpen, Paid: []ledger.Draw{}})
	g, ok := gs.find("g6")
	require.True(t, ok)
	assert.NotNil(t, gs.list[g].Paid)
	assert.Empty(t, gs.list[g].Paid)
}

// earliestOpenExpiry is what a walk of every grant finds.
func earliestOpenExpiry(gs *grantSet) time.Time {
	var at time.Time
	for i := range gs.list {
		if g := &gs.list[i]; g.Status == ledger.GrantOpen && !g.ExpiresAt.IsZero() && (at.IsZero() || g.ExpiresAt.Before(at)) {
			at = g.ExpiresAt
		}
	}
	return at
}

func TestGrantSetNextExpiryIsEarliestOfOpenGrants(t *testing.T) {
	var gs grantSet
	assert.True(t, gs.nextExpiry().IsZero())
	gs.set(ledger.Grant{ID: "never", Status: ledger.GrantOpen})
	assert.True(t, gs.nextExpiry().IsZero())
	gs.set(ledger.Grant{ID: "late", Status: ledger.GrantOpen, ExpiresAt: gt0.AddDate(0, 0, 9)})
	gs.set(ledger.Grant{ID: "soon", Status: ledger.GrantOpen, ExpiresAt: gt0.AddDate(0, 0, 2)})
	gs.set(ledger.Grant{ID: "used", Status: ledger.GrantUsed, ExpiresAt: gt0})
	assert.Equal(t, gt0.AddDate(0, 0, 2), gs.nextExpiry())
	gs.set(ledger.Grant{ID: "soon", Status: ledger.GrantUsed, ExpiresAt: gt0.AddDate(0, 0, 2)})
	assert.Equal(t, gt0.AddDate(0, 0, 9), gs.nextExpiry())
	gs.set(ledger.Grant{ID: "soon", Status: ledger.GrantOpen, ExpiresAt: gt0.AddDate(0, 0, 2)}) // given back
	assert.Equal(t, gt0.AddDate(0, 0, 2), gs.nextExpiry())
	gs.set(ledger.Grant{ID: "soon", Status: ledger.GrantOpen, ExpiresAt: gt0.AddDate(0, 0, 20)}) // moved later
	assert.Equal(t, gt0.AddDate(0, 0, 9), gs.nextExpiry())
	gs.set(ledger.Grant{ID: "late", Status: ledger.GrantVoid, ExpiresAt: gt0.AddDate(0, 0, 9)})
	gs.set(ledger.Grant{ID: "soon", Status: ledger.GrantExpired, ExpiresAt: gt0.AddDate(0, 0, 20)})
	assert.True(t, gs.nextExpiry().IsZero())
}

func TestGrantSetNextExpiryAgreesWithAWalkAfterRandomChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	statuses := []ledger.GrantStatus{ledger.GrantOpen, ledger.GrantOpen, ledger.GrantUsed, ledger.GrantVoid, ledger.GrantExpired}
	var gs grantSet
	for step := range 5000 {
		g := ledger.Grant{ID: "g" + strconv.Itoa(r.IntN(40)), Status: statuses[r.IntN(len(statuses))]}
		if r.IntN(4) > 0 {
			g.ExpiresAt = gt0.Add(time.Duration(r.IntN(30)) * time.Hour)
		}
		gs.set(g)
		if r.IntN(3) == 0 { // read now and then, so that staleness builds up between reads
			require.True(t, earliestOpenExpiry(&gs).Equal(gs.nextExpiry()), "step %d", step)
		}
	}
	assert.True(t, earliestOpenExpiry(&gs).Equal(gs.nextExpiry()))
}
