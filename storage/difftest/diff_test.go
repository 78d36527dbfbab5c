package difftest

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

var (
	timeType     = reflect.TypeFor[time.Time]()
	decimalType  = reflect.TypeFor[decimal.Decimal]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
)

// maxDiffs bounds how many differences one comparison reports.
const maxDiffs = 8

// diff compares want with got field by field, as the ledger means them:
// times with Equal, decimals with Equal, a nil slice or map like an empty
// one, a value of a type with unexported fields (a *loyalty.Rate, a
// loyalty.Factor) by its String. It returns one line per difference, naming
// the path from root ("receipt.Entries[0].MemberID") and both values,
// strings quoted in ASCII so that "\xff" and "\ufffd" read apart.
func diff(root string, want, got any, wantName, gotName string) []string {
	d := &differ{wantName: wantName, gotName: gotName}
	d.walk(root, reflect.ValueOf(want), reflect.ValueOf(got))
	return d.out
}

type differ struct {
	wantName, gotName string
	out               []string
}

func (d *differ) add(path string, want, got reflect.Value) {
	if len(d.out) < maxDiffs {
		d.out = append(d.out, fmt.Sprintf("%s: %s %s, %s %s", path, d.wantName, show(want), d.gotName, show(got)))
	}
}

func (d *differ) walk(path string, a, b reflect.Value) {
	if len(d.out) >= maxDiffs {
		return
	}
	if !a.IsValid() || !b.IsValid() {
		if a.IsValid() != b.IsValid() && !(isEmpty(a) && isEmpty(b)) {
			d.add(path, a, b)
		}
		return
	}
	if a.Type() != b.Type() {
		d.add(path, a, b)
		return
	}
	t := a.Type()
	switch t {
	case timeType:
		if !a.Interface().(time.Time).Equal(b.Interface().(time.Time)) {
			d.add(path, a, b)
		}
		return
	case decimalType:
		if !a.Interface().(decimal.Decimal).Equal(b.Interface().(decimal.Decimal)) {
			d.add(path, a, b)
		}
		return
	}
	if opaque(t) && t.Implements(stringerType) && a.CanInterface() {
		if a.Kind() == reflect.Pointer && (a.IsNil() || b.IsNil()) {
			if a.IsNil() != b.IsNil() {
				d.add(path, a, b)
			}
			return
		}
		if sa, sb := a.Interface().(fmt.Stringer).String(), b.Interface().(fmt.Stringer).String(); sa != sb {
			d.add(path, a, b)
		}
		return
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				d.add(path, a, b)
			}
			return
		}
		d.walk(path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			d.walk(path+"."+f.Name, a.Field(i), b.Field(i))
		}
	case reflect.Slice, reflect.Array:
		n := min(a.Len(), b.Len())
		for i := range n {
			d.walk(path+"["+strconv.Itoa(i)+"]", a.Index(i), b.Index(i))
		}
		if a.Len() != b.Len() {
			switch {
			case a.Len() > n:
				d.out = append(d.out, fmt.Sprintf("%s: %s has %d elements, %s %d; first extra in %s: %s", path, d.wantName, a.Len(), d.gotName, b.Len(), d.wantName, show(a.Index(n))))
			default:
				d.out = append(d.out, fmt.Sprintf("%s: %s has %d elements, %s %d; first extra in %s: %s", path, d.wantName, a.Len(), d.gotName, b.Len(), d.gotName, show(b.Index(n))))
			}
		}
	case reflect.Map:
		keys := map[string]reflect.Value{}
		for _, k := range a.MapKeys() {
			keys[fmt.Sprint(k.Interface())] = k
		}
		for _, k := range b.MapKeys() {
			keys[fmt.Sprint(k.Interface())] = k
		}
		names := make([]string, 0, len(keys))
		for n := range keys {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			k := keys[n]
			d.walk(path+"["+strconv.QuoteToASCII(n)+"]", a.MapIndex(k), b.MapIndex(k))
		}
	case reflect.String:
		if a.String() != b.String() {
			d.add(path, a, b)
		}
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			d.add(path, a, b)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			d.add(path, a, b)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() != b.Uint() {
			d.add(path, a, b)
		}
	case reflect.Float32, reflect.Float64:
		if a.Float() != b.Float() {
			d.add(path, a, b)
		}
	default:
		if fmt.Sprint(a) != fmt.Sprint(b) {
			d.add(path, a, b)
		}
	}
}

// opaque reports whether t (or what it points to) is a struct with
// unexported fields: such values are compared by what they print.
func opaque(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return true
		}
	}
	return false
}

// isEmpty reports whether v is missing, nil or an empty slice or map.
func isEmpty(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// show renders a value for a difference: strings quoted in ASCII, times in
// RFC 3339, everything else as %+v.
func show(v reflect.Value) string {
	if !v.IsValid() {
		return "(missing)"
	}
	if !v.CanInterface() {
		return fmt.Sprintf("%v", v)
	}
	switch x := v.Interface().(type) {
	case string:
		return strconv.QuoteToASCII(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case decimal.Decimal:
		return x.String()
	case fmt.Stringer:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return "nil"
		}
		return x.String()
	}
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	return fmt.Sprintf("%+v", v.Interface())
}
