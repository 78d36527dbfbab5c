package sqlite

import (
	"encoding/json"
	"strconv"
	"time"
)

// Hand-written encoders for the documents of the common writes: an earn's
// receipt (balances and an explanation; its entries in the journal, its key
// in loyalty_writes) and order record. They write exactly the bytes
// encoding/json writes for the same value (encode_test.go checks it), several
// times faster; a document with parts they do not handle (a receipt's stored
// entries, redemption or notices; an order's returns or extra points) goes
// to encoding/json.

// jsonObj appends the members of a JSON object to b; start is where the
// current object's members start, to tell whether one needs a comma.
type jsonObj struct {
	b     []byte
	start int
}

func (w *jsonObj) open() int {
	w.b = append(w.b, '{')
	outer := w.start
	w.start = len(w.b)
	return outer
}

func (w *jsonObj) close(outer int) {
	w.b = append(w.b, '}')
	w.start = outer
}

func (w *jsonObj) field(name string) {
	if len(w.b) > w.start {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonObj) str(name, s string) {
	if s != "" {
		w.field(name)
		w.b = appendJSONString(w.b, s)
	}
}

func (w *jsonObj) num(name string, v int64) {
	if v != 0 {
		w.field(name)
		w.b = strconv.AppendInt(w.b, v, 10)
	}
}

func (w *jsonObj) flag(name string, v bool) {
	if v {
		w.field(name)
		w.b = append(w.b, "true"...)
	}
}

// time writes t as time.Time.MarshalJSON does; it is false for a time that
// has no JSON form.
func (w *jsonObj) time(name string, t time.Time) bool {
	if t.IsZero() {
		return true
	}
	j, err := t.MarshalJSON()
	if err != nil {
		return false
	}
	w.field(name)
	w.b = append(w.b, j...)
	return true
}

// raw writes a value a MarshalJSON method returned (compact, no characters
// encoding/json would escape: those of Rate, Factor).
func (w *jsonObj) raw(name string, j []byte, err error) bool {
	if err != nil {
		return false
	}
	w.field(name)
	w.b = append(w.b, j...)
	return true
}

// marshalReceiptDoc returns json.Marshal(d).
func marshalReceiptDoc(d *receiptDoc) ([]byte, error) {
	if d.Entries != nil || d.Redemption != nil || d.Notices != nil || d.RedemptionValue != nil || d.Grants != nil || d.Claims != nil {
		return json.Marshal(d)
	}
	w := jsonObj{b: make([]byte, 0, 256)}
	top := w.open()
	w.str("k", d.Key)
	w.str("f", d.Fingerprint)
	w.str("m", d.MemberID)
	w.str("o", string(d.Operation))
	w.str("r", d.Ref)
	if !w.time("t", d.At) {
		return json.Marshal(d)
	}
	w.num("v", d.Version)
	w.num("g", d.Forgiven)
	w.str("p", d.FieldPrints)
	if d.Balances != nil {
		w.field("b")
		w.b = append(w.b, '[')
		for i, x := range d.Balances {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			o := w.open()
			w.str("a", string(x.Account))
			w.num("v", x.Available)
			w.num("p", x.Pending)
			w.close(o)
		}
		w.b = append(w.b, ']')
	}
	if d.Explanation != nil {
		w.field("x")
		w.b = append(w.b, '[')
		for i := range d.Explanation {
			x := &d.Explanation[i]
			if i > 0 {
				w.b = append(w.b, ',')
			}
			o := w.open()
			w.str("r", x.Rule)
			w.str("a", string(x.Account))
			w.num("k", int64(x.Kind))
			w.num("l", int64(x.Line))
			w.str("n", x.Note)
			w.num("b", x.Basis)
			w.num("s", int64(x.Scale))
			w.str("c", string(x.Currency))
			if x.Rate != nil {
				if j, err := x.Rate.MarshalJSON(); !w.raw("q", j, err) {
					return json.Marshal(d)
				}
			}
			if !x.Factor.IsZero() {
				if j, err := x.Factor.MarshalJSON(); !w.raw("x", j, err) {
					return json.Marshal(d)
				}
			}
			w.num("p", x.Points)
			w.close(o)
		}
		w.b = append(w.b, ']')
	}
	w.flag("E", d.EntriesInLedger)
	w.flag("K", d.KeyInWrites)
	w.close(top)
	return w.b, nil
}

// marshalOrderDoc returns json.Marshal(d).
func marshalOrderDoc(d *orderDoc) ([]byte, error) {
	if d.Returns != nil || d.Extra != nil || d.ExtraReversed != nil || d.Codes != nil {
		return json.Marshal(d)
	}
	w := jsonObj{b: make([]byte, 0, 128)}
	top := w.open()
	w.str("c", string(d.Currency))
	if !w.time("t", d.PlacedAt) {
		return json.Marshal(d)
	}
	w.num("s", int64(d.Scale))
	w.num("v", d.Value)
	w.num("p", d.Points)
	w.num("o", d.OrderPoints)
	w.num("l", d.Lot)
	w.num("rv", d.ReturnedValue)
	w.num("rp", d.Reversed)
	w.flag("a", d.ByAmount)
	if d.Lines != nil {
		w.field("n")
		w.b = append(w.b, '[')
		for i, l := range d.Lines {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			o := w.open()
			w.str("s", l.SKU)
			w.num("q", l.Quantity)
			w.num("v", l.Value)
			w.num("p", l.Points)
			w.num("r", l.Returned)
			w.close(o)
		}
		w.b = append(w.b, ']')
	}
	if d.ID != nil {
		w.field("i")
		w.b = appendJSONString(w.b, *d.ID)
	}
	if d.Member != nil {
		w.field("m")
		w.b = appendJSONString(w.b, *d.Member)
	}
	w.close(top)
	return w.b, nil
}

// appendJSONString appends s as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
