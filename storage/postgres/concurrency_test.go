package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// Child processes: a test re-executes the test binary with childEnv set to
// a role; the same test function then plays that role and prints its result.
const (
	childEnv       = "LOYALTY_PG_CHILD"
	childSchemaEnv = "LOYALTY_PG_CHILD_SCHEMA"
)

// runChildren starts n copies of the test binary running test in role, all
// at once, and returns what each printed on stdout.
func runChildren(t *testing.T, test, role, schema string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range cmds {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"="+role, childSchemaEnv+"="+schema)
		outs[i] = new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		require.NoError(t, cmd.Start())
		cmds[i] = cmd
	}
	res := make([]string, n)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i])
		}
		res[i] = outs[i].String()
	}
	return res
}

// childResult finds "RESULT <value>" in a child's output.
func childResult(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "RESULT "); ok {
			return v
		}
	}
	t.Fatalf("child printed no result:\n%s", out)
	return ""
}

// redeemConcurrently has workers goroutines each try attempts redemptions
// of 100 points from member; it returns the successes. Every failure must be
// ErrInsufficientPoints.
func redeemConcurrently(t testing.TB, e *loyalty.Engine, member, prefix string, workers, attempts int) int {
	var (
		mu   sync.Mutex
		ok   int
		errs []error
		wg   sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range attempts {
				id := fmt.Sprintf("%s-w%d-a%d", prefix, w, a)
				_, err := e.Redeem(context.Background(), "redeem-"+id, loyalty.Redemption{ID: id, MemberID: member, OrderID: "cart-" + id,
					Total: money.MinorUnits(100_00, "USD"), Points: 100})
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, loyalty.ErrInsufficientPoints):
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("redeem: %v", err)
	}
	return ok
}

// seed enrols member and gives it points by an operator adjustment.
func seed(t testing.TB, e *loyalty.Engine, member string, pts int64) {
	t.Helper()
	enroll(t, e, member)
	_, err := e.Adjust(context.Background(), "seed-"+member, member, pts, "opening balance")
	require.NoError(t, err)
}

func TestConcurrentRedemptionsFrom16GoroutinesNeverOverspend(t *testing.T) {
	s := newStore(t)
	e := engine(t, s, nil)
	seed(t, e, "eve", 1_000) // ten redemptions of 100
	ok := redeemConcurrently(t, e, "eve", "g", 16, 3)
	if ok != 10 {
		t.Fatalf("%d redemptions succeeded, want exactly 10", ok)
	}
	if b := balance(t, e, "eve"); b.Available != 0 {
		t.Fatalf("balance %d, want 0", b.Available)
	}
	if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "redemptions")); n != 10 {
		t.Fatalf("%d redemption records, want 10", n)
	}
	if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "lots")+` WHERE remaining < 0`); n != 0 {
		t.Fatalf("%d lots overdrawn", n)
	}
	checkBalancesEqualEntries(t, s)
}

func TestConcurrentRedemptionsFromTwoProcessesNeverOverspend(t *testing.T) {
	if os.Getenv(childEnv) == "redeem" {
		s := storeInSchema(t, os.Getenv(childSchemaEnv))
		ok := redeemConcurrently(t, engine(t, s, nil), "fay", "p"+strconv.Itoa(os.Getpid()), 8, 3)
		fmt.Printf("RESULT %d\n", ok)
		return
	}
	if os.Getenv(childEnv) != "" {
		t.Skip("another child role")
	}
	schema := freshSchema(t)
	s := storeInSchema(t, schema)
	e := engine(t, s, nil)
	seed(t, e, "fay", 2_000) // twenty redemptions of 100; the processes try 48
	total := 0
	for _, out := range runChildren(t, "TestConcurrentRedemptionsFromTwoProcessesNeverOverspend", "redeem", schema, 2) {
		n, err := strconv.Atoi(childResult(t, out))
		require.NoError(t, err)
		total += n
	}
	if total != 20 {
		t.Fatalf("%d redemptions succeeded across the processes, want exactly 20", total)
	}
	if b := balance(t, e, "fay"); b.Available != 0 {
		t.Fatalf("balance %d, want 0", b.Available)
	}
	checkBalancesEqualEntries(t, s)
}

func TestConcurrentRetriesOfOneKeyWriteOnceAndShareTheReceipt(t *testing.T) {
	s := newStore(t)
	e := engine(t, s, nil)
	enroll(t, e, "gus")
	const callers = 16
	var (
		wg       sync.WaitGroup
		receipts [callers]*loyalty.Receipt
		errs     [callers]error
	)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			receipts[i], errs[i] = e.Earn(context.Background(), "earn-once", order("o1", "gus", 42))
		}()
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		r := receipts[i]
		if r.Key != "earn-once" || r.Version != receipts[0].Version || r.Points() != 42 || len(r.Entries) != len(receipts[0].Entries) ||
			!r.At.Equal(receipts[0].At) {
			t.Fatalf("caller %d got receipt %+v, caller 0 %+v", i, r, receipts[0])
		}
	}
	if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "writes")+` WHERE key = 'earn-once'`); n != 1 {
		t.Fatalf("%d writes of the key, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "entries")+` WHERE key = 'earn-once'`); n != 1 {
		t.Fatalf("%d entries of the key, want 1", n)
	}
	if b := balance(t, e, "gus"); b.Available != 42 {
		t.Fatalf("balance %d, want 42", b.Available)
	}
	checkBalancesEqualEntries(t, s)
}

// TestTerminatedCommitThenRetryWritesOnce kills the backend of a commit
// while it waits for a lock, once before and once after its version check
// ran, and retries the same key.
func TestTerminatedCommitThenRetryWritesOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		// lock blocks the commit: a row lock on the member (before the version
		// check) or an uncommitted write of the same key (after it).
		lock string
	}{
		{"blocked before the version check", `SELECT 1 FROM %s WHERE member_id = 'hal' FOR UPDATE`},
		{"blocked after the version check", `INSERT INTO %s (program, key, fingerprint, member_id, version, receipt) VALUES ('default', 'earn-1', 'x', 'x', 1, 'null')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			schema := freshSchema(t)
			s := storeInSchema(t, schema)
			e := engine(t, s, nil)
			enroll(t, e, "hal")

			victimStore, err := postgres.New(newPool(t, schema, map[string]string{"application_name": "loyalty-victim"}), &postgres.Options{Schema: schema})
			require.NoError(t, err)
			// The victim does not retry by itself (MaxUnavailableRetries < 0):
			// this test sees the store's error, and retries by hand.
			victim, err := loyalty.NewEngine(program(), victimStore, &loyalty.EngineOptions{
				Clock: loyalty.NewManualClock(t0), MaxRetries: 10000, MaxUnavailableRetries: -1})
			require.NoError(t, err)

			blocker, err := s.Pool().Begin(ctx)
			require.NoError(t, err)
			defer blocker.Rollback(ctx) //nolint:errcheck
			table := tbl(s, "members")
			if strings.HasPrefix(tc.lock, "INSERT") {
				table = tbl(s, "writes")
			}
			_, err = blocker.Exec(ctx, fmt.Sprintf(tc.lock, table))
			require.NoError(t, err)

			done := make(chan error, 1)
			go func() {
				_, err := victim.Earn(ctx, "earn-1", order("o1", "hal", 30))
				done <- err
			}()
			pid := waitForLockWait(t, s, "loyalty-victim")
			var killed bool
			if err := s.Pool().QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&killed); err != nil || !killed {
				t.Fatalf("terminate %d: %v %v", pid, killed, err)
			}
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("the commit whose backend was terminated reported success")
				}
				var se *loyalty.StoreError
				if !errors.Is(err, loyalty.ErrUnavailable) || !errors.As(err, &se) || !se.MaybeCommitted {
					t.Fatalf("terminated commit: %v; want loyalty.ErrUnavailable in a StoreError that says it may have committed", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the terminated commit did not return")
			}
			require.NoError(t, blocker.Rollback(ctx))
			// Nothing of the terminated commit is there: no half-applied write.
			st, err := s.Load(ctx, "hal", loyalty.Query{})
			require.NoError(t, err)
			if st.Version != 1 || count(t, s, `SELECT count(*) FROM `+tbl(s, "writes")+` WHERE key = 'earn-1'`) != 0 {
				t.Fatalf("after the terminated commit: version %d, want 1, and no write", st.Version)
			}

			r, err := e.Earn(ctx, "earn-1", order("o1", "hal", 30))
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			again, err := e.Earn(ctx, "earn-1", order("o1", "hal", 30))
			if err != nil || again.Version != r.Version {
				t.Fatalf("second retry: %+v %v", again, err)
			}
			if n := count(t, s, `SELECT count(*) FROM `+tbl(s, "writes")+` WHERE key = 'earn-1'`); n != 1 {
				t.Fatalf("%d writes of the key, want 1", n)
			}
			if b := balance(t, e, "hal"); b.Available != 30 {
				t.Fatalf("balance %d, want 30", b.Available)
			}
			checkBalancesEqualEntries(t, s)
		})
	}
}

// waitForLockWait returns the pid of the backend of application app once it
// waits for a lock.
func waitForLockWait(t *testing.T, s *postgres.Store, app string) int32 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var pid int32
		err := s.Pool().QueryRow(context.Background(), `SELECT pid FROM pg_stat_activity
WHERE application_name = $1 AND wait_event_type = 'Lock' LIMIT 1`, app).Scan(&pid)
		if err == nil {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the commit never waited for the lock")
	return 0
}
