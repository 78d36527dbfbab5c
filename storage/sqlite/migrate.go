package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"sync"

	"github.com/loyaltykit/loyalty/storage/internal/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change embedded in this package.
type Migration struct {
	Version int64  // 1, 2, ...: the number the file name starts with
	Name    string // the file name, "0001_init.sql"
	SQL     string
}

// Migrations returns the schema changes this package applies, oldest first,
// for hosts that run migrations with their own tool. Migrate applies them
// and records each in the loyalty_schema_migrations table.
func Migrations() []Migration { return append([]Migration(nil), loadMigrations()...) }

var loadMigrations = sync.OnceValue(func() []Migration {
	files, err := migration.Read(migrationFiles, "migrations")
	if err != nil {
		panic("sqlite: " + err.Error()) // a build-time mistake in this package, caught by its tests
	}
	ms := make([]Migration, len(files))
	for i, f := range files {
		ms[i] = Migration{Version: f.Version, Name: f.Name, SQL: f.SQL}
	}
	return ms
})

func latestVersion() int64 { return int64(len(loadMigrations())) }

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS loyalty_schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)`

// Migrate brings the database schema up to the version this code needs. It
// is safe to call more than once and from several processes at once: the
// check and the changes run in one IMMEDIATE transaction, so one caller
// applies what is missing and the others find nothing to do. A database
// migrated by newer code fails with ErrSchemaTooNew and is left unchanged.
func (s *Store) Migrate(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wc == nil {
		return errors.New("sqlite: migrate: store is closed")
	}
	tx, err := s.wc.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM loyalty_schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	ms := loadMigrations()
	if v > int64(len(ms)) {
		return fmt.Errorf("%w: %s is at version %d, this code knows up to %d", ErrSchemaTooNew, s.path, v, len(ms))
	}
	for _, m := range ms[v:] {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migrate: %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO loyalty_schema_migrations (version, name) VALUES (?, ?)`, m.Version, m.Name); err != nil {
			return fmt.Errorf("sqlite: migrate: %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// schemaVersion returns the last migration recorded in db, 0 for none.
func schemaVersion(ctx context.Context, db interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) (int64, error) {
	var n int
	if err := db.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'loyalty_schema_migrations'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM loyalty_schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
