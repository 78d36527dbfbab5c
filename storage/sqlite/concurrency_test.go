package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/loyaltykit/loyalty"
)

func TestConcurrentRedemptionsNeverOverspend(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	e := newHarness(t, s).Engine
	if _, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "m"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Earn(ctx, "earn", order("o", "m", 1000)); err != nil {
		t.Fatal(err)
	}

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
			_, err := e.Redeem(ctx, "redeem-"+id, loyalty.Redemption{ID: id, MemberID: "m", Total: loyalty.MinorUnits(10000, "USD"), Points: each})
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
	if len(other) > 0 {
		t.Fatalf("unexpected errors: %v", other)
	}
	if ok != 1000/each || poor != workers-1000/each {
		t.Fatalf("%d redemptions succeeded and %d were refused, want %d and %d", ok, poor, 1000/each, workers-1000/each)
	}
	b, err := e.Balance(ctx, "m")
	if err != nil || b.Available != 1000-int64(ok)*each {
		t.Fatalf("balance %+v, %v; want %d", b, err, 1000-ok*each)
	}
	checkInvariants(t, path)
}

func TestConcurrentRetriesOfOneKeyWriteOnce(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	e := newHarness(t, s).Engine
	if _, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "m"}); err != nil {
		t.Fatal(err)
	}
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
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !receipts[i].Replayed {
			wrote++
		}
		got, want := *receipts[i], *receipts[0]
		got.Replayed, want.Replayed = false, false
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("caller %d got another receipt:\n%+v\n%+v", i, got, want)
		}
	}
	if wrote != 1 {
		t.Fatalf("%d callers got a receipt that is not a replay, want 1", wrote)
	}
	st, err := s.Load(ctx, "m", loyalty.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 2 || st.Balance(loyalty.PointsAccount).Available != 42 || receipts[0].Version != 2 {
		t.Fatalf("version %d balance %+v receipt version %d; want one write: version 2, 42 points",
			st.Version, st.Balance(loyalty.PointsAccount), receipts[0].Version)
	}
	h, err := s.History(ctx, "m", loyalty.EntryID{}, 100)
	if err != nil || len(h) != 1 {
		t.Fatalf("history %+v, %v; want one entry", h, err)
	}
	checkInvariants(t, path)
}

// Writers that read through the pool and commit through the single writer
// connection of two Stores on one file (as two processes would) still never
// overspend: the version check runs inside the IMMEDIATE transaction.
func TestConcurrentRedemptionsFromTwoStoresOnOneFile(t *testing.T) {
	ctx := context.Background()
	s1, path := openStore(t)
	s2 := openAgain(t, path)
	e1, e2 := newHarness(t, s1).Engine, newHarness(t, s2).Engine
	if _, err := e1.Enroll(ctx, "enroll", loyalty.Member{ID: "m"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e1.Earn(ctx, "earn", order("o", "m", 1000)); err != nil {
		t.Fatal(err)
	}
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
			_, err := e.Redeem(ctx, "redeem-"+id, loyalty.Redemption{ID: id, MemberID: "m", Total: loyalty.MinorUnits(10000, "USD"), Points: 150})
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
	if ok != 6 {
		t.Fatalf("%d redemptions succeeded, want 6", ok)
	}
	checkInvariants(t, path)
}
