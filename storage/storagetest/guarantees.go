package storagetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// The store's guarantees beyond the ledger's semantics: what it returns is
// the caller's to change, and what it writes adds up and is named by valid
// identifiers, whoever planned it.

// guaranteeTests are run by Run.
var guaranteeTests = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) loyalty.Store)
}{
	{"ChangingReturnedValuesChangesNothingStored", testReturnsCopies},
	{"RuleWritingIntoItsStateIsRefusedAsUnbalanced", testRuleBreaksContract},
	{"UnbalancedChangeIsRefusedAndWritesNothing", testUnbalancedCommit},
	{"ChangeWithInvalidMemberIDOrKeyIsRefused", testInvalidIDCommit},
	{"EngineRefusesInvalidMemberIDs", testInvalidIDEngine},
	{"FreeTextRoundTripsByteForByteOrIsRefused", testFreeTextRoundTrips},
	{"KeepsNothingOfACommittedChange", testKeepsNothingOfTheChange},
}

// snapshot is everything the store returns about member, as JSON.
func (h *harness) snapshot(member string, keys ...string) string {
	h.t.Helper()
	st, err := h.store.Load(h.ctx, member, loyalty.Query{Lots: true, Orders: []string{"o1"}, Redemptions: []string{"r1"}})
	require.NoError(h.t, err)
	var b strings.Builder
	b.WriteString(jsonOf(h.t, st))
	b.WriteString(jsonOf(h.t, h.history(member)))
	for _, k := range keys {
		r, err := h.store.Receipt(h.ctx, k)
		require.NoError(h.t, err)
		b.WriteString(jsonOf(h.t, r))
	}
	return b.String()
}

func scribbleReceipt(r *loyalty.Receipt) {
	r.Key, r.MemberID, r.Ref, r.Version = "x", "x", "x", -1
	for i := range r.Entries {
		r.Entries[i].Amount, r.Entries[i].Note, r.Entries[i].Key = 999, "x", "x"
	}
	for i := range r.Balances {
		r.Balances[i].Available = 999
	}
	for i := range r.Explanation {
		r.Explanation[i].Points, r.Explanation[i].Note = 999, "x"
	}
	for i := range r.Notices {
		r.Notices[i].Detail = "x"
	}
	if r.Redemption != nil {
		r.Redemption.Points = 999
		for i := range r.Redemption.Draws {
			r.Redemption.Draws[i].Amount = 999
		}
	}
}

func testReturnsCopies(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	m := loyalty.Member{ID: "ann", Segments: []string{"staff"}, Attributes: map[string]string{"tier": "gold"}}
	enrolled, err := h.engine.Enroll(h.ctx, "k0", m)
	require.NoError(t, err)
	m.Segments[0], m.Attributes["tier"] = "x", "x" // the caller's member is its own
	earned := h.earn(h.engine, "k1", order("o1", "ann", "10.00", "2.50"))
	redeemed, err := h.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(50_00, "USD"), Points: 30})
	require.NoError(t, err)
	keys := []string{"k0", "k1", "k2"}
	before := h.snapshot("ann", keys...)
	require.Contains(t, before, `"staff"`)
	require.Contains(t, before, `"gold"`)

	// What writes returned.
	for _, r := range []*loyalty.Receipt{enrolled, earned, redeemed} {
		scribbleReceipt(r)
	}
	require.Equal(t, before, h.snapshot("ann", keys...), "changing a receipt a write returned changed the store")

	// What reads returned.
	for _, k := range keys {
		r, err := h.store.Receipt(h.ctx, k)
		require.NoError(t, err)
		scribbleReceipt(r)
	}
	again, err := h.engine.Earn(h.ctx, "k1", order("o1", "ann", "10.00", "2.50")) // a replay
	require.NoError(t, err)
	scribbleReceipt(again)
	for _, e := range h.history("ann") {
		e.Amount = 999 // a copy by value
	}
	page, err := h.store.History(h.ctx, "ann", ledger.EntryID{}, 10)
	require.NoError(t, err)
	for i := range page {
		page[i].Amount, page[i].Note = 999, "x"
	}
	st, err := h.store.Load(h.ctx, "ann", loyalty.Query{Lots: true, Orders: []string{"o1"}, Redemptions: []string{"r1"}})
	require.NoError(t, err)
	require.Len(t, st.Orders, 1)
	require.Len(t, st.Redemptions, 1)
	st.Member.Segments[0] = "x"
	st.Member.Attributes["tier"] = "x"
	st.Member.Attributes["new"] = "x"
	for i := range st.Balances {
		st.Balances[i].Available = 999
	}
	for i := range st.Lots {
		st.Lots[i].Remaining = 999
	}
	for i := range st.Counters {
		st.Counters[i].Value = 999
	}
	st.Orders[0].Lines[0].Points = 999
	st.Orders[0].Returns = append(st.Orders[0].Returns, "x")
	st.Redemptions[0].Draws[0].Amount = 999
	require.Equal(t, before, h.snapshot("ann", keys...), "changing what a read returned changed the store")
	require.Equal(t, int64(95), h.balance("ann").Available) // 125 earned, 30 redeemed
}

// meddler breaks the Rule contract: it writes into the state it is shown.
type meddler struct{}

func (meddler) Name() string { return "meddler" }

func (meddler) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if c.State != nil {
		for i := range c.State.Balances {
			c.State.Balances[i].Available += 1000
		}
	}
	return out
}

func testRuleBreaksContract(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	bad := h.engineFor(Program(func(p *loyalty.Program) { p.Rules = append(p.Rules, meddler{}) }))
	h.unchanged("ann", loyalty.ErrUnbalanced, func() error {
		_, err := bad.Earn(h.ctx, "k2", order("o2", "ann", "10.00"))
		return err
	})
	_, err := h.store.Receipt(h.ctx, "k2")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	require.Equal(t, int64(100), h.balance("ann").Available)
}

// Adjustment is a hand-built change of member, stored at version from,
// that adds amount to the points account at at: one adjust entry (version
// from+1, index 0), the lot it opens, the planned balance want and a
// receipt, both fingerprinted "f-" + key. A store commits it when want is
// the stored balance plus amount, and refuses it as unbalanced otherwise;
// an adapter's own tests build their hand-made changes from it, as the
// suite does.
func Adjustment(at time.Time, key, member string, from, amount, want int64) *loyalty.Change {
	return &loyalty.Change{
		Key: key, Fingerprint: "f-" + key, MemberID: member, Version: from,
		Entries: []ledger.Entry{{ID: ledger.EntryID{Version: from + 1}, MemberID: member, Account: ledger.PointsAccount,
			Kind: ledger.EntryAdjust, Amount: amount, At: at, Key: key, Source: "test", Lot: ledger.LotID(from+1, 0)}},
		Lots:     []ledger.Lot{{ID: ledger.LotID(from+1, 0), MemberID: member, Account: ledger.PointsAccount, Remaining: amount, EarnedAt: at}},
		Balances: []ledger.Balance{{Account: ledger.PointsAccount, Available: want}},
		Receipt:  &loyalty.Receipt{Key: key, Fingerprint: "f-" + key, MemberID: member, Version: from + 1},
	}
}

// adjustment is Adjustment at the suite's epoch.
func adjustment(key, member string, from, amount, want int64) *loyalty.Change {
	return Adjustment(epoch, key, member, from, amount, want)
}

func testUnbalancedCommit(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00")) // 100 points
	v := h.version("ann")
	cases := map[string]*loyalty.Change{
		"balance not stored plus entries": adjustment("u1", "ann", v, 7, 7),
		"pending not stored plus entries": func() *loyalty.Change {
			c := adjustment("u2", "ann", v, 7, 107)
			c.Balances[0].Pending = 5
			return c
		}(),
		"entry of another version": func() *loyalty.Change {
			c := adjustment("u3", "ann", v, 7, 107)
			c.Entries[0].ID.Version = v + 2
			return c
		}(),
		"entry index not from 0": func() *loyalty.Change {
			c := adjustment("u4", "ann", v, 7, 107)
			c.Entries[0].ID.Index = 1
			return c
		}(),
		"entry in an account with no planned balance": func() *loyalty.Change {
			c := adjustment("u5", "ann", v, 7, 107)
			c.Entries[0].Account = "credit"
			return c
		}(),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			h.unchanged("ann", loyalty.ErrUnbalanced, func() error {
				_, err := h.store.Commit(h.ctx, c)
				return err
			})
			_, err := h.store.Receipt(h.ctx, c.Key)
			require.ErrorIs(t, err, loyalty.ErrNotFound)
		})
	}
	// A new member's balance starts at zero.
	enrol := adjustment("u6", "bob", 0, 5, 6)
	enrol.Member = &loyalty.Member{ID: "bob"}
	_, err := h.store.Commit(h.ctx, enrol)
	require.ErrorIs(t, err, loyalty.ErrUnbalanced)
	_, err = h.store.Load(h.ctx, "bob", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "a refused enrolment created the member")

	// The balanced one commits.
	r, err := h.store.Commit(h.ctx, adjustment("ok", "ann", v, 7, 107))
	require.NoError(t, err)
	require.Equal(t, v+1, r.Version)
	require.Equal(t, int64(107), h.balance("ann").Available)
	h.check("ann")
}

var invalidIDs = map[string]string{
	"not UTF-8":      "vic\xfftim",
	"NUL":            "vic\x00tim",
	"over 255 bytes": strings.Repeat("v", 256),
}

func testInvalidIDCommit(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	v := h.version("ann")
	for name, id := range invalidIDs {
		t.Run(name, func(t *testing.T) {
			enrol := adjustment("enrol-bad", id, 0, 5, 5)
			enrol.Member = &loyalty.Member{ID: id}
			_, err := h.store.Commit(h.ctx, enrol)
			require.ErrorIs(t, err, loyalty.ErrInvalidID)
			_, err = h.store.Load(h.ctx, id, loyalty.Query{})
			require.ErrorIs(t, err, loyalty.ErrInvalidID, "every store refuses to read an ID it cannot keep")
			_, err = h.store.History(h.ctx, id, ledger.EntryID{}, 10)
			require.ErrorIs(t, err, loyalty.ErrInvalidID)
			_, err = h.store.Receipt(h.ctx, "enrol-bad")
			require.ErrorIs(t, err, loyalty.ErrNotFound)

			h.unchanged("ann", loyalty.ErrInvalidID, func() error {
				key := id
				if len(key) > loyalty.MaxIDLength { // keys may be longer than IDs
					key = strings.Repeat("k", loyalty.MaxKeyLength+1)
				}
				_, err := h.store.Commit(h.ctx, adjustment(key, "ann", v, 5, 5))
				return err
			})
		})
	}
}

func testInvalidIDEngine(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("vic\uFFFDtim")
	h.earn(h.engine, "k0", order("o0", "vic\uFFFDtim", "10.00"))
	for name, id := range invalidIDs {
		t.Run(name, func(t *testing.T) {
			_, err := h.engine.Enroll(h.ctx, "enroll-"+name, loyalty.Member{ID: id})
			require.ErrorIs(t, err, loyalty.ErrInvalidID)
			_, err = h.engine.Earn(h.ctx, "earn-"+name, order("o-"+name, id, "10.00"))
			require.ErrorIs(t, err, loyalty.ErrInvalidID)
			_, err = h.store.Load(h.ctx, id, loyalty.Query{})
			require.Error(t, err, "a refused enrolment created the member")
			for _, k := range []string{"enroll-" + name, "earn-" + name} {
				_, err = h.store.Receipt(h.ctx, k)
				require.ErrorIs(t, err, loyalty.ErrNotFound)
			}
		})
	}
	require.Equal(t, int64(100), h.balance("vic\uFFFDtim").Available, "an invalid ID credited another member")
	require.Len(t, h.history("vic\uFFFDtim"), 1)
}

// noter earns 1 point with note as its explanation and announces note.
type noter struct{ note string }

func (noter) Name() string { return "noter" }

func (n noter) Evaluate(c *loyalty.Input, out []loyalty.Effect) []loyalty.Effect {
	if c.Order != nil {
		out = append(out, loyalty.Earn(1, loyalty.OrderLevel, n.note), loyalty.Notify("note", n.note))
	}
	return out
}

// freeText are notes a store must keep byte for byte.
var freeText = []string{"café ☕", "line\u2028sep <&> \"q\" \\", "tab\tnew\nline", "\U0001F600 emoji"}

func testFreeTextRoundTrips(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	for i, note := range freeText {
		e := h.engineFor(Program(func(p *loyalty.Program) { p.Rules = append(p.Rules, noter{note}) }))
		key, o := fmt.Sprintf("note-%d", i), order(fmt.Sprintf("o-note-%d", i), "ann", "1.00")
		first := h.earn(e, key, o)
		adj, err := h.engine.Adjust(h.ctx, "adj-"+key, "ann", 1, note)
		require.NoError(t, err)
		for _, got := range []*loyalty.Receipt{first, h.receipt(key), h.replay(e, key, o)} {
			require.Len(t, got.Explanation, 2)
			require.Equal(t, []byte(note), []byte(got.Explanation[1].Note))
			require.Len(t, got.Notices, 1)
			require.Equal(t, []byte(note), []byte(got.Notices[0].Detail))
		}
		for _, got := range []*loyalty.Receipt{adj, h.receipt("adj-" + key)} {
			require.Equal(t, []byte(note), []byte(got.Entries[0].Note))
		}
	}
	// Text no store can keep exactly is refused, by the Engine or the store,
	// and writes nothing.
	for i, note := range []string{"caf\xe9", "nul\x00"} {
		e := h.engineFor(Program(func(p *loyalty.Program) { p.Rules = append(p.Rules, noter{note}) }))
		h.unchanged("ann", loyalty.ErrInvalidEvent, func() error {
			_, err := e.Earn(h.ctx, fmt.Sprintf("bad-%d", i), order(fmt.Sprintf("o-bad-%d", i), "ann", "1.00"))
			return err
		})
		c := adjustment(fmt.Sprintf("bad-direct-%d", i), "ann", h.version("ann"), 5, h.balance("ann").Available+5)
		c.Entries[0].Note = note
		h.unchanged("ann", loyalty.ErrInvalidEvent, func() error {
			_, err := h.store.Commit(h.ctx, c)
			return err
		})
	}
}

func (h *harness) receipt(key string) *loyalty.Receipt {
	h.t.Helper()
	r, err := h.store.Receipt(h.ctx, key)
	require.NoError(h.t, err)
	return r
}

func (h *harness) replay(e *loyalty.Engine, key string, o *loyalty.Order) *loyalty.Receipt {
	h.t.Helper()
	r, err := e.Earn(h.ctx, key, o)
	require.NoError(h.t, err)
	return r
}
