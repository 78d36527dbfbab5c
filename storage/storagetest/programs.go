package storagetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// Programs sit side by side on one store (loyalty.ProgramStore): each view
// ForProgram returns holds its own members, balances, keys, orders, receipts,
// codes, counters and grants, and a write to one never changes another. The
// store itself is the view of loyalty.DefaultProgram.

// programTests are run by Run.
var programTests = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) loyalty.Store)
}{
	{"ProgramIDThatIsEmptyOrNoIDIsRefused", testProgramInvalidID},
	{"ProgramsKeepMembersKeysAndOrdersApart", testProgramsApart},
	{"WritesToOneProgramNeverChangeAnother", testProgramIsolation},
	{"StoreIsTheViewOfTheDefaultProgram", testDefaultProgram},
}

// programsOf returns s as a loyalty.ProgramStore, failing t when it is not one.
func programsOf(t testing.TB, s loyalty.Store) loyalty.ProgramStore {
	t.Helper()
	ps, ok := s.(loyalty.ProgramStore)
	require.True(t, ok, "%T does not implement loyalty.ProgramStore: the adapter must implement it (every adapter of this module does)", s)
	return ps
}

// program returns a harness of the view of program id of h's store, with
// h's clock. Its engine runs the suite's program with that ID on h's store,
// as a host's does: the Engine scopes the store to its program itself.
func (h *harness) program(id string) *harness {
	h.t.Helper()
	view, err := programsOf(h.t, h.store).ForProgram(id)
	require.NoError(h.t, err, "ForProgram(%q)", id)
	require.NotNil(h.t, view)
	p := &harness{t: h.t, ctx: h.ctx, store: view, clock: h.clock}
	p.engine, err = loyalty.NewEngine(Program(func(p *loyalty.Program) { p.ID = id }), h.store,
		&loyalty.EngineOptions{Clock: h.clock, MaxRetries: 10000})
	require.NoError(h.t, err)
	return p
}

// members lists every member of h's store through loyalty.MemberLister,
// sorted.
func (h *harness) members() []string {
	h.t.Helper()
	l, ok := h.store.(loyalty.MemberLister)
	require.True(h.t, ok, "%T does not implement loyalty.MemberLister: a program's view implements what its store does", h.store)
	var all []string
	after := ""
	for {
		page, err := l.Members(h.ctx, after, 2)
		require.NoError(h.t, err)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1]
	}
	slices.Sort(all)
	return all
}

func testProgramInvalidID(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	ps := programsOf(t, h.store)
	bad := map[string]string{"empty": "", "control character": "shop\x01", "tab": "shop\tone", "DEL": "shop\x7f"}
	for name, id := range invalidIDs {
		bad[name] = id
	}
	for name, id := range bad {
		s, err := ps.ForProgram(id)
		require.ErrorIs(t, err, loyalty.ErrInvalidID, "%s: ForProgram(%q)", name, id)
		require.Nil(t, s, "%s", name)
	}
	// An ID that passes CheckProgramID names a program, one never used
	// reading as empty.
	for _, id := range []string{"shop", "brand-2", "Café du Coin", loyalty.DefaultProgram} {
		require.NoError(t, loyalty.CheckProgramID(id))
		s, err := ps.ForProgram(id)
		require.NoError(t, err, "ForProgram(%q)", id)
		_, err = s.Load(h.ctx, "ann", loyalty.Query{})
		require.ErrorIs(t, err, loyalty.ErrUnknownMember)
		_, err = s.Receipt(h.ctx, "k1")
		require.ErrorIs(t, err, loyalty.ErrNotFound)
	}
}

func testProgramsApart(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	a, b := h.program("shop"), h.program("club")
	a.enroll("ann")
	a.enroll("amy")
	b.enroll("ann")
	b.enroll("bob")
	require.Equal(t, []string{"amy", "ann"}, a.members())
	require.Equal(t, []string{"ann", "bob"}, b.members())

	// One key, one order ID, one member in each: both commit, each its own.
	ra := a.earn(a.engine, "k-earn", order("A-1", "ann", "10.00"))
	rb := b.earn(b.engine, "k-earn", order("A-1", "ann", "3.00"))
	require.Equal(t, int64(100), ra.Points())
	require.Equal(t, int64(30), rb.Points())
	require.Equal(t, int64(100), a.balance("ann").Available)
	require.Equal(t, int64(30), b.balance("ann").Available)
	require.Equal(t, jsonOf(t, ra), jsonOf(t, a.receipt("k-earn")), "each program returns its own receipt")
	require.Equal(t, jsonOf(t, rb), jsonOf(t, b.receipt("k-earn")))

	// Within a program an order ID is still unique: ann holds A-1 in the
	// club, so bob cannot earn it there.
	b.unchanged("bob", loyalty.ErrDuplicate, func() error {
		_, err := b.engine.Earn(h.ctx, "bob-A-1", order("A-1", "bob", "1.00"))
		return err
	})
	a.earn(a.engine, "amy-B-9", order("B-9", "amy", "2.00"))
	b.earn(b.engine, "bob-B-9", order("B-9", "bob", "4.00"))
	require.Equal(t, int64(20), a.balance("amy").Available)
	require.Equal(t, int64(40), b.balance("bob").Available)

	// Replays stay in their program.
	again, err := b.engine.Earn(h.ctx, "k-earn", order("A-1", "ann", "3.00"))
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Equal(t, jsonOf(t, rb), jsonOf(t, replayOf(again)))
	_, err = a.engine.Earn(h.ctx, "k-earn", order("A-1", "ann", "3.00"))
	require.ErrorIs(t, err, loyalty.ErrKeyReused, "the shop's k-earn is the 10.00 order")

	// The default program holds none of it.
	_, err = h.store.Load(h.ctx, "ann", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
	_, err = h.store.Receipt(h.ctx, "k-earn")
	require.ErrorIs(t, err, loyalty.ErrNotFound)
	require.Empty(t, h.members())
	for _, p := range []*harness{a, b} {
		for _, m := range p.members() {
			p.check(m)
		}
	}
}

// programSnapshot is what a program holds of member: state, history both
// ways, receipts of keys.
func (h *harness) programSnapshot(member string, keys ...string) string {
	h.t.Helper()
	s := h.snapshot(member, keys...)
	r, ok := h.store.(loyalty.HistoryReverser)
	require.True(h.t, ok, "%T does not implement loyalty.HistoryReverser: a program's view implements what its store does", h.store)
	back, err := r.HistoryBefore(h.ctx, member, ledger.EntryID{}, 100)
	require.NoError(h.t, err)
	return s + jsonOf(h.t, back)
}

func testProgramIsolation(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	a, b := h.program("shop"), h.program("club")
	a.enroll("ann")
	a.earn(a.engine, "k1", order("o1", "ann", "10.00"))
	_, err := a.engine.Redeem(h.ctx, "k2", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(100_00, "USD"), Points: 30})
	require.NoError(t, err)
	before := a.programSnapshot("ann", "enroll-ann", "k1", "k2")

	// Every kind of write to the club, to the same member ID and keys.
	b.enroll("ann")
	b.earn(b.engine, "k1", order("o1", "ann", "40.00", "10.00"))
	_, err = b.engine.Return(h.ctx, "k2", &loyalty.Return{ID: "ret1", OrderID: "o1", MemberID: "ann", Lines: []loyalty.ReturnLine{{SKU: "sku-2", Quantity: 1}}})
	require.NoError(t, err)
	_, err = b.engine.Redeem(h.ctx, "k3", loyalty.Redemption{ID: "r1", MemberID: "ann", Total: money.MinorUnits(100_00, "USD"), Points: 200})
	require.NoError(t, err)
	_, err = b.engine.Adjust(h.ctx, "k4", "ann", 7, "goodwill")
	require.NoError(t, err)
	b.claim("k5", "ann")
	b.check("ann")

	require.Equal(t, before, a.programSnapshot("ann", "enroll-ann", "k1", "k2"), "a write to one program changed another")
	require.Equal(t, int64(70), a.balance("ann").Available, "100 earned, 30 redeemed")
	require.Equal(t, int64(500-100-200+7+1), b.balance("ann").Available, "500 earned, 100 returned, 200 redeemed, 7 and 1 adjusted")
	_, err = a.store.Receipt(h.ctx, "k4")
	require.ErrorIs(t, err, loyalty.ErrNotFound, "a key of one program is not committed in another")

	// Writes to the shop leave the club as it was, in turn.
	clubBefore := b.programSnapshot("ann", "k1", "k5")
	_, err = a.engine.Adjust(h.ctx, "k4", "ann", 5, "goodwill")
	require.NoError(t, err)
	require.Equal(t, clubBefore, b.programSnapshot("ann", "k1", "k5"))
}

func testDefaultProgram(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	d := h.program(loyalty.DefaultProgram)
	other := h.program("shop")

	// Written through the store, read through the view, and back.
	h.enroll("ann")
	h.earn(h.engine, "k1", order("o1", "ann", "10.00"))
	d.enroll("bob")
	d.earn(d.engine, "k2", order("o2", "bob", "3.00"))
	require.Equal(t, h.programSnapshot("ann", "k1"), d.programSnapshot("ann", "k1"))
	require.Equal(t, h.programSnapshot("bob", "k2"), d.programSnapshot("bob", "k2"))
	require.Equal(t, int64(30), h.balance("bob").Available)
	require.Equal(t, []string{"ann", "bob"}, h.members())
	require.Equal(t, []string{"ann", "bob"}, d.members())
	_, err := other.store.Load(h.ctx, "ann", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)

	// A key and an order committed in one are committed in the other.
	_, err = d.store.Commit(h.ctx, adjustment("k1", "ann", h.version("ann"), 5, 105))
	var kc *loyalty.KeyCommittedError
	require.True(t, errors.As(err, &kc), "got %T %v, want a *loyalty.KeyCommittedError", err, err)
	d.unchanged("bob", loyalty.ErrDuplicate, func() error {
		_, err := d.engine.Earn(h.ctx, "k3", order("o1", "bob", "10.00"))
		return err
	})

	// Shared state too.
	h.setLimit("stock", 3)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 3}, d.counter("stock", ""))
	d.claim("k4", "ann", take("stock", "", 2))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 3, Claimed: 2}, h.counter("stock", ""))
	require.NoError(t, d.shared().ReserveCode(h.ctx, ledger.Code{Code: "GIFT-1", Kind: "gift-card", CreatedAt: epoch}))
	c, err := h.shared().Code(h.ctx, "GIFT-1")
	require.NoError(t, err)
	require.Equal(t, ledger.Code{Code: "GIFT-1", Kind: "gift-card", CreatedAt: epoch}, c)
	_, err = other.shared().Code(h.ctx, "GIFT-1")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)
}
