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
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
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

	_ loyalty.ProgramStore = (*Store)(nil)
	_ loyalty.ProgramStore = (*txStore)(nil)
	_ loyalty.SharedStore  = (*Store)(nil)
	_ loyalty.SharedStore  = (*txStore)(nil)

	_ loyalty.HostTransaction = (*txStore)(nil)
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
	s.core = core{db: pool, sql: newQueries(schema), program: loyalty.DefaultProgram}
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
		return nil, wrap("open: cannot reach the database", err)
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
// that fails (ErrConflict, a committed key, ...) rolls back to it and leaves tx
// usable, and the Engine's retries happen inside tx.
//
// The view is valid until tx ends. It serialises its own calls (a pgx.Tx
// runs one statement at a time), so it may be shared by goroutines, but they
// wait for each other.
//
// Use READ COMMITTED (PostgreSQL's default) for tx: there a conflict is
// retried inside tx. At REPEATABLE READ or SERIALIZABLE tx's snapshot is
// fixed, so no retry inside it can succeed: the first loyalty.ErrConflict (a
// concurrent write to the member, a serialization failure) is final, and the
// view returns it for every later call without a round trip; roll tx back and
// run it again. So does any serialization failure or deadlock that aborted
// tx. A lost connection is loyalty.ErrUnavailable, never MaybeCommitted: a
// view's Commit commits nothing until the host commits tx.
//
// Writes are not visible to others until the host commits tx; a concurrent
// Commit of the same member or the same idempotency key elsewhere waits for
// tx to end.
//
// The view is scoped to the store's program; its ForProgram returns views
// of other programs bound to the same tx, so that one host transaction
// writes to several programs, all or nothing.
func (s *Store) InTx(tx pgx.Tx) loyalty.Store {
	return &txStore{core: core{db: tx, sql: s.sql, inTx: true, program: s.program}, txShared: &txShared{tx: tx}}
}

// ForProgram implements loyalty.ProgramStore: a view of the store scoped to
// program id, on the same pool and schema, which reads and writes only the
// rows of that program. It does no I/O; an id loyalty.CheckProgramID
// refuses is an error wrapping loyalty.ErrInvalidID. The Store itself is
// the view of loyalty.DefaultProgram. Close on a view does nothing.
func (s *Store) ForProgram(id string) (loyalty.Store, error) {
	if err := loyalty.CheckProgramID(id); err != nil {
		return nil, err
	}
	v := *s
	v.owned = false
	v.core.program = id
	return &v, nil
}

// Program returns the ID of the program the store (or view) is scoped to.
func (s *Store) Program() string { return s.program }

// ForProgram implements loyalty.ProgramStore for a host transaction's view:
// the view of program id bound to the same transaction, sharing its lock
// and its state.
func (t *txStore) ForProgram(id string) (loyalty.Store, error) {
	if err := loyalty.CheckProgramID(id); err != nil {
		return nil, err
	}
	return &txStore{core: core{db: t.db, sql: t.sql, inTx: true, program: id}, txShared: t.txShared}, nil
}

// InHostTransaction reports that the view's writes commit only with the
// host's transaction (loyalty.HostTransaction): an Engine writing to it
// leaves the notices to the host's Engine.Deliver after tx.Commit.
func (t *txStore) InHostTransaction() bool { return true }

// txStore is the Store view bound to a host transaction, in one program.
type txStore struct {
	core
	*txShared
}

// txShared is what the views of one host transaction share, whatever their
// program: a pgx.Tx runs one statement at a time.
type txShared struct {
	mu     sync.Mutex
	tx     pgx.Tx
	level  string // tx's isolation level, read on the first conflict
	doomed error  // a final conflict: every call returns it
}

func (t *txStore) Load(ctx context.Context, memberID string, q loyalty.Query) (*loyalty.State, error) {
	if err := storage.CheckLoad(memberID, q); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return nil, t.doomed
	}
	st, err := t.core.Load(ctx, memberID, q)
	return st, t.check(ctx, err)
}

func (t *txStore) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return nil, t.doomed
	}
	r, err := t.core.Commit(ctx, c)
	return r, t.check(ctx, err)
}

func (t *txStore) Receipt(ctx context.Context, key string) (*loyalty.Receipt, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return nil, t.doomed
	}
	r, err := t.core.Receipt(ctx, key)
	return r, t.check(ctx, err)
}

func (t *txStore) Members(ctx context.Context, after string, limit int) ([]string, error) {
	if err := storage.CheckMember(after); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return nil, t.doomed
	}
	ids, err := t.core.Members(ctx, after, limit)
	return ids, t.check(ctx, err)
}

func (t *txStore) History(ctx context.Context, memberID string, after ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return nil, t.doomed
	}
	es, err := t.core.History(ctx, memberID, after, limit)
	return es, t.check(ctx, err)
}

// check is the error of a view's call: never MaybeCommitted (the host's
// commit is what commits), and a conflict is final when no retry inside tx
// can succeed: tx is aborted (a serialization failure or deadlock outside
// the commit's savepoint), or its isolation level fixes its snapshot.
// t.mu is held.
func (t *txStore) check(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	err = inTxErr(err)
	if !errors.Is(err, loyalty.ErrConflict) {
		return err
	}
	why := ""
	if t.tx.Conn().PgConn().TxStatus() == 'E' {
		why = "the host transaction is aborted"
	} else {
		if t.level == "" {
			if qerr := t.tx.QueryRow(ctx, `SHOW transaction_isolation`).Scan(&t.level); qerr != nil {
				t.level = "unknown"
			}
		}
		if t.level == "read committed" {
			return err // the Engine's retry reads the new version
		}
		why = "the host transaction's snapshot is fixed at " + t.level + " isolation"
	}
	t.doomed = fmt.Errorf("%w; %s: roll it back and run it again", err, why)
	return t.doomed
}

func (t *txStore) SetLimit(ctx context.Context, name string, limit int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return t.doomed
	}
	return t.check(ctx, t.core.SetLimit(ctx, name, limit))
}

func (t *txStore) SharedCounter(ctx context.Context, name, periodKey string) (ledger.SharedCounter, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return ledger.SharedCounter{}, t.doomed
	}
	sc, err := t.core.SharedCounter(ctx, name, periodKey)
	return sc, t.check(ctx, err)
}

func (t *txStore) ReserveCode(ctx context.Context, c ledger.Code) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return t.doomed
	}
	return t.check(ctx, t.core.ReserveCode(ctx, c))
}

func (t *txStore) Code(ctx context.Context, code string) (ledger.Code, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return ledger.Code{}, t.doomed
	}
	c, err := t.core.Code(ctx, code)
	return c, t.check(ctx, err)
}

func (t *txStore) UseCode(ctx context.Context, u ledger.CodeUse) (ledger.Code, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.doomed != nil {
		return ledger.Code{}, t.doomed
	}
	c, err := t.core.UseCode(ctx, u)
	return c, t.check(ctx, err)
}

func (t *txStore) HistoryBefore(ctx context.Context, memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error) {
	if err := storage.CheckMember(memberID); err != nil {
		return nil, err
	}
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

// core implements loyalty.Store on a pool or, with inTx, on a host
// transaction, in one program.
type core struct {
	db      dbtx
	sql     *queries
	inTx    bool
	program string
}
