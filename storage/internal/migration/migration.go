// Package migration reads the numbered SQL files the SQL adapters embed
// (migrations/0001_init.sql, 0002_..., ...), so each adapter keeps only what
// is its own: how to apply them and where to record them.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// File is one versioned schema change.
type File struct {
	Version int64  // 1, 2, ...: the number the file name starts with
	Name    string // the file name, "0001_init.sql"
	SQL     string
}

// Read returns the files dir/*.sql of fsys, oldest first. It fails when
// their names are not numbered 1, 2, ... without gaps.
func Read(fsys fs.FS, dir string) ([]File, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	files := make([]File, 0, len(names))
	for i, n := range names { // fs.Glob sorts
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v != int64(i+1) {
			return nil, fmt.Errorf("migration %s is not numbered %d", base, i+1)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Version: v, Name: base, SQL: string(b)})
	}
	return files, nil
}
