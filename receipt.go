package loyalty

import (
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// Operation names the kind of write a receipt records.
type Operation string

// Operations.
const (
	OpEnroll Operation = "enroll"
	OpEarn   Operation = "earn"   // an order
	OpReturn Operation = "return" // a return of an order
	OpAct    Operation = "act"    // an engagement action
	OpRedeem Operation = "redeem" // checkout redemption
	OpCancel Operation = "cancel" // a redemption rolled back
	OpAdjust Operation = "adjust" // operator adjustment
	OpSettle Operation = "settle" // activations and expiries only
)

// Receipt says what one committed write changed and why. Replaying the
// write's idempotency key returns the same receipt, but for Replayed: equal
// in value and in its JSON encoding (a store that keeps receipts as JSON
// gives back decimals in their shortest form, 1.5 for 1.50, so compare money
// with Equal).
type Receipt struct {
	Key string
	// Fingerprint identifies the request; see Change.Fingerprint.
	Fingerprint string
	MemberID    string
	Operation   Operation
	Ref         string // the order, return, redemption or action ID
	At          time.Time
	// Version is the member version the write produced.
	Version     int64
	Entries     []ledger.Entry
	Balances    []ledger.Balance // after the write, for every account it touched
	Explanation []Explanation
	// Redemption is set for OpRedeem and OpCancel.
	Redemption *ledger.RedemptionRecord
	// Notices are what rules announced in this write (a tier change).
	Notices []Notice
	// Grants are the rewards the write granted or changed, and Claims what
	// it took from shared counters (after "up to" claims were sized).
	Grants []ledger.Grant `json:",omitempty"`
	Claims []ledger.Claim `json:",omitempty"`
	// Forgiven is what a return could not claw back because the points were
	// spent and the program clamps at zero.
	Forgiven int64
	// FieldPrints holds a short digest of each field of the request, with
	// which the Engine names the field a reused key's request differs in
	// (KeyReusedError.Field). Like Fingerprint it is the Engine's to write
	// and a store's to keep with the receipt; receipts committed before it
	// existed have none.
	FieldPrints string `json:",omitempty"`
	// Replayed reports that this receipt was returned again for a request
	// that repeated the key of a write committed before: nothing was written
	// this time, and its notices went out when it was committed, so a host
	// that sends notices from receipts skips a replayed one. Only the
	// Engine sets it, on the copy it returns; it never commits a receipt
	// with it set, so the receipts a Store keeps and returns have it false.
	Replayed bool `json:",omitempty"`
}

// Points is the write's net change to the member's points, available plus pending.
func (r *Receipt) Points() int64 {
	var n int64
	for i := range r.Entries {
		if e := &r.Entries[i]; e.Account == ledger.PointsAccount {
			n += e.Amount + e.Pending
		}
	}
	return n
}

// Balance returns the balance of account a after the write, if the write touched it.
func (r *Receipt) Balance(a ledger.Account) (ledger.Balance, bool) {
	for _, b := range r.Balances {
		if b.Account == a {
			return b, true
		}
	}
	return ledger.Balance{Account: a}, false
}
