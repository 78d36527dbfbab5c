package storagetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// A code (a coupon, a referral code, a gift card number) is unique in its
// program and never given twice, void or not, even to reservations racing
// for it; its uses stop at MaxUses and never go below zero, and a void or
// unknown code cannot be used. A change that reserves or uses codes commits
// them with the member's ledger, all or nothing.

// codeTests are run by Run.
var codeTests = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) loyalty.Store)
}{
	{"InvalidCodeIsRefusedAndWritesNothing", testInvalidCode},
	{"ReservedCodeReadsBackEveryField", testCodeRoundTrip},
	{"TakenCodeIsNeverGivenTwice", testCodeTaken},
	{"CodeRacedBy16GoesToExactlyOne", testCodeRace},
	{"CodeUsesStopAtMaxUsesAndNeverGoBelowZero", testCodeUses},
	{"VoidOrUnknownCodeCannotBeUsed", testCodeVoidUnknown},
	{"CodeUsesInAChangeCommitWithItOrNotAtAll", testCodeUsesInChange},
	{"CodesArePerProgram", testCodesPerProgram},
}

var invalidCodes = map[string]string{
	"empty":          "",
	"over 64 bytes":  strings.Repeat("C", loyalty.MaxCodeLength+1),
	"space":          "SPRING 10",
	"control":        "SPRING\x0110",
	"tab":            "SPRING\t10",
	"not UTF-8":      "SPRING\xff10",
	"NUL":            "SPRING\x0010",
	"no-break space": "SPRING\u00a010",
}

// code reads code, which must exist.
func (h *harness) code(code string) ledger.Code {
	h.t.Helper()
	c, err := h.shared().Code(h.ctx, code)
	require.NoError(h.t, err, "code %q", code)
	return c
}

// reserve reserves c outside a member's write; it must succeed.
func (h *harness) reserve(c ledger.Code) {
	h.t.Helper()
	require.NoError(h.t, h.shared().ReserveCode(h.ctx, c), "reserve %q", c.Code)
}

// codeError requires err to be a *loyalty.CodeError of code wrapping want.
func codeError(t testing.TB, err error, code string, want error) {
	t.Helper()
	require.ErrorIs(t, err, want)
	var ce *loyalty.CodeError
	require.True(t, errors.As(err, &ce), "got %T %v, want a *loyalty.CodeError", err, err)
	require.Equal(t, code, ce.Code)
}

// use applies u outside a member's write and returns the code after.
func (h *harness) use(u ledger.CodeUse) ledger.Code {
	h.t.Helper()
	c, err := h.shared().UseCode(h.ctx, u)
	require.NoError(h.t, err, "use %+v", u)
	require.Equal(h.t, c, h.code(u.Code), "UseCode returns the code as it is after")
	return c
}

// refusedUse applies u outside a member's write, which must be refused with
// want, and proves the code is unchanged.
func (h *harness) refusedUse(u ledger.CodeUse, want error) {
	h.t.Helper()
	before, berr := h.shared().Code(h.ctx, u.Code)
	_, err := h.shared().UseCode(h.ctx, u)
	codeError(h.t, err, u.Code, want)
	after, aerr := h.shared().Code(h.ctx, u.Code)
	require.Equal(h.t, berr == nil, aerr == nil, "a refused use reserved or dropped the code: %v, then %v", berr, aerr)
	require.Equal(h.t, before, after, "a refused use changed the code")
}

func testInvalidCode(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	for name, code := range invalidCodes {
		{
			require.ErrorIs(t, loyalty.CheckCode(code), loyalty.ErrInvalidCode, name)
			err := h.shared().ReserveCode(h.ctx, ledger.Code{Code: code, Kind: "coupon", Owner: "ann", CreatedAt: epoch})
			require.ErrorIs(t, err, loyalty.ErrInvalidCode, name)
			_, err = h.shared().Code(h.ctx, code)
			require.Error(t, err, "%s: an invalid code was reserved", name)
			require.True(t, errors.Is(err, loyalty.ErrInvalidCode) || errors.Is(err, loyalty.ErrUnknownCode), "%s: got %v", name, err)
			_, err = h.shared().UseCode(h.ctx, ledger.CodeUse{Code: code, Uses: 1})
			require.ErrorIs(t, err, loyalty.ErrInvalidCode, name)

			h.refused("ann", "k-reserve", loyalty.ErrInvalidCode, nil, func() error {
				c := h.bump("k-reserve", "ann")
				c.Codes = []ledger.Code{{Code: "GOOD-1", Kind: "coupon", Owner: "ann", CreatedAt: epoch}, {Code: code, Kind: "coupon", Owner: "ann", CreatedAt: epoch}}
				_, err := h.store.Commit(h.ctx, c)
				return err
			})
			_, err = h.shared().Code(h.ctx, "GOOD-1")
			require.ErrorIs(t, err, loyalty.ErrUnknownCode, "%s: a refused change reserved a code", name)
			h.refused("ann", "k-use", loyalty.ErrInvalidCode, nil, func() error {
				c := h.bump("k-use", "ann")
				c.CodeUses = []ledger.CodeUse{{Code: code, Uses: 1}}
				_, err := h.store.Commit(h.ctx, c)
				return err
			})
		}
	}
	// The longest code, and one of several-byte characters, are codes.
	for _, code := range []string{strings.Repeat("C", loyalty.MaxCodeLength), "KAFFEE-ÜBER-€5", "クーポン-7"} {
		h.reserve(ledger.Code{Code: code, Kind: "coupon", CreatedAt: epoch})
		require.Equal(t, ledger.Code{Code: code, Kind: "coupon", CreatedAt: epoch}, h.code(code))
	}
	// A code is matched exactly: no other case, no prefix.
	for _, code := range []string{"kaffee-über-€5", "KAFFEE-ÜBER-€", strings.Repeat("C", loyalty.MaxCodeLength-1)} {
		_, err := h.shared().Code(h.ctx, code)
		require.ErrorIs(t, err, loyalty.ErrUnknownCode, "%q", code)
	}
	// Uses given at reservation, or a negative MaxUses.
	err := h.shared().ReserveCode(h.ctx, ledger.Code{Code: "USED-1", Uses: 1, CreatedAt: epoch})
	codeError(t, err, "USED-1", loyalty.ErrInvalidClaim)
	err = h.shared().ReserveCode(h.ctx, ledger.Code{Code: "USED-2", MaxUses: -1, CreatedAt: epoch})
	codeError(t, err, "USED-2", loyalty.ErrInvalidClaim)
	for _, code := range []string{"USED-1", "USED-2"} {
		_, err = h.shared().Code(h.ctx, code)
		require.ErrorIs(t, err, loyalty.ErrUnknownCode)
	}
	require.Equal(t, int64(0), h.balance("ann").Available)
}

func testCodeRoundTrip(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	coupon := ledger.Code{Code: "SPRING-10", Kind: "coupon", Owner: "ann", Ref: "g-1", MaxUses: 3,
		CreatedAt: epoch, ExpiresAt: epoch.AddDate(0, 1, 0)}
	h.reserve(coupon)
	require.Equal(t, coupon, h.code("SPRING-10"))
	gift := ledger.Code{Code: "GC-0001-0002", Kind: "gift-card", CreatedAt: epoch.Add(time.Millisecond)}
	h.reserve(gift)
	require.Equal(t, gift, h.code("GC-0001-0002"))
	_, err := h.shared().Code(h.ctx, "SPRING-11")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)

	// Reserved in a change, with the member's write.
	h.enroll("bob")
	ref := ledger.Code{Code: "BOB-REF", Kind: "referral", Owner: "bob", CreatedAt: epoch}
	c := h.bump("k1", "bob")
	c.Codes = []ledger.Code{ref, {Code: "BOB-WELCOME", Kind: "coupon", Owner: "bob", Ref: "g-2", MaxUses: 1, CreatedAt: epoch}}
	_, err = h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	c.Codes[0].Owner = "mallory" // the store kept nothing of the change
	require.Equal(t, ref, h.code("BOB-REF"))
	require.Equal(t, ledger.Code{Code: "BOB-WELCOME", Kind: "coupon", Owner: "bob", Ref: "g-2", MaxUses: 1, CreatedAt: epoch}, h.code("BOB-WELCOME"))
	require.Equal(t, int64(1), h.balance("bob").Available)
	h.check("bob")
}

func testCodeTaken(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.enroll("bob")
	first := ledger.Code{Code: "SPRING-10", Kind: "coupon", Owner: "ann", MaxUses: 1, CreatedAt: epoch}
	h.reserve(first)

	// Standalone, by another owner, of another kind, with no owner.
	for _, again := range []ledger.Code{
		{Code: "SPRING-10", Kind: "coupon", Owner: "bob", CreatedAt: epoch},
		{Code: "SPRING-10", Kind: "referral", Owner: "ann", CreatedAt: epoch},
		{Code: "SPRING-10", Kind: "gift-card", CreatedAt: epoch},
	} {
		codeError(t, h.shared().ReserveCode(h.ctx, again), "SPRING-10", loyalty.ErrCodeTaken)
		require.Equal(t, first, h.code("SPRING-10"))
	}
	// In a change, which then writes nothing, not even its other codes.
	err := h.refused("bob", "k1", loyalty.ErrCodeTaken, nil, func() error {
		c := h.bump("k1", "bob")
		c.Codes = []ledger.Code{{Code: "BOB-1", Kind: "coupon", Owner: "bob", CreatedAt: epoch}, {Code: "SPRING-10", Kind: "coupon", Owner: "bob", CreatedAt: epoch}}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	codeError(t, err, "SPRING-10", loyalty.ErrCodeTaken)
	_, err = h.shared().Code(h.ctx, "BOB-1")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode, "a refused change reserved a code")
	require.Equal(t, first, h.code("SPRING-10"))
	// The same code twice in one change.
	h.refused("bob", "k2", loyalty.ErrCodeTaken, nil, func() error {
		c := h.bump("k2", "bob")
		c.Codes = []ledger.Code{{Code: "BOB-2", Owner: "bob", CreatedAt: epoch}, {Code: "BOB-2", Owner: "bob", CreatedAt: epoch}}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	_, err = h.shared().Code(h.ctx, "BOB-2")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)

	// A code reserved in a change is taken for a standalone reservation.
	c := h.bump("k3", "bob")
	c.Codes = []ledger.Code{{Code: "BOB-3", Kind: "referral", Owner: "bob", CreatedAt: epoch}}
	_, err = h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	codeError(t, h.shared().ReserveCode(h.ctx, ledger.Code{Code: "BOB-3", Owner: "ann", CreatedAt: epoch}), "BOB-3", loyalty.ErrCodeTaken)
	require.Equal(t, "bob", h.code("BOB-3").Owner)

	// A void code, and a used-up one, stay taken.
	h.use(ledger.CodeUse{Code: "SPRING-10", Uses: 1})
	codeError(t, h.shared().ReserveCode(h.ctx, ledger.Code{Code: "SPRING-10", Owner: "bob", CreatedAt: epoch}), "SPRING-10", loyalty.ErrCodeTaken)
	h.use(ledger.CodeUse{Code: "SPRING-10", Void: true})
	codeError(t, h.shared().ReserveCode(h.ctx, ledger.Code{Code: "SPRING-10", Owner: "bob", CreatedAt: epoch}), "SPRING-10", loyalty.ErrCodeTaken)
	h.refused("bob", "k4", loyalty.ErrCodeTaken, nil, func() error {
		c := h.bump("k4", "bob")
		c.Codes = []ledger.Code{{Code: "SPRING-10", Owner: "bob", CreatedAt: epoch}}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	want := first
	want.Uses, want.Void = 1, true
	require.Equal(t, want, h.code("SPRING-10"))
	require.Equal(t, int64(1), h.balance("bob").Available, "k3 alone committed for bob")
}

func testCodeRace(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	const workers = 16
	for w := range workers {
		h.enroll(fmt.Sprintf("m%02d", w))
	}
	v := h.version("m00")
	// Half reserve it outside a write (a gift card minted), half in a
	// member's change: either way one alone gets it.
	ss := h.shared()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("m%02d", w)
			code := ledger.Code{Code: "LUCKY-7", Kind: "coupon", Owner: id, CreatedAt: epoch}
			<-start
			if w%2 == 0 {
				errs[w] = ss.ReserveCode(h.ctx, code)
				return
			}
			c := claimChange("code-"+id, id, v, 0)
			c.Codes = []ledger.Code{code}
			_, errs[w] = commitRacing(h, c)
		}()
	}
	close(start)
	wg.Wait()

	winner := -1
	for w, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "members %d and %d both got code LUCKY-7", winner, w)
			winner = w
			continue
		}
		codeError(t, err, "LUCKY-7", loyalty.ErrCodeTaken)
	}
	require.NotEqual(t, -1, winner, "nobody got code LUCKY-7")
	require.Equal(t, ledger.Code{Code: "LUCKY-7", Kind: "coupon", Owner: fmt.Sprintf("m%02d", winner), CreatedAt: epoch}, h.code("LUCKY-7"))
	for w := 1; w < workers; w += 2 {
		id := fmt.Sprintf("m%02d", w)
		want := int64(0)
		if w == winner {
			want = 1
		}
		require.Equal(t, want, h.balance(id).Available, "member %s", id)
		h.check(id)
	}
}

func testCodeUses(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	twice := ledger.Code{Code: "TWICE", Kind: "coupon", MaxUses: 2, CreatedAt: epoch}
	h.reserve(twice)
	at := func(uses int64) ledger.Code { c := twice; c.Uses = uses; return c }
	require.Equal(t, at(1), h.use(ledger.CodeUse{Code: "TWICE", Uses: 1}))
	h.refusedUse(ledger.CodeUse{Code: "TWICE", Uses: 2}, loyalty.ErrCodeUsedUp)
	require.Equal(t, at(2), h.use(ledger.CodeUse{Code: "TWICE", Uses: 1}))
	h.refusedUse(ledger.CodeUse{Code: "TWICE", Uses: 1}, loyalty.ErrCodeUsedUp)

	// Giving back: a cancelled order returns its use, never below zero.
	require.Equal(t, at(1), h.use(ledger.CodeUse{Code: "TWICE", Uses: -1}))
	h.refusedUse(ledger.CodeUse{Code: "TWICE", Uses: -2}, loyalty.ErrInvalidClaim)
	require.Equal(t, at(0), h.use(ledger.CodeUse{Code: "TWICE", Uses: -1}))
	h.refusedUse(ledger.CodeUse{Code: "TWICE", Uses: -1}, loyalty.ErrInvalidClaim)
	require.Equal(t, at(2), h.use(ledger.CodeUse{Code: "TWICE", Uses: 2}))

	// A use that changes nothing is refused.
	h.refusedUse(ledger.CodeUse{Code: "TWICE"}, loyalty.ErrInvalidClaim)

	// MaxUses 0 is no limit.
	open := ledger.Code{Code: "OPEN", Kind: "referral", Owner: "ann", CreatedAt: epoch}
	h.reserve(open)
	h.use(ledger.CodeUse{Code: "OPEN", Uses: 1})
	got := h.use(ledger.CodeUse{Code: "OPEN", Uses: 1 << 40})
	open.Uses = 1<<40 + 1
	require.Equal(t, open, got)
	require.Equal(t, at(2), h.code("TWICE"), "one code's uses are not another's")
}

func testCodeVoidUnknown(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.refusedUse(ledger.CodeUse{Code: "NOPE", Uses: 1}, loyalty.ErrUnknownCode)
	h.refusedUse(ledger.CodeUse{Code: "NOPE", Void: true}, loyalty.ErrUnknownCode)

	c := ledger.Code{Code: "ONCE", Kind: "coupon", Owner: "ann", MaxUses: 1, CreatedAt: epoch}
	h.reserve(c)
	h.use(ledger.CodeUse{Code: "ONCE", Uses: 1})
	void := c
	void.Uses, void.Void = 1, true
	require.Equal(t, void, h.use(ledger.CodeUse{Code: "ONCE", Void: true}))
	h.refusedUse(ledger.CodeUse{Code: "ONCE", Uses: 1}, loyalty.ErrCodeVoid)
	h.refusedUse(ledger.CodeUse{Code: "ONCE", Uses: -1}, loyalty.ErrCodeVoid)
	h.refusedUse(ledger.CodeUse{Code: "ONCE", Uses: -1, Void: true}, loyalty.ErrCodeVoid)
	// Voiding again changes nothing and is no error.
	require.Equal(t, void, h.use(ledger.CodeUse{Code: "ONCE", Void: true}))

	// In a change: the same refusals, and nothing written.
	h.enroll("ann")
	for _, tc := range []struct {
		use  ledger.CodeUse
		want error
	}{
		{ledger.CodeUse{Code: "NOPE", Uses: 1}, loyalty.ErrUnknownCode},
		{ledger.CodeUse{Code: "ONCE", Uses: 1}, loyalty.ErrCodeVoid},
	} {
		err := h.refused("ann", "k1", tc.want, nil, func() error {
			ch := h.bump("k1", "ann")
			ch.CodeUses = []ledger.CodeUse{tc.use}
			_, err := h.store.Commit(h.ctx, ch)
			return err
		})
		codeError(t, err, tc.use.Code, tc.want)
	}
	require.Equal(t, void, h.code("ONCE"))
	_, err := h.shared().Code(h.ctx, "NOPE")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)
}

func testCodeUsesInChange(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	h.enroll("ann")
	h.setLimit("stock", 10)
	coupon := ledger.Code{Code: "ANN-5", Kind: "coupon", Owner: "ann", MaxUses: 1, CreatedAt: epoch}
	other := ledger.Code{Code: "ANY-3", Kind: "coupon", MaxUses: 3, CreatedAt: epoch}
	h.reserve(coupon)
	h.reserve(other)

	c := h.bump("k1", "ann")
	c.CodeUses = []ledger.CodeUse{{Code: "ANN-5", Uses: 1}, {Code: "ANY-3", Uses: 1}}
	c.Claims = []ledger.Claim{take("stock", "", 1)}
	_, err := h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	usedCoupon, usedOther := coupon, other
	usedCoupon.Uses, usedOther.Uses = 1, 1
	require.Equal(t, usedCoupon, h.code("ANN-5"))
	require.Equal(t, usedOther, h.code("ANY-3"))

	// A use refused takes the others, the claim and the ledger down with it.
	stay := []ledger.SharedCounter{{Name: "stock", Limit: 10, Claimed: 1}}
	err = h.refused("ann", "k2", loyalty.ErrCodeUsedUp, stay, func() error {
		c := h.bump("k2", "ann")
		c.CodeUses = []ledger.CodeUse{{Code: "ANY-3", Uses: 1}, {Code: "ANN-5", Uses: 1}}
		c.Claims = []ledger.Claim{take("stock", "", 1)}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	codeError(t, err, "ANN-5", loyalty.ErrCodeUsedUp)
	require.Equal(t, usedOther, h.code("ANY-3"), "a refused change used a code")
	// Two uses of one code in a change add up.
	h.refused("ann", "k3", loyalty.ErrCodeUsedUp, stay, func() error {
		c := h.bump("k3", "ann")
		c.CodeUses = []ledger.CodeUse{{Code: "ANY-3", Uses: 1}, {Code: "ANY-3", Uses: 2}}
		_, err := h.store.Commit(h.ctx, c)
		return err
	})
	require.Equal(t, usedOther, h.code("ANY-3"))

	// A code reserved in one change and used in the next; a use given back
	// and a code voided in another.
	c = h.bump("k4", "ann")
	c.Codes = []ledger.Code{{Code: "ANN-6", Kind: "coupon", Owner: "ann", MaxUses: 2, CreatedAt: epoch}}
	_, err = h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	c = h.bump("k4b", "ann")
	c.CodeUses = []ledger.CodeUse{{Code: "ANN-6", Uses: 1}}
	_, err = h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	require.Equal(t, ledger.Code{Code: "ANN-6", Kind: "coupon", Owner: "ann", MaxUses: 2, Uses: 1, CreatedAt: epoch}, h.code("ANN-6"))
	c = h.bump("k5", "ann")
	c.CodeUses = []ledger.CodeUse{{Code: "ANN-5", Uses: -1}, {Code: "ANY-3", Void: true}}
	_, err = h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	require.Equal(t, coupon, h.code("ANN-5"))
	usedOther.Void = true
	require.Equal(t, usedOther, h.code("ANY-3"))
	require.Equal(t, int64(4), h.balance("ann").Available, "k1, k4, k4b and k5 committed")

	// A replayed key uses nothing again.
	h.committedKey("ann", h.receipt("k4b"), func() *loyalty.Change {
		c := h.bump("k4b", "ann")
		c.CodeUses = []ledger.CodeUse{{Code: "ANN-6", Uses: 1}}
		return c
	}())
	require.Equal(t, int64(1), h.code("ANN-6").Uses)
}

func testCodesPerProgram(t *testing.T, newStore func(*testing.T) loyalty.Store) {
	h := newHarness(t, newStore)
	a, b := h.program("shop"), h.program("club")
	ca := ledger.Code{Code: "WELCOME", Kind: "coupon", Owner: "ann", MaxUses: 1, CreatedAt: epoch}
	cb := ledger.Code{Code: "WELCOME", Kind: "referral", Owner: "bob", CreatedAt: epoch.Add(time.Millisecond)}
	a.reserve(ca)
	_, err := b.shared().Code(h.ctx, "WELCOME")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode, "a code of one program is not another's")
	b.reserve(cb)
	require.Equal(t, ca, a.code("WELCOME"))
	require.Equal(t, cb, b.code("WELCOME"))
	_, err = h.shared().Code(h.ctx, "WELCOME")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode, "the default program holds no code of another")

	a.use(ledger.CodeUse{Code: "WELCOME", Uses: 1})
	a.refusedUse(ledger.CodeUse{Code: "WELCOME", Uses: 1}, loyalty.ErrCodeUsedUp)
	b.use(ledger.CodeUse{Code: "WELCOME", Void: true})
	used, void := ca, cb
	used.Uses, void.Void = 1, true
	require.Equal(t, used, a.code("WELCOME"))
	require.Equal(t, void, b.code("WELCOME"))

	// Taken in one program, still free in a third, in a member's change.
	h.enroll("ann")
	c := h.bump("k1", "ann")
	c.Codes = []ledger.Code{{Code: "WELCOME", Kind: "coupon", Owner: "ann", CreatedAt: epoch}}
	_, err = h.store.Commit(h.ctx, c)
	require.NoError(t, err)
	require.Equal(t, ledger.Code{Code: "WELCOME", Kind: "coupon", Owner: "ann", CreatedAt: epoch}, h.code("WELCOME"))
	require.Equal(t, used, a.code("WELCOME"))
}
