package difftest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/loyaltytest"
	"github.com/loyaltykit/loyalty/money"
)

// update rewrites the golden file from storage/memory instead of comparing:
//
//	go test ./storage/difftest -run Golden -update
var update = flag.Bool("update", false, "rewrite testdata/golden.json from the memory store")

// goldenFile is the pinned outcome of goldenScenario.
var goldenFile = filepath.Join("testdata", "golden.json")

// golden is what goldenScenario pins: every receipt in the order the writes
// were made, then each member's whole history and final balances.
type golden struct {
	Receipts []*loyalty.Receipt
	// Jobs is the report of the day's jobs at the end.
	Jobs    loyalty.JobReport
	Members []goldenMember
}

type goldenMember struct {
	ID       string
	History  []ledger.Entry
	Balances []ledger.Balance
}

// goldenProgram is fixed: 10 points per 1.00 of every line and of shipping,
// a 14-day hold in New York, lots that expire 60 days after they are earned,
// 50 points and a notice per review, 2 cents of cashback per 1.00 in an
// account of its own, and one point for one cent at checkout.
func goldenProgram(t testing.TB) *loyalty.Program {
	rate, err := loyalty.NewRate(10, decimal.NewFromInt(1))
	require.NoError(t, err)
	cents, err := loyalty.NewRate(2, decimal.NewFromInt(1))
	require.NoError(t, err)
	return &loyalty.Program{
		Name:        "golden",
		Currency:    "USD",
		Location:    loyaltytest.Zone(t, "America/New_York"),
		PendingDays: 14,
		Expiry:      days(60),
		Basis:       loyalty.EarnBasis{IncludeShipping: true},
		Redemption:  cent{},
		Rules: []loyalty.Rule{
			goldenRule{"base", func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				for i, l := range in.Lines {
					if l.Basis > 0 {
						out = append(out, loyalty.EarnAt(rate, l.Basis, i, l.SKU))
					}
				}
				if in.ExtraBasis > 0 {
					out = append(out, loyalty.EarnAt(rate, in.ExtraBasis, loyalty.OrderLevel, "shipping"))
				}
				return out
			}},
			goldenRule{"cashback", func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				if in.Order == nil || in.Value <= 0 {
					return out
				}
				e := loyalty.EarnAt(cents, in.Value, loyalty.OrderLevel, "2 cents per 1.00")
				e.Account = "cashback"
				return append(out, e)
			}},
			goldenRule{"reviews", func(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
				if a, ok := in.Event.(*loyalty.Action); ok && a.Kind == loyalty.ActionReview {
					out = append(out, loyalty.Earn(50, loyalty.OrderLevel, "a review"), loyalty.Notify("reviewed", "thanks for the review of "+a.Ref))
				}
				return out
			}},
		},
	}
}

// goldenScenario runs the fixed sequence of writes on h and returns what
// it pins. Every step moves the clock by whole days or hours from
// loyaltytest.Start, so no reading depends on the wall clock.
func goldenScenario(h *loyaltytest.Harness) golden {
	var g golden
	keep := func(r *loyalty.Receipt) { g.Receipts = append(g.Receipts, r) }

	keep(h.Enroll("ann"))
	keep(h.EnrollMember(loyaltytest.Member("bob").Birthday(1990, time.March, 3).Segments("staff").Build()))
	// Held for 14 days: 10 × (59.99 + 2 × 4.50 + 4.99) = 739.8 → 739 points.
	keep(h.Earn("earn/o1", loyaltytest.Order("ann", "o1").
		Line("boot", "59.99", 1).Category("shoes").
		Line("sock", "4.50", 2).Category("apparel").
		Shipping("4.99").Build()))
	h.AdvanceDays(2)
	// Returned inside the hold: the socks' points are voided.
	keep(h.Return("return/o1", loyaltytest.ReturnOf("ann", "ret1", "o1").Line("sock", 2).Build()))
	h.Advance(3 * time.Hour)
	keep(h.Act("review/1", "ann", loyalty.ActionReview, "boot"))
	keep(h.Earn("earn/o2", loyaltytest.Order("ann", "o2").Line("hat", "19.95", 1).Discount("1.95").Build()))
	keep(h.Earn("earn/b1", loyaltytest.Order("bob", "b1").Line("tee", "12.00", 3).LineDiscount("6.00").Build()))
	// Cem has no write of her own after this one: the jobs activate and
	// expire her points under keys of their own.
	keep(h.Enroll("cem"))
	keep(h.Earn("earn/c1", loyaltytest.Order("cem", "c1").Line("mug", "8.25", 2).Build()))
	// Past the hold of o1 and o2: the redemption settles them first.
	h.AdvanceDays(15)
	keep(h.Redeem("redeem/r1", loyalty.Redemption{ID: "r1", MemberID: "ann", OrderID: "o3", Total: h.Money("5.00"), Points: 300}))
	keep(h.CancelRedemption("cancel/r1", "ann", "r1"))
	keep(h.Redeem("redeem/r2", loyalty.Redemption{ID: "r2", MemberID: "ann", OrderID: "o4", Total: h.Money("1.25"), UpTo: true}))
	keep(h.Adjust("adjust/1", "ann", 25, "goodwill for a late parcel"))
	keep(h.Adjust("adjust/2", "bob", -5, "correction"))
	// Past every expiry: what is left of each lot expires.
	h.AdvanceDays(70)
	keep(h.Settle("settle/ann", "ann"))
	keep(h.Return("return/b1", loyaltytest.ReturnOf("bob", "ret2", "b1").Amount("10.00").Build()))
	keep(h.Settle("settle/bob", "bob"))
	g.Jobs = h.RunJobs(nil)

	for _, id := range []string{"ann", "bob", "cem"} {
		m := goldenMember{ID: id, History: h.History(id)}
		for _, a := range []ledger.Account{ledger.PointsAccount, "cashback"} {
			m.Balances = append(m.Balances, h.AccountBalance(id, a))
		}
		g.Members = append(g.Members, m)
	}
	return g
}

// TestGoldenHistoryIsTheSameOnEveryAdapter runs one fixed program and
// sequence of writes (and the day's jobs at the end) on storage/memory, storage/sqlite and (with
// LOYALTY_POSTGRES_DSN) storage/postgres, and compares every receipt and the
// members' whole histories and balances, as JSON, with testdata/golden.json:
// each adapter must produce those bytes, so a change in what the engine
// writes, or in what an adapter gives back, shows as a diff of the file.
func TestGoldenHistoryIsTheSameOnEveryAdapter(t *testing.T) {
	for _, s := range newStores(t) {
		t.Run(s.name, func(t *testing.T) {
			h := loyaltytest.New(t, goldenProgram(t), &loyaltytest.Options{Store: s.s})
			got, err := json.MarshalIndent(goldenScenario(h), "", "\t")
			require.NoError(t, err)
			got = append(got, '\n')
			if *update && s.name == "memory" {
				require.NoError(t, os.MkdirAll(filepath.Dir(goldenFile), 0o755))
				require.NoError(t, os.WriteFile(goldenFile, got, 0o644))
				return
			}
			want, err := os.ReadFile(goldenFile)
			require.NoError(t, err, "no golden file: run go test ./storage/difftest -run Golden -update")
			if !bytes.Equal(want, got) {
				require.Equal(t, string(want), string(got), "%s differs from %s (go test ./storage/difftest -run Golden -update rewrites it; explain the diff in the commit)", s.name, goldenFile)
			}
		})
	}
}

type goldenRule struct {
	name string
	fn   func(*loyalty.Input, []loyalty.Effect) []loyalty.Effect
}

func (r goldenRule) Name() string { return r.name }
func (r goldenRule) Evaluate(in *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	return r.fn(in, out)
}

// days expires a lot n days after it was earned.
type days int

func (d days) ExpiresAt(earned time.Time) time.Time { return earned.AddDate(0, 0, int(d)) }

// cent redeems one point for one cent, up to the order total.
type cent struct{}

func (cent) Quote(avail int64, total money.Money, want int64) (loyalty.Quote, error) {
	limit, _ := total.Minor()
	q := loyalty.Quote{MaxPoints: min(avail, limit), MaxValue: money.MinorUnits(min(avail, limit), total.Currency)}
	if want == 0 {
		want = q.MaxPoints
	}
	if want > q.MaxPoints {
		return q, loyalty.ErrInsufficientPoints
	}
	q.Points, q.Value = want, money.MinorUnits(want, total.Currency)
	return q, nil
}
