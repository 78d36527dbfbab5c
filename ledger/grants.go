package ledger

import (
	"time"

	"github.com/loyaltykit/loyalty/money"
)

// SharedCounter is a tally shared by all the members of a program, with a
// limit: the stock of a reward, a campaign's budget in points or money, the
// uses of a coupon across members. It counts in periods, as a member's
// Counter does: PeriodKey names the period ("2026-11", "" for all time), and
// each period starts from zero claimed.
type SharedCounter struct {
	Name      string
	PeriodKey string
	// Limit is the most Claimed may reach in each period.
	Limit int64
	// Claimed is what members' writes took in this period, net of releases.
	Claimed int64
}

// Left is what may still be claimed in the counter's period.
func (c SharedCounter) Left() int64 { return max(c.Limit-c.Claimed, 0) }

// Claim takes Amount from a shared counter in a member's change, or gives it
// back (Release: a refunded reward returns its stock). Commit applies every
// claim of a change together with the member's entries, all or nothing: if
// the counter is not defined it is a *loyalty.ClaimError wrapping loyalty.ErrUnknownCounter;
// if Claimed + Amount would pass the limit it is a *loyalty.ClaimError wrapping
// loyalty.ErrLimitReached that says what was left; a release never takes Claimed
// below zero (a *loyalty.ClaimError wrapping loyalty.ErrInvalidClaim). Amount must be > 0.
type Claim struct {
	Counter   string
	PeriodKey string
	Amount    int64
	Release   bool
}

// Code is a unique code of a program: a coupon, a referral code, a gift
// card number. Codes are unique within a program, whatever their kind.
type Code struct {
	Code string
	// Kind says what the code is ("coupon", "referral", "gift-card"); the
	// package that issues it names it.
	Kind string
	// Owner is the member the code belongs to; empty for a code not bound
	// to one (a transferable coupon, a gift card before it is sold).
	Owner string
	// Ref is what the code stands for: the grant it redeems, for a coupon.
	Ref string
	// MaxUses is how many times the code may be used; 0 means no limit.
	MaxUses int64
	// Uses is how many times it was used, net of uses given back.
	Uses      int64
	Void      bool
	CreatedAt time.Time
	// ExpiresAt is when the code stops being valid; zero means never. The
	// loyalty.Engine checks it against its clock; a store does not.
	ExpiresAt time.Time
}

// CodeUse changes a code's state in a member's change (or through
// loyalty.SharedStore.UseCode): Uses more uses of it (negative gives uses back, a
// cancelled order returning a single-use coupon), and voids it when Void.
// Store.Commit refuses, with a *loyalty.CodeError, a code the program does not hold
// (loyalty.ErrUnknownCode), a void code (loyalty.ErrCodeVoid) unless the use only voids it
// again, and uses that would pass MaxUses (loyalty.ErrCodeUsedUp) or go below zero
// (loyalty.ErrInvalidClaim).
type CodeUse struct {
	Code string
	Uses int64
	Void bool
}

// RewardsAccount counts the rewards a member holds: a grant credits it one
// unit (EntryGrant), and using, voiding or expiring the grant debits it one,
// so its balance is the member's number of open grants and History lists
// every reward with its reason. It is counted, not kept in lots: its entries
// name no lot, and no write loads a lot per reward held (a ledger written
// before may hold a few, drawn as their grants end).
const RewardsAccount Account = "rewards"

// Grant is a reward given to a member: a coupon, a voucher, a free product,
// a perk. A rule grants one with an effect (EffectGrant), as it earns points;
// the grant, its entry in RewardsAccount and its code (if it has one) commit
// in one change.
type Grant struct {
	// ID names the grant within the member's ledger of the program.
	ID       string
	MemberID string
	// Reward names what was granted: the ID of a reward in the host's
	// catalog ("birthday-coupon", "free-coffee").
	Reward string
	// Code is the unique code that redeems the grant, empty when it has none.
	Code string
	// Value is what the grant is worth in money (a fixed discount, a gift
	// card), the zero Money when its worth is not money.
	Value money.Money
	// Uses and MaxUses count its uses; MaxUses 0 means one use.
	Uses, MaxUses int64
	GrantedAt     time.Time
	// ExpiresAt is when it can no longer be used; zero means never.
	ExpiresAt time.Time
	Status    GrantStatus
	// Source is the rule that granted it; Ref the order or action behind it.
	Source string
	Ref    string
	Note   string
	// PaidFrom and Paid, for a grant bought with points in the write that
	// granted it (a catalog's reward: EffectSpend and EffectGrant of one
	// rule), are the account and the lots drawn, with their expiry, so that
	// a refund (loyalty.Engine.RefundGrant) gives the points back as they were.
	PaidFrom Account `json:",omitempty"`
	Paid     []Draw  `json:",omitempty"`
}

// GrantStatus is where a grant is in its life.
type GrantStatus string

// Grant statuses.
const (
	GrantOpen    GrantStatus = "open"    // may be used
	GrantUsed    GrantStatus = "used"    // used up
	GrantVoid    GrantStatus = "void"    // taken back (the order behind it returned, an operator)
	GrantExpired GrantStatus = "expired" // its ExpiresAt passed unused
)
