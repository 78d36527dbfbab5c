package migration

import (
	"testing"
	"testing/fstest"
)

func TestReadReturnsFilesInVersionOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("B")},
		"m/0001_init.sql": {Data: []byte("A")},
		"m/README":        {Data: []byte("not a migration")},
	}
	got, err := Read(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []File{{1, "0001_init.sql", "A"}, {2, "0002_more.sql", "B"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestReadRefusesAGapInTheNumbering(t *testing.T) {
	fsys := fstest.MapFS{"m/0001_a.sql": {}, "m/0003_c.sql": {}}
	if _, err := Read(fsys, "m"); err == nil {
		t.Fatal("a missing 0002 must be refused")
	}
}
