package ledger

import (
	"time"

	"github.com/loyaltykit/loyalty/money"
)

// Account names one balance a member holds. Points live in PointsAccount;
// money balances (store credit, accrued cashback, pledges) are named by the
// packages that keep them and count minor units of their currency.
type Account string

// PointsAccount holds a member's loyalty points.
const PointsAccount Account = "points"

// EntryKind says what an entry records.
type EntryKind string

// Entry kinds.
const (
	EntryEarn     EntryKind = "earn"     // points or money credited by a rule
	EntryActivate EntryKind = "activate" // pending moved to available
	EntryVoid     EntryKind = "void"     // pending cancelled by a return before activation
	EntryReverse  EntryKind = "reverse"  // earned value taken back by a return
	EntryRedeem   EntryKind = "redeem"   // spent at checkout
	EntryRestore  EntryKind = "restore"  // a cancelled redemption given back
	EntryExpire   EntryKind = "expire"   // what remained of a lot at its expiry
	EntryAdjust   EntryKind = "adjust"   // an operator's correction
	EntryGrant    EntryKind = "grant"    // a reward granted (RewardsAccount)
)

// EntryID orders a member's entries: the member version of the write that
// made the entry, then the entry's place within that write.
type EntryID struct {
	Version int64
	Index   int32
}

// Less reports whether id comes before o.
func (id EntryID) Less(o EntryID) bool {
	return id.Version < o.Version || id.Version == o.Version && id.Index < o.Index
}

// Entry is one append-only line of a member's ledger. Amount changes the
// available balance and Pending the pending balance of Account; the balance
// of an account is the sum of its entries, always.
type Entry struct {
	ID       EntryID
	MemberID string
	Account  Account
	Kind     EntryKind
	Amount   int64 // change to the available balance
	Pending  int64 // change to the pending balance
	At       time.Time
	// Key is the idempotency key of the write that made the entry.
	Key string
	// Source is what caused the entry: a rule name, "order", "operator".
	Source string
	// Ref is the order, return, redemption or action the entry belongs to.
	Ref string
	// Lot is the lot the entry created or drew from, if one.
	Lot int64
	// Rate is the rate behind the entry, in words ("5 points per 1.00 USD").
	Rate string
	// Note is a human explanation (an operator's reason, a rule's match).
	Note string
}

// Lot is a parcel of earned value with its own expiry. Spending draws the
// earliest-expiring active lot first and lots that never expire last.
type Lot struct {
	ID        int64 // unique per member: LotID(version of the write that made it, index)
	MemberID  string
	Account   Account
	Remaining int64
	EarnedAt  time.Time
	// ExpiresAt is when what remains expires; zero means never. A lot whose
	// ExpiresAt equals now is expired.
	ExpiresAt time.Time
	// ActivatesAt is when a pending lot becomes spendable; zero means it is active.
	ActivatesAt time.Time
	Ref         string // the order or action that earned it
}

// Pending reports whether the lot is still held at now.
func (l *Lot) Pending(now time.Time) bool {
	return !l.ActivatesAt.IsZero() && now.Before(l.ActivatesAt)
}

// Expired reports whether the lot has expired at now.
func (l *Lot) Expired(now time.Time) bool { return !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt) }

// Balance is a member's maintained balance in one account.
type Balance struct {
	Account Account
	// Available is spendable now. It is negative when a clawback took more than
	// remained and the program allows a negative balance.
	Available int64
	// Pending is held until activation and is not spendable.
	Pending int64
}

// Counter is a named per-member tally rules use for caps ("reviews this
// week") and carry-overs. PeriodKey names the period it counts in ("2026-W47",
// "2026-11", "" for all time; calendar.Period.Key builds them). A counter whose
// PeriodKey differs from the one a rule asks for reads as zero: a new period
// starts it afresh.
type Counter struct {
	Name      string
	PeriodKey string
	Value     int64
}

// OrderRecord is what the ledger keeps of an order that earned, so that
// returns reverse at the rate that was used then, not today's rules.
type OrderRecord struct {
	ID       string
	MemberID string
	Currency money.Currency
	PlacedAt time.Time
	Lines    []RecordedLine
	// Scale is the number of decimal digits of the values below (the
	// currency's minor digits unless a price had finer fractions).
	Scale int32
	// Value is the order's line value after discounts, in Scale units.
	Value int64
	// Points is what the order earned into PointsAccount (line and order-level).
	Points int64
	// OrderPoints is the part of Points not tied to a line (order bonuses).
	OrderPoints int64
	// Lot is the lot the order's points went into.
	Lot int64
	// ReturnedValue is the value returned so far, in Scale units.
	ReturnedValue int64
	// Reversed is the points reversed or voided so far.
	Reversed int64
	// ByAmount is set once a return by amount was made; line and amount
	// returns are not mixed on one order.
	ByAmount bool
	// Returns lists the return IDs applied, in order.
	Returns []string
	// Extra is what the order credited to accounts other than PointsAccount
	// (accrued cashback, pledges), by account, in that account's units;
	// ExtraReversed is how much of each returns took back so far.
	Extra         map[Account]int64
	ExtraReversed map[Account]int64
	// Codes are the codes the order used (EffectUse in its write: coupons
	// at checkout), in the order used, so that a return or cancellation can
	// give them back (GiveBackCode) when the program says so.
	Codes []OrderCode `json:",omitempty"`
}

// OrderCode is a code an order used: the code, the grant of the member it
// redeemed (empty for a code bound to no member), and whether a return gave
// the use back already.
type OrderCode struct {
	Code      string `json:"c"`
	Grant     string `json:"g,omitempty"`
	GivenBack bool   `json:"b,omitempty"`
}

// RecordedLine is one order line as it earned.
type RecordedLine struct {
	SKU      string
	Quantity int64
	Value    int64 // line value after discounts, in the record's Scale units
	Points   int64 // points attributed to this line
	Returned int64 // quantity returned so far
}

// RedemptionRecord is a checkout redemption, kept so it can be cancelled and
// its points given back to the lots they came from.
type RedemptionRecord struct {
	ID       string
	MemberID string
	OrderID  string
	// Account redeemed: PointsAccount or a money account (store credit).
	Account   Account
	Points    int64
	Value     money.Money
	Draws     []Draw
	Cancelled bool
	At        time.Time
}

// Draw is how much a debit took from one lot, and that lot's expiry, so a
// cancelled redemption gives the points back with the expiry they had.
type Draw struct {
	Lot       int64
	Amount    int64
	ExpiresAt time.Time
}

// LotID is the ID of the index-th lot created by the write that took the
// member to version.
func LotID(version int64, index int) int64 { return version<<20 | int64(index) }
