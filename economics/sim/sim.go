package sim

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/calendar"
	"github.com/loyaltykit/loyalty/economics"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/memory"
	"github.com/loyaltykit/loyalty/tiers"
	"github.com/shopspring/decimal"
)

// Result is what one program did with the simulated customers: the KPIs of
// every calendar month of the horizon (in the program's zone) and of the
// whole run.
type Result struct {
	Program  string
	Currency money.Currency
	Seed     uint64
	// Customers is how many customers were simulated, Members how many of
	// them had joined by the end.
	Customers, Members int
	// Days is how many days were simulated; Writes how many writes the
	// Engine committed.
	Days   int
	Writes int64
	// PointValue is the value of one point the liability was valued at.
	PointValue decimal.Decimal
	Months     []KPI
	Total      KPI
	// Ledger is package economics' report over the simulated ledger (the
	// memory store the run wrote to), monthly, with the non-members' orders
	// fed in: the same figures a host computes over its own store.
	Ledger *economics.Report
}

// Comparison is two programs run on the same customers: the same seed, the
// same segments, the same baskets on the same days.
type Comparison struct {
	A, B *Result
}

// Compare runs program a, then program b, on the same customers (see Run).
func Compare(ctx context.Context, a, b *loyalty.Program, cfg *Config) (*Comparison, error) {
	ra, err := Run(ctx, a, cfg)
	if err != nil {
		return nil, err
	}
	rb, err := Run(ctx, b, cfg)
	if err != nil {
		return nil, err
	}
	return &Comparison{A: ra, B: rb}, nil
}

// Run simulates cfg's customers shopping under program p, day by day from
// cfg.Start's day to cfg.End, through a real Engine on a fresh memory store
// with a manual clock seeded from cfg.Seed. Each day, in the program's zone:
//
//  1. at 09:00 the day's joiners enrol (Engine.Enroll);
//  2. at 11:00 the returns due that day are sent (Engine.Return);
//  3. at 12:00 every customer who has not churned may buy: a member first
//     redeems, by their propensity, the most the cart allows of points and
//     then store credit (Engine.Redeem), and the order, less what was
//     redeemed, earns (Engine.Earn); a non-member's order is counted as
//     revenue only, as a host feeds the orders the library never sees;
//  4. at 23:00 the nightly jobs (Engine.RunJobs, in their documented
//     order: activate, review, expire, review again, grant), every
//     cfg.JobsEvery days, so what falls due on a day is recorded on it.
//
// At the end of each month the tiers are counted. Whatever the program,
// the customers, their baskets and their days are the same for the same
// Config: the customers' draws come from streams of their own, so two
// programs compare on the same shoppers (Compare). The same program and
// Config give the same Result, byte for byte.
//
// A bad Config is a *ConfigError (errors.Is ErrNoCustomers,
// ErrInvalidFrequency, ErrInvalidPeriod, ...) and a bad program the Engine's
// error, before anything runs. Run returns ctx.Err() when ctx ends.
func Run(ctx context.Context, p *loyalty.Program, cfg *Config) (*Result, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: program is nil", loyalty.ErrInvalidProgram)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(p.MinorDigits()); err != nil {
		return nil, err
	}
	r, err := newRun(p, cfg)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// run is one simulation.
type run struct {
	cfg      *Config
	program  *loyalty.Program
	engine   *loyalty.Engine
	store    *memory.Store
	clock    *loyalty.ManualClock
	zone     *time.Location
	digits   int32
	scale    int64 // 10^digits
	segs     []segment
	cust     []customer
	joins    [][]int32   // customers joining on each day
	returns  [][]pending // the returns due on each day (and the 14 after the last)
	days     int
	day0     time.Time
	t        tally
	total    flows
	months   []KPI
	members  []int32 // enrolled customers, in enrolment order
	standing []loyalty.StandingRule
	// ladders are the standing rules when every one is a *tiers.Ladder:
	// close then counts the tiers by Ladder.Status on the stored state,
	// loaded into one reused State, the same tier as Standing on
	// Engine.Member's state (a ladder reads the counters only, which
	// settling does not change) without formatting its amounts.
	ladders []*tiers.Ladder
	states  *memory.Store   // the engine's store, scoped to the program
	st      loyalty.State   // close's, reused
	credit  ledger.Account  // the first redeemable money account, if any
	redeems bool            // the program redeems points
	value   decimal.Decimal // of one point
	month   int32           // index of the current month
	orders  int64
	from    time.Time // the current month's start
	workers []*worker
	due     loyalty.DueLister // the engine's store, for the shards' MembersDue
	ids     []string          // of every customer
	// nonMemberBuyers counts the customers who bought as non-members.
	nonMemberBuyers int64
	buf             []byte         // giveBack's, for its key and return ID
	ret             loyalty.Return // giveBack's, reused: Engine.Return keeps no pointer into it
}

// worker is what one goroutine of the day's shopping keeps: the customers
// i with i % len(workers) == its number are its own, so their writes and
// their state never race; what it sums is added to the tally after the day.
type worker struct {
	f     flows
	lines []loyalty.OrderLine
	// order is the order of every Earn, reused: the Engine keeps no pointer
	// into an order (or its lines) once Earn returns, the store its own copy
	// of the record.
	order   loyalty.Order
	buf     []byte      // where the order's keys and IDs are built
	returns [][]pending // by day, as run.returns
	// quotes bounds, by order total in minor units, the points the
	// redemption policy refuses and those it redeems some of (mayRedeem).
	quotes          map[int64]quoteBounds
	orders          int64
	nonMemberBuyers int64
	err             error
}

// segment is a Segment ready to draw from.
type segment struct {
	*Segment
	catCum []float64 // cumulative category weights
	prices [][]price
}

type price struct {
	minor int64
	dec   decimal.Decimal
	sku   string
}

// customer is one simulated shopper. buy draws everything that does not
// depend on the program (segment, joining, churn, orders, baskets,
// returns); resp draws the responses to it (redeeming), so that the
// orders are the same under every program.
type customer struct {
	buy, resp   rand.PCG
	seg         int32
	joinDay     int32 // -1: never joins
	churnDay    int32 // the first day they no longer buy
	member      bool
	boughtOut   bool  // bought as a non-member
	enrolled    int32 // place in run.members, -1 before enrolling
	n           int32 // orders placed
	activeMonth int32 // the last month they earned or redeemed in, +1
	points      int64 // available points, as the last receipt said
	held        int64 // pending points, as the last receipt said
	credit      int64 // available store credit (run.credit), as the last receipt said
}

// pending is a return due on a day. A non-member's has no order ID or
// lines: only its value is counted.
type pending struct {
	cust   int32
	order  string
	member bool
	minor  int64
	lines  []loyalty.ReturnLine
}

// maxReturnDays is the longest a return comes after its order.
const maxReturnDays = 14

func f64(s *rand.PCG) float64 { return float64(s.Uint64()>>11) * 0x1p-53 }

func newRun(p *loyalty.Program, cfg *Config) (*run, error) {
	r := &run{cfg: cfg, program: p, zone: p.Zone(), digits: p.MinorDigits()}
	r.scale = 1
	for range r.digits {
		r.scale *= 10
	}
	r.day0 = midnight(cfg.Start.In(r.zone))
	for d := r.day0; d.Before(cfg.End); d = d.AddDate(0, 0, 1) {
		r.days++
	}
	r.from = r.day0
	r.returns = make([][]pending, r.days+maxReturnDays)
	// The segments, ready to draw from.
	var total float64
	for i := range cfg.Customers.Segments {
		total += cfg.Customers.Segments[i].Weight
	}
	segCum := make([]float64, len(cfg.Customers.Segments))
	acc := 0.0
	r.segs = make([]segment, len(cfg.Customers.Segments))
	for i := range cfg.Customers.Segments {
		s := &cfg.Customers.Segments[i]
		acc += s.Weight / total
		segCum[i] = acc
		sg := segment{Segment: s}
		var w float64
		for _, k := range s.Categories {
			w += k.Weight
		}
		a := 0.0
		for j, k := range s.Categories {
			a += k.Weight / w
			sg.catCum = append(sg.catCum, a)
			ps := make([]price, len(k.Prices))
			for n, v := range k.Prices {
				ps[n] = price{minor: v.Shift(r.digits).IntPart(), dec: v, sku: k.Name + "-" + strconv.Itoa(n)}
			}
			sg.prices = append(sg.prices, ps)
			_ = j
		}
		r.segs[i] = sg
	}
	// The customers.
	r.cust = make([]customer, cfg.Customers.Count)
	r.ids = make([]string, len(r.cust))
	r.joins = make([][]int32, r.days)
	for i := range r.cust {
		c := &r.cust[i]
		r.ids[i] = customerID(i)
		c.buy = *rand.NewPCG(cfg.Seed, uint64(i)<<1)
		c.resp = *rand.NewPCG(cfg.Seed, uint64(i)<<1|1)
		c.enrolled = -1
		c.seg = int32(pick(segCum, f64(&c.buy)))
		s := r.segs[c.seg].Segment
		c.joinDay = -1
		if f64(&c.buy) < s.JoinShare {
			if f64(&c.buy) < cfg.EnrolledAtStart || r.days == 1 {
				c.joinDay = 0
			} else {
				c.joinDay = 1 + int32(f64(&c.buy)*float64(r.days-1))
			}
			r.joins[c.joinDay] = append(r.joins[c.joinDay], int32(i))
		}
		c.churnDay = math.MaxInt32
		if s.ChurnPerMonth >= 1 {
			c.churnDay = 0
		} else if s.ChurnPerMonth > 0 {
			daily := 1 - math.Pow(1-s.ChurnPerMonth, 1/daysPerMonth)
			u := f64(&c.buy)
			if d := math.Floor(math.Log1p(-u) / math.Log1p(-daily)); d < float64(r.days) {
				c.churnDay = int32(d)
			}
		}
	}
	// What the program offers.
	for _, rule := range p.Rules {
		if sr, ok := rule.(loyalty.StandingRule); ok {
			r.standing = append(r.standing, sr)
		}
		if rr, ok := rule.(loyalty.RedeemableRule); ok && r.credit == "" {
			if as := rr.Redeemable(); len(as) > 0 {
				r.credit = as[0]
			}
		}
	}
	r.redeems = p.Redemption != nil
	r.value = cfg.PointValue
	if r.value.IsZero() && r.redeems {
		const n = 1_000_000
		if q, err := p.Redemption.Quote(n, money.New(decimal.New(1, 12), p.Currency), 0); err == nil && q.Points > 0 {
			r.value = q.Value.Amount.DivRound(decimal.NewFromInt(q.Points), 8)
		}
	}
	// The engine, on a fresh memory store, seeded.
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], cfg.Seed)
	copy(seed[8:], "loyalty/sim/engine")
	r.store = memory.New()
	r.clock = loyalty.NewManualClock(r.day0)
	r.t.onReceipt = r.receipt
	e, err := loyalty.NewEngine(p, r.store, &loyalty.EngineOptions{
		Clock:       r.clock,
		Random:      rand.NewChaCha8(seed),
		AfterCommit: func(_ context.Context, rc *loyalty.Receipt) { r.t.observe(rc) },
	})
	if err != nil {
		return nil, err
	}
	r.engine = e
	r.due, r.states = r.store, r.store
	if id := p.ProgramID(); id != loyalty.DefaultProgram {
		ps, err := r.store.ForProgram(id)
		if err != nil {
			return nil, err
		}
		d, ok := ps.(loyalty.DueLister)
		if !ok {
			return nil, fmt.Errorf("sim: the memory store of program %s lists no members due", id)
		}
		r.due = d
		r.states, _ = ps.(*memory.Store)
	}
	for _, sr := range r.standing {
		l, ok := sr.(*tiers.Ladder)
		if !ok || r.states == nil {
			r.ladders = nil
			break
		}
		r.ladders = append(r.ladders, l)
	}
	n := max(1, min(cfg.Workers, len(r.cust)))
	for range n {
		r.workers = append(r.workers, &worker{returns: make([][]pending, len(r.returns)), quotes: map[int64]quoteBounds{}})
	}
	return r, nil
}

// pick is the index of the first cumulative weight above u.
func pick(cum []float64, u float64) int {
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}

// poisson draws a Poisson count of mean m from s.
func poisson(s *rand.PCG, m float64) int {
	if m <= 0 {
		return 0
	}
	if m > 30 { // normal approximation
		u1, u2 := f64(s), f64(s)
		z := math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
		return max(0, int(math.Round(m+z*math.Sqrt(m))))
	}
	l, k, p := math.Exp(-m), 0, 1.0
	for {
		p *= f64(s)
		if p <= l {
			return k
		}
		k++
	}
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// id is the member ID of customer i.
func (r *run) id(i int32) string { return r.ids[i] }

func customerID(i int) string { return "c" + strconv.Itoa(i + 10_000_000)[1:] }

// index is the customer of member ID id, or -1.
func (r *run) index(id string) int32 {
	if len(id) != 8 || id[0] != 'c' {
		return -1
	}
	n, err := strconv.Atoi(id[1:])
	if err != nil || n >= len(r.cust) {
		return -1
	}
	return int32(n)
}

// receipt keeps the member's balances and activity as the receipt says.
func (r *run) receipt(rc *loyalty.Receipt) {
	i := r.index(rc.MemberID)
	if i < 0 {
		return
	}
	c := &r.cust[i]
	for _, b := range rc.Balances {
		switch b.Account {
		case ledger.PointsAccount:
			c.points, c.held = b.Available, b.Pending
		case r.credit:
			c.credit = b.Available
		}
	}
	if (rc.Operation == loyalty.OpEarn || rc.Operation == loyalty.OpRedeem) && len(rc.Entries) > 0 {
		c.activeMonth = r.month + 1
	}
}

func (r *run) run(ctx context.Context) (*Result, error) {
	every := max(r.cfg.JobsEvery, 1)
	for d := range r.days {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		day := r.day0.AddDate(0, 0, d)
		r.clock.Set(day.Add(9 * time.Hour))
		for _, i := range r.joins[d] {
			if err := r.enroll(ctx, i, day); err != nil {
				return nil, err
			}
		}
		r.clock.Set(day.Add(11 * time.Hour))
		for _, x := range r.returns[d] {
			if err := r.giveBack(ctx, x); err != nil {
				return nil, err
			}
		}
		r.returns[d] = nil
		r.clock.Set(day.Add(12 * time.Hour))
		if err := r.shopping(ctx, int32(d)); err != nil {
			return nil, err
		}
		if d%every == 0 && len(r.members) > 0 {
			r.clock.Set(day.Add(23 * time.Hour))
			if err := r.jobs(ctx); err != nil {
				return nil, fmt.Errorf("sim: jobs of %s: %w", day.Format(time.DateOnly), err)
			}
		}
		next := day.AddDate(0, 0, 1)
		if next.Month() != day.Month() || d == r.days-1 {
			to := next
			if d == r.days-1 && r.cfg.End.Before(next) {
				to = r.cfg.End.In(r.zone)
			}
			if err := r.close(ctx, to); err != nil {
				return nil, err
			}
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress(Progress{Program: r.program.Name, Day: d + 1, Days: r.days, Date: day,
				Members: len(r.members), Orders: r.orders, Writes: r.t.writes})
		}
	}
	res := &Result{Program: r.program.Name, Currency: r.program.Currency, Seed: r.cfg.Seed,
		Customers: len(r.cust), Members: len(r.members), Days: r.days, Writes: r.t.writes,
		PointValue: r.value, Months: r.months}
	last := r.months[len(r.months)-1]
	res.Total = r.kpi(&r.total, r.day0, last.To, 0)
	res.Total.Tiers = last.Tiers
	var store loyalty.Store = r.store
	if id := r.program.ProgramID(); id != loyalty.DefaultProgram {
		var err error
		if store, err = r.store.ForProgram(id); err != nil {
			return nil, err
		}
	}
	cur := r.program.Currency
	var err error
	res.Ledger, err = economics.Compute(ctx, store, economics.Period{Start: r.day0.UTC(), End: last.To.UTC()}, &economics.Options{
		Currency:   cur,
		PointValue: money.New(r.value, cur),
		Interval:   calendar.Month,
		Location:   r.zone,
		NonMembers: economics.Customers{Orders: r.total.nonMemberOrders, Buyers: r.nonMemberBuyers,
			Sales: r.money(r.total.nonMemberGross), Revenue: r.money(r.total.revenue - r.total.memberRevenue)},
	})
	if err != nil {
		return nil, fmt.Errorf("sim: the ledger's KPIs: %w", err)
	}
	return res, nil
}

func (r *run) enroll(ctx context.Context, i int32, day time.Time) error {
	c := &r.cust[i]
	id := r.id(i)
	// The birthday is the customer's, whatever the program.
	b := rand.NewPCG(r.cfg.Seed^0x9e3779b97f4a7c15, uint64(i))
	born := time.Date(1950+int(b.Uint64()%55), time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(b.Uint64()%365))
	m := loyalty.Member{ID: id, JoinedAt: r.clock.Now(), Birthday: born, Segments: []string{r.segs[c.seg].Name}}
	if _, err := r.engine.Enroll(ctx, "enroll/"+id, m); err != nil {
		return fmt.Errorf("sim: enrolling %s: %w", id, err)
	}
	c.member = true
	c.enrolled = int32(len(r.members))
	r.members = append(r.members, i)
	return nil
}

// refused reports whether err is the ledger refusing a redemption (nothing
// to redeem, below the minimum), which a shopper simply does without.
func refused(err error) bool {
	return errors.Is(err, loyalty.ErrInsufficientPoints) || errors.Is(err, loyalty.ErrBelowMinimum) ||
		errors.Is(err, loyalty.ErrNotIncrement) || errors.Is(err, loyalty.ErrAboveCap) ||
		errors.Is(err, loyalty.ErrRefused)
}

// mayRedeem reports whether a member with at most points spendable might
// redeem some on an order of total minor units: false only when the
// program's redemption policy refuses even that many (below its minimum,
// say), as the Engine would refuse the redemption, writing nothing. What
// the last receipt said was available and held bounds what is spendable
// until the next receipt (a hold ends, a lot expires, nothing is credited
// without a receipt), and a policy redeems no less from a larger balance;
// so the Engine, which would refuse, is not asked. By the same token the
// policy is asked once per total and bound that its answers settle.
func (r *run) mayRedeem(w *worker, points, total int64) bool {
	b := w.quotes[total]
	switch {
	case points <= b.refused:
		return false
	case b.redeems > 0 && points >= b.redeems:
		return true
	}
	var may bool
	q, err := r.program.Redemption.Quote(points, r.money(total), 0)
	switch {
	case err != nil:
		may = !refused(err)
	case q.Points > 0:
		may = true
	default:
		may = q.Reason != nil && !refused(q.Reason)
	}
	if may {
		b.redeems = points
	} else {
		b.refused = points
	}
	w.quotes[total] = b
	return may
}

// quoteBounds are what a redemption policy said of one order total: it
// refuses a balance of refused points or fewer, and redeems some of a
// balance of redeems points or more (0 when not yet asked).
type quoteBounds struct{ refused, redeems int64 }

// shop draws whether customer i buys on day d, and if so what.
func (r *run) shop(ctx context.Context, w *worker, i, d int32) error {
	c := &r.cust[i]
	if d >= c.churnDay {
		return nil
	}
	s := &r.segs[c.seg]
	rate := s.OrdersPerMonth
	if c.member {
		rate *= 1 + s.ExtraFrequency
	}
	if f64(&c.buy) >= rate/daysPerMonth {
		return nil
	}
	items := 1 + poisson(&c.buy, s.Items-1)
	w.lines = w.lines[:0]
	var minor int64
	for range items {
		k := pick(s.catCum, f64(&c.buy))
		ps := s.prices[k]
		pr := &ps[int(c.buy.Uint64()%uint64(len(ps)))]
		minor += pr.minor
		merged := false
		for j := range w.lines {
			if w.lines[j].SKU == pr.sku {
				w.lines[j].Quantity++
				merged = true
				break
			}
		}
		if !merged {
			w.lines = append(w.lines, loyalty.OrderLine{SKU: pr.sku, Category: s.Categories[k].Name, Quantity: 1, UnitPrice: pr.dec})
		}
	}
	returned := f64(&c.buy) < s.ReturnRate
	after := 1 + int32(c.buy.Uint64()%maxReturnDays)
	c.n++
	f := &w.f
	if !c.member {
		if !c.boughtOut {
			c.boughtOut = true
			w.nonMemberBuyers++
		}
		f.nonMemberOrders++
		f.nonMemberGross += minor
		f.revenue += minor
		if returned {
			w.returns[d+after] = append(w.returns[d+after], pending{cust: i, minor: minor})
		}
		return nil
	}
	// The earn's key and the order ID, in one string: "earn/" + the ID.
	key := w.orderKey(r.id(i), c.n)
	order := key[len(earnPrefix):]
	f.memberOrders++
	f.memberGross += minor
	f.revenue += minor
	f.memberRevenue += minor
	w.orders++
	total := minor
	var off int64 // minor units redeemed off the order
	if f64(&c.resp) < s.RedeemPropensity {
		if r.redeems && c.points > 0 && r.mayRedeem(w, c.points+c.held, total) {
			k, id := w.pair("redeem/", "p-", order)
			rc, err := r.engine.Redeem(ctx, k, loyalty.Redemption{ID: id, MemberID: r.id(i), OrderID: order,
				Total: r.money(total), UpTo: true})
			switch {
			case err == nil:
				off += rc.Redemption.Value.Amount.Shift(r.digits).IntPart()
			case !refused(err):
				return fmt.Errorf("sim: redeeming points on %s: %w", order, err)
			}
		}
		if r.credit != "" && c.credit > 0 && total > off {
			k, id := w.pair("redeem-credit/", "c-", order)
			rc, err := r.engine.Redeem(ctx, k, loyalty.Redemption{ID: id, MemberID: r.id(i), OrderID: order,
				Total: r.money(total - off), UpTo: true, Account: r.credit})
			switch {
			case err == nil:
				off += rc.Redemption.Value.Amount.Shift(r.digits).IntPart()
			case !refused(err):
				return fmt.Errorf("sim: redeeming %s on %s: %w", r.credit, order, err)
			}
		}
	}
	// PlacedAt is set: the order record keeps it as given, and the ledger's
	// KPIs count orders by it.
	o := &w.order
	*o = loyalty.Order{ID: order, MemberID: r.id(i), PlacedAt: r.clock.Now(), Currency: r.program.Currency, Lines: w.lines}
	if off > 0 {
		o.Discount = decimal.New(off, -r.digits)
	}
	if _, err := r.engine.Earn(ctx, key, o); err != nil {
		return fmt.Errorf("sim: earning %s: %w", order, err)
	}
	if returned {
		lines := make([]loyalty.ReturnLine, len(w.lines))
		for j, l := range w.lines {
			lines[j] = loyalty.ReturnLine{SKU: l.SKU, Quantity: l.Quantity}
		}
		w.returns[d+after] = append(w.returns[d+after], pending{cust: i, order: order, member: true, minor: minor, lines: lines})
	}
	return nil
}

// earnPrefix begins the key of an order's earn.
const earnPrefix = "earn/"

// orderKey is the key of the earn of member id's n-th order, "earn/" then
// the order ID (id-n), built in w.buf as one string.
func (w *worker) orderKey(id string, n int32) string {
	b := append(w.buf[:0], earnPrefix...)
	b = append(b, id...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(n), 10)
	w.buf = b
	return string(b)
}

// pair is a+ref and b+ref, built in w.buf as one string (one allocation
// for a write's key and its event's ID).
func (w *worker) pair(a, b, ref string) (string, string) {
	w.buf, a, b = pair(w.buf, a, b, ref)
	return a, b
}

func pair(buf []byte, a, b, ref string) ([]byte, string, string) {
	buf = append(buf[:0], a...)
	buf = append(buf, ref...)
	n := len(buf)
	buf = append(buf, b...)
	buf = append(buf, ref...)
	s := string(buf)
	return buf, s[:n], s[n:]
}

// shopping runs the day's shopping of every customer on the workers, then
// adds what they summed to the tally.
func (r *run) shopping(ctx context.Context, d int32) error {
	n := len(r.workers)
	if n == 1 {
		w := r.workers[0]
		for i := range r.cust {
			if err := r.shop(ctx, w, int32(i), d); err != nil {
				return err
			}
		}
	} else {
		var wg sync.WaitGroup
		for k, w := range r.workers {
			wg.Go(func() {
				for i := k; i < len(r.cust); i += n {
					if w.err = r.shop(ctx, w, int32(i), d); w.err != nil {
						return
					}
				}
			})
		}
		wg.Wait()
	}
	for _, w := range r.workers {
		if w.err != nil {
			return w.err
		}
		r.t.mu.Lock()
		add(&r.t.cur, &w.f)
		r.t.mu.Unlock()
		w.f = flows{}
		r.orders += w.orders
		r.nonMemberBuyers += w.nonMemberBuyers
		w.orders, w.nonMemberBuyers = 0, 0
		for day := d + 1; day <= d+maxReturnDays; day++ {
			if xs := w.returns[day]; len(xs) > 0 {
				r.returns[day] = append(r.returns[day], xs...)
				w.returns[day] = xs[:0]
			}
		}
	}
	return nil
}

// jobs runs Engine.RunJobs, the members shared out over the workers.
func (r *run) jobs(ctx context.Context) error {
	n := len(r.workers)
	opts := &loyalty.JobOptions{ProgressEvery: math.MaxInt32}
	if n == 1 {
		_, err := r.engine.RunJobs(ctx, nil, opts) // the engine's store, scoped to the program
		return err
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() {
			_, errs[k] = r.engine.RunJobs(ctx, &shard{r: r, k: k, n: n}, opts)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// shard lists the k-th of every n enrolled members, in enrolment order.
type shard struct {
	r    *run
	k, n int
}

// Members implements loyalty.MemberLister.
func (s *shard) Members(_ context.Context, after string, limit int) ([]string, error) {
	start := s.k // position in r.members
	if after != "" {
		i := s.r.index(after)
		if i < 0 || s.r.cust[i].enrolled < 0 {
			return nil, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, after)
		}
		start = int(s.r.cust[i].enrolled) + s.n
	}
	var ids []string
	for p := start; p < len(s.r.members) && len(ids) < limit; p += s.n {
		ids = append(ids, s.r.id(s.r.members[p]))
	}
	return ids, nil
}

// MembersDue implements loyalty.DueLister: the shard's members among those
// the engine's store lists as due, so that a shard's RunJobs, like one over
// the store, loads only the members with something due on a day no rule's
// calendar has a job; passed counts the shard's members the store's listing
// went through.
func (s *shard) MembersDue(ctx context.Context, by time.Time, after string, limit int) ([]string, int, error) {
	from := -1 // the place in r.members of after
	if after != "" {
		i := s.r.index(after)
		if i < 0 || s.r.cust[i].enrolled < 0 {
			return nil, 0, fmt.Errorf("%w: %s", loyalty.ErrUnknownMember, after)
		}
		from = int(s.r.cust[i].enrolled)
	}
	var ids []string
	to := len(s.r.members) - 1 // the place of the last member gone through
	for cursor := after; len(ids) < limit; {
		page, _, err := s.r.due.MembersDue(ctx, by, cursor, limit)
		if err != nil {
			return nil, 0, err
		}
		for _, id := range page {
			i := s.r.index(id)
			if i < 0 {
				continue
			}
			if p := int(s.r.cust[i].enrolled); p%s.n == s.k {
				if ids = append(ids, id); len(ids) == limit {
					to = p
					break
				}
			}
		}
		if len(page) < limit {
			break
		}
		cursor = page[len(page)-1]
	}
	return ids, s.count(to) - s.count(from), nil
}

// count is how many of the shard's members are at places 0 to p of r.members.
func (s *shard) count(p int) int {
	if p < s.k {
		return 0
	}
	return (p-s.k)/s.n + 1
}

func (r *run) money(minor int64) money.Money {
	return money.New(decimal.New(minor, -r.digits), r.program.Currency)
}

// giveBack sends a return in full.
func (r *run) giveBack(ctx context.Context, x pending) error {
	f := &r.t.cur
	f.revenue -= x.minor
	if !x.member {
		return nil
	}
	f.memberRevenue -= x.minor
	var key, id string
	r.buf, key, id = pair(r.buf, "return/", "x-", x.order)
	r.ret = loyalty.Return{ID: id, OrderID: x.order, MemberID: r.id(x.cust), Lines: x.lines}
	if _, err := r.engine.Return(ctx, key, &r.ret); err != nil {
		return fmt.Errorf("sim: returning %s: %w", x.order, err)
	}
	return nil
}

// close ends the month at to: counts the tiers, turns the flows into a KPI.
func (r *run) close(ctx context.Context, to time.Time) error {
	r.clock.Set(to.Add(-time.Microsecond))
	k := r.kpi(&r.t.cur, r.from, to, int(r.month))
	if len(r.ladders) > 0 {
		now := r.engine.Now()
		counts := map[tierKey]int{}
		for _, i := range r.members {
			// The state's room is reused from member to member.
			r.st = loyalty.State{Member: loyalty.Member{Segments: r.st.Member.Segments[:0]}, Balances: r.st.Balances[:0], Counters: r.st.Counters[:0]}
			if err := r.states.LoadInto(ctx, r.id(i), loyalty.Query{}, &r.st); err != nil {
				return fmt.Errorf("sim: reading %s: %w", r.id(i), err)
			}
			for n, l := range r.ladders {
				if s := l.Status(&r.st, now); s.Tier != "" {
					counts[tierKey{n, s.Level, l.Name(), s.Tier}]++
				}
			}
		}
		k.Tiers = r.tierCounts(counts)
	} else if len(r.standing) > 0 {
		now := r.engine.Now()
		counts := map[tierKey]int{}
		for _, i := range r.members {
			st, err := r.engine.Member(ctx, r.id(i))
			if err != nil {
				return fmt.Errorf("sim: reading %s: %w", r.id(i), err)
			}
			for n, sr := range r.standing {
				if s, ok := sr.Standing(st, now); ok && s.Tier != "" {
					counts[tierKey{n, s.Level, s.Rule, s.Tier}]++
				}
			}
		}
		k.Tiers = r.tierCounts(counts)
	}
	r.months = append(r.months, k)
	add(&r.total, &r.t.cur)
	r.t.cur = flows{}
	r.month++
	r.from = to
	return nil
}

// tierKey names a tier of the n-th ladder.
type tierKey struct {
	n, level   int
	rule, tier string
}

// tierCounts lists counts in the order of the ladders and their levels.
func (r *run) tierCounts(counts map[tierKey]int) []TierCount {
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b tierKey) int {
		return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.level, b.level), cmp.Compare(a.tier, b.tier))
	})
	out := make([]TierCount, len(keys))
	for i, k := range keys {
		out[i] = TierCount{Ladder: k.rule, Tier: k.tier, Members: counts[k]}
	}
	return out
}

func add(to, f *flows) {
	to.revenue += f.revenue
	to.memberRevenue += f.memberRevenue
	to.memberGross += f.memberGross
	to.nonMemberGross += f.nonMemberGross
	to.memberOrders += f.memberOrders
	to.nonMemberOrders += f.nonMemberOrders
	to.issued += f.issued
	to.fromOrders += f.fromOrders
	to.fromActions += f.fromActions
	to.fromAdjust += f.fromAdjust
	to.redeemed += f.redeemed
	to.expired += f.expired
	to.voided += f.voided
	to.moneyIssued += f.moneyIssued
	to.moneyRedeemed += f.moneyRedeemed
	to.moneyExpired += f.moneyExpired
	to.moneyVoided += f.moneyVoided
	to.cost = to.cost.Add(f.cost)
	to.pointsSpentOnRewards += f.pointsSpentOnRewards
}

// kpi turns flows over [from, to) into a KPI, with the stocks as they are now.
func (r *run) kpi(f *flows, from, to time.Time, month int) KPI {
	dec := func(minor int64) decimal.Decimal { return decimal.New(minor, -r.digits) }
	k := KPI{From: from.UTC(), To: to.UTC(),
		Revenue: dec(f.revenue), MemberRevenue: dec(f.memberRevenue),
		MemberOrders: f.memberOrders, NonMemberOrders: f.nonMemberOrders,
		PointsIssued: f.issued, PointsFromOrders: f.fromOrders, PointsFromActions: f.fromActions, PointsFromAdjusting: f.fromAdjust,
		PointsRedeemed: f.redeemed, PointsExpired: f.expired, PointsVoided: f.voided, PointsOutstanding: r.t.pointsStock,
		MoneyIssued: dec(f.moneyIssued), MoneyRedeemed: dec(f.moneyRedeemed), MoneyExpired: dec(f.moneyExpired),
		MoneyVoided: dec(f.moneyVoided), MoneyOutstanding: dec(r.t.moneyStock),
	}
	if f.memberOrders > 0 {
		k.MemberAOV = dec(f.memberGross).DivRound(decimal.NewFromInt(f.memberOrders), r.digits)
	}
	if f.nonMemberOrders > 0 {
		k.NonMemberAOV = dec(f.nonMemberGross).DivRound(decimal.NewFromInt(f.nonMemberOrders), r.digits)
	}
	k.Liability = r.value.Mul(decimal.NewFromInt(r.t.pointsStock)).Round(r.digits).Add(k.MoneyOutstanding)
	k.Cost = f.cost.Add(r.value.Mul(decimal.NewFromInt(f.pointsSpentOnRewards)).Round(r.digits)).Add(k.MoneyRedeemed)
	// Rates and shares are exact ratios, as economics gives them.
	k.CostShareOfRevenue = economics.Ratio(k.Cost, dec(f.revenue))
	k.RedemptionRate = economics.Ratio(decimal.NewFromInt(f.redeemed), decimal.NewFromInt(f.issued))
	k.BreakageRate = economics.Ratio(decimal.NewFromInt(f.expired), decimal.NewFromInt(f.issued))
	// Who could buy at the period's end, members and not.
	last := int32(min(int(to.Sub(r.day0).Hours()/24+0.5), r.days)) - 1
	var members, others int
	for i := range r.cust {
		c := &r.cust[i]
		if c.churnDay <= last {
			continue
		}
		if c.member {
			members++
		} else {
			others++
		}
	}
	// Orders per customer per month of daysPerMonth days: orders × the
	// month's length over customers × the period's length, exactly.
	frequency := func(orders int64, customers int) decimal.Decimal {
		if to.Sub(from) <= 0 {
			return decimal.Zero
		}
		const month = 730*time.Hour + 30*time.Minute // daysPerMonth, 365.25 / 12 days
		return economics.Ratio(decimal.NewFromInt(orders).Mul(decimal.NewFromInt(int64(month))), decimal.NewFromInt(int64(customers)).Mul(decimal.NewFromInt(int64(to.Sub(from)))))
	}
	k.MemberFrequency = frequency(int64(f.memberOrders), members)
	k.NonMemberFrequency = frequency(int64(f.nonMemberOrders), others)
	k.EnrolledMembers = len(r.members)
	for _, i := range r.members {
		if c := &r.cust[i]; c.activeMonth > int32(month) {
			k.ActiveMembers++
		}
	}
	k.ActiveShare = economics.Ratio(decimal.NewFromInt(int64(k.ActiveMembers)), decimal.NewFromInt(int64(k.EnrolledMembers)))
	return k
}
