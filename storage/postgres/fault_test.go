package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// faultProxy forwards TCP connections to the test server and severs them
// when told: when a client message holds a marker (the idempotency key,
// which only the commit's Bind message carries), either before forwarding
// it (the server never sees the commit) or at the server's first reply to
// it (the server committed; the client never hears so).
type faultProxy struct {
	ln     net.Listener
	target string

	mu         sync.Mutex
	marker     []byte
	after      bool
	cut        chan struct{}
	refuse     bool // close every connection at once, from the cut on
	thenRefuse bool
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &faultProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

// arm makes the proxy sever the connection that next sends marker; the
// channel is closed when it did. thenRefuse keeps every later connection
// from reaching the server.
func (p *faultProxy) arm(marker string, afterCommit, thenRefuse bool) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.marker, p.after, p.thenRefuse, p.cut = []byte(marker), afterCommit, thenRefuse, make(chan struct{})
	return p.cut
}

func (p *faultProxy) setRefuse(v bool) {
	p.mu.Lock()
	p.refuse = v
	p.mu.Unlock()
}

func (p *faultProxy) serve(client net.Conn) {
	p.mu.Lock()
	refuse := p.refuse
	p.mu.Unlock()
	if refuse {
		client.Close()
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	var (
		once      sync.Once
		dropReply = make(chan chan struct{}, 1)
	)
	sever := func(cut chan struct{}) {
		once.Do(func() {
			if cut != nil {
				p.mu.Lock()
				if p.thenRefuse {
					p.refuse = true // before the client can see the cut and redial
				}
				p.mu.Unlock()
			}
			client.Close()
			server.Close()
			if cut != nil {
				close(cut)
			}
		})
	}
	go func() { // server to client
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				select {
				case cut := <-dropReply:
					sever(cut) // the reply to the commit: drop it
					return
				default:
				}
				if _, werr := client.Write(buf[:n]); werr != nil {
					sever(nil)
					return
				}
			}
			if err != nil {
				sever(nil)
				return
			}
		}
	}()
	buf := make([]byte, 64<<10) // client to server
	for {
		n, err := client.Read(buf)
		if n > 0 {
			p.mu.Lock()
			hit := p.marker != nil && bytes.Contains(buf[:n], p.marker)
			after, cut := p.after, p.cut
			if hit {
				p.marker = nil
			}
			p.mu.Unlock()
			if hit && !after {
				sever(cut) // the server never sees the commit
				return
			}
			if hit {
				dropReply <- cut
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				sever(nil)
				return
			}
		}
		if err != nil {
			sever(nil)
			return
		}
	}
}

// proxiedStore is a store on the schema of direct whose connections go
// through a faultProxy.
func proxiedStore(t *testing.T, direct *postgres.Store) (*postgres.Store, *faultProxy) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testDSN(t))
	require.NoError(t, err)
	p := newFaultProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))))
	cfg.ConnConfig.RuntimeParams["search_path"] = direct.Schema()
	cfg.ConnConfig.DialFunc = func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", p.ln.Addr().String())
	}
	cfg.ConnConfig.Fallbacks = nil
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s, err := postgres.New(pool, &postgres.Options{Schema: direct.Schema()})
	require.NoError(t, err)
	return s, p
}

// commitLog records what each Commit through it returned, and whether the
// key was committed (seen on a direct connection) when a commit failed.
type commitLog struct {
	loyalty.Store
	direct *postgres.Store
	mu     sync.Mutex
	calls  []commitCall
}

type commitCall struct {
	err    error
	fresh  bool // the receipt is the one planned: this call wrote it
	stored bool // after an error: the key is committed
}

func (l *commitLog) Commit(ctx context.Context, ch *loyalty.Change) (*loyalty.Receipt, error) {
	r, err := l.Store.Commit(ctx, ch)
	c := commitCall{err: err, fresh: err == nil && r == ch.Receipt}
	if err != nil {
		_, rerr := l.direct.Receipt(context.Background(), ch.Key)
		c.stored = rerr == nil
	}
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
	return r, err
}

// TestConnectionCutAroundCommitIsRetriedAndCountedOnce severs the
// connection of an earn's commit once before the server saw it and once
// after the server committed it: either way the Engine tries again with the
// same key, the member earns once, and the receipt returned is the stored
// one.
func TestConnectionCutAroundCommitIsRetriedAndCountedOnce(t *testing.T) {
	for _, afterCommit := range []bool{false, true} {
		name := "cut before commit"
		if afterCommit {
			name = "cut after commit"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			direct := newStore(t)
			de := engine(t, direct, nil)
			enroll(t, de, "cy")
			proxied, proxy := proxiedStore(t, direct)
			log := &commitLog{Store: proxied, direct: direct}
			var notified []*loyalty.Receipt
			e, err := loyalty.NewEngine(program(), log, &loyalty.EngineOptions{
				Clock: loyalty.NewManualClock(t0), UnavailableBackoff: 1,
				AfterCommit: func(_ context.Context, r *loyalty.Receipt) { notified = append(notified, r) }})
			require.NoError(t, err)

			cut := proxy.arm("earn-cut-key", afterCommit, false)
			r, err := e.Earn(ctx, "earn-cut-key", order("o1", "cy", 25))
			require.NoError(t, err)
			select {
			case <-cut:
			default:
				t.Fatal("the proxy never cut the commit")
			}

			first := log.calls[0]
			var se *loyalty.StoreError
			require.ErrorIs(t, first.err, loyalty.ErrUnavailable)
			require.ErrorAs(t, first.err, &se)
			require.True(t, se.MaybeCommitted, "a commit cut in flight may have committed")
			require.Equal(t, afterCommit, first.stored, "the cut fell where the test meant it")
			fresh := 0
			for _, c := range log.calls {
				if c.fresh {
					fresh++
				}
			}
			if afterCommit {
				require.Zero(t, fresh, "the retry wrote nothing: it found the key committed")
			} else {
				require.Equal(t, 1, fresh, "the retry wrote the change once")
			}

			stored, err := direct.Receipt(ctx, "earn-cut-key")
			require.NoError(t, err)
			require.Equal(t, jsonOf(t, stored), jsonOf(t, r), "the receipt returned is the stored one")
			require.Equal(t, int64(25), r.Points())
			require.Equal(t, int64(1), count(t, direct, `SELECT count(*) FROM `+tbl(direct, "writes")+` WHERE key = 'earn-cut-key'`))
			hist, err := de.History(ctx, "cy", ledger.EntryID{}, 100)
			require.NoError(t, err)
			n := 0
			for _, en := range hist {
				if en.Key == "earn-cut-key" {
					n++
				}
			}
			require.Equal(t, len(stored.Entries), n, "one set of entries")
			require.Equal(t, int64(25), balance(t, de, "cy").Pending+balance(t, de, "cy").Available)
			require.Len(t, notified, 1, "AfterCommit once")
			require.Equal(t, jsonOf(t, stored), jsonOf(t, notified[0]))
			checkBalancesEqualEntries(t, direct)
		})
	}
}

// TestUnavailableStoreEndsInErrUnavailableAfterTheRetries keeps the server
// unreachable after a commit was cut: the host gets loyalty.ErrUnavailable,
// told that the write may have committed, and its own retry with the key
// later returns the stored receipt without writing twice.
func TestUnavailableStoreEndsInErrUnavailableAfterTheRetries(t *testing.T) {
	for _, afterCommit := range []bool{false, true} {
		t.Run(map[bool]string{false: "cut before commit", true: "cut after commit"}[afterCommit], func(t *testing.T) {
			ctx := context.Background()
			direct := newStore(t)
			de := engine(t, direct, nil)
			enroll(t, de, "di")
			proxied, proxy := proxiedStore(t, direct)
			e, err := loyalty.NewEngine(program(), proxied, &loyalty.EngineOptions{
				Clock: loyalty.NewManualClock(t0), UnavailableBackoff: 1, MaxUnavailableRetries: 2})
			require.NoError(t, err)

			proxy.arm("earn-down-key", afterCommit, true)
			_, err = e.Earn(ctx, "earn-down-key", order("o1", "di", 40))
			require.ErrorIs(t, err, loyalty.ErrUnavailable)
			var se *loyalty.StoreError
			require.ErrorAs(t, err, &se)
			require.True(t, se.MaybeCommitted, "one commit was cut in flight")
			written := count(t, direct, `SELECT count(*) FROM `+tbl(direct, "writes")+` WHERE key = 'earn-down-key'`)
			require.Equal(t, map[bool]int64{false: 0, true: 1}[afterCommit], written)

			proxy.setRefuse(false)
			r, err := e.Earn(ctx, "earn-down-key", order("o1", "di", 40))
			require.NoError(t, err)
			require.Equal(t, int64(40), r.Points())
			require.Equal(t, int64(1), count(t, direct, `SELECT count(*) FROM `+tbl(direct, "writes")+` WHERE key = 'earn-down-key'`))
			b := balance(t, de, "di")
			require.Equal(t, int64(40), b.Available+b.Pending)
			checkBalancesEqualEntries(t, direct)
		})
	}
}

// TestTerminatedBackendAndClosedPoolAreErrUnavailable: a backend ended by
// pg_terminate_backend (SQLSTATE 57P01, or the EOF after it) and a closed
// pool are loyalty.ErrUnavailable, never a pgx type; a read says nothing was
// written; the Engine retries a write past a terminated backend.
func TestTerminatedBackendAndClosedPoolAreErrUnavailable(t *testing.T) {
	ctx := context.Background()
	schema := freshSchema(t)
	s := storeInSchema(t, schema)
	e := engine(t, s, nil)
	enroll(t, e, "eve")

	cfg, err := pgxpool.ParseConfig(testDSN(t))
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	one, err := postgres.New(pool, &postgres.Options{Schema: schema})
	require.NoError(t, err)
	terminate := func() {
		t.Helper()
		var pid int32
		require.NoError(t, pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid))
		var ok bool
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&ok))
		require.True(t, ok)
	}

	terminate()
	_, err = one.Load(ctx, "eve", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnavailable)
	var se *loyalty.StoreError
	require.ErrorAs(t, err, &se)
	require.False(t, se.MaybeCommitted, "a read writes nothing")
	require.Equal(t, "postgres: load", se.Op)

	terminate()
	oe := engine(t, one, nil)
	r, err := oe.Earn(ctx, "earn-after-kill", order("o1", "eve", 12))
	require.NoError(t, err, "the Engine retries past the terminated backend")
	require.Equal(t, int64(12), r.Points())
	require.Equal(t, int64(1), count(t, s, `SELECT count(*) FROM `+tbl(s, "writes")+` WHERE key = 'earn-after-kill'`))

	pool.Close()
	_, err = one.Receipt(ctx, "earn-after-kill")
	require.ErrorIs(t, err, loyalty.ErrUnavailable)
	require.False(t, errors.Is(err, loyalty.ErrNotFound))
}

// jsonOf is v as JSON, to compare receipts field by field.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
