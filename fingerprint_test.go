package loyalty

import (
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// orderFingerprint and orderFields are the two halves of orderPrints, which
// the tests pin apart.
func orderFingerprint(o *Order) string { fp, _ := orderPrints(o); return fp }

func orderFields(o *Order) string { _, f := orderPrints(o); return f }

func fingerprintOrder() *Order {
	return &Order{ID: "o1", MemberID: "ann", Currency: "USD", PlacedAt: time.Date(2026, 11, 22, 12, 0, 0, 500, time.UTC),
		Shipping: decimal.RequireFromString("4.95"),
		Lines: []OrderLine{
			{SKU: "tee", Category: "apparel", Quantity: 2, UnitPrice: decimal.RequireFromString("19.99")},
			{SKU: "mug", Category: "home", Quantity: 1, UnitPrice: decimal.RequireFromString("8.50"), Discount: decimal.RequireFromString("1")},
		}}
}

// Fingerprints are stored with receipts: a version that fingerprinted the
// same request differently would refuse a replay of a key committed before
// the upgrade with ErrKeyReused. These values must not change.
func TestFingerprintsAreStableAcrossVersions(t *testing.T) {
	for name, c := range map[string]struct{ got, want string }{
		"earn":   {orderFingerprint(fingerprintOrder()), "e3270f13f69c7dad317127338ae694fd"},
		"redeem": {redemptionFingerprint(&Redemption{ID: "r1", MemberID: "ann", OrderID: "o1", Total: money.MinorUnits(100_00, "USD"), Points: 500}), "421413a6a6a56c44a46f8fca8863fb66"},
		"adjust": {partsFingerprint("adjust", "ann", "-5", "goodwill"), "729c3e6a537f2e6fe7024365a6d6ac3c"},
	} {
		assert.Equal(t, c.want, c.got, "%s: fingerprint changed: replays of keys stored before would fail", name)
	}
}

func TestFingerprintsOfTheSameRequestMatch(t *testing.T) {
	a := fingerprintOrder()
	b := fingerprintOrder()
	// The same instant in another zone, the same values with other trailing
	// zeros and other exponents.
	b.PlacedAt = a.PlacedAt.In(time.FixedZone("CET", 3600))
	b.Shipping = decimal.RequireFromString("4.9500")
	b.Lines[1].UnitPrice = decimal.New(85, -1)
	b.Lines[1].Discount = decimal.New(100, -2)
	b.Discount = decimal.RequireFromString("0.00")
	require.Equal(t, orderFingerprint(a), orderFingerprint(b), "fingerprints of equal orders")
	m := Member{ID: "ann", Segments: []string{"staff"}, Attributes: map[string]string{"a": "1", "b": "2", "c": "3"}}
	want := memberFingerprint(&m)
	for range 20 { // map order must not leak in
		m.Attributes = map[string]string{"c": "3", "b": "2", "a": "1"}
		require.Equal(t, want, memberFingerprint(&m), "fingerprints of equal members")
	}
}

// Each case changes one request in one place, many of them by moving bytes
// from one field to the next or from one list item to the next, which an
// encoding without lengths would write alike.
func TestFingerprintsOfDifferentRequestsDiffer(t *testing.T) {
	seen := map[string]string{}
	check := func(name, fp string) {
		t.Helper()
		assert.NotContains(t, seen, fp, "%s and %s share the fingerprint %s", seen[fp], name, fp)
		seen[fp] = name
	}
	orders := map[string]func(o *Order){
		"as is":                   func(o *Order) {},
		"id":                      func(o *Order) { o.ID = "o2" },
		"id/member boundary":      func(o *Order) { o.ID, o.MemberID = "o1a", "nn" },
		"member":                  func(o *Order) { o.MemberID = "bob" },
		"placed a nanosecond on":  func(o *Order) { o.PlacedAt = o.PlacedAt.Add(1) },
		"placed at zero":          func(o *Order) { o.PlacedAt = time.Time{} },
		"placed at the epoch":     func(o *Order) { o.PlacedAt = time.Unix(0, 0) },
		"currency":                func(o *Order) { o.Currency = "EUR" },
		"discount":                func(o *Order) { o.Discount = decimal.RequireFromString("0.01") },
		"shipping":                func(o *Order) { o.Shipping = decimal.RequireFromString("4.96") },
		"shipping as tax":         func(o *Order) { o.Shipping, o.Tax = decimal.Decimal{}, o.Shipping },
		"tax":                     func(o *Order) { o.Tax = decimal.RequireFromString("1") },
		"huge tax":                func(o *Order) { o.Tax = decimal.RequireFromString("12345678901234567890.5") },
		"sku":                     func(o *Order) { o.Lines[0].SKU = "tea" },
		"sku/category boundary":   func(o *Order) { o.Lines[0].SKU, o.Lines[0].Category = "teea", "pparel" },
		"category":                func(o *Order) { o.Lines[0].Category = "home" },
		"quantity":                func(o *Order) { o.Lines[0].Quantity = 3 },
		"unit price":              func(o *Order) { o.Lines[0].UnitPrice = decimal.RequireFromString("19.98") },
		"unit price ×10":          func(o *Order) { o.Lines[0].UnitPrice = decimal.RequireFromString("199.9") },
		"line discount":           func(o *Order) { o.Lines[0].Discount = decimal.RequireFromString("0.5") },
		"price as discount":       func(o *Order) { o.Lines[1].UnitPrice, o.Lines[1].Discount = o.Lines[1].Discount, o.Lines[1].UnitPrice },
		"lines swapped":           func(o *Order) { o.Lines[0], o.Lines[1] = o.Lines[1], o.Lines[0] },
		"one line fewer":          func(o *Order) { o.Lines = o.Lines[:1] },
		"a line more":             func(o *Order) { o.Lines = append(o.Lines, OrderLine{SKU: "pen", Quantity: 1}) },
		"an empty line more":      func(o *Order) { o.Lines = append(o.Lines, OrderLine{}) },
		"sku to the next line":    func(o *Order) { o.Lines[0].Category, o.Lines[1].SKU = "apparelm", "ug" },
		"quantity one and eleven": func(o *Order) { o.Lines[0].Quantity, o.Lines[1].Quantity = 1, 11 },
	}
	for name, change := range orders {
		o := fingerprintOrder()
		change(o)
		check("order: "+name, orderFingerprint(o))
	}
	r := Return{ID: "r1", OrderID: "o1", MemberID: "ann", Lines: []ReturnLine{{SKU: "tee", Quantity: 1}}}
	check("return", returnFingerprint(&r))
	r.ID, r.OrderID = "r1o", "1"
	check("return, id/order boundary", returnFingerprint(&r))
	r.Lines = []ReturnLine{{SKU: "tee", Quantity: 1}, {SKU: "tee", Quantity: 1}}
	check("return, two lines", returnFingerprint(&r))
	r.Lines, r.Amount = nil, decimal.RequireFromString("1")
	check("return by amount", returnFingerprint(&r))

	rd := Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(100_00, "USD"), Points: 500}
	check("redemption", redemptionFingerprint(&rd))
	rd.Points = 501
	check("redemption, points", redemptionFingerprint(&rd))
	rd.Account = "credit"
	check("redemption, account", redemptionFingerprint(&rd))
	rd.MemberID, rd.OrderID = "an", "n"
	check("redemption, member/order boundary", redemptionFingerprint(&rd))

	members := []Member{
		{ID: "ann"},
		{ID: "ann", Segments: []string{"ab"}},
		{ID: "ann", Segments: []string{"a", "b"}},
		{ID: "ann", Segments: []string{"a", ""}},
		{ID: "ann", Segments: []string{""}},
		{ID: "ann", Attributes: map[string]string{"a": "bc"}},
		{ID: "ann", Attributes: map[string]string{"ab": "c"}},
		{ID: "ann", Attributes: map[string]string{"a": "b", "c": ""}},
		{ID: "ann", Birthday: time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "ann", JoinedAt: time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)},
	}
	for i := range members {
		check("member "+strings.Repeat("'", i), memberFingerprint(&members[i]))
	}
	actions := []Action{
		{Kind: ActionReview, MemberID: "ann", Ref: "p1"},
		{Kind: ActionReview, MemberID: "annp", Ref: "1"},
		{Kind: ActionVisit, MemberID: "ann", Ref: "p1"},
		{Kind: ActionReview, MemberID: "ann", Ref: "p1", Data: map[string]string{"stars": "5"}},
	}
	for i := range actions {
		check("action "+strings.Repeat("'", i), actionFingerprint(&actions[i]))
	}
	check("adjust", partsFingerprint("adjust", "ann", "5", "x"))
	check("adjust, member/points boundary", partsFingerprint("adjust", "ann5", "", "x"))
	check("adjust, one part fewer", partsFingerprint("adjust", "ann", "5x"))
	check("settle", partsFingerprint("settle", "ann"))
	check("cancel", partsFingerprint("cancel", "ann", "r1"))
	check("cancel, the parts as the op", partsFingerprint("cancelann", "r1"))
}

func TestFingerprintAllocatesOnlyItsString(t *testing.T) {
	o := fingerprintOrder()
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { orderFingerprint(o) }), "allocations of orderFingerprint")
}

func BenchmarkOrderFingerprint(b *testing.B) {
	o := fingerprintOrder()
	b.ReportAllocs()
	for b.Loop() {
		orderFingerprint(o)
	}
}
