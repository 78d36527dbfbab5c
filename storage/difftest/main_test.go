package difftest

import (
	"fmt"
	"os"
	"testing"

	"github.com/loyaltykit/loyalty/storage/adaptertest"
)

// TestMain says so when the walk will compare memory and SQLite only. go
// test ./... drops what a passing package prints, so the line shows with -v
// or when a test fails; unlike storage/postgres, this package's summary line
// is not marked, since its memory and SQLite comparisons do run.
func TestMain(m *testing.M) {
	if os.Getenv(adaptertest.DSNEnv) == "" {
		fmt.Fprintf(os.Stderr, "storage/difftest: %s unset: PostgreSQL not compared, memory and SQLite only\n", adaptertest.DSNEnv)
	}
	os.Exit(m.Run())
}
