package sqlite

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// TestMarshalReceiptDocIsEncodingJSON checks that the hand-written encoder
// writes exactly what encoding/json writes.
func TestMarshalReceiptDocIsEncodingJSON(t *testing.T) {
	rate, err := loyalty.NewRate(5, decimal.RequireFromString("1.50"))
	require.NoError(t, err)
	factor, err := loyalty.NewFactor(decimal.RequireFromString("1.5"))
	require.NoError(t, err)
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	docs := []receiptDoc{
		{},
		{EntriesInLedger: true},
		{KeyInWrites: true, EntriesInLedger: true},
		{receiptJSON: receiptJSON{Key: "k", Fingerprint: "f<&>\"\\\n\u00e9\xff", MemberID: "m", Operation: loyalty.OpEarn, Ref: "o1", At: at, Version: 7, Forgiven: -3}},
		{receiptJSON: receiptJSON{Ref: "o1", At: at.In(time.FixedZone("x", 3600))}, Balances: []balanceJSON{}, Explanation: []explanationJSON{}},
		{receiptJSON: receiptJSON{Operation: loyalty.OpEarn, Ref: "o", At: at},
			Balances:        []balanceJSON{{}, {Account: "points", Available: 10, Pending: -2}, {Pending: 1}},
			Explanation:     []explanationJSON{{}, {Rule: "base", Account: "points", Kind: 2, Line: -1, Note: "sku <tee>", Basis: 2000, Scale: 2, Currency: "USD", Rate: rate, Factor: factor, Points: 30}, {Points: 1}, {Rate: rate}, {Factor: factor}},
			EntriesInLedger: true, KeyInWrites: true},
		{receiptJSON: receiptJSON{Notices: []loyalty.Notice{{Rule: "r"}}}, Balances: []balanceJSON{{Account: "a"}}},
		{receiptJSON: receiptJSON{Entries: []ledger.Entry{{Amount: 1}}}},
	}
	for i := range docs {
		want, err := json.Marshal(&docs[i])
		require.NoError(t, err)
		got, err := marshalReceiptDoc(&docs[i])
		require.NoError(t, err)
		if !bytes.Equal(got, want) {
			t.Errorf("doc %d:\ngot  %s\nwant %s", i, got, want)
		}
	}
}

// TestMarshalOrderDocIsEncodingJSON checks that the hand-written encoder
// writes exactly what encoding/json writes.
func TestMarshalOrderDocIsEncodingJSON(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	id, member, empty := "o<1>", "m\u00e9", ""
	docs := []orderDoc{
		{},
		{orderJSON: orderJSON{ID: "o<1>", MemberID: "m\u00e9", Currency: "USD", PlacedAt: at, Scale: 2, Value: 2000, Points: 20, OrderPoints: -1,
			Lot: 3, ReturnedValue: 4, Reversed: 5, ByAmount: true}, Lines: []lineJSON{{}, {SKU: "s", Quantity: 1, Value: 2, Points: 3, Returned: 4}}},
		{orderJSON: orderJSON{Currency: "USD"}, ID: &id, Member: &member},
		{Lines: []lineJSON{{SKU: "s"}}, Member: &empty},
		{Lines: []lineJSON{}},
		{orderJSON: orderJSON{PlacedAt: at.In(time.FixedZone("x", -7200))}},
		{orderJSON: orderJSON{Returns: []string{"r"}}},
		{orderJSON: orderJSON{Extra: map[ledger.Account]int64{"a": 1}}},
		{orderJSON: orderJSON{ExtraReversed: map[ledger.Account]int64{}}},
		{orderJSON: orderJSON{Codes: []ledger.OrderCode{{Code: "C1", Grant: "g1"}, {Code: "C2", GivenBack: true}}}},
	}
	for i := range docs {
		want, err := json.Marshal(&docs[i])
		require.NoError(t, err)
		got, err := marshalOrderDoc(&docs[i])
		require.NoError(t, err)
		if !bytes.Equal(got, want) {
			t.Errorf("doc %d:\ngot  %s\nwant %s", i, got, want)
		}
	}
}

// TestOrderRecordKeepsItsCodes checks that an order record's codes (the
// coupons it used, one given back) survive its journal row.
func TestOrderRecordKeepsItsCodes(t *testing.T) {
	o := ledger.OrderRecord{ID: "o1", MemberID: "ann", Currency: "USD", Scale: 2, Value: 100,
		Codes: []ledger.OrderCode{{Code: "SHOP-1", Grant: "g1"}, {Code: "SHOP-2", Grant: "g2", GivenBack: true}, {Code: "MINT-3"}}}
	b, err := encodeOrder(&o, "ann")
	require.NoError(t, err)
	require.Contains(t, string(b), `"cd":[{"c":"SHOP-1","g":"g1"},{"c":"SHOP-2","g":"g2","b":true},{"c":"MINT-3"}]`)
	got, err := decodeOrder(b, "o1", "ann")
	require.NoError(t, err)
	require.Equal(t, o.Codes, got.Codes)
}
