package storagetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
)

// A grant is a reward a member's change gives or updates (Change.Grants).
// Load returns the open ones (Query.Grants) and any by ID (Query.GrantIDs),
// as copies; a grant belongs to the change's member; the receipt keeps what
// the write granted and claimed.

// grantTests are run by Run.
var grantTests = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) loyalty.Store)
}{
	{"GrantsLoadOpenOnesOrByIDWhateverTheirStatus", testGrantsLoad},
	{"GrantUpdatedByIDReplacesIt", testGrantUpdate},
	{"GrantsReturnedAreCopies", testGrantCopies},
	{"GrantOfAnotherMemberOrWithoutIDIsRefused", testGrantRefused},
	{"ReceiptKeepsGrantsAndClaims", testReceiptGrantsClaims},
}

func grant(id, member, reward string, status ledger.GrantStatus) ledger.Grant {
	return ledger.Grant{ID: id, MemberID: member, Reward: reward, Status: status, GrantedAt: epoch,
		Source: "birthday", Ref: "act-" + id}
}

// grants commits a bump of member under key with grants.
func (h *harness) grants(key, member string, grants ...ledger.Grant) *loyalty.Receipt {
	h.t.Helper()
	c := h.bump(key, member)
	c.Grants = grants
	c.Receipt.Grants = grants
	r, err := h.store.Commit(h.ctx, c)
	require.NoError(h.t, err)
	h.check(member)
	return r
}

// loadGrants loads member's grants as q asks, sorted by ID.
func (h *harness) loadGrants(member string, q loyalty.Query) []ledger.Grant {
	h.t.Helper()
	st, err := h.store.Load(h.ctx, member, q)
	require.NoError(h.t, err)
	out := slices.Clone(st.Grants)
	slices.SortFunc(out, func(a, b ledger.Grant) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// requireGrants compares grants as JSON: a store may give back money in its
// shortest form (see loyalty.Receipt).
func requireGrants(t *testing.T, want, got []ledger.Grant, msg string) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	require.Equal(t, jsonOf(t, want), jsonOf(t, got), msg)
}

func testGrantsLoad(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.enroll("bob")
	g1 := grant("g1", "ann", "birthday-coupon", ledger.GrantOpen)
	g1.Code, g1.Value, g1.MaxUses, g1.ExpiresAt, g1.Note = "BDAY-ANN", money.MinorUnits(5_00, "USD"), 1, epoch.AddDate(0, 1, 0), "happy birthday"
	g2 := grant("g2", "ann", "free-coffee", ledger.GrantOpen)
	g3 := grant("g3", "ann", "free-coffee", ledger.GrantUsed)
	g3.Uses = 1
	g4 := grant("g4", "ann", "welcome", ledger.GrantExpired)
	g4.ExpiresAt = epoch.Add(time.Hour)
	h.grants("k1", "ann", g1, g2, g3)
	h.grants("k2", "ann", g4)
	h.grants("k3", "bob", grant("g1", "bob", "free-coffee", ledger.GrantOpen)) // one ID, another member

	requireGrants(t, nil, h.loadGrants("ann", loyalty.Query{}), "grants are read only when asked for")
	requireGrants(t, []ledger.Grant{g1, g2}, h.loadGrants("ann", loyalty.Query{Grants: true}), "the open grants")
	requireGrants(t, []ledger.Grant{g1, g3, g4}, h.loadGrants("ann", loyalty.Query{GrantIDs: []string{"g3", "g1", "g4", "g9"}}),
		"the named grants whatever their status, and none for an ID never granted")
	requireGrants(t, []ledger.Grant{g1, g2, g3}, h.loadGrants("ann", loyalty.Query{Grants: true, GrantIDs: []string{"g3", "g1"}}),
		"open and named grants, each once")
	requireGrants(t, []ledger.Grant{grant("g1", "bob", "free-coffee", ledger.GrantOpen)}, h.loadGrants("bob", loyalty.Query{Grants: true}),
		"each member's own grants")
	got := h.loadGrants("ann", loyalty.Query{GrantIDs: []string{"g1"}})
	require.True(t, got[0].Value.Amount.Equal(decimal.New(5, 0)), "value %v", got[0].Value)
	require.Equal(t, money.Currency("USD"), got[0].Value.Currency)
}

func testGrantUpdate(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	g1 := grant("g1", "ann", "free-coffee", ledger.GrantOpen)
	g1.MaxUses = 2
	g2 := grant("g2", "ann", "free-coffee", ledger.GrantOpen)
	h.grants("k1", "ann", g1, g2)

	// Used once, then up; g2 taken back.
	g1.Uses, g1.Note = 1, "first coffee"
	h.grants("k2", "ann", g1)
	requireGrants(t, []ledger.Grant{g1, g2}, h.loadGrants("ann", loyalty.Query{Grants: true}), "an open grant used once stays open")
	g1.Uses, g1.Status, g1.Note, g1.Ref = 2, ledger.GrantUsed, "", "order-7"
	g2.Status = ledger.GrantVoid
	h.grants("k3", "ann", g1, g2)
	requireGrants(t, nil, h.loadGrants("ann", loyalty.Query{Grants: true}), "no grant is open")
	requireGrants(t, []ledger.Grant{g1, g2}, h.loadGrants("ann", loyalty.Query{GrantIDs: []string{"g1", "g2"}}),
		"an update replaces every field, an emptied one too")

	// Opened again (an operator's correction).
	g2.Status = ledger.GrantOpen
	h.grants("k4", "ann", g2)
	requireGrants(t, []ledger.Grant{g2}, h.loadGrants("ann", loyalty.Query{Grants: true}), "a grant opened again")
	require.Equal(t, int64(4), h.balance("ann").Available)
}

func testGrantCopies(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	g1 := grant("g1", "ann", "voucher", ledger.GrantOpen)
	g1.Value = money.MinorUnits(10_00, "USD")
	c := h.bump("k1", "ann")
	c.Grants = []ledger.Grant{g1}
	c.Receipt.Grants = []ledger.Grant{g1}
	_, err := h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	// The store kept nothing of the change's grants.
	c.Grants[0].Reward, c.Grants[0].Status = "scribbled", ledger.GrantVoid
	want := []ledger.Grant{g1}
	requireGrants(t, want, h.loadGrants("ann", loyalty.Query{Grants: true}), "changing a committed change's grants changed what was stored")

	// Nor does it return its own.
	st, err := h.store.Load(h.ctx, "ann", loyalty.Query{Grants: true, GrantIDs: []string{"g1"}})
	require.NoError(t, err)
	require.Len(t, st.Grants, 1)
	st.Grants[0].Reward, st.Grants[0].Status, st.Grants[0].Uses = "scribbled", ledger.GrantUsed, 7
	st.Grants[0].Value = money.MinorUnits(1, "EUR")
	requireGrants(t, want, h.loadGrants("ann", loyalty.Query{Grants: true}), "changing a loaded grant changed what was stored")
	r := h.receipt("k1")
	require.Len(t, r.Grants, 1)
	r.Grants[0].Reward, r.Grants[0].ID = "scribbled", "x"
	requireGrants(t, want, h.receipt("k1").Grants, "changing a receipt's grants changed what was stored")
}

func testGrantRefused(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.enroll("bob")
	for _, tc := range []struct {
		name string
		g    ledger.Grant
		want error
	}{
		{"of another member", grant("g1", "bob", "free-coffee", ledger.GrantOpen), loyalty.ErrInvalidEvent},
		{"of no member", grant("g1", "", "free-coffee", ledger.GrantOpen), loyalty.ErrInvalidEvent},
		{"without ID", grant("", "ann", "free-coffee", ledger.GrantOpen), loyalty.ErrInvalidID},
		{"with an ID that is no ID", grant("g\x01", "ann", "free-coffee", ledger.GrantOpen), loyalty.ErrInvalidID},
	} {
		h.refused("ann", "k1", tc.want, nil, func() error {
			c := h.bump("k1", "ann")
			c.Grants = []ledger.Grant{grant("g0", "ann", "welcome", ledger.GrantOpen), tc.g}
			_, err := h.store.Commit(h.ctx, c)
			return err
		})
		requireGrants(t, nil, h.loadGrants("ann", loyalty.Query{Grants: true, GrantIDs: []string{"g0", "g1"}}), tc.name+": a refused change granted")
		requireGrants(t, nil, h.loadGrants("bob", loyalty.Query{Grants: true, GrantIDs: []string{"g0", "g1"}}), tc.name+": a refused change granted")
	}
}

func testReceiptGrantsClaims(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.setLimit("stock", 10)
	g1 := grant("g1", "ann", "free-coffee", ledger.GrantOpen)
	g1.Code, g1.Value, g1.ExpiresAt = "COFFEE-1", money.MinorUnits(3_50, "USD"), epoch.AddDate(0, 0, 30)
	c := h.bump("k1", "ann")
	c.Grants = []ledger.Grant{g1}
	c.Claims = []ledger.Claim{take("stock", "2026-01", 1), take("stock", "", 2)}
	c.Codes = []ledger.Code{{Code: "COFFEE-1", Kind: "coupon", Owner: "ann", Ref: "g1", MaxUses: 1, CreatedAt: epoch}}
	c.Receipt.Grants = []ledger.Grant{g1}
	c.Receipt.Claims = []ledger.Claim{take("stock", "2026-01", 1), take("stock", "", 2)}
	c.Receipt.Operation, c.Receipt.Ref, c.Receipt.At = loyalty.OpAct, "birthday-2026", epoch
	r, err := h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	want := jsonOf(t, r)
	kept := h.receipt("k1")
	require.Equal(t, want, jsonOf(t, kept), "the receipt comes back as committed, grants and claims with it")
	require.Len(t, kept.Claims, 2)
	require.Equal(t, c.Receipt.Claims, kept.Claims)
	require.Len(t, kept.Grants, 1)
	require.True(t, kept.Grants[0].Value.Amount.Equal(g1.Value.Amount))

	// And from a committed key.
	h.committedKey("ann", kept, h.bump("k1", "ann"))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 10, Claimed: 2}, h.counter("stock", ""))
	require.Equal(t, ledger.SharedCounter{Name: "stock", PeriodKey: "2026-01", Limit: 10, Claimed: 1}, h.counter("stock", "2026-01"))
}
