package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/loyaltykit/loyalty/storage/internal/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change embedded in this package.
type Migration struct {
	Version int64  // 1, 2, ...: the number the file name starts with
	Name    string // the file name, "0001_init.sql"
	// SQL is the change, with every name qualified by the placeholder
	// {schema}; SQLFor fills it in.
	SQL string
}

// SQLFor returns the migration's SQL for the tables in schema.
func (m Migration) SQLFor(schema string) string {
	return strings.ReplaceAll(m.SQL, "{schema}", pgx.Identifier{schema}.Sanitize())
}

// Migrations returns the schema changes this package applies, oldest first,
// for hosts that run migrations with their own tool. Migrate applies them and
// records each in the schema_migrations table of the store's schema.
func Migrations() []Migration { return append([]Migration(nil), loadMigrations()...) }

var loadMigrations = sync.OnceValue(func() []Migration {
	files, err := migration.Read(migrationFiles, "migrations")
	if err != nil {
		panic("postgres: " + err.Error()) // a build-time mistake in this package, caught by its tests
	}
	ms := make([]Migration, len(files))
	for i, f := range files {
		ms[i] = Migration{Version: f.Version, Name: f.Name, SQL: f.SQL}
	}
	return ms
})

// SchemaVersion is the schema version this code migrates to.
func SchemaVersion() int64 { return int64(len(loadMigrations())) }

// migrateLockKey is the advisory lock Migrate holds for schema, so that
// migrations of different schemas do not wait for each other.
func migrateLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("loyaltykit/loyalty/storage/postgres migrate\x00"))
	h.Write([]byte(schema))
	return int64(h.Sum64())
}

// Migrate brings the store's schema up to SchemaVersion. It is safe to call
// more than once and from several processes at once: the check and the
// changes run in one transaction under a transaction-level advisory lock on
// the schema name, so one caller applies what is missing and the others then
// find nothing to do. A schema migrated by newer code fails with
// ErrSchemaTooNew and is left unchanged; so does any failing migration (DDL
// is transactional in PostgreSQL).
func (s *Store) Migrate(ctx context.Context) error { return s.migrateTo(ctx, SchemaVersion()) }

// migrateTo applies the migrations up to version to.
func (s *Store) migrateTo(ctx context.Context, to int64) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap("migrate", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey(s.schema)); err != nil {
		return wrap("migrate", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, s.schema).Scan(&exists); err != nil {
		return wrap("migrate", err)
	}
	q := pgx.Identifier{s.schema}.Sanitize()
	if !exists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+q); err != nil {
			return wrap("migrate: create schema "+q, err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+q+`.schema_migrations (
	version    bigint      NOT NULL PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return wrap("migrate", err)
	}
	var v int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+q+`.schema_migrations`).Scan(&v); err != nil {
		return wrap("migrate", err)
	}
	ms := loadMigrations()
	if v > int64(len(ms)) {
		return fmt.Errorf("%w: schema %q is at version %d, this code knows versions up to %d", ErrSchemaTooNew, s.schema, v, len(ms))
	}
	for _, m := range ms[v:max(to, v)] {
		// The simple protocol runs a multi-statement file in one message.
		if _, err := tx.Conn().PgConn().Exec(ctx, m.SQLFor(s.schema)).ReadAll(); err != nil {
			return wrap("migrate: "+m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+q+`.schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return wrap("migrate: "+m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap("migrate", err)
	}
	return nil
}
