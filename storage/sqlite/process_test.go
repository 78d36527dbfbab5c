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
			_, err := e.Redeem(ctx, id, loyalty.Redemption{ID: id, MemberID: "m", Total: loyalty.MinorUnits(10000, "USD"), Points: 150})
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
		total += st.Balance(loyalty.PointsAccount).Available
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

func openAgain(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, &sqlite.Options{BusyTimeout: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}
