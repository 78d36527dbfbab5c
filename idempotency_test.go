package loyalty

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Field prints are stored with receipts: a version that printed the same
// request differently would name a wrong field for keys committed before the
// upgrade. These values must not change (give the kind a new name instead).
func TestFieldPrintsAreStableAcrossVersions(t *testing.T) {
	for name, c := range map[string]struct{ got, want string }{
		"earn":   {orderFields(fingerprintOrder()), goldenOrderFields},
		"adjust": {partFields("adjust", "ann", "-5", "goodwill"), goldenAdjustFields},
	} {
		if c.got != c.want {
			t.Errorf("%s: field prints %q, want %q", name, c.got, c.want)
		}
	}
}

const (
	goldenOrderFields  = "earn:P217egHPGY9qGYEA"
	goldenAdjustFields = "adjust:17Sl4T"
)

// TestFieldPrintsHaveTwoCharactersPerFieldOfTheirKind proves every kind's
// printer and its list of names agree, so no field is named wrongly.
func TestFieldPrintsHaveTwoCharactersPerFieldOfTheirKind(t *testing.T) {
	m := Member{ID: "ann", Segments: []string{"staff"}}
	for _, p := range []string{
		orderFields(fingerprintOrder()),
		returnFields(&Return{ID: "ret1", OrderID: "o1", MemberID: "ann", Lines: []ReturnLine{{SKU: "tee", Quantity: 1}}}),
		redemptionFields(&Redemption{ID: "r1", MemberID: "ann", Total: MinorUnits(100, "USD"), Points: 5, UpTo: true}),
		actionFields(&Action{Kind: ActionReview, MemberID: "ann", Data: map[string]string{"a": "b"}}),
		memberFields(&m),
		partFields("adjust", "ann", "5", "goodwill"),
		partFields("settle", "ann"),
		partFields("cancel", "ann", "r1"),
		partFields("jobs-settle", "ann", "true"),
	} {
		kind, digests := splitPrints(p)
		k := fieldKindOf(kind)
		if k == nil {
			t.Errorf("%q: unknown kind %q", p, kind)
			continue
		}
		if len(digests) != 2*len(k.fields) {
			t.Errorf("%q: %d characters of digests for the %d fields of %s", p, len(digests), len(k.fields), kind)
		}
	}
}

func TestReusedKeyNamesTheFieldOfTheOrderThatDiffers(t *testing.T) {
	first := fingerprintOrder()
	r := &Receipt{Key: "k", Operation: OpEarn, Fingerprint: orderFingerprint(first), FieldPrints: orderFields(first)}
	for field, change := range map[string]func(o *Order){
		"id":        func(o *Order) { o.ID = "o2" },
		"member_id": func(o *Order) { o.MemberID = "bob" },
		"placed_at": func(o *Order) { o.PlacedAt = o.PlacedAt.Add(time.Microsecond) },
		"currency":  func(o *Order) { o.Currency = "EUR" },
		"discount":  func(o *Order) { o.Discount = decimal.RequireFromString("0.01") },
		"shipping":  func(o *Order) { o.Shipping = decimal.RequireFromString("4.96") },
		"tax":       func(o *Order) { o.Tax = decimal.RequireFromString("1") },
		"lines":     func(o *Order) { o.Lines = o.Lines[:1] },
	} {
		o := fingerprintOrder()
		change(o)
		if got := differingField(orderFields(o), r); got != field {
			t.Errorf("%s changed: differing field %q", field, got)
		}
	}
	// The same value written another way (1.5 and 1.50) is the same field.
	o := fingerprintOrder()
	o.Shipping = decimal.RequireFromString("4.950")
	if got := differingField(orderFields(o), r); got != "" {
		t.Errorf("4.950 for 4.95: differing field %q, want none", got)
	}
	// Another kind of write, and a receipt kept before field prints.
	if got := differingField(partFields("adjust", "ann", "5", "x"), r); got != "operation" {
		t.Errorf("an adjustment under an earn's key: %q, want operation", got)
	}
	old := *r
	old.FieldPrints = ""
	if got := differingField(orderFields(fingerprintOrder()), &old); got != "" {
		t.Errorf("a receipt without field prints: %q, want none", got)
	}
}

func TestKeyReusedErrorIsErrKeyReusedAndSaysWhichField(t *testing.T) {
	var err error = &KeyReusedError{Key: "earn/o1", Field: "placed_at"}
	wrapped := fmt.Errorf("checkout: %w", err)
	var kr *KeyReusedError
	if !errors.Is(wrapped, ErrKeyReused) || !errors.As(wrapped, &kr) || kr.Field != "placed_at" || kr.Key != "earn/o1" {
		t.Fatalf("%v: not a KeyReusedError for earn/o1, placed_at, that Is ErrKeyReused", wrapped)
	}
	if got, want := err.Error(), `loyalty: idempotency key "earn/o1" reused with a different payload: placed_at differs`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if got, want := (&KeyReusedError{Key: "k"}).Error(), `loyalty: idempotency key "k" reused with a different payload`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if errors.Is(&KeyCommittedError{Receipt: &Receipt{Key: "k"}}, ErrKeyReused) {
		t.Error("a committed key is not a reuse: only the Engine decides that")
	}
}

func TestOrderFieldPrintsAllocateOnlyTheirString(t *testing.T) {
	o := fingerprintOrder()
	if n := testing.AllocsPerRun(100, func() { orderFields(o) }); n != 1 {
		t.Errorf("orderFields allocates %v times, want 1", n)
	}
}

func BenchmarkOrderFieldPrints(b *testing.B) {
	o := fingerprintOrder()
	b.ReportAllocs()
	for b.Loop() {
		orderFields(o)
	}
}
