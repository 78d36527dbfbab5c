package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
	"github.com/stretchr/testify/require"
)

func TestConcurrentRedemptionsNeverOverspend(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	h := newHarness(t, s)
	e := h.Engine
	h.Enroll("m")
	h.Earn("earn", order("o", "m", 1000))

	const workers, each = 16, 150 // 1000 points allow exactly 6 redemptions
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, poor int
		other    []error
	)
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			id := fmt.Sprintf("r%d", i)
			_, err := e.Redeem(ctx, "redeem-"+id, loyalty.Redemption{ID: id, MemberID: "m", Total: money.MinorUnits(10000, "USD"), Points: each})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, loyalty.ErrInsufficientPoints):
				poor++
			default:
				other = append(other, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	require.Empty(t, other, "errors other than ErrInsufficientPoints")
	require.Equal(t, 1000/each, ok, "redemptions that succeeded")
	require.Equal(t, workers-1000/each, poor, "redemptions refused")
	h.AssertBalance("m", 1000-int64(ok)*each, 0)
	checkInvariants(t, path)
}

func TestConcurrentRetriesOfOneKeyWriteOnce(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	h := newHarness(t, s)
	e := h.Engine
	h.Enroll("m")
	const workers = 16
	receipts := make([]*loyalty.Receipt, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			receipts[i], errs[i] = e.Earn(ctx, "earn-once", order("o", "m", 42))
		}()
	}
	close(start)
	wg.Wait()
	wrote := 0
	for i := range workers {
		require.NoError(t, errs[i], "caller %d", i)
		if !receipts[i].Replayed {
			wrote++
		}
		got, want := *receipts[i], *receipts[0]
		got.Replayed, want.Replayed = false, false
		require.Equal(t, want, got, "caller %d got another receipt", i)
	}
	require.Equal(t, 1, wrote, "callers that got a receipt that is not a replay")
	// One write: the member at version 2 (enrol, earn), 42 points, one entry.
	st, err := s.Load(ctx, "m", loyalty.Query{})
	require.NoError(t, err)
	require.Equal(t, int64(2), st.Version, "member version")
	require.Equal(t, int64(2), receipts[0].Version, "receipt version")
	h.AssertBalance("m", 42, 0)
	h.AssertEntries("m", loyaltytest.Entry{Kind: ledger.EntryEarn, Amount: 42})
	checkInvariants(t, path)
}

// Writers that read through the pool and commit through the single writer
// connection of two Stores on one file (as two processes would) still never
// overspend: the version check runs inside the IMMEDIATE transaction.
func TestConcurrentRedemptionsFromTwoStoresOnOneFile(t *testing.T) {
	ctx := context.Background()
	s1, path := openStore(t)
	s2 := openAgain(t, path)
	h1 := newHarness(t, s1)
	e1, e2 := h1.Engine, newHarness(t, s2).Engine
	h1.Enroll("m")
	h1.Earn("earn", order("o", "m", 1000))
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 16 {
		e := e1
		if i%2 == 1 {
			e = e2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("r%d", i)
			_, err := e.Redeem(ctx, "redeem-"+id, loyalty.Redemption{ID: id, MemberID: "m", Total: money.MinorUnits(10000, "USD"), Points: 150})
			if err != nil && !errors.Is(err, loyalty.ErrInsufficientPoints) {
				t.Error(err)
			}
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 6, ok, "redemptions that succeeded")
	checkInvariants(t, path)
}
