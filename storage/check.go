package storage

import (
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// CheckChange reports whether c may be committed on top of stored, the
// member's balances as the store holds them (any order; an account missing
// from stored holds zero; nil for a member not yet created). It is the check
// every adapter runs before it writes, so that all of them refuse the same
// changes:
//
//   - c is not nil, has a Key and a MemberID, and both pass loyalty.CheckID
//     (errors unwrap to loyalty.ErrMissingKey, loyalty.ErrInvalidID);
//   - c has a Receipt, and no text in c (entries, receipt, records,
//     profile) that is not valid UTF-8 or holds NUL, which no store could
//     give back exactly (loyalty.ErrInvalidEvent);
//   - every entry's ID is {c.Version+1, i} for the i-th entry;
//   - every entry's account has a balance in c.Balances, which names each
//     account once;
//   - each balance in c.Balances is the stored balance of its account plus
//     the sum of the change's entries there: Available plus the entries'
//     Amount, Pending plus their Pending.
//
// A change breaking one of the last three rules is refused with an error
// that unwraps to loyalty.ErrUnbalanced. CheckChange does not allocate
// unless it fails.
func CheckChange(stored []ledger.Balance, c *loyalty.Change) error {
	if err := CheckShape(c); err != nil {
		return err
	}
	return CheckBalances(stored, c)
}

// CheckBalances is the part of CheckChange after CheckShape, for a store
// that has run CheckShape on c already (before taking its locks): each
// planned balance is the stored one plus the change's entries there.
func CheckBalances(stored []ledger.Balance, c *loyalty.Change) error {
	for i := range c.Balances {
		b := &c.Balances[i]
		want, err := prior(c, b)
		if err != nil {
			return err
		}
		var have ledger.Balance
		for j := range stored {
			if stored[j].Account == b.Account {
				have = stored[j]
				break
			}
		}
		if have.Available != want.Available || have.Pending != want.Pending {
			return fmt.Errorf("%w: commit %q: %s planned %d available, %d pending; stored %d, %d, so its entries should add %d, %d",
				loyalty.ErrUnbalanced, c.Key, b.Account, b.Available, b.Pending, have.Available, have.Pending,
				b.Available-have.Available, b.Pending-have.Pending)
		}
	}
	return nil
}

// Prior checks c as CheckChange does, all but against the stored balances,
// and returns the balance each account of c.Balances must hold before c, in
// the same order: the planned balance less the sum of the change's entries
// there. An SQL store puts them in the statement that writes the balances,
// which refuses the change (with loyalty.ErrUnbalanced) unless the stored
// balances are these.
func Prior(c *loyalty.Change) ([]ledger.Balance, error) {
	if err := CheckShape(c); err != nil {
		return nil, err
	}
	out := make([]ledger.Balance, len(c.Balances))
	for i := range c.Balances {
		p, err := prior(c, &c.Balances[i])
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// CheckShape checks what CheckChange checks without the balances' values:
// the key, member ID, receipt, entry IDs, and that every entry's account has
// one planned balance.
func CheckShape(c *loyalty.Change) error {
	switch {
	case c == nil:
		return errors.New("storage: commit: nil change")
	case c.Key == "":
		return loyalty.ErrMissingKey
	case c.MemberID == "":
		return &loyalty.ValidationError{Field: "change.member_id", Reason: "is empty", Kind: loyalty.ErrInvalidID}
	}
	if err := loyalty.CheckKey("change.key", c.Key); err != nil {
		return err
	}
	if err := loyalty.CheckID("change.member_id", c.MemberID); err != nil {
		return err
	}
	if c.Receipt == nil {
		return fmt.Errorf("storage: commit %q: change has no receipt", c.Key)
	}
	if err := checkTexts(c); err != nil {
		return err
	}
	for i := range c.Entries {
		e := &c.Entries[i]
		if e.ID.Version != c.Version+1 || e.ID.Index != int32(i) {
			return fmt.Errorf("%w: commit %q: entry %d has ID %d/%d, want %d/%d",
				loyalty.ErrUnbalanced, c.Key, i, e.ID.Version, e.ID.Index, c.Version+1, i)
		}
		if !planned(c, e.Account) {
			return fmt.Errorf("%w: commit %q: entry %d is in account %s, which has no planned balance",
				loyalty.ErrUnbalanced, c.Key, i, e.Account)
		}
	}
	if err := CheckShared(c); err != nil {
		return err
	}
	for i := range c.Balances {
		for j := range i {
			if c.Balances[j].Account == c.Balances[i].Account {
				return fmt.Errorf("%w: commit %q: two planned balances of account %s",
					loyalty.ErrUnbalanced, c.Key, c.Balances[i].Account)
			}
		}
	}
	return nil
}

func planned(c *loyalty.Change, a ledger.Account) bool {
	for i := range c.Balances {
		if c.Balances[i].Account == a {
			return true
		}
	}
	return false
}

// prior is what b's account must hold before c: b less c's entries there.
func prior(c *loyalty.Change, b *ledger.Balance) (ledger.Balance, error) {
	p := *b
	for i := range c.Entries {
		e := &c.Entries[i]
		if e.Account != b.Account {
			continue
		}
		var ok1, ok2 bool
		p.Available, ok1 = sub(p.Available, e.Amount)
		p.Pending, ok2 = sub(p.Pending, e.Pending)
		if !ok1 || !ok2 {
			return ledger.Balance{}, fmt.Errorf("%w: commit %q: %w: balance %s less its entries",
				loyalty.ErrUnbalanced, c.Key, loyalty.ErrOverflow, b.Account)
		}
	}
	return p, nil
}

// sub is a-b and whether it did not overflow.
func sub(a, b int64) (int64, bool) {
	d := a - b
	return d, (d <= a) == (b >= 0)
}

// CheckShared checks the parts of c beyond the member's own ledger, as
// CheckShape does: every claim names a counter that passes CheckID and asks
// for an amount above zero (loyalty.ErrInvalidClaim); every new code passes
// loyalty.CheckCode, is reserved once in c, has no uses yet and an owner
// that passes CheckID; every code use names a valid code and changes
// something; every grant has an ID that passes CheckID and belongs to
// c's member.
func CheckShared(c *loyalty.Change) error {
	for i := range c.Claims {
		cl := &c.Claims[i]
		if cl.Counter == "" {
			return &loyalty.ValidationError{Field: "claim.counter", Reason: "is empty", Kind: loyalty.ErrInvalidID}
		}
		if err := loyalty.CheckID("claim.counter", cl.Counter); err != nil {
			return err
		}
		if err := loyalty.CheckID("claim.period_key", cl.PeriodKey); err != nil {
			return err
		}
		if cl.Amount <= 0 {
			return &loyalty.ClaimError{Counter: cl.Counter, PeriodKey: cl.PeriodKey, Asked: cl.Amount, Err: loyalty.ErrInvalidClaim}
		}
	}
	for i := range c.Codes {
		code := &c.Codes[i]
		if err := loyalty.CheckCode(code.Code); err != nil {
			return err
		}
		if code.Uses != 0 || code.MaxUses < 0 {
			return &loyalty.CodeError{Code: code.Code, Err: loyalty.ErrInvalidClaim}
		}
		if err := loyalty.CheckID("code.owner", code.Owner); err != nil {
			return err
		}
		for j := range i {
			if c.Codes[j].Code == code.Code {
				return &loyalty.CodeError{Code: code.Code, Err: loyalty.ErrCodeTaken}
			}
		}
	}
	for i := range c.CodeUses {
		u := &c.CodeUses[i]
		if err := loyalty.CheckCode(u.Code); err != nil {
			return err
		}
		if u.Uses == 0 && !u.Void {
			return &loyalty.CodeError{Code: u.Code, Err: loyalty.ErrInvalidClaim}
		}
	}
	for i := range c.Grants {
		g := &c.Grants[i]
		if g.ID == "" {
			return &loyalty.ValidationError{Field: "grant.id", Reason: "is empty", Kind: loyalty.ErrInvalidID}
		}
		if err := loyalty.CheckID("grant.id", g.ID); err != nil {
			return err
		}
		if g.MemberID != c.MemberID {
			return fmt.Errorf("%w: commit %q: grant %q belongs to member %q, not %q",
				loyalty.ErrInvalidEvent, c.Key, g.ID, g.MemberID, c.MemberID)
		}
	}
	return nil
}

// CheckReservation checks a code reserved outside a member's write
// (SharedStore.ReserveCode) as CheckShared checks one in a change.
func CheckReservation(code ledger.Code) error {
	if err := loyalty.CheckCode(code.Code); err != nil {
		return err
	}
	if code.Uses != 0 || code.MaxUses < 0 {
		return &loyalty.CodeError{Code: code.Code, Err: loyalty.ErrInvalidClaim}
	}
	return loyalty.CheckID("code.owner", code.Owner)
}
