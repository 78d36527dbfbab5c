package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/shopspring/decimal"
)

// Times are stored as unix microseconds, the precision the Engine keeps;
// the zero time is NULL.

func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func timeOf(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// redemptionDoc is a RedemptionRecord with its Value also kept exactly: a
// decimal's JSON text drops trailing zeros ("10.00" becomes "10"), its
// coefficient and exponent do not.
type redemptionDoc struct {
	ledger.RedemptionRecord
	ValueExact exactMoney
}

type exactMoney struct {
	Coef     string `json:"coef,omitempty"` // empty for the zero decimal.Decimal{}
	Exp      int32  `json:"exp,omitempty"`
	Currency money.Currency
}

func exactOf(m money.Money) exactMoney {
	e := exactMoney{Currency: m.Currency}
	if m.Amount != (decimal.Decimal{}) {
		e.Coef, e.Exp = m.Amount.Coefficient().String(), m.Amount.Exponent()
	}
	return e
}

func (e exactMoney) money() (money.Money, error) {
	m := money.Money{Currency: e.Currency}
	if e.Coef != "" {
		c, err := decimal.NewFromString(e.Coef)
		if err != nil {
			return m, err
		}
		m.Amount = decimal.NewFromBigInt(c.BigInt(), e.Exp)
	}
	return m, nil
}

func encodeRedemption(r *ledger.RedemptionRecord) ([]byte, error) {
	return json.Marshal(redemptionDoc{RedemptionRecord: *r, ValueExact: exactOf(r.Value)})
}

func decodeRedemption(b []byte) (ledger.RedemptionRecord, error) {
	var d redemptionDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return ledger.RedemptionRecord{}, err
	}
	v, err := d.ValueExact.money()
	if err != nil {
		return ledger.RedemptionRecord{}, err
	}
	d.Value = v
	return d.RedemptionRecord, nil
}

// Receipts and order records are stored as JSON with short names and no
// zero fields, so that an earn adds few bytes to its member's pages. The
// types below mirror those of the root package field for field: converting
// between them (see the conversions in encodeReceipt and encodeOrder) stops
// compiling when the root package adds a field, so none is ever dropped.
type (
	receiptJSON struct {
		Key         string                   `json:"k,omitzero"`
		Fingerprint string                   `json:"f,omitzero"`
		MemberID    string                   `json:"m,omitzero"`
		Operation   loyalty.Operation        `json:"o,omitzero"`
		Ref         string                   `json:"r,omitzero"`
		At          time.Time                `json:"t,omitzero"`
		Version     int64                    `json:"v,omitzero"`
		Entries     []ledger.Entry           `json:"e,omitzero"`
		Balances    []ledger.Balance         `json:"-"` // as receiptDoc.Balances
		Explanation []loyalty.Explanation    `json:"-"` // as receiptDoc.Explanation
		Redemption  *ledger.RedemptionRecord `json:"d,omitzero"`
		Notices     []loyalty.Notice         `json:"n,omitzero"`
		Grants      []ledger.Grant           `json:"G,omitzero"`
		Claims      []ledger.Claim           `json:"C,omitzero"`
		Forgiven    int64                    `json:"g,omitzero"`
		FieldPrints string                   `json:"p,omitzero"`
		Replayed    bool                     `json:"-"` // never stored: the Engine sets it on replays
	}
	balanceJSON struct {
		Account   ledger.Account `json:"a,omitzero"`
		Available int64          `json:"v,omitzero"`
		Pending   int64          `json:"p,omitzero"`
	}
	explanationJSON struct {
		Rule     string             `json:"r,omitzero"`
		Account  ledger.Account     `json:"a,omitzero"`
		Kind     loyalty.EffectKind `json:"k,omitzero"`
		Line     int                `json:"l,omitzero"`
		Note     string             `json:"n,omitzero"`
		Basis    int64              `json:"b,omitzero"`
		Scale    int32              `json:"s,omitzero"`
		Currency money.Currency     `json:"c,omitzero"`
		Rate     *loyalty.Rate      `json:"q,omitzero"`
		Factor   loyalty.Factor     `json:"x,omitzero"`
		Points   int64              `json:"p,omitzero"`
	}
	orderJSON struct {
		ID            string                   `json:"i,omitzero"`
		MemberID      string                   `json:"m,omitzero"`
		Currency      money.Currency           `json:"c,omitzero"`
		PlacedAt      time.Time                `json:"t,omitzero"`
		Lines         []ledger.RecordedLine    `json:"-"` // as orderDoc.Lines
		Scale         int32                    `json:"s,omitzero"`
		Value         int64                    `json:"v,omitzero"`
		Points        int64                    `json:"p,omitzero"`
		OrderPoints   int64                    `json:"o,omitzero"`
		Lot           int64                    `json:"l,omitzero"`
		ReturnedValue int64                    `json:"rv,omitzero"`
		Reversed      int64                    `json:"rp,omitzero"`
		ByAmount      bool                     `json:"a,omitzero"`
		Returns       []string                 `json:"r,omitzero"`
		Extra         map[ledger.Account]int64 `json:"x,omitzero"`
		ExtraReversed map[ledger.Account]int64 `json:"xr,omitzero"`
		Codes         []ledger.OrderCode       `json:"cd,omitzero"`
	}
	lineJSON struct {
		SKU      string `json:"s,omitzero"`
		Quantity int64  `json:"q,omitzero"`
		Value    int64  `json:"v,omitzero"`
		Points   int64  `json:"p,omitzero"`
		Returned int64  `json:"r,omitzero"`
	}
)

// memberJSON is a Member as stored in its ledger row: short names, no zero
// fields, so that a Load decodes little (most members have no birthday,
// segments or attributes).
type memberJSON struct {
	ID         string            `json:"i,omitzero"`
	JoinedAt   time.Time         `json:"j,omitzero"`
	Birthday   time.Time         `json:"b,omitzero"`
	Segments   []string          `json:"s,omitzero"`
	Attributes map[string]string `json:"a,omitzero"`
}

func encodeMember(m *loyalty.Member) ([]byte, error) {
	return json.Marshal((*memberJSON)(m))
}

func decodeMember(b []byte, m *loyalty.Member) error {
	return json.Unmarshal(b, (*memberJSON)(m))
}

// convert returns xs converted element by element, nil for nil.
func convert[T, U any](xs []T, f func(T) U) []U {
	if xs == nil {
		return nil
	}
	ys := make([]U, len(xs))
	for i, x := range xs {
		ys[i] = f(x)
	}
	return ys
}

// orderDoc is an OrderRecord as stored in its journal row. Its ID is the
// name of its order ID row and its member that row's member, so neither is
// stored again: ID and Member, which take the place of orderJSON's, are set
// only when they differ (records written under schema 1 have both).
type orderDoc struct {
	orderJSON
	Lines  []lineJSON `json:"n,omitzero"`
	ID     *string    `json:"i,omitempty"`
	Member *string    `json:"m,omitempty"`
}

// encodeOrder encodes o, the record of an order of member.
func encodeOrder(o *ledger.OrderRecord, member string) ([]byte, error) {
	d := orderDoc{
		orderJSON: orderJSON(*o),
		Lines:     convert(o.Lines, func(l ledger.RecordedLine) lineJSON { return lineJSON(l) }),
	}
	if o.MemberID != member {
		d.Member = &o.MemberID
	}
	return marshalOrderDoc(&d)
}

// decodeOrder decodes the record of order id of member.
func decodeOrder(b []byte, id, member string) (ledger.OrderRecord, error) {
	var d orderDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return ledger.OrderRecord{}, err
	}
	o := ledger.OrderRecord(d.orderJSON)
	o.ID, o.MemberID = id, member
	if d.ID != nil {
		o.ID = *d.ID
	}
	if d.Member != nil {
		o.MemberID = *d.Member
	}
	o.Lines = convert(d.Lines, func(l lineJSON) ledger.RecordedLine { return ledger.RecordedLine(l) })
	return o, nil
}

// receiptDoc is a Receipt as stored, in the first journal row of its write.
// When its entries are exactly the change's entries, they are not stored
// twice: EntriesInLedger says to read them back from the journal (the
// write's rows). When its key, member and version are those of its
// idempotency record (loyalty_writes) and its fingerprint that of its
// journal row, they are not stored twice either: KeyInWrites. The
// redemption's Value is also kept exactly.
type receiptDoc struct {
	receiptJSON
	Balances        []balanceJSON     `json:"b,omitzero"`
	Explanation     []explanationJSON `json:"x,omitzero"`
	EntriesInLedger bool              `json:"E,omitzero"`
	KeyInWrites     bool              `json:"K,omitzero"`
	RedemptionValue *exactMoney       `json:"V,omitzero"`
}

// storedWrite is a row of loyalty_writes, with its receipt document and
// fingerprint.
type storedWrite struct {
	key, fingerprint, member string
	version                  int64
	receipt                  []byte
}

func encodeReceipt(r *loyalty.Receipt, c *loyalty.Change) ([]byte, error) {
	d := receiptDoc{
		receiptJSON: receiptJSON(*r),
		Balances:    convert(r.Balances, func(b ledger.Balance) balanceJSON { return balanceJSON(b) }),
		Explanation: convert(r.Explanation, func(x loyalty.Explanation) explanationJSON { return explanationJSON(x) }),
	}
	if r.Redemption != nil {
		e := exactOf(r.Redemption.Value)
		d.RedemptionValue = &e
	}
	if entriesInLedger(r, c) {
		d.Entries, d.EntriesInLedger = nil, true
	}
	if r.Key == c.Key && r.Fingerprint == c.Fingerprint && r.MemberID == c.MemberID && r.Version == c.Version+1 {
		d.Key, d.Fingerprint, d.MemberID, d.Version = "", "", "", 0
		d.KeyInWrites = true
	}
	return marshalReceiptDoc(&d)
}

// entriesInLedger reports whether the receipt's entries can be read back
// from the journal rows c writes: they are c's entries, of r's member and
// version.
func entriesInLedger(r *loyalty.Receipt, c *loyalty.Change) bool {
	if len(r.Entries) == 0 || len(r.Entries) != len(c.Entries) || r.MemberID != c.MemberID || r.Version != c.Version+1 {
		return false
	}
	for i := range r.Entries {
		e := &r.Entries[i]
		if *e != c.Entries[i] || e.MemberID != c.MemberID || e.ID != (ledger.EntryID{Version: r.Version, Index: int32(i)}) {
			return false
		}
	}
	return true
}

// decodeReceipt decodes what encodeReceipt wrote for w; entries reads the
// entries of a member's version when they were not stored with the receipt.
func decodeReceipt(w storedWrite, entries func(member string, version int64) ([]ledger.Entry, error)) (*loyalty.Receipt, error) {
	var d receiptDoc
	if err := json.Unmarshal(w.receipt, &d); err != nil {
		return nil, err
	}
	if d.KeyInWrites {
		d.Key, d.Fingerprint, d.MemberID, d.Version = w.key, w.fingerprint, w.member, w.version
	}
	if d.Redemption != nil && d.RedemptionValue != nil {
		v, err := d.RedemptionValue.money()
		if err != nil {
			return nil, err
		}
		d.Redemption.Value = v
	}
	if d.EntriesInLedger {
		es, err := entries(d.MemberID, d.Version)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			return nil, fmt.Errorf("the entries of %s version %d are missing", d.MemberID, d.Version)
		}
		d.Entries = es
	}
	r := loyalty.Receipt(d.receiptJSON)
	r.Balances = convert(d.Balances, func(b balanceJSON) ledger.Balance { return ledger.Balance(b) })
	r.Explanation = convert(d.Explanation, func(x explanationJSON) loyalty.Explanation { return loyalty.Explanation(x) })
	return &r, nil
}

// grantDoc is a Grant as stored in its ledger row (part 5), its Value also
// kept exactly, as redemptionDoc keeps a redemption's.
type grantDoc struct {
	ledger.Grant
	ValueExact exactMoney
}

func encodeGrant(g *ledger.Grant) ([]byte, error) {
	return json.Marshal(grantDoc{Grant: *g, ValueExact: exactOf(g.Value)})
}

func decodeGrant(b []byte) (ledger.Grant, error) {
	var d grantDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return ledger.Grant{}, err
	}
	v, err := d.ValueExact.money()
	if err != nil {
		return ledger.Grant{}, err
	}
	d.Value = v
	return d.Grant, nil
}
