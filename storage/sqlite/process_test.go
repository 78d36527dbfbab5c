package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// The tests below re-run this test binary as a child process: TestChild
// does what LOYALTY_SQLITE_CHILD names on the file LOYALTY_SQLITE_PATH.
const (
	childEnv = "LOYALTY_SQLITE_CHILD"
	pathEnv  = "LOYALTY_SQLITE_PATH"
)

func child(t *testing.T, role, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), childEnv+"="+role, pathEnv+"="+path)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestChild(t *testing.T) {
	role := os.Getenv(childEnv)
	if role == "" {
		t.Skip("run as a child process by other tests")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, os.Getenv(pathEnv), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	defer s.Close()
	switch {
	case role == "migrate":
		if err := s.Migrate(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
	case role == "earn":
		// Earn forever from 4 goroutines, printing each acknowledged key,
		// until the parent kills the process.
		e, err := loyalty.NewEngine(testProgram(), s, &loyalty.EngineOptions{Clock: loyalty.SystemClock{}})
		require.NoError(t, err)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					id := fmt.Sprintf("g%d-%d", g, i)
					member := fmt.Sprintf("m%d", i%3)
					if _, err := e.Earn(ctx, "earn-"+id, order(id, member, int64(1+i%50))); err != nil {
						fmt.Fprintln(os.Stderr, "child:", err)
						os.Exit(2)
					}
					mu.Lock()
					fmt.Fprintln(os.Stdout, "ack earn-"+id) // os.Stdout is unbuffered
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	case strings.HasPrefix(role, "redeem-"):
		e := newHarness(t, s).Engine
		for i := range 8 {
			id := fmt.Sprintf("%s-%d", role, i)
			_, err := e.Redeem(ctx, id, loyalty.Redemption{ID: id, MemberID: "m", Total: money.MinorUnits(10000, "USD"), Points: 150})
			switch {
			case err == nil:
				fmt.Println("ok")
			case errors.Is(err, loyalty.ErrInsufficientPoints):
				fmt.Println("refused")
			default:
				fmt.Fprintln(os.Stderr, "child:", err)
				os.Exit(2)
			}
		}
	case strings.HasPrefix(role, "claim-"):
		// claim-<counter>-<process>: 4 goroutines, each for a member of
		// its own, try 3 times to claim 1 from the counter.
		_, rest, _ := strings.Cut(role, "-")
		counter, proc, _ := strings.Cut(rest, "-")
		var mu sync.Mutex
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				member := fmt.Sprintf("%s-g%d", proc, g)
				for i := range 3 {
					err := claimOne(ctx, s, member, fmt.Sprintf("%s-%s-%d", role, member, i), counter)
					mu.Lock()
					switch {
					case err == nil:
						fmt.Println("ok")
					case errors.Is(err, loyalty.ErrLimitReached):
						fmt.Println("refused")
					default:
						fmt.Fprintln(os.Stderr, "child:", err)
						os.Exit(2)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	default:
		fmt.Fprintln(os.Stderr, "child: unknown role", role)
		os.Exit(2)
	}
	s.Close()
	os.Exit(0)
}

func TestCrashKeepsEveryAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	s, path := openStore(t)
	h := newHarness(t, s)
	for i := range 3 {
		h.Enroll(fmt.Sprint("m", i))
	}
	s.Close()

	cmd := child(t, "earn", path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var acked []string
	lines := bufio.NewScanner(out)
	for len(acked) < 300 && lines.Scan() {
		if k, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			acked = append(acked, k)
		}
	}
	// Kill mid-stream: the child is committing as fast as it can.
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	for lines.Scan() { // what was acknowledged before the kill landed
		if k, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			acked = append(acked, k)
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL", err)
	}
	if len(acked) < 300 {
		t.Fatalf("child acknowledged only %d writes", len(acked))
	}

	s2 := openAgain(t, path)
	for _, k := range acked {
		if _, err := s2.Receipt(ctx, k); err != nil {
			t.Fatalf("acknowledged write %s lost: %v", k, err)
		}
	}
	var total int64
	for i := range 3 {
		st, err := s2.Load(ctx, fmt.Sprint("m", i), loyalty.Query{})
		require.NoError(t, err)
		total += st.Balance(ledger.PointsAccount).Available
	}
	t.Logf("%d writes acknowledged before SIGKILL, %d points on the books", len(acked), total)
	checkInvariants(t, path)
}

func TestMigrateFromTwoProcessesAtOnceLeavesOneSchema(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := t.TempDir() + "/loyalty.db"
	cmds := []*exec.Cmd{child(t, "migrate", path), child(t, "migrate", path)}
	for _, c := range cmds {
		require.NoError(t, c.Start())
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("migrating child: %v", err)
		}
	}
	checkOneSchema(t, path)
}

func TestRedemptionsFromTwoProcessesNeverOverspend(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	s, path := openStore(t)
	h := newHarness(t, s)
	h.Enroll("m")
	h.Earn("earn", order("o", "m", 1000))
	var outs [2]strings.Builder
	var cmds [2]*exec.Cmd
	for i := range cmds {
		cmds[i] = child(t, fmt.Sprint("redeem-p", i), path)
		cmds[i].Stdout = &outs[i]
		require.NoError(t, cmds[i].Start())
	}
	ok := 0
	for i, c := range cmds {
		require.NoError(t, c.Wait(), "redeeming child")
		ok += strings.Count(outs[i].String(), "ok\n")
	}
	require.Equal(t, 6, ok, "redemptions of 150 from 1000 points that succeeded, of 16")
	h.AssertBalance("m", 100, 0)
	checkInvariants(t, path)
}

// claimOne commits, for member, a change of nothing but a claim of 1 from
// counter under key.
func claimOne(ctx context.Context, s loyalty.Store, member, key, counter string) error {
	st, err := s.Load(ctx, member, loyalty.Query{})
	if err != nil {
		return err
	}
	claims := []ledger.Claim{{Counter: counter, Amount: 1}}
	_, err = s.Commit(ctx, &loyalty.Change{Key: key, MemberID: member, Version: st.Version, Claims: claims,
		Receipt: &loyalty.Receipt{Key: key, MemberID: member, Operation: loyalty.OpAct, Version: st.Version + 1, Claims: claims}})
	return err
}

// TestSharedCounterClaimedFromTwoProcessesIsNeverOverspent races two
// processes of 4 goroutines each (24 claims of 1) for the last unit of a
// stock, then for a budget of 5: exactly one, then exactly five, succeed.
func TestSharedCounterClaimedFromTwoProcessesIsNeverOverspent(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	s, path := openStore(t)
	h := newHarness(t, s)
	for p := range 2 {
		for g := range 4 {
			h.Enroll(fmt.Sprintf("p%d-g%d", p, g))
		}
	}
	require.NoError(t, s.SetLimit(ctx, "stock", 10))
	require.NoError(t, s.SetLimit(ctx, "budget", 5))
	h.Enroll("warm")
	for i := range 9 { // all but the last unit of the stock
		require.NoError(t, claimOne(ctx, s, "warm", fmt.Sprint("warm-", i), "stock"))
	}
	for _, c := range []struct {
		counter string
		ok      int
		claimed int64
	}{{"stock", 1, 10}, {"budget", 5, 5}} {
		var outs [2]strings.Builder
		var cmds [2]*exec.Cmd
		for i := range cmds {
			cmds[i] = child(t, fmt.Sprintf("claim-%s-p%d", c.counter, i), path)
			cmds[i].Stdout = &outs[i]
			require.NoError(t, cmds[i].Start())
		}
		ok, refused := 0, 0
		for i, cmd := range cmds {
			require.NoError(t, cmd.Wait(), "claiming child")
			ok += strings.Count(outs[i].String(), "ok\n")
			refused += strings.Count(outs[i].String(), "refused\n")
		}
		require.Equal(t, c.ok, ok, "claims from %s that succeeded, of 24", c.counter)
		require.Equal(t, 24-c.ok, refused, "claims from %s refused with ErrLimitReached", c.counter)
		k, err := s.SharedCounter(ctx, c.counter, "")
		require.NoError(t, err)
		require.Equal(t, ledger.SharedCounter{Name: c.counter, Limit: k.Limit, Claimed: c.claimed}, k)
	}
	// The members' versions count only the claims that committed.
	var versions int64
	for p := range 2 {
		for g := range 4 {
			st, err := s.Load(ctx, fmt.Sprintf("p%d-g%d", p, g), loyalty.Query{})
			require.NoError(t, err)
			versions += st.Version - 1
		}
	}
	require.Equal(t, int64(1+5), versions)
	checkInvariants(t, path)
}

func openAgain(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, &sqlite.Options{BusyTimeout: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}
