package ledger_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/loyaltykit/loyalty/ledger"
)

// Two adapters' totals of one ledger come out equal whatever order they
// summed in: sorted by key, one total per key, none of nothing.
func TestNormalizeSortsMergesAndDropsEmptyTotals(t *testing.T) {
	tot := ledger.Totals{
		Entries: []ledger.EntryTotal{
			{Bucket: 1, Account: ledger.PointsAccount, Kind: ledger.EntryEarn, Source: "order", Amount: 5, Credits: 5, Count: 1},
			{Bucket: 0, Account: ledger.PointsAccount, Kind: ledger.EntryRedeem, Amount: -7, Count: 1},
			{Bucket: 1, Account: ledger.PointsAccount, Kind: ledger.EntryEarn, Source: "order", Amount: 3, Pending: 2, Credits: 5, Count: 2},
			{Bucket: 0, Account: ledger.PointsAccount, Kind: ledger.EntryEarn, Source: "order"},
		},
		Orders: []ledger.OrderTotal{
			{Bucket: 2, Currency: "USD", Scale: 2, Orders: 1, Value: 100},
			{Bucket: 0, Currency: "USD", Scale: 2},
			{Bucket: 2, Currency: "USD", Scale: 2, Orders: 2, Value: 50, Returned: 10},
			{Bucket: 2, Currency: "EUR", Scale: 2, Orders: 1, Value: 7},
		},
	}
	tot.Normalize()
	assert.Equal(t, []ledger.EntryTotal{
		{Bucket: 0, Account: ledger.PointsAccount, Kind: ledger.EntryRedeem, Amount: -7, Count: 1},
		{Bucket: 1, Account: ledger.PointsAccount, Kind: ledger.EntryEarn, Source: "order", Amount: 8, Pending: 2, Credits: 10, Count: 3},
	}, tot.Entries)
	assert.Equal(t, []ledger.OrderTotal{
		{Bucket: 2, Currency: "EUR", Scale: 2, Orders: 1, Value: 7},
		{Bucket: 2, Currency: "USD", Scale: 2, Orders: 3, Value: 150, Returned: 10},
	}, tot.Orders)
}

func TestNormalizeRefTotalsMergesByPrefixAndKind(t *testing.T) {
	got := ledger.NormalizeRefTotals([]ledger.RefTotal{
		{Prefix: "cafe", Kind: ledger.EntryRedeem, Amount: -4, Count: 1},
		{Prefix: "bookshop", Kind: ledger.EntryEarn, Amount: 10, Count: 1},
		{Prefix: "cafe", Kind: ledger.EntryRedeem, Amount: -6, Pending: 0, Count: 2},
		{Prefix: "bookshop", Kind: ledger.EntryVoid},
	})
	assert.Equal(t, []ledger.RefTotal{
		{Prefix: "bookshop", Kind: ledger.EntryEarn, Amount: 10, Count: 1},
		{Prefix: "cafe", Kind: ledger.EntryRedeem, Amount: -10, Count: 3},
	}, got)
	assert.Nil(t, ledger.NormalizeRefTotals([]ledger.RefTotal{{Prefix: "cafe", Kind: ledger.EntryEarn}}), "totals of no entry normalize to nil")
	assert.Equal(t, "bookshop", ledger.RefPrefix("bookshop:1001"))
	assert.Equal(t, "", ledger.RefPrefix(":1001"))
}
