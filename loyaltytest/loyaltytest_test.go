package loyaltytest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// rule is a host's own rule: fn is its Evaluate.
type rule struct {
	name string
	fn   func(*loyalty.Input, []loyalty.Effect) []loyalty.Effect
}

func (r rule) Name() string { return r.name }
func (r rule) Evaluate(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	return r.fn(in, out)
}

// perDollar earns n points per 1.00 of each line's basis.
func perDollar(t testing.TB, n int64) rule {
	rate, err := loyalty.NewRate(n, decimal.NewFromInt(1))
	require.NoError(t, err)
	return rule{name: "base", fn: func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
		for i, l := range in.Lines {
			if l.Basis > 0 {
				out = append(out, loyalty.EarnAt(rate, l.Basis, i, l.SKU))
			}
		}
		return out
	}}
}

// bigSpender announces a notice on an order of 100 points or more.
var bigSpender = rule{name: "big", fn: func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if in.Order != nil && in.Value >= 100_00 {
		out = append(out, loyalty.Notify("big-spender", "an order of 100.00 or more"))
	}
	return out
}}

// recorder is a testing.TB that records failures instead of failing: the
// kit's own failure messages are tested through it.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}
func (r *recorder) FailNow() {
	r.mu.Lock()
	r.fatal = true
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Fail() {}
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors) > 0
}

// run calls f with a recorder on its own goroutine (so a fatal failure
// ends only f) and returns what it recorded.
func run(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// days is a fixed expiry after n days, for the tests' programs.
type days int

func (d days) ExpiresAt(earned time.Time) time.Time { return earned.AddDate(0, 0, int(d)) }

func program(t testing.TB) *loyalty.Program {
	return &loyalty.Program{Name: "shop", Currency: "USD", Rules: []loyalty.Rule{perDollar(t, 10), bigSpender}, Expiry: days(30)}
}

func TestNewStartsTheClockAtNoonOnStartInTheProgramsZone(t *testing.T) {
	h := loyaltytest.New(t, program(t), nil)
	assert.Equal(t, loyaltytest.Start, h.Now())

	paris := loyaltytest.Zone(t, "Europe/Paris")
	h = loyaltytest.New(t, program(t), &loyaltytest.Options{Location: paris})
	assert.Equal(t, time.Date(2026, time.January, 5, 11, 0, 0, 0, time.UTC), h.Now().UTC(), "noon in Paris is 11:00 UTC in winter")
	assert.Equal(t, paris, h.Program.Zone())

	at := time.Date(2027, time.March, 1, 9, 30, 0, 0, time.UTC)
	h = loyaltytest.New(t, program(t), &loyaltytest.Options{Start: at})
	assert.Equal(t, at, h.Now())
}

func TestNewFailsTheTestOnAProgramThatDoesNotValidate(t *testing.T) {
	rec := run(t, func(tb testing.TB) {
		loyaltytest.New(tb, &loyalty.Program{Name: "bad", Currency: "usd"}, nil)
	})
	require.True(t, rec.fatal)
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], `program "bad"`)
}

func TestHarnessEarnsReturnsRedeemsAndExpiresOnTheManualClock(t *testing.T) {
	p := program(t)
	p.Redemption = storagetest.Cents{}
	h := loyaltytest.New(t, p, nil)
	h.Enroll("ann")

	r := h.Earn("k1", loyaltytest.Order("ann", "o1").Line("boot", "59.99", 1).Line("sock", "4.50", 2).Category("apparel").Build())
	assert.Equal(t, int64(689), r.Points()) // 599.9 + 90 = 689.9, floored
	assert.Equal(t, h.Now(), r.At)
	h.AssertBalance("ann", 689, 0)

	r = h.Return("k2", loyaltytest.ReturnOf("ann", "ret1", "o1").Line("sock", 2).Build())
	assert.Equal(t, int64(-90), r.Points())
	h.AssertBalance("ann", 599, 0)

	r = h.Redeem("k3", loyalty.Redemption{ID: "rd1", MemberID: "ann", Total: h.Money("2.00")})
	assert.Equal(t, int64(200), r.Redemption.Points)
	h.AssertBalance("ann", 399, 0)

	h.CancelRedemption("k4", "ann", "rd1")
	h.AssertBalance("ann", 599, 0)

	h.Adjust("k5", "ann", 1, "goodwill")
	h.AdvanceDays(31)
	h.Settle("k6", "ann")
	h.AssertBalance("ann", 0, 0)
	h.AssertEntries("ann",
		loyaltytest.Entry{Kind: ledger.EntryEarn, Amount: 689},
		loyaltytest.Entry{Kind: ledger.EntryReverse, Amount: -90},
		loyaltytest.Entry{Kind: ledger.EntryRedeem, Amount: -200},
		loyaltytest.Entry{Kind: ledger.EntryRestore, Amount: 200},
		loyaltytest.Entry{Kind: ledger.EntryAdjust, Amount: 1},
		// The expiry takes each lot on its own: what the order left (689-90-200),
		// the restored 200 (they kept the order's expiry) and the adjustment.
		loyaltytest.Entry{Kind: ledger.EntryExpire, Amount: -399},
		loyaltytest.Entry{Kind: ledger.EntryExpire, Amount: -200},
		loyaltytest.Entry{Kind: ledger.EntryExpire, Amount: -1},
	)
}

func TestAssertNoticeFindsTheNoticeOfAnOrder(t *testing.T) {
	h := loyaltytest.New(t, program(t), nil)
	h.Enroll("ann")
	r := h.Earn("k1", loyaltytest.Order("ann", "o1").Line("tv", "100.00", 1).Build())
	assert.True(t, h.AssertNotice(r, "big-spender"))

	r = h.Earn("k2", loyaltytest.Order("ann", "o2").Line("cable", "9.99", 1).Build())
	rec := run(t, func(tb testing.TB) { loyaltytest.AssertNotice(tb, r, "big-spender") })
	require.Len(t, rec.errors, 1)
	assert.Equal(t, `loyaltytest: receipt "k2" (earn of member "ann"): want a notice "big-spender", got notices []`, rec.errors[0])
}

func TestAFailedBalanceAssertionNamesMemberAccountWantGotAndTheLastEntries(t *testing.T) {
	var ok bool
	rec := run(t, func(tb testing.TB) {
		h := loyaltytest.New(tb, program(t), nil)
		h.Enroll("ann")
		h.Earn("k1", loyaltytest.Order("ann", "o1").Line("boot", "5.00", 1).Build())
		ok = h.AssertBalance("ann", 60, 0)
	})
	assert.False(t, ok)
	assert.False(t, rec.fatal, "an assertion lets the test go on")
	require.Len(t, rec.errors, 1)
	assert.Equal(t, `loyaltytest: member "ann", account "points", at 2026-01-05 12:00 UTC:
	want available 60, pending 0
	got  available 50, pending 0
	last 1 of 1 entries:
	  2.0 2026-01-05 12:00 points earn +50 pending +0  source "order" ref "o1" key "k1"
`, rec.errors[0])
}

func TestAFailedEntriesAssertionShowsBothListsAndTheLastEntries(t *testing.T) {
	rec := run(t, func(tb testing.TB) {
		h := loyaltytest.New(tb, program(t), nil)
		h.Enroll("ann")
		h.Earn("k1", loyaltytest.Order("ann", "o1").Line("boot", "5.00", 1).Build())
		h.AssertEntries("ann", loyaltytest.Entry{Kind: ledger.EntryEarn, Amount: 51})
	})
	require.Len(t, rec.errors, 1)
	msg := rec.errors[0]
	for _, want := range []string{`expected: []string{"points earn +51 (pending +0)"}`, `actual  : []string{"points earn +50 (pending +0)"}`, `entries of member "ann"`, `key "k1"`} {
		assert.Contains(t, msg, want)
	}
}

func TestAHelperFailsTheTestAtOnceWithTheOperationKeyAndError(t *testing.T) {
	rec := run(t, func(tb testing.TB) {
		h := loyaltytest.New(tb, program(t), nil)
		h.Earn("k1", loyaltytest.Order("bob", "o1").Line("boot", "5.00", 1).Build())
		tb.Errorf("not reached")
	})
	require.True(t, rec.fatal)
	require.Len(t, rec.errors, 1)
	assert.True(t, strings.HasPrefix(rec.errors[0], `loyaltytest: Earn o1 (key "k1"): `), rec.errors[0])
	assert.Contains(t, rec.errors[0], "unknown member")
}

func TestBuildersParseAmountsExactlyAndCopyWhatTheyReturn(t *testing.T) {
	b := loyaltytest.Order("ann", "o1").Line("a", "0.10", 3).Category("x").LineDiscount("0.05").Shipping("4.99").Tax("0.01").Discount("1.00")
	o := b.Build()
	assert.True(t, o.Lines[0].UnitPrice.Equal(decimal.RequireFromString("0.1")))
	assert.Equal(t, "x", o.Lines[0].Category)
	assert.Equal(t, "0.05", o.Lines[0].Discount.String())
	assert.Equal(t, "4.99", o.Shipping.String())
	assert.Equal(t, "0.01", o.Tax.String())
	assert.Equal(t, "1", o.Discount.String())
	b.Line("b", "1", 1)
	assert.Len(t, o.Lines, 1, "a built order does not change with its builder")

	m := loyaltytest.Member("ann").Birthday(1990, time.February, 29).Segments("staff").Attr("tier", "gold").Build()
	assert.Equal(t, loyalty.Member{ID: "ann", Birthday: time.Date(1990, time.February, 29, 0, 0, 0, 0, time.UTC), Segments: []string{"staff"}, Attributes: map[string]string{"tier": "gold"}}, m)

	assert.PanicsWithValue(t, `loyaltytest: price of a "1,00" is not a decimal: can't convert 1,00 to decimal`, func() {
		loyaltytest.Order("ann", "o1").Line("a", "1,00", 1)
	})
}

func TestZoneFailsTheTestOnAnUnknownZone(t *testing.T) {
	rec := run(t, func(tb testing.TB) { loyaltytest.Zone(tb, "Mars/Olympus") })
	require.True(t, rec.fatal)
	assert.Contains(t, rec.errors[0], `time zone "Mars/Olympus"`)
}
