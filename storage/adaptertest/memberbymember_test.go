package adaptertest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
)

func TestMemberByMemberHidesTheWholeLedgerSumsAndKeepsTheMembers(t *testing.T) {
	ctx := context.Background()
	for name, s := range adaptertest.Stores(t) {
		_, ok := s.(storage.LedgerAggregator)
		require.True(t, ok, "%s sums its ledger itself", name)
		_, ok = s.(storage.RefAggregator)
		require.True(t, ok, "%s sums its refs itself", name)
		e, err := loyalty.NewEngine(&loyalty.Program{Name: "p", Currency: "USD"}, s, nil)
		require.NoError(t, err, name)
		for _, m := range []string{"ann", "bob"} {
			_, err := e.Enroll(ctx, "enrol-"+m, loyalty.Member{ID: m})
			require.NoError(t, err, name)
		}

		v := adaptertest.MemberByMember(t, s)
		_, ok = v.(storage.LedgerAggregator)
		assert.False(t, ok, "%s: the view still sums the ledger itself", name)
		_, ok = v.(storage.RefAggregator)
		assert.False(t, ok, "%s: the view still sums the refs itself", name)
		l, ok := v.(loyalty.MemberLister)
		require.True(t, ok, name)
		ids, err := l.Members(ctx, "", 10)
		require.NoError(t, err, name)
		assert.Equal(t, []string{"ann", "bob"}, ids, name)
		st, err := v.Load(ctx, "ann", loyalty.Query{})
		require.NoError(t, err, name)
		assert.Equal(t, "ann", st.Member.ID, name)
	}
}
