package sqlite_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/sqlite"
)

// TestLoadSeesOtherWritersOfACachedMember: a Store that has a member's
// state cached still loads what another handle on the file (as another
// process would) or a host transaction committed, and what a fresh Store
// loads.
func TestLoadSeesOtherWritersOfACachedMember(t *testing.T) {
	ctx := context.Background()
	a, path := openStore(t)
	b, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	defer b.Close()
	ea, eb := newHarness(t, a).Engine, newHarness(t, b).Engine
	_, err = ea.Enroll(ctx, "enroll", loyalty.Member{ID: "m", Segments: []string{"s"}, Attributes: map[string]string{"k": "v"}})
	require.NoError(t, err)
	check := func(step string) {
		t.Helper()
		q := loyalty.Query{Orders: []string{"o1"}}
		got, err := a.Load(ctx, "m", q)
		require.NoError(t, err)
		c, err := sqlite.Open(ctx, path, nil)
		require.NoError(t, err)
		defer c.Close()
		want, err := c.Load(ctx, "m", q)
		require.NoError(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: cached load\n%+v\nfresh load\n%+v", step, got, want)
		}
	}
	for i, e := range []*loyalty.Engine{ea, ea, eb, ea, eb, eb, ea} {
		id := "o" + string(rune('1'+i))
		_, err := e.Earn(ctx, id, order(id, "m", int64(10+i)))
		require.NoError(t, err)
		check(id)
		// Loading and mutating what Load returned leaves the cache alone.
		st, err := a.Load(ctx, "m", loyalty.Query{})
		require.NoError(t, err)
		st.Member.Segments[0], st.Member.Attributes["k"] = "x", "x"
		if len(st.Balances) > 0 {
			st.Balances[0].Available = -1
		}
		check(id + " after mutation")
	}
	// A host transaction's commit.
	tx, err := a.DB().BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = newHarness(t, a).Engine.WithStore(a.InTx(tx)).Earn(ctx, "o9", order("o9", "m", 5))
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	check("host transaction")
}
