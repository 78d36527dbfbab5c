package sqlite

import (
	"database/sql"
	"encoding/json"
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

// receiptDoc is a Receipt with its redemption's Value also kept exactly.
type receiptDoc struct {
	*loyalty.Receipt
	RedemptionValue *exactMoney `json:",omitempty"`
}

func encodeReceipt(r *loyalty.Receipt) ([]byte, error) {
	d := receiptDoc{Receipt: r}
	if r.Redemption != nil {
		e := exactOf(r.Redemption.Value)
		d.RedemptionValue = &e
	}
	return json.Marshal(d)
}

func decodeReceipt(b []byte) (*loyalty.Receipt, error) {
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
	return d.Receipt, nil
}
