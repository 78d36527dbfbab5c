package loyaltytest

import (
	"fmt"
	"strings"

	"github.com/stretchr/testify/assert"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// LastEntries is how many of a member's newest entries a failed assertion
// shows.
const LastEntries = 8

// Entry is an expected ledger entry: the fields AssertEntries compares. An
// empty Account is the points account.
type Entry struct {
	Account ledger.Account
	Kind    ledger.EntryKind
	Amount  int64
	Pending int64
}

// String formats e as "points earn +100 (pending +0)".
func (e Entry) String() string {
	a := e.Account
	if a == "" {
		a = ledger.PointsAccount
	}
	return fmt.Sprintf("%s %s %+d (pending %+d)", a, e.Kind, e.Amount, e.Pending)
}

// AssertBalance reports an error unless the member's points balance now is
// available and pending, and says whether it was.
func (h *Harness) AssertBalance(member string, available, pending int64) bool {
	h.T.Helper()
	return h.AssertAccountBalance(member, ledger.PointsAccount, available, pending)
}

// AssertAccountBalance reports an error unless the member's balance in
// account a now is available and pending, and says whether it was.
func (h *Harness) AssertAccountBalance(member string, a ledger.Account, available, pending int64) bool {
	h.T.Helper()
	b, err := h.Engine.AccountBalance(h.Ctx, member, a)
	if err != nil {
		h.T.Errorf("loyaltytest: balance of member %q in account %q: %v", member, a, err)
		return false
	}
	if b.Available == available && b.Pending == pending {
		return true
	}
	h.T.Errorf("loyaltytest: member %q, account %q, at %s:\n"+
		"\twant available %d, pending %d\n"+
		"\tgot  available %d, pending %d\n%s",
		member, a, h.Clock.Now().Format("2006-01-02 15:04 MST"), available, pending, b.Available, b.Pending, h.lastEntries(member))
	return false
}

// AssertEntries reports an error unless the member's whole history, oldest
// first, is want (compared by account, kind, amount and pending), and says
// whether it was.
func (h *Harness) AssertEntries(member string, want ...Entry) bool {
	h.T.Helper()
	es, err := history(h.Ctx, h.Engine, member)
	if err != nil {
		h.T.Errorf("loyaltytest: history of member %q: %v", member, err)
		return false
	}
	got := make([]string, len(es))
	for i := range es {
		got[i] = Entry{Account: es[i].Account, Kind: es[i].Kind, Amount: es[i].Amount, Pending: es[i].Pending}.String()
	}
	ws := make([]string, len(want))
	for i := range want {
		ws[i] = want[i].String()
	}
	return assert.Equal(h.T, ws, got, "loyaltytest: entries of member %q\n%s", member, h.lastEntries(member))
}

// AssertNotice reports an error unless r carries a notice of kind, and says
// whether it did.
func (h *Harness) AssertNotice(r *loyalty.Receipt, kind loyalty.NoticeKind) bool {
	h.T.Helper()
	return AssertNotice(h.T, r, kind)
}

// AssertNotice reports an error on t unless r carries a notice of kind, and
// says whether it did.
func AssertNotice(t assert.TestingT, r *loyalty.Receipt, kind loyalty.NoticeKind) bool {
	if th, ok := t.(interface{ Helper() }); ok {
		th.Helper()
	}
	if r == nil {
		t.Errorf("loyaltytest: want a notice %q, got no receipt", kind)
		return false
	}
	kinds := make([]string, 0, len(r.Notices))
	for _, n := range r.Notices {
		if n.Kind == kind {
			return true
		}
		kinds = append(kinds, string(n.Kind))
	}
	t.Errorf("loyaltytest: receipt %q (%s of member %q): want a notice %q, got notices %v", r.Key, r.Operation, r.MemberID, kind, kinds)
	return false
}

// lastEntries formats the member's newest entries for a failure message.
func (h *Harness) lastEntries(member string) string {
	es, err := history(h.Ctx, h.Engine, member)
	if err != nil {
		return fmt.Sprintf("\t(history: %v)", err)
	}
	var b strings.Builder
	from := max(0, len(es)-LastEntries)
	fmt.Fprintf(&b, "\tlast %d of %d entries:\n", len(es)-from, len(es))
	for _, e := range es[from:] {
		fmt.Fprintf(&b, "\t  %d.%d %s %s %s %+d pending %+d  source %q ref %q key %q\n",
			e.ID.Version, e.ID.Index, e.At.Format("2006-01-02 15:04"), e.Account, e.Kind, e.Amount, e.Pending, e.Source, e.Ref, e.Key)
	}
	return b.String()
}
