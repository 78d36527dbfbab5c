package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The summer game's run is deterministic (a fixed seed and clock): its
// draws, the one free coffee given and then out of stock, the statements
// and the verification of every spin from the revealed seed.
func TestSummerGamePrintsDrawsStatementsAndVerifiesEverySpin(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, filepath.Join(t.TempDir(), "g.db")))
	for _, want := range []string{
		"Summer Game: a wheel with 42% to win (32% once the free coffee is gone)",
		"day 3: cem spins: free coffee (code SUN-",
		"day 5: bob spins: free coffee (none left: nothing given)",
		`ann spins a seventh time: loyalty: refused by a rule: rule summer-wheel: no play left`,
		// ann: 2 spins of 50 points; 1+2+3+1+2+3 = 12 lattes: 2 cards full, 2 of 5 on the third.
		"ann: 100 points, 0.00 store credit\n  won on the wheel: 50 points, 50 points; spins left: 0\n  coffee-card: 2 of 5 stamps\n",
		"bob: 200 points, 0.00 store credit\n  won on the wheel: 50 points, 50 points, 50 points, 50 points; spins left: 0\n",
		"cem: 50 points, 0.00 store credit\n  won on the wheel: free coffee, 50 points; spins left: 0\n",
		"reward free-coffee from summer-wheel, code SUN-",
		"free-coffee stock: 1 of 1 given",
		"seed revealed: digest matches true, 18 of 18 spins verified",
	} {
		assert.Contains(t, out.String(), want)
	}
}
