// Package examples_test runs every example program the way a newcomer would,
// with go run, so that a change which breaks an example fails go test.
package examples_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every example; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command on PATH to run the examples with: %v", err)
	}
	for name, headline := range map[string]string{
		"cashback":   "Everyday Cashback: 2% back",
		"charity":    "Give Back: 10% of every sale",
		"economics":  "Reward economics: \"points-and-tiers\" against \"cashback\"",
		"games":      "Summer Game: a wheel with 42% to win",
		"hybrid":     "10.00 reward for every 100.00 spent, plus a birthday gift",
		"membership": "Shop Plus: monthly 12.99 USD with a 14-day trial",
		"partners":   "City Points: a bookshop and a café share one points currency",
		"referral":   "Refer a friend: 500 points when a friend's first order",
		"rewards":    "Acme Rewards: a catalog of 6 rewards",
		"tiers":      "Style Club: Bronze, Silver from 500.00",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command(goTool, "run", "./"+name).CombinedOutput()
			require.NoError(t, err, "go run ./examples/%s:\n%s", name, out)
			require.True(t, strings.HasPrefix(string(out), headline), "go run ./examples/%s printed:\n%s", name, out)
		})
	}
}
