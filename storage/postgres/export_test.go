package postgres

import "context"

// MigrateTo applies the migrations up to version to, for the tests that
// build a schema as older code left it.
func (s *Store) MigrateTo(ctx context.Context, to int64) error { return s.migrateTo(ctx, to) }
