package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/storage"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// lastChange is a memory store that keeps a copy of the last change it
// committed, for a benchmark of the checks on a change the Engine planned.
type lastChange struct {
	*memory.Store
	last loyalty.Change
}

func (s *lastChange) Commit(ctx context.Context, c *loyalty.Change) (*loyalty.Receipt, error) {
	r, err := s.Store.Commit(ctx, c)
	// The Engine reuses the change's own memory (its orders and lots) once
	// Commit returned; the entries and balances are its receipt's.
	s.last = *c
	s.last.Orders = append([]ledger.OrderRecord(nil), c.Orders...)
	s.last.Lots = append([]ledger.Lot(nil), c.Lots...)
	return r, err
}

// BenchmarkCheckShapeOfAnEarn is the check every store runs on the change
// of BenchmarkEarnAndCommit (storage/memory) before it writes.
func BenchmarkCheckShapeOfAnEarn(b *testing.B) {
	ctx := context.Background()
	s := &lastChange{Store: memory.New()}
	p := &loyalty.Program{Name: "bench", Currency: "USD", Rules: []loyalty.Rule{storagetest.PerDollar(5)}}
	e, err := loyalty.NewEngine(p, s, &loyalty.EngineOptions{Clock: loyalty.NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Enroll(ctx, "enroll", loyalty.Member{ID: "ann"}); err != nil {
		b.Fatal(err)
	}
	o := &loyalty.Order{ID: "o1", MemberID: "ann", Currency: "USD", Lines: []loyalty.OrderLine{
		{SKU: "tee", Category: "apparel", Quantity: 2, UnitPrice: decimal.RequireFromString("19.99")},
		{SKU: "mug", Category: "home", Quantity: 1, UnitPrice: decimal.RequireFromString("8.50")},
	}}
	if _, err := e.Earn(ctx, "o1", o); err != nil {
		b.Fatal(err)
	}
	c := &s.last
	b.ReportAllocs()
	for b.Loop() {
		if err := storage.CheckShape(c); err != nil {
			b.Fatal(err)
		}
	}
}
