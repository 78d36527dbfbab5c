package migration

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadReturnsFilesInVersionOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("B")},
		"m/0001_init.sql": {Data: []byte("A")},
		"m/README":        {Data: []byte("not a migration")},
	}
	got, err := Read(fsys, "m")
	require.NoError(t, err)
	require.Equal(t, []File{{1, "0001_init.sql", "A"}, {2, "0002_more.sql", "B"}}, got)
}

func TestReadRefusesAGapInTheNumbering(t *testing.T) {
	fsys := fstest.MapFS{"m/0001_a.sql": {}, "m/0003_c.sql": {}}
	_, err := Read(fsys, "m")
	require.Error(t, err, "a missing 0002 must be refused")
	assert.EqualError(t, err, "migration 0003_c.sql is not numbered 2")
}
