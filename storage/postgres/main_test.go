package postgres_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMain says so when the tests that need a server will all skip, since
// "ok" alone reads as "works on PostgreSQL". go test ./... drops what a
// passing package prints, so the line also carries the testing package's
// "no tests to run" warning, which go test turns into a mark on the summary
// line ("ok ... [no tests to run]"); with -v, or when a test fails, the line
// itself shows.
func TestMain(m *testing.M) {
	if os.Getenv(dsnEnv) == "" {
		fmt.Fprintf(os.Stderr, "storage/postgres: %s unset: every PostgreSQL test skipped\ntesting: warning: no tests to run\n", dsnEnv)
	}
	os.Exit(m.Run())
}
