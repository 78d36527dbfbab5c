package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loyaltykit/loyalty"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Errors about the database schema, returned by Open, Migrate and the first
// operation of a Store. They are checked with errors.Is.
var (
	// ErrSchemaTooNew: the database was migrated by a newer version of this
	// package. Nothing was changed; upgrade the code.
	ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this code")
	// ErrSchemaTooOld: the database is missing migrations this code needs.
	// Call Migrate.
	ErrSchemaTooOld = errors.New("sqlite: database schema is older than this code; call Migrate")
)

// Options tune a Store. The zero value and nil are the defaults.
type Options struct {
	// BusyTimeout is how long a connection waits for a lock another process
	// holds before it fails with SQLITE_BUSY. Zero means 5 seconds.
	BusyTimeout time.Duration
	// MaxReaders caps the read connections Load, History and Receipt use.
	// Zero means max(4, GOMAXPROCS).
	MaxReaders int
}

// Store is a loyalty.Store on an SQLite database file. It is safe for
// concurrent use, by many goroutines and by several processes sharing the
// file.
//
// Writes (Commit, Migrate and the host's own transactions on DB) go through
// one connection, so commits of one process queue in Go instead of failing
// with SQLITE_BUSY; every write transaction begins IMMEDIATE, so commits of
// different processes wait on SQLite's lock (Options.BusyTimeout). Reads use
// a pool of read-only connections and see the last committed state (WAL).
type Store struct {
	path string
	w    *sql.DB // one connection; _txlock=immediate
	r    *sql.DB // read-only pool

	mu   sync.Mutex                  // serializes preparing and closing
	prep atomic.Pointer[preparedSet] // set once the schema was checked
}

// preparedSet holds the statements prepared on both handles.
type preparedSet struct{ w, r *stmts }

var _ loyalty.Store = (*Store)(nil)

var pageSize = 4096

// Open opens (creating if needed) the SQLite database at path and sets it up
// for durable, concurrent use: WAL journal, synchronous=FULL (a commit that
// returned survives a crash or power loss), a busy timeout and foreign keys.
// It does not create the tables: call Migrate once, at start-up or in a
// deploy step. Open fails with ErrSchemaTooNew when the file was migrated by
// newer code. The caller must Close the Store.
func Open(ctx context.Context, path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BusyTimeout < 0 || o.MaxReaders < 0 {
		return nil, errors.New("sqlite: open: negative option")
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.MaxReaders == 0 {
		o.MaxReaders = max(4, runtime.GOMAXPROCS(0))
	}

	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: want a file path (for an in-memory store use storage/memory)", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	dir := filepath.Dir(abs)
	if fi, err := os.Stat(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sqlite: open %q: directory %s does not exist", path, dir)
		}
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("sqlite: open %q: %s is not a directory", path, dir)
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("sqlite: open %q: is a directory", path)
	}

	busy := strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10)
	uri := (&url.URL{Scheme: "file", Path: abs}).String()
	common := "&_pragma=busy_timeout(" + busy + ")&_pragma=foreign_keys(1)"
	w, err := sql.Open("sqlite", uri+"?_txlock=immediate"+common+"&_pragma=synchronous(FULL)")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	// The writer connects first: it creates the file and switches it to WAL
	// before any reader looks at it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if _, err := w.ExecContext(ctx, "PRAGMA page_size = "+strconv.Itoa(pageSize)); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: journal mode is %s, not wal", path, mode)
	}

	r, err := sql.Open("sqlite", uri+"?_pragma=query_only(1)"+common)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	r.SetMaxOpenConns(o.MaxReaders)
	r.SetMaxIdleConns(o.MaxReaders)

	s := &Store{path: path, w: w, r: r}
	if v, err := schemaVersion(ctx, w); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	} else if v > latestVersion() {
		s.Close()
		return nil, fmt.Errorf("%w: %s is at version %d, this code knows up to %d", ErrSchemaTooNew, path, v, latestVersion())
	}
	return s, nil
}

// Close closes the database. Operations still running fail.
func (s *Store) Close() error {
	s.mu.Lock()
	if p := s.prep.Swap(nil); p != nil {
		p.w.close()
		p.r.close()
	}
	s.mu.Unlock()
	return errors.Join(s.r.Close(), s.w.Close())
}

// DB returns the write handle of the database, for the host's own tables and
// transactions (see InTx). It has one connection: a transaction the host
// holds open blocks every other write of this Store, and a Store operation
// called (not through InTx) while the same goroutine holds one waits for it
// forever. Transactions on it begin IMMEDIATE, so they never fail with
// SQLITE_BUSY when they first write. Do not close it; Close does.
func (s *Store) DB() *sql.DB { return s.w }

// InTx returns a view of s that loads and commits inside the host's
// transaction tx, which must have been begun on s.DB(). Entries, balances and
// the receipt then commit or roll back with the host's own rows. A Commit
// that fails leaves tx as it was (it runs in a savepoint), so the host may
// go on or roll back. The view must not be used after tx ends.
func (s *Store) InTx(tx *sql.Tx) loyalty.Store { return &txStore{s: s, tx: tx} }

// prepared returns the statements of both handles, preparing them on first
// use, once the schema is known to be the one this code needs.
func (s *Store) prepared(ctx context.Context) (*preparedSet, error) {
	if p := s.prep.Load(); p != nil {
		return p, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.prep.Load(); p != nil {
		return p, nil
	}
	v, err := schemaVersion(ctx, s.w)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	switch {
	case v < latestVersion():
		return nil, fmt.Errorf("%w (%s is at version %d, this code needs %d)", ErrSchemaTooOld, s.path, v, latestVersion())
	case v > latestVersion():
		return nil, fmt.Errorf("%w: %s is at version %d, this code knows up to %d", ErrSchemaTooNew, s.path, v, latestVersion())
	}
	w, err := prepare(ctx, s.w, writeStatements)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	r, err := prepare(ctx, s.r, readStatements)
	if err != nil {
		w.close()
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	p := &preparedSet{w: w, r: r}
	s.prep.Store(p)
	return p, nil
}
