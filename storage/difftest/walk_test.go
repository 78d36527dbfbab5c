package difftest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the walk's shops keep Auckland and Los Angeles time

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/cashback"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/tiers"
)

var (
	flagSteps = flag.Int("difftest.steps", 300, "steps of the random walk per seed")
	flagSeeds = flag.Int("difftest.seeds", 3, "how many seeds to walk (1, 2, ...)")
	flagSeed  = flag.Uint64("difftest.seed", 0, "walk only this seed (to replay a failure)")
	flagFirst = flag.Uint64("difftest.first", 1, "the first seed of -difftest.seeds")
	flagLog   = flag.Bool("difftest.log", false, "log every step")
)

// TestDifferentialWalkAgreesOnEveryAdapter runs the seeded random walk on
// every adapter and fails at the first step where one differs from the
// memory store or breaks a ledger invariant (see the package doc).
func TestDifferentialWalkAgreesOnEveryAdapter(t *testing.T) {
	seeds := make([]uint64, 0, *flagSeeds)
	if *flagSeed != 0 {
		seeds = append(seeds, *flagSeed)
	} else {
		for i := range *flagSeeds {
			seeds = append(seeds, *flagFirst+uint64(i))
		}
	}
	for _, seed := range seeds {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			w := newWalk(t, seed)
			for w.step = 1; w.step <= *flagSteps; w.step++ {
				w.once()
			}
			w.checkWholeHistories()
			w.fail()
			w.report()
		})
	}
}

// ctx is the walk's context: nothing it does is cancelled.
var ctx = context.Background()

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func usd(s string) money.Money { return money.New(dec(s), "USD") }

// start is the walk's first instant: late on the last day of a month, so
// that months, periods and reviews turn early in the walk.
var start = time.Date(2026, time.January, 31, 22, 15, 0, 0, time.UTC)

// Program settings the checks depend on.
const (
	pendingDays = 7
	expiryDays  = 30
)

// newProgram is the walk's program: 5 points per 1.00 held for a return
// window and expiring, a three-tier spend ladder reviewed monthly, 2%
// cashback accrued per month and paid out from 1.00, and points redeemed
// 100 for 1.00 from 200 in steps of 50 up to half the order. Odd seeds
// allow negative balances on clawback; the zone is UTC, Auckland or Los
// Angeles by seed.
func newProgram(t *testing.T, seed uint64) *loyalty.Program {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	rate, err := points.NewRate("base", 5, dec("1"))
	must(err)
	ladder, err := tiers.NewLadder("vip", tiers.Spend("USD"), tiers.Rolling12Months, []tiers.Tier{
		{Name: "Bronze", Threshold: dec("0")},
		{Name: "Silver", Threshold: dec("150"), Multiplier: dec("1.25")},
		{Name: "Gold", Threshold: dec("600"), Multiplier: dec("1.5"), FreeShipping: true},
	}, &tiers.Options{Downgrade: tiers.OneDown, Reviews: tiers.Schedule{Months: 1}})
	must(err)
	sched := &cashback.Schedule{Every: calendar.Month, Minimum: dec("1.00")}
	back, err := cashback.NewPercentage("cashback", dec("2"), sched)
	must(err)
	payout, err := cashback.NewPayoutRule("payout", sched)
	must(err)
	var loc *time.Location
	switch seed % 3 {
	case 1:
		loc, err = time.LoadLocation("Pacific/Auckland")
	case 2:
		loc, err = time.LoadLocation("America/Los_Angeles")
	}
	must(err)
	p := &loyalty.Program{
		Name: "difftest", Currency: "USD", Location: loc,
		Rules:       []loyalty.Rule{ladder, rate, back, payout},
		Expiry:      points.AfterDays(expiryDays),
		PendingDays: pendingDays,
		Redemption:  points.Redemption{Points: 100, Value: usd("1.00"), Minimum: 200, Increment: 50, MaxPercent: dec("50")},
	}
	if seed%2 == 1 {
		p.Clawback = loyalty.AllowNegative
	}
	must(p.Validate())
	return p
}

// regulars is how many ordinary members the walk enrolls (m1 to mN); a
// small number keeps members busy and checks cheap.
const regulars = 8

// hostileIDs are identifiers that adapters which store text differently
// would confuse or refuse differently: invalid UTF-8 beside its
// replacement character, a NUL, a control character, one byte past
// loyalty.MaxIDLength and exactly that length.
var hostileIDs = []string{
	"vic\xfftim",
	"vic\uFFFDtim",
	"a\x00b",
	"tab\tbed",
	strings.Repeat("w", loyalty.MaxIDLength+1),
	strings.Repeat("\u00fc", (loyalty.MaxIDLength-1)/2) + "m", // exactly MaxIDLength bytes
}

// hostileKeys are idempotency keys of the same kinds.
var hostileKeys = []string{"key\xff", "key\uFFFD", "key\x00", strings.Repeat("k", loyalty.MaxKeyLength+1)}

// hostileSKUs are SKUs of the same kinds.
var hostileSKUs = []string{"sk\xffu", "sk\uFFFDu"}

var skus = []string{"tee", "mug", "cap", "sock", "poster"}

var categories = []string{"apparel", "home", ""}

// walk is one seed's random walk over every adapter.
type walk struct {
	t     *testing.T
	seed  uint64
	rng   *rand.Rand
	clock *loyalty.ManualClock
	prog  *loyalty.Program
	ads   []*adapter
	step  int

	ids      []string // every member ID used, in order of first use
	idSeen   map[string]bool
	members  []string // enrolled on the reference
	orders   []record // earns tried
	ordersOf map[string][]string
	reds     []record // redemptions tried
	redsOf   map[string][]string
	done     []*op // operations run, for replays
	n        int   // for fresh IDs
	recent   []string
	problems []string
	cur      *op
	// outcomes counts, per kind of step, the reference's error classes.
	outcomes map[string]map[string]int
}

// record is an order or redemption the walk tried, and whether the
// reference committed it.
type record struct {
	id, member string
	ok         bool
}

// op is one step of the walk, run alike on every adapter.
type op struct {
	step int
	kind string
	desc string
	key  string
	// member is the member the operation is about, "" for jobs.
	member string
	run    func(ctx context.Context, a *adapter, key string) (any, error)
	// after sees the reference's outcome, so that the walk knows what exists.
	after func(res any, err error)
}

func (o *op) String() string {
	s := "step " + strconv.Itoa(o.step) + " " + o.kind
	if o.key != "" {
		s += " key " + strconv.QuoteToASCII(o.key)
	}
	return s + ": " + o.desc
}

func newWalk(t *testing.T, seed uint64) *walk {
	w := &walk{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		clock: loyalty.NewManualClock(start), prog: newProgram(t, seed),
		idSeen: map[string]bool{}, ordersOf: map[string][]string{}, redsOf: map[string][]string{},
		outcomes: map[string]map[string]int{}}
	for _, s := range newStores(t) {
		e, err := loyalty.NewEngine(w.prog, s.s, &loyalty.EngineOptions{Clock: w.clock})
		if err != nil {
			t.Fatal(err)
		}
		w.ads = append(w.ads, &adapter{name: s.name, store: s.s, engine: e,
			track: map[string]*track{}, receipts: map[string]*loyalty.Receipt{}})
	}
	w.use("nobody") // never enrolled: every adapter must say so alike
	return w
}

// use notes a member ID so that it is compared after every step.
func (w *walk) use(id string) {
	if !w.idSeen[id] {
		w.idSeen[id] = true
		w.ids = append(w.ids, id)
	}
}

// once runs one step on every adapter and checks them.
func (w *walk) once() {
	o := w.next()
	o.step = w.step
	w.cur = o
	if *flagLog {
		w.t.Log(o)
	}
	w.recent = append(w.recent, o.String())
	if len(w.recent) > 12 {
		w.recent = w.recent[1:]
	}
	res := make([]any, len(w.ads))
	errs := make([]error, len(w.ads))
	for i, a := range w.ads {
		res[i], errs[i] = o.run(ctx, a, o.key)
	}
	if o.after != nil {
		o.after(res[0], errs[0])
	}
	if w.outcomes[o.kind] == nil {
		w.outcomes[o.kind] = map[string]int{}
	}
	w.outcomes[o.kind][class(errs[0])]++
	if o.kind != "clock" {
		w.done = append(w.done, o)
	}
	w.checkOutcome(o, res, errs)
	w.checkMembers(o, res, errs)
	if w.step%50 == 0 {
		w.checkWholeHistories()
	}
	w.fail()
}

// report logs what the walk did: per kind of step, how often the
// reference succeeded and failed with each class of error.
func (w *walk) report() {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %d steps on %d adapters, %d member IDs, clock at %s", w.seed, *flagSteps, len(w.ads), len(w.ids), w.clock.Now().Format(time.RFC3339))
	for _, k := range slices.Sorted(maps.Keys(w.outcomes)) {
		fmt.Fprintf(&b, "\n  %-12s", k)
		for _, c := range slices.Sorted(maps.Keys(w.outcomes[k])) {
			fmt.Fprintf(&b, " %s:%d", c, w.outcomes[k][c])
		}
	}
	w.t.Log(b.String())
}

// problem records a difference or a broken invariant of this step.
func (w *walk) problem(format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

// fail ends the test with this step's problems, if any, and how to replay it.
func (w *walk) fail() {
	w.t.Helper()
	if len(w.problems) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d, step %d: %s\n", w.seed, w.step, w.cur)
	for _, p := range w.problems {
		b.WriteString("  " + p + "\n")
	}
	fmt.Fprintf(&b, "replay: go test ./storage/difftest -run 'TestDifferentialWalkAgreesOnEveryAdapter' -difftest.seed=%d -difftest.steps=%d -difftest.log\n", w.seed, w.step)
	b.WriteString("last steps:\n")
	for _, r := range w.recent {
		b.WriteString("  " + r + "\n")
	}
	w.t.Fatal(b.String())
}

// ref is the reference adapter, storage/memory.
func (w *walk) ref() *adapter { return w.ads[0] }

// next draws the step's operation.
func (w *walk) next() *op {
	r := w.rng.IntN(100)
	switch {
	case r < 8:
		return w.enroll(w.key())
	case r < 33:
		return w.earn(w.key())
	case r < 45:
		return w.giveBack(w.key())
	case r < 57:
		return w.redeem(w.key())
	case r < 62:
		return w.cancel(w.key())
	case r < 68:
		return w.adjust(w.key())
	case r < 76:
		return w.replay()
	case r < 86:
		return w.jump()
	case r < 91:
		return w.settle(w.key())
	case r < 95:
		return w.review()
	default:
		return w.payout()
	}
}

// key is a fresh idempotency key, now and then a hostile one.
func (w *walk) key() string {
	if w.rng.IntN(40) == 0 {
		return hostileKeys[w.rng.IntN(len(hostileKeys))] + strconv.Itoa(w.rng.IntN(3))
	}
	return "k" + strconv.Itoa(w.step)
}

// member draws the member an operation is about: mostly an enrolled one,
// now and then a hostile ID or one never enrolled.
func (w *walk) member() string {
	r := w.rng.IntN(100)
	var id string
	switch {
	case r < 5:
		id = hostileIDs[w.rng.IntN(len(hostileIDs))]
	case r < 7 || len(w.members) == 0:
		id = "nobody"
	default:
		id = w.members[w.rng.IntN(len(w.members))]
	}
	w.use(id)
	return id
}

func (w *walk) fresh(prefix string) string {
	w.n++
	return prefix + strconv.Itoa(w.n)
}

func (w *walk) enroll(key string) *op {
	var id string
	switch r := w.rng.IntN(100); {
	case r < 35:
		id = hostileIDs[w.rng.IntN(len(hostileIDs))]
	default:
		id = "m" + strconv.Itoa(1+w.rng.IntN(regulars))
	}
	w.use(id)
	m := loyalty.Member{ID: id}
	if w.rng.IntN(3) == 0 {
		m.Birthday = time.Date(1980+w.rng.IntN(30), time.Month(1+w.rng.IntN(12)), 1+w.rng.IntN(28), 0, 0, 0, 0, time.UTC)
	}
	if w.rng.IntN(4) == 0 {
		m.Segments = []string{"newsletter"}
	}
	return &op{kind: "enroll", key: key, member: id, desc: fmt.Sprintf("member %+q birthday %s segments %q", id, m.Birthday.Format(time.DateOnly), m.Segments),
		run: func(ctx context.Context, a *adapter, key string) (any, error) {
			m := m
			m.Segments = slices.Clone(m.Segments)
			return a.engine.Enroll(ctx, key, m)
		},
		after: func(_ any, err error) {
			if err == nil && !slices.Contains(w.members, id) {
				w.members = append(w.members, id)
			}
		}}
}

// amount is a random positive amount of up to max whole units with 0 to 3
// decimals.
func (w *walk) amount(max int64) decimal.Decimal {
	d := int32(w.rng.IntN(4))
	scale := int64(1)
	for range d {
		scale *= 10
	}
	return decimal.New(1+w.rng.Int64N(max*scale), -d)
}

func (w *walk) earn(key string) *op {
	m := w.member()
	id := w.fresh("o")
	if len(w.orders) > 0 && w.rng.IntN(20) == 0 {
		id = w.orders[w.rng.IntN(len(w.orders))].id // an order ID already used
	}
	now := w.clock.Now()
	o := &loyalty.Order{ID: id, MemberID: m, Currency: "USD", PlacedAt: now.Add(-time.Duration(w.rng.IntN(120)) * time.Minute)}
	if w.rng.IntN(30) == 0 {
		o.Currency = "EUR"
	}
	var total decimal.Decimal
	for range 1 + w.rng.IntN(4) {
		l := loyalty.OrderLine{SKU: skus[w.rng.IntN(len(skus))], Category: categories[w.rng.IntN(len(categories))],
			Quantity: 1 + w.rng.Int64N(5), UnitPrice: w.amount(120)}
		if w.rng.IntN(40) == 0 {
			l.SKU = hostileSKUs[w.rng.IntN(len(hostileSKUs))]
		}
		lineTotal := l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity))
		if w.rng.IntN(5) == 0 {
			l.Discount = lineTotal.Mul(decimal.NewFromInt(w.rng.Int64N(30))).Div(decimal.NewFromInt(100)).Round(2)
		}
		total = total.Add(lineTotal.Sub(l.Discount))
		o.Lines = append(o.Lines, l)
	}
	if w.rng.IntN(6) == 0 {
		o.Discount = total.Mul(decimal.NewFromInt(w.rng.Int64N(20))).Div(decimal.NewFromInt(100)).Round(2)
	}
	if w.rng.IntN(3) == 0 {
		o.Shipping = decimal.New(w.rng.Int64N(1500), -2)
	}
	w.ordersOf[m] = append(w.ordersOf[m], id)
	return &op{kind: "earn", key: key, member: m, desc: describeOrder(o),
		run: func(ctx context.Context, a *adapter, key string) (any, error) {
			c := *o
			c.Lines = slices.Clone(o.Lines)
			return a.engine.Earn(ctx, key, &c)
		},
		after: func(_ any, err error) { w.orders = append(w.orders, record{id: id, member: m, ok: err == nil}) }}
}

func describeOrder(o *loyalty.Order) string {
	var b strings.Builder
	fmt.Fprintf(&b, "order %+q member %+q %s at %s lines [", o.ID, o.MemberID, o.Currency, o.PlacedAt.Format(time.RFC3339))
	for i, l := range o.Lines {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%+q/%s %d×%s", l.SKU, l.Category, l.Quantity, l.UnitPrice)
		if !l.Discount.IsZero() {
			fmt.Fprintf(&b, " -%s", l.Discount)
		}
	}
	fmt.Fprintf(&b, "] discount %s shipping %s", o.Discount, o.Shipping)
	return b.String()
}

// giveBack returns part or all of an order, by line or by amount, as the
// reference's order record allows (and now and then as it does not).
func (w *walk) giveBack(key string) *op {
	r := &loyalty.Return{ID: w.fresh("ret"), ReturnedAt: w.clock.Now()}
	var rec *ledger.OrderRecord
	if len(w.orders) > 0 {
		o := w.orders[w.rng.IntN(len(w.orders))]
		for range 3 {
			if o.ok {
				break
			}
			o = w.orders[w.rng.IntN(len(w.orders))]
		}
		r.OrderID, r.MemberID = o.id, o.member
		if st, err := w.ref().store.Load(ctx, o.member, loyalty.Query{Orders: []string{o.id}}); err == nil && len(st.Orders) == 1 {
			rec = &st.Orders[0]
		}
	} else {
		r.OrderID, r.MemberID = "o-none", w.member()
	}
	if w.rng.IntN(20) == 0 {
		r.MemberID = w.member() // another member's order
	}
	w.use(r.MemberID)
	byLine := w.rng.IntN(2) == 0
	if rec != nil {
		switch {
		case rec.ByAmount:
			byLine = w.rng.IntN(10) == 0
		case rec.ReturnedValue > 0:
			byLine = w.rng.IntN(10) != 0
		}
	}
	switch {
	case byLine && rec != nil:
		for range 1 + w.rng.IntN(2) {
			l := rec.Lines[w.rng.IntN(len(rec.Lines))]
			left := l.Quantity - l.Returned
			q := left
			if left > 1 && w.rng.IntN(2) == 0 {
				q = 1 + w.rng.Int64N(left)
			}
			if left == 0 || w.rng.IntN(20) == 0 {
				q++
			}
			r.Lines = append(r.Lines, loyalty.ReturnLine{SKU: l.SKU, Quantity: q})
		}
	case rec != nil:
		left := rec.Value - rec.ReturnedValue
		units := left
		if left > 1 && w.rng.IntN(3) != 0 {
			units = 1 + w.rng.Int64N(left)
		}
		if left <= 0 || w.rng.IntN(20) == 0 {
			units++
		}
		r.Amount = decimal.New(units, -rec.Scale)
		if w.rng.IntN(30) == 0 {
			r.Amount = decimal.New(units*10+3, -rec.Scale-1) // finer than the order's amounts
		}
	case byLine:
		r.Lines = []loyalty.ReturnLine{{SKU: skus[0], Quantity: 1}}
	default:
		r.Amount = dec("1.00")
	}
	return &op{kind: "return", key: key, member: r.MemberID,
		desc: fmt.Sprintf("return %+q of order %+q member %+q lines %+v amount %s", r.ID, r.OrderID, r.MemberID, r.Lines, r.Amount),
		run: func(ctx context.Context, a *adapter, key string) (any, error) {
			c := *r
			c.Lines = slices.Clone(r.Lines)
			return a.engine.Return(ctx, key, &c)
		}}
}

// spendable is the reference's settled balance of account acct.
func (w *walk) spendable(member string, acct ledger.Account) int64 {
	b, err := w.ref().engine.AccountBalance(ctx, member, acct)
	if err != nil {
		return 0
	}
	return b.Available
}

func (w *walk) redeem(key string) *op {
	m := w.member()
	rd := loyalty.Redemption{ID: w.fresh("red"), MemberID: m, OrderID: w.fresh("checkout"),
		Total: money.New(decimal.New(500+w.rng.Int64N(30000), -2), "USD")}
	if len(w.reds) > 0 && w.rng.IntN(25) == 0 {
		rd.ID = w.reds[w.rng.IntN(len(w.reds))].id // a redemption ID already used
	}
	switch r := w.rng.IntN(100); {
	case r < 12:
		rd.Account = cashback.CreditAccount
		if w.rng.IntN(2) == 0 {
			rd.Points = 1 + w.rng.Int64N(max(w.spendable(m, cashback.CreditAccount), 0)+100)
		}
	case r < 47: // the most the cart allows
	case r < 80:
		avail := w.spendable(m, ledger.PointsAccount)
		if avail >= 200 {
			rd.Points = 200 + 50*w.rng.Int64N((avail-200)/50+1)
		} else {
			rd.Points = 200
		}
	default:
		rd.Points = 1 + w.rng.Int64N(3000)
	}
	w.redsOf[m] = append(w.redsOf[m], rd.ID)
	return &op{kind: "redeem", key: key, member: m,
		desc: fmt.Sprintf("redemption %+q member %+q of %d from %q on %s", rd.ID, m, rd.Points, rd.Account, rd.Total),
		run: func(ctx context.Context, a *adapter, key string) (any, error) {
			return a.engine.Redeem(ctx, key, rd)
		},
		after: func(_ any, err error) { w.reds = append(w.reds, record{id: rd.ID, member: m, ok: err == nil}) }}
}

func (w *walk) cancel(key string) *op {
	id, m := "red-none", ""
	if len(w.reds) > 0 && w.rng.IntN(10) != 0 {
		rec := w.reds[w.rng.IntN(len(w.reds))]
		for range 3 {
			if rec.ok {
				break
			}
			rec = w.reds[w.rng.IntN(len(w.reds))]
		}
		id, m = rec.id, rec.member
	}
	if m == "" || w.rng.IntN(15) == 0 {
		m = w.member()
	}
	w.use(m)
	return &op{kind: "cancel", key: key, member: m, desc: fmt.Sprintf("redemption %+q of member %+q", id, m),
		run: func(ctx context.Context, a *adapter, key string) (any, error) {
			return a.engine.CancelRedemption(ctx, key, m, id)
		}}
}

func (w *walk) adjust(key string) *op {
	m := w.member()
	var pts int64
	if w.rng.IntN(2) == 0 {
		pts = 1 + w.rng.Int64N(1000)
	} else {
		pts = -(1 + w.rng.Int64N(max(w.spendable(m, ledger.PointsAccount), 0)+100))
	}
	note := "correction " + strconv.Itoa(w.step)
	switch w.rng.IntN(30) {
	case 0:
		note = " "
	case 1:
		note = "bad\xffnote"
	}
	return &op{kind: "adjust", key: key, member: m, desc: fmt.Sprintf("member %+q points %d note %+q", m, pts, note),
		run: func(ctx context.Context, a *adapter, key string) (any, error) {
			return a.engine.Adjust(ctx, key, m, pts, note)
		}}
}

func (w *walk) settle(key string) *op {
	m := w.member()
	return &op{kind: "settle", key: key, member: m, desc: fmt.Sprintf("member %+q", m),
		run: func(ctx context.Context, a *adapter, key string) (any, error) {
			return a.engine.Settle(ctx, key, m)
		}}
}

// jump moves the clock forward: minutes, hours, days, past the return
// window, past the expiry, or into the next month.
func (w *walk) jump() *op {
	now := w.clock.Now()
	var d time.Duration
	switch r := w.rng.IntN(100); {
	case r < 35:
		d = time.Duration(1+w.rng.IntN(180)) * time.Minute
	case r < 60:
		d = time.Duration(1+w.rng.IntN(48)) * time.Hour
	case r < 75:
		d = time.Duration(1+w.rng.IntN(6)) * 24 * time.Hour
	case r < 85:
		d = pendingDays*24*time.Hour + time.Duration(w.rng.IntN(90))*time.Minute
	case r < 95:
		d = (expiryDays+1)*24*time.Hour + time.Duration(w.rng.IntN(90))*time.Minute
	default:
		local := now.UTC()
		if w.prog.Location != nil {
			local = now.In(w.prog.Location)
		}
		next := time.Date(local.Year(), local.Month()+1, 1, 0, 0, 0, 0, local.Location())
		d = next.Sub(now) + time.Duration(w.rng.IntN(120))*time.Minute
	}
	to := now.Add(d)
	return &op{kind: "clock", desc: fmt.Sprintf("+%s to %s", d, to.Format(time.RFC3339)),
		run:   func(context.Context, *adapter, string) (any, error) { return nil, nil },
		after: func(any, error) { w.clock.Set(to) }}
}

// review runs a tier review of every member, as a host's monthly job would.
func (w *walk) review() *op {
	prefix := "review/" + strconv.Itoa(w.step) + "/"
	return &op{kind: "review", desc: "tiers.Review with prefix " + strconv.Quote(prefix),
		run: func(ctx context.Context, a *adapter, _ string) (any, error) {
			return tiers.Review(ctx, a.engine, a.store, prefix)
		}}
}

// payout pays cashback out: mostly the last period that ended, now and then
// the period still running.
func (w *walk) payout() *op {
	period := ""
	if w.rng.IntN(5) == 0 {
		loc := w.prog.Location
		if loc == nil {
			loc = time.UTC
		}
		period = calendar.Month.Key(w.clock.Now().In(loc))
	}
	return &op{kind: "payout", desc: "cashback.Payout of period " + strconv.Quote(period),
		run: func(ctx context.Context, a *adapter, _ string) (any, error) {
			return cashback.Payout(ctx, a.engine, a.store, period, nil)
		}}
}

// replay runs an earlier step again: mostly the same request under its key,
// now and then another request under that key.
func (w *walk) replay() *op {
	if len(w.done) == 0 {
		return w.earn(w.key())
	}
	old := w.done[w.rng.IntN(len(w.done))]
	if old.key == "" || w.rng.IntN(10) < 7 {
		return &op{kind: "replay", key: old.key, member: old.member, desc: "the same request as step " + strconv.Itoa(old.step) + " (" + old.kind + ": " + old.desc + ")",
			run: old.run}
	}
	var o *op
	switch w.rng.IntN(6) {
	case 0:
		o = w.enroll(old.key)
	case 1:
		o = w.earn(old.key)
	case 2:
		o = w.giveBack(old.key)
	case 3:
		o = w.redeem(old.key)
	case 4:
		o = w.adjust(old.key)
	default:
		o = w.settle(old.key)
	}
	o.desc = "another request under the key of step " + strconv.Itoa(old.step) + ": " + o.kind + " " + o.desc
	o.kind = "replay-other"
	return o
}

// sentinels are the errors a host branches on; an error's class is the
// set of them errors.Is finds in it.
var sentinels = []struct {
	name string
	err  error
}{
	{"ErrUnknownMember", loyalty.ErrUnknownMember},
	{"ErrDuplicate", loyalty.ErrDuplicate},
	{"ErrInvalidAmount", loyalty.ErrInvalidAmount},
	{"ErrInvalidCurrency", money.ErrInvalidCurrency},
	{"ErrCurrencyMismatch", loyalty.ErrCurrencyMismatch},
	{"ErrOverflow", loyalty.ErrOverflow},
	{"ErrInvalidProgram", loyalty.ErrInvalidProgram},
	{"ErrInvalidEvent", loyalty.ErrInvalidEvent},
	{"ErrUnknownOrder", loyalty.ErrUnknownOrder},
	{"ErrRedemptionDisabled", loyalty.ErrRedemptionDisabled},
	{"ErrReturnExceedsOrder", loyalty.ErrReturnExceedsOrder},
	{"ErrInsufficientPoints", loyalty.ErrInsufficientPoints},
	{"ErrBelowMinimum", loyalty.ErrBelowMinimum},
	{"ErrNotIncrement", loyalty.ErrNotIncrement},
	{"ErrAboveCap", loyalty.ErrAboveCap},
	{"ErrUnknownRedemption", loyalty.ErrUnknownRedemption},
	{"ErrAlreadyCancelled", loyalty.ErrAlreadyCancelled},
	{"ErrMissingKey", loyalty.ErrMissingKey},
	{"ErrKeyReused", loyalty.ErrKeyReused},
	{"ErrConflict", loyalty.ErrConflict},
	{"ErrRefused", loyalty.ErrRefused},
	{"ErrInvalidID", loyalty.ErrInvalidID},
	{"ErrNotFound", loyalty.ErrNotFound},
}

// class names the sentinels err matches: "ok" for nil, "untyped" for an
// error that matches none.
func class(err error) string {
	if err == nil {
		return "ok"
	}
	var names []string
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			names = append(names, s.name)
		}
	}
	if len(names) == 0 {
		return "untyped"
	}
	return strings.Join(names, "|")
}

func quoteErr(err error) string {
	if err == nil {
		return "no error"
	}
	return strconv.QuoteToASCII(err.Error())
}
