package loyalty

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/loyaltykit/loyalty/ledger"
)

// Codes presented with an order (Order.Codes, a coupon at checkout) are
// looked up here before the rules run, and the uses rules ask for
// (EffectUse) are planned here, in the same change as the order's earn. What
// a code is worth, and whether the cart may use it, is the rules' to say
// (package rewards): the root only knows codes, grants and their uses.

// MaxOrderCodes is how many codes one order may present.
const MaxOrderCodes = 8

// checkOrderCodes checks an order's codes: at most MaxOrderCodes, each
// passing CheckCode, none twice.
func checkOrderCodes(codes []string) error {
	if len(codes) > MaxOrderCodes {
		return &ValidationError{Field: "order.codes", Reason: "holds " + strconv.Itoa(len(codes)) + " codes, more than " + strconv.Itoa(MaxOrderCodes), Kind: ErrInvalidCode}
	}
	for i, c := range codes {
		if err := CheckCode(c); err != nil {
			if ve, ok := err.(*ValidationError); ok {
				ve.Field = "order.codes[" + strconv.Itoa(i) + "]"
			}
			return err
		}
		if slices.Contains(codes[:i], c) {
			return &ValidationError{Field: "order.codes[" + strconv.Itoa(i) + "]", Reason: "is presented twice", Kind: ErrInvalidCode}
		}
	}
	return nil
}

// orderCodes looks up the codes of o in the Engine's program, and returns
// them with the IDs of the grants of o's member they redeem (for the
// member's Load). A code the program does not hold is a *CodeError wrapping
// ErrUnknownCode; a store that keeps no codes, ErrSharedUnsupported.
func (e *Engine) orderCodes(ctx context.Context, o *Order) ([]ledger.Code, []string, error) {
	ss, err := e.shared()
	if err != nil {
		return nil, nil, err
	}
	codes := make([]ledger.Code, len(o.Codes))
	var grants []string
	for i, c := range o.Codes {
		codes[i], err = ss.Code(ctx, c)
		if errors.Is(err, ErrUnknownCode) {
			return nil, nil, &CodeError{Code: c, Err: ErrUnknownCode}
		}
		if err != nil {
			return nil, nil, err
		}
		if codes[i].Owner == o.MemberID && codes[i].Ref != "" {
			grants = append(grants, codes[i].Ref)
		}
	}
	return codes, grants, nil
}

// planUse plans an EffectUse: the code's use and, when the member's state
// holds the grant the code redeems, the grant's.
func (sp *sharedPlan) use(p *plan, ef *Effect) error {
	if _, err := sp.store(); err != nil {
		return err
	}
	ch := p.ch
	code := ef.Counter
	ch.CodeUses = append(ch.CodeUses, ledger.CodeUse{Code: code, Uses: ef.Value})
	verb := "used code " + code
	if ef.Value < 0 {
		verb = "gave back " + itoa(-ef.Value) + " use of code " + code
	}
	gi := -1
	for i := range p.st.Grants {
		if g := &p.st.Grants[i]; g.Code == code && g.MemberID == p.st.Member.ID {
			gi = i
			break
		}
	}
	grant := ""
	if gi >= 0 {
		grant = p.st.Grants[gi].ID
	}
	recordOrderCode(ch, code, grant, ef.Value)
	if gi < 0 {
		sp.note(p, ef, verb)
		return nil
	}
	g := p.st.Grants[gi] // a copy: the State is the rules' and read-only
	for i := range ch.Grants {
		if ch.Grants[i].ID == g.ID { // used twice in one write: count on the planned copy
			g = ch.Grants[i]
		}
	}
	uses := max(g.MaxUses, 1)
	was := g.Status
	switch {
	case ef.Value > 0 && g.Status != ledger.GrantOpen:
		return &CodeError{Code: code, Err: grantStatusErr(g.Status)}
	case ef.Value > 0 && g.Uses+ef.Value > uses:
		return &CodeError{Code: code, Err: ErrCodeUsedUp}
	case ef.Value < 0 && (g.Uses+ef.Value < 0 || (g.Status != ledger.GrantOpen && g.Status != ledger.GrantUsed)):
		return &CodeError{Code: code, Err: ErrInvalidClaim}
	}
	g.Uses += ef.Value
	if g.Uses >= uses {
		g.Status = ledger.GrantUsed
	} else {
		g.Status = ledger.GrantOpen
	}
	var zero ledger.Entry
	zero.Source, zero.Ref, zero.Note = ef.Rule, g.ID, g.Reward
	switch {
	case was == ledger.GrantOpen && g.Status == ledger.GrantUsed:
		zero.Kind = ledger.EntryRedeem
		if err := p.countReward(-1, zero); err != nil {
			return err
		}
	case was == ledger.GrantUsed && g.Status == ledger.GrantOpen:
		zero.Kind = ledger.EntryRestore
		if err := p.countReward(1, zero); err != nil {
			return err
		}
	}
	replaced := false
	for i := range ch.Grants {
		if ch.Grants[i].ID == g.ID {
			ch.Grants[i], replaced = g, true
		}
	}
	if !replaced {
		ch.Grants = append(ch.Grants, g)
	}
	sp.note(p, ef, verb+" (reward "+g.Reward+", "+itoa(g.Uses)+" of "+itoa(uses)+" uses)")
	return nil
}

// recordOrderCode keeps, in the order record the change writes (an earn's
// or a return's), that the order used code (uses > 0, redeeming grant) or
// that a return gave a use of it back (uses < 0).
func recordOrderCode(ch *Change, code, grant string, uses int64) {
	if len(ch.Orders) != 1 {
		return // not an order's write (an action's)
	}
	rec := &ch.Orders[0]
	if uses > 0 {
		rec.Codes = append(rec.Codes[:len(rec.Codes):len(rec.Codes)], ledger.OrderCode{Code: code, Grant: grant})
		return
	}
	for i := range rec.Codes {
		if rec.Codes[i].Code == code && !rec.Codes[i].GivenBack {
			rec.Codes = slices.Clone(rec.Codes) // the loaded record's is the State's
			rec.Codes[i].GivenBack = true
			return
		}
	}
}

// orderGrants are the grants of the codes order record rec used and no
// return gave back yet, for a return's Load.
func orderGrants(rec *ledger.OrderRecord) []string {
	var ids []string
	for _, c := range rec.Codes {
		if c.Grant != "" && !c.GivenBack {
			ids = append(ids, c.Grant)
		}
	}
	return ids
}

// grantStatusErr is why a grant that is not open cannot be used.
func grantStatusErr(s ledger.GrantStatus) error {
	if s == ledger.GrantUsed {
		return ErrCodeUsedUp
	}
	return ErrCodeVoid
}
