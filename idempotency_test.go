package loyalty

import (
	"fmt"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Field prints are stored with receipts: a version that printed the same
// request differently would name a wrong field for keys committed before the
// upgrade. These values must not change (give the kind a new name instead).
func TestFieldPrintsAreStableAcrossVersions(t *testing.T) {
	for name, c := range map[string]struct{ got, want string }{
		"earn":   {orderFields(fingerprintOrder()), goldenOrderFields},
		"adjust": {partFields("adjust", "ann", "-5", "goodwill"), goldenAdjustFields},
	} {
		assert.Equal(t, c.want, c.got, "%s: field prints", name)
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
		redemptionFields(&Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(100, "USD"), Points: 5, UpTo: true}),
		actionFields(&Action{Kind: ActionReview, MemberID: "ann", Data: map[string]string{"a": "b"}}),
		memberFields(&m),
		partFields("adjust", "ann", "5", "goodwill"),
		partFields("settle", "ann"),
		partFields("cancel", "ann", "r1"),
		partFields("jobs-settle", "ann", "true"),
	} {
		kind, digests := splitPrints(p)
		k := fieldKindOf(kind)
		if !assert.NotNil(t, k, "%q: unknown kind %q", p, kind) {
			continue
		}
		assert.Len(t, digests, 2*len(k.fields), "%q: two characters of digest for each of the %d fields of %s", p, len(k.fields), kind)
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
		assert.Equal(t, field, differingField(orderFields(o), r), "%s changed: the differing field", field)
	}
	// The same value written another way (1.5 and 1.50) is the same field.
	o := fingerprintOrder()
	o.Shipping = decimal.RequireFromString("4.950")
	assert.Empty(t, differingField(orderFields(o), r), "4.950 for 4.95: no field differs")
	// Another kind of write, and a receipt kept before field prints.
	assert.Equal(t, "operation", differingField(partFields("adjust", "ann", "5", "x"), r), "an adjustment under an earn's key")
	old := *r
	old.FieldPrints = ""
	assert.Empty(t, differingField(orderFields(fingerprintOrder()), &old), "a receipt without field prints: no field named")
}

func TestKeyReusedErrorIsErrKeyReusedAndSaysWhichField(t *testing.T) {
	var err error = &KeyReusedError{Key: "earn/o1", Field: "placed_at"}
	wrapped := fmt.Errorf("checkout: %w", err)
	require.ErrorIs(t, wrapped, ErrKeyReused)
	var kr *KeyReusedError
	require.ErrorAs(t, wrapped, &kr)
	require.Equal(t, "earn/o1", kr.Key)
	require.Equal(t, "placed_at", kr.Field)
	assert.EqualError(t, err, `loyalty: idempotency key "earn/o1" reused with a different payload: placed_at differs`)
	assert.EqualError(t, &KeyReusedError{Key: "k"}, `loyalty: idempotency key "k" reused with a different payload`)
	assert.NotErrorIs(t, &KeyCommittedError{Receipt: &Receipt{Key: "k"}}, ErrKeyReused, "a committed key is not a reuse: only the Engine decides that")
}

func TestOrderFieldPrintsAllocateOnlyTheirString(t *testing.T) {
	o := fingerprintOrder()
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { orderFields(o) }), "allocations of orderFields")
}

func BenchmarkOrderFieldPrints(b *testing.B) {
	o := fingerprintOrder()
	b.ReportAllocs()
	for b.Loop() {
		orderFields(o)
	}
}
