package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
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
	loyalty.RedemptionRecord
	ValueExact exactMoney
}

type exactMoney struct {
	Coef     string `json:"coef,omitempty"` // empty for the zero decimal.Decimal{}
	Exp      int32  `json:"exp,omitempty"`
	Currency loyalty.Currency
}

func exactOf(m loyalty.Money) exactMoney {
	e := exactMoney{Currency: m.Currency}
	if m.Amount != (decimal.Decimal{}) {
		e.Coef, e.Exp = m.Amount.Coefficient().String(), m.Amount.Exponent()
	}
	return e
}

func (e exactMoney) money() (loyalty.Money, error) {
	m := loyalty.Money{Currency: e.Currency}
	if e.Coef != "" {
		c, err := decimal.NewFromString(e.Coef)
		if err != nil {
			return m, err
		}
		m.Amount = decimal.NewFromBigInt(c.BigInt(), e.Exp)
	}
	return m, nil
}

func encodeRedemption(r *loyalty.RedemptionRecord) ([]byte, error) {
	return json.Marshal(redemptionDoc{RedemptionRecord: *r, ValueExact: exactOf(r.Value)})
}

func decodeRedemption(b []byte) (loyalty.RedemptionRecord, error) {
	var d redemptionDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return loyalty.RedemptionRecord{}, err
	}
	v, err := d.ValueExact.money()
	if err != nil {
		return loyalty.RedemptionRecord{}, err
	}
	d.Value = v
	return d.RedemptionRecord, nil
}

// receiptDoc is a Receipt as stored. When its entries are exactly the
// change's entries, they are not stored twice: EntriesInLedger says to read
// them back from loyalty_entries (by member and version). The redemption's
// Value is also kept exactly.
type receiptDoc struct {
	*loyalty.Receipt
	EntriesInLedger bool        `json:",omitempty"`
	RedemptionValue *exactMoney `json:",omitempty"`
}

func encodeReceipt(r *loyalty.Receipt, c *loyalty.Change) ([]byte, error) {
	d := receiptDoc{Receipt: r}
	if r.Redemption != nil {
		e := exactOf(r.Redemption.Value)
		d.RedemptionValue = &e
	}
	if entriesInLedger(r, c) {
		slim := *r
		slim.Entries = nil
		d.Receipt, d.EntriesInLedger = &slim, true
	}
	return json.Marshal(d)
}

// entriesInLedger reports whether the receipt's entries can be read back
// from the ledger rows c writes: they are c's entries, of r's member and
// version.
func entriesInLedger(r *loyalty.Receipt, c *loyalty.Change) bool {
	if len(r.Entries) == 0 || len(r.Entries) != len(c.Entries) || r.MemberID != c.MemberID || r.Version != c.Version+1 {
		return false
	}
	for i := range r.Entries {
		e := &r.Entries[i]
		if *e != c.Entries[i] || e.MemberID != c.MemberID || e.ID != (loyalty.EntryID{Version: r.Version, Index: int32(i)}) {
			return false
		}
	}
	return true
}

// decodeReceipt decodes what encodeReceipt wrote; entries reads the entries
// of a member's version when they were not stored with the receipt.
func decodeReceipt(b []byte, entries func(member string, version int64) ([]loyalty.Entry, error)) (*loyalty.Receipt, error) {
	d := receiptDoc{Receipt: new(loyalty.Receipt)}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
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
	return d.Receipt, nil
}
