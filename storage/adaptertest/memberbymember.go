package adaptertest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
)

// memberByMember is a store seen through loyalty.Store and
// loyalty.MemberLister alone.
type memberByMember struct {
	loyalty.Store
	loyalty.MemberLister
}

// MemberByMember returns s with every ability beyond loyalty.Store and
// loyalty.MemberLister hidden, the whole-ledger sums above all
// (storage.LedgerAggregator, storage.RefAggregator), so that a reader that
// prefers a store's own sums (economics.Compute, partners.Settle) reads it
// member by member instead: the test then compares the two ways on the
// same ledger. The result is a loyalty.MemberLister too, to pass where a
// lister is asked for. It fails the test if s is not a loyalty.MemberLister.
func MemberByMember(t testing.TB, s loyalty.Store) loyalty.Store {
	t.Helper()
	l, ok := s.(loyalty.MemberLister)
	require.True(t, ok, "%T is not a loyalty.MemberLister", s)
	return memberByMember{s, l}
}
