package memory_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage/adaptertest"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// BenchmarkAggregateLedgerMillionEntries sums 1,000,000 entries of 100,000
// members (one write of 10 entries each: earns, a redemption, an expiry, an
// adjustment, a reversal, store credit, over 2026) by month.
func BenchmarkAggregateLedgerMillionEntries(b *testing.B) {
	s := memory.New()
	ctx := context.Background()
	kinds := []ledger.EntryKind{"earn", "earn", "earn", "earn", "redeem", "earn", "expire", "adjust", "reverse", "earn"}
	sources := []string{"order", "order", "review", "order", "checkout", "referral.signup", "expiry", "operator", "return", "order"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for m := range 100_000 {
		id := "m" + strconv.Itoa(m)
		c := &loyalty.Change{Key: "k" + id, MemberID: id, Member: &loyalty.Member{ID: id, JoinedAt: start.AddDate(0, 0, m%300-100)}, Receipt: &loyalty.Receipt{}}
		var pts, credit int64
		for i := range 10 {
			n := m*10 + i
			a := ledger.PointsAccount
			amt := int64(n%100 + 1)
			if i == 4 || i == 6 || i == 8 {
				amt = -int64(n % 50)
			}
			if i == 9 {
				a = "credit"
				credit += amt
			} else {
				pts += amt
			}
			c.Entries = append(c.Entries, ledger.Entry{ID: ledger.EntryID{Version: 1, Index: int32(i)}, MemberID: id, Account: a, Kind: kinds[i], Amount: amt,
				At: start.Add(time.Duration(n%365)*24*time.Hour + time.Duration(n%86400)*time.Second), Key: c.Key, Source: sources[i]})
		}
		c.Balances = []ledger.Balance{{Account: ledger.PointsAccount, Available: pts}, {Account: "credit", Available: credit}}
		_, err := s.Commit(ctx, c)
		require.NoError(b, err)
	}
	adaptertest.BenchAggregateLedger(b, s, 1_000_000, 100_000)
}
