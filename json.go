package loyalty

import (
	"encoding/json"

	"github.com/shopspring/decimal"
)

// Rates and factors travel inside receipts, which SQL stores keep as JSON;
// these methods make that round trip exact.

type rateJSON struct {
	Points int64           `json:"points"`
	Per    decimal.Decimal `json:"per"`
}

// MarshalJSON encodes r as {"points":5,"per":"1"}.
func (r *Rate) MarshalJSON() ([]byte, error) {
	return json.Marshal(rateJSON{Points: r.points, Per: r.per})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (r *Rate) UnmarshalJSON(b []byte) error {
	var v rateJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	nr, err := NewRate(v.Points, v.Per)
	if err != nil {
		return err
	}
	*r = *nr
	return nil
}

// MarshalJSON encodes f as [num, den].
func (f Factor) MarshalJSON() ([]byte, error) { return json.Marshal([2]int64{f.num, f.den}) }

// UnmarshalJSON decodes what MarshalJSON wrote.
func (f *Factor) UnmarshalJSON(b []byte) error {
	var v [2]int64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	f.num, f.den = v[0], v[1]
	return nil
}
