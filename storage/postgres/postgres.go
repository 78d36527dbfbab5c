package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loyaltykit/loyalty"
)

// DefaultSchema is the schema a Store keeps its tables in when
// Options.Schema is empty.
const DefaultSchema = "loyalty"

// Options tune a Store. The zero value (or nil) uses DefaultSchema.
type Options struct {
	// Schema is the PostgreSQL schema that holds the store's tables and
	// functions. Migrate creates it when it does not exist. Give the library
	// a schema of its own: its table names (members, orders, ...) are
	// generic. Any name of at most 63 bytes without $ works; it is quoted.
	Schema string
}

// ErrSchemaTooNew is returned by Migrate when the database schema was
// migrated by a newer version of this package than the running one. Nothing
// is changed.
var ErrSchemaTooNew = errors.New("postgres: database schema is newer than this code")

// ErrNotMigrated is returned when the store's schema, tables or functions do
// not exist: Migrate has not run against this database and schema.
var ErrNotMigrated = errors.New("postgres: the loyalty schema is not migrated (call Store.Migrate)")

// Store is a loyalty.Store on PostgreSQL. It is safe for concurrent use.
//
// Every Commit and every Load is one statement, so one round trip to the
// server (see the package doc).
type Store struct {
	core
	pool   *pgxpool.Pool
	owned  bool // Close closes the pool
	schema string
}

var (
	_ loyalty.Store        = (*Store)(nil)
	_ loyalty.MemberLister = (*Store)(nil)
	_ loyalty.MemberLister = (*txStore)(nil)

	_ loyalty.HistoryReverser = (*Store)(nil)
	_ loyalty.HistoryReverser = (*txStore)(nil)
)

// New returns a Store on pool, which the host keeps owning: Close does not
// close it. New does no I/O; call Migrate once (at deploy or start-up) before
// the first write.
func New(pool *pgxpool.Pool, opts *Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("postgres: New needs a pool")
	}
	schema := DefaultSchema
	if opts != nil && opts.Schema != "" {
		schema = opts.Schema
	}
	if len(schema) > 63 || strings.ContainsAny(schema, "\x00$") {
		// $ would end the dollar-quoted bodies of the schema's functions.
		return nil, fmt.Errorf("postgres: schema name %q is not usable: at most 63 bytes, no NUL and no $", schema)
	}
	s := &Store{pool: pool, schema: schema}
	s.core = core{db: pool, sql: newQueries(schema)}
	return s, nil
}

// Open connects to the database named by dsn (a URL such as
// postgres://user@host:5432/db?sslmode=disable, or key=value pairs; pgxpool's
// pool_max_conns and the like are accepted) and returns a Store that owns the
// pool; Close closes it. A malformed DSN or an unreachable server is an error
// here, before any write.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn's parse errors redact any password.
		return nil, fmt.Errorf("postgres: malformed DSN: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %v", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach the database: %w", driverErr(err))
	}
	s, err := New(pool, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Close closes the pool if Open made it; for a Store from New it does
// nothing, the host closes its own pool.
func (s *Store) Close() {
	if s.owned {
		s.pool.Close()
	}
}

// Pool returns the pool the store uses.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the schema that holds the store's tables.
func (s *Store) Schema() string { return s.schema }

// InTx returns a view of the store that reads and writes inside the host's
// transaction tx, so that a host's own rows (an order) and the loyalty write
// commit or roll back together. Each Commit runs under a savepoint: a commit
// that fails (ErrConflict, ErrKeyReused, ...) rolls back to it and leaves tx
// usable, and the Engine's retries happen inside tx.
//
// The view is valid until tx ends. It serialises its own calls (a pgx.Tx
// runs one statement at a time), so it may be shared by goroutines, but they
// wait for each other. Use READ COMMITTED (PostgreSQL's default) for tx: at
// REPEATABLE READ or SERIALIZABLE a concurrent write to the same member makes
// every retry conflict until tx ends.
//
// Writes are not visible to others until the host commits tx; a concurrent
// Commit of the same member or the same idempotency key elsewhere waits for
// tx to end.
func (s *Store) InTx(tx pgx.Tx) loyalty.Store {
	return &txStore{core: core{db: tx, sql: s.sql, inTx: true}}
}

// txStore is the Store view bound to a host transaction.
type txStore struct {
	mu sync.Mutex
	core
}

func (t *txStore) Load(ctx context.Context, memberID string, q loyalty.Query) (*loyalty.State, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.core.Load(ctx, memberID, q)
}

func (t *txStore) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.core.Commit(ctx, c)
}

func (t *txStore) Receipt(ctx context.Context, key string) (*loyalty.Receipt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.core.Receipt(ctx, key)
}

func (t *txStore) Members(ctx context.Context, after string, limit int) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.core.Members(ctx, after, limit)
}

func (t *txStore) History(ctx context.Context, memberID string, after loyalty.EntryID, limit int) ([]loyalty.Entry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.core.History(ctx, memberID, after, limit)
}

func (t *txStore) HistoryBefore(ctx context.Context, memberID string, before loyalty.EntryID, limit int) ([]loyalty.Entry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.core.HistoryBefore(ctx, memberID, before, limit)
}

// dbtx is what the store needs of a pool or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// core implements loyalty.Store on a pool or, with inTx, on a host transaction.
type core struct {
	db   dbtx
	sql  *queries
	inTx bool
}

// driverErr turns a driver error into one that does not expose the driver's
// types: its text is kept, and only context cancellation stays errors.Is-able.
func driverErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%w (%s)", context.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w (%s)", context.DeadlineExceeded, err.Error())
	}
	return errors.New(err.Error())
}

func wrap(op string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "3F000", "42P01", "42883": // invalid_schema_name, undefined_table, undefined_function
			return fmt.Errorf("%w: %s: %s", ErrNotMigrated, op, err.Error())
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, driverErr(err))
}
