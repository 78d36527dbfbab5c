package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuickstartPrintsStatements(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, filepath.Join(t.TempDir(), "q.db")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ann earned 996 points on order A-1001",
		"bob returned the rain jacket: -600 points",
		"ann redeemed 1100 points: 11.00 USD off order A-1002",
		"Statement of ann: 96 points available, 0 pending",
		"Statement of bob: 200 points available, 0 pending",
		"Statement of cem: 1480 points available, 0 pending",
		"double-shoes: ×2 (line 1, category shoes) = +640",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
