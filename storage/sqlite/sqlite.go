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

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
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
	// MaxReaders caps the read-only connections reads use.
	// Zero means max(4, GOMAXPROCS).
	MaxReaders int
}

// Store is a loyalty.Store on an SQLite database file. It is safe for
// concurrent use, by many goroutines and by several processes sharing the
// file.
//
// Commits go through one connection the Store keeps for itself, so commits
// of one process queue in Go instead of failing with SQLITE_BUSY; every
// write transaction begins IMMEDIATE, so writers of different processes (and
// the host's own transactions on DB) wait on SQLite's lock, up to
// Options.BusyTimeout. Load uses that connection when it is idle (its page
// cache holds what was just written) and otherwise, like the other reads, a
// pool of read-only connections; every read sees the last committed state.
//
// A Store is the view of program loyalty.DefaultProgram; ForProgram returns
// the view of another program of the same file, sharing the Store's
// connections, statements and writer. Closing any view closes them all.
type Store struct {
	*core
	program string // the program every read and write is scoped to
}

// core is what the views of one file share.
type core struct {
	path string
	w    *sql.DB // the writer: one connection, pinned in wc
	r    *sql.DB // read-only pool
	h    *sql.DB // the host's handle, DB()

	mu   sync.Mutex                  // serializes preparing and closing
	prep atomic.Pointer[preparedSet] // set once the schema was checked

	wmu   sync.Mutex // held while wc is in use, and cache
	wc    *sql.Conn
	cache map[cacheKey]*cachedMember // see cache.go
}

// preparedSet holds the statements prepared on each handle: on the writer
// connection (used under wmu), the read pool and the host's handle (for
// InTx).
type preparedSet struct{ w, r, h *stmts }

var _ loyalty.Store = (*Store)(nil)

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
	// A checkpoint every 4000 WAL pages rather than 1000 (see the package
	// doc): fewer commits pay for one.
	writer := uri + "?_txlock=immediate" + common + "&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(4000)"
	s := &Store{core: &core{path: path}, program: loyalty.DefaultProgram}
	fail := func(err error) (*Store, error) {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if s.w, err = sql.Open("sqlite", writer); err != nil {
		return fail(err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	// The writer connects first: it creates the file and switches it to WAL
	// before any reader looks at it. Two processes opening a new file at
	// once can see the other's lock (or its half-created WAL) while they
	// switch; that passes, so it is retried within the busy timeout.
	if s.wc, err = s.w.Conn(ctx); err != nil {
		return fail(err)
	}
	var mode string
	for wait, waited := time.Millisecond, time.Duration(0); ; wait, waited = min(2*wait, 100*time.Millisecond), waited+wait {
		err := s.wc.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil {
			break
		}
		if !transient(err) || waited >= o.BusyTimeout {
			return fail(err)
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(wait):
		}
	}
	if !strings.EqualFold(mode, "wal") {
		return fail(fmt.Errorf("journal mode is %s, not wal", mode))
	}
	if s.r, err = sql.Open("sqlite", uri+"?_pragma=query_only(1)"+common); err != nil {
		return fail(err)
	}
	s.r.SetMaxOpenConns(o.MaxReaders)
	s.r.SetMaxIdleConns(o.MaxReaders)
	if s.h, err = sql.Open("sqlite", writer); err != nil {
		return fail(err)
	}

	if v, err := schemaVersion(ctx, s.wc); err != nil {
		return fail(err)
	} else if v > latestVersion() {
		s.Close()
		return nil, fmt.Errorf("%w: %s is at version %d, this code knows up to %d", ErrSchemaTooNew, path, v, latestVersion())
	}
	return s, nil
}

// Close closes the database. Operations still running fail.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var errs []error
	if p := s.prep.Swap(nil); p != nil {
		errs = append(errs, p.w.close(), p.r.close(), p.h.close())
	}
	if s.wc != nil {
		errs = append(errs, s.wc.Close())
		s.wc = nil
	}
	for _, db := range []*sql.DB{s.h, s.r, s.w} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// DB returns a handle on the database for the host's own tables and
// transactions (see InTx). Its transactions begin IMMEDIATE, so they never
// fail with SQLITE_BUSY when they first write; while one is open, the
// Store's own commits wait for it (up to Options.BusyTimeout), so a
// goroutine holding one must write loyalty changes through InTx. Do not
// close it; Close does.
func (s *Store) DB() *sql.DB { return s.h }

// InTx returns a view of s that loads and commits inside the host's
// transaction tx, which must have been begun on s.DB(). Entries, balances and
// the receipt then commit or roll back with the host's own rows. A Commit
// that fails leaves tx as it was (it runs in a savepoint), so the host may
// go on or roll back. The view must not be used after tx ends.
//
// The view is scoped to s's program; its ForProgram returns views of other
// programs bound to the same tx, so one host transaction writes to several
// programs, all or nothing.
func (s *Store) InTx(tx *sql.Tx) loyalty.Store { return &txStore{s: s, tx: tx, program: s.program} }

// ForProgram implements loyalty.ProgramStore: the view of program id of the
// same file, sharing s's connections, statements and writer. id must pass
// loyalty.CheckProgramID (else an error wrapping loyalty.ErrInvalidID).
func (s *Store) ForProgram(id string) (loyalty.Store, error) {
	if err := loyalty.CheckProgramID(id); err != nil {
		return nil, err
	}
	return &Store{core: s.core, program: id}, nil
}

// Program returns the ID of the program s is the view of.
func (s *Store) Program() string { return s.program }

// ForProgram implements loyalty.ProgramStore for a view bound to a host
// transaction: the view of program id bound to the same transaction.
func (t *txStore) ForProgram(id string) (loyalty.Store, error) {
	if err := loyalty.CheckProgramID(id); err != nil {
		return nil, err
	}
	return &txStore{s: t.s, tx: t.tx, program: id}, nil
}

// InHostTransaction reports that the view's writes commit only with the
// host's transaction (loyalty.HostTransaction): an Engine writing to it
// leaves the notices to the host's Engine.Deliver after tx.Commit.
func (t *txStore) InHostTransaction() bool { return true }

// prepared returns the statements of every handle, preparing them on first
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
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wc == nil {
		return nil, errors.New("sqlite: store is closed")
	}
	v, err := schemaVersion(ctx, s.wc)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	switch {
	case v < latestVersion():
		return nil, fmt.Errorf("%w (%s is at version %d, this code needs %d)", ErrSchemaTooOld, s.path, v, latestVersion())
	case v > latestVersion():
		return nil, fmt.Errorf("%w: %s is at version %d, this code knows up to %d", ErrSchemaTooNew, s.path, v, latestVersion())
	}
	var p preparedSet
	if p.w, err = prepare(ctx, s.wc, writeStatements); err == nil {
		if p.r, err = prepare(ctx, s.r, readStatements); err == nil {
			p.h, err = prepare(ctx, s.h, writeStatements)
		}
	}
	if err != nil {
		for _, st := range []*stmts{p.w, p.r} {
			if st != nil {
				st.close()
			}
		}
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	s.prep.Store(&p)
	return &p, nil
}

// transient reports whether err is SQLite saying that another connection
// holds the file for a moment: a busy or locked database, or the I/O error a
// process can get while another one creates the same WAL file.
func transient(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR:
		return true
	}
	return false
}
