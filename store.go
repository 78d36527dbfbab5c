package loyalty

import (
	"context"
	"time"

	"github.com/loyaltykit/loyalty/ledger"
)

// Store keeps ledgers. Adapters live under storage/ (memory, sqlite,
// postgres); storage/storagetest decides their semantics. The Engine is the
// only caller most hosts need: it plans every change from a State, in pure
// Go, and asks the Store to commit it.
//
// A Store must be safe for concurrent use.
type Store interface {
	// Load reads a member's state. It returns a nil State and an error
	// wrapping ErrUnknownMember when the member was never enrolled. q says
	// which optional parts to read.
	Load(ctx context.Context, memberID string, q Query) (*State, error)

	// Commit applies c atomically, all of it or nothing:
	//   - if a change with c.Key was committed before, it writes nothing and
	//     returns a nil receipt and a *KeyCommittedError holding the receipt
	//     committed under c.Key, as Receipt returns it (with its Fingerprint
	//     and FieldPrints), whatever c holds: it does not compare c with it,
	//     check c's version or look at c's member;
	//   - else if the member does not exist and c.Version is not 0 or
	//     c.Member is nil, it writes nothing and returns ErrUnknownMember;
	//   - else if the member's version is no longer c.Version it writes
	//     nothing and returns ErrConflict;
	//   - else if c is not well formed (see Change) it writes nothing and
	//     returns ErrUnbalanced (or ErrInvalidID, ErrMissingKey);
	//   - else if c records an order (c.Orders) whose ID another member's
	//     order record holds, and c's member has no record of that ID, it
	//     writes nothing and returns a *OrderOwnerError (ErrDuplicate):
	//     the store decides it when it commits, so of members racing with
	//     one order ID exactly one commits;
	//   - else if a claim, code or code use of c may not be applied (see
	//     Claim, Code, CodeUse), it writes nothing and returns a *ClaimError
	//     or *CodeError: the store decides it when it commits, so of members
	//     racing for the last unit of a counter exactly one commits;
	//   - else it appends the entries, applies the claims, codes, code uses
	//     and grants, upserts lots, counters, order and
	//     redemption records, sets the balances, records the receipt under
	//     c.Key and sets the version to c.Version+1, and returns c.Receipt.
	//
	// A store returns exactly what was committed and never a value it keeps:
	// changing a receipt, State or entry a Store returned changes nothing
	// stored. It keeps nothing of c itself (nor of the slices c points to)
	// after Commit returns, save c.Receipt, which it may return: the Engine
	// reuses the rest of c's memory for its next write.
	//
	// The scope of every ID a change carries:
	//   - c.Key, an idempotency key, is unique in the store, across
	//     members: a key committed for one member is committed for all.
	//   - An order ID (OrderRecord.ID) is unique in the store: the first
	//     member to commit an order record with it owns it, and it never
	//     earns for another. A store migrated from a schema that let two
	//     members hold one order ID keeps the first as its owner (see each
	//     adapter's migrations); the others keep their records.
	//   - A redemption ID (RedemptionRecord.ID) is unique per member; the
	//     same ID may be recorded for two members.
	//   - A return ID is unique per order (OrderRecord.Returns).
	// "The store" is the program the store (or its view) is scoped to: every
	// ID above is unique per program (see ProgramStore), and one program's
	// keys, orders and members never meet another's.
	//
	// Whether a committed key is a replay of the same request (the first
	// receipt is returned) or a reuse by another (ErrKeyReused) is not the
	// store's to decide: the Engine compares the fingerprints, once, for
	// every store. A store that compares them itself, or writes anything for
	// a committed key, fails storage/storagetest.
	Commit(ctx context.Context, c *Change) (*Receipt, error)

	// Receipt returns the receipt committed under key, or ErrNotFound.
	Receipt(ctx context.Context, key string) (*Receipt, error)

	// History returns up to limit of a member's entries after the cursor
	// (the zero EntryID for the start), oldest first; a limit ≤ 0 returns
	// none. Entries committed while a host pages through are appended at the
	// end, so a cursor never skips or repeats one. It returns ErrUnknownMember
	// for a member never created. Newest-first pages come from
	// HistoryReverser, which every adapter of this module implements.
	History(ctx context.Context, memberID string, after ledger.EntryID, limit int) ([]ledger.Entry, error)
}

// HistoryReverser is implemented by stores that page a member's history
// newest first, as a statement or an activity feed shows it; storage/memory,
// storage/sqlite and storage/postgres do, with an index scan from the
// cursor, and storage/storagetest decides it. The Engine (Engine.HistoryBefore)
// falls back to reading the history oldest first for a store without it.
//
// HistoryBefore returns up to limit of a member's entries before the cursor,
// newest first; the zero EntryID starts from the newest entry. A limit ≤ 0
// returns none; a member never created is ErrUnknownMember. The cursor of
// the next (older) page is the ID of the last entry returned. Entries
// committed meanwhile come after every cursor already handed out, so paging
// back never skips or repeats one. The two directions meet at a cursor: the
// entries HistoryBefore returns from c, then c, then those History returns
// after c are the whole history, each entry once.
//
// Paging works as keyset pagination does in SQL, and as ledgers list
// transfers in either direction from a cursor (Stripe's starting_after and
// ending_before, TigerBeetle's reversed account filter): the cursor is an
// entry ID, never an offset, so writes in between never shift a page.
type HistoryReverser interface {
	HistoryBefore(ctx context.Context, memberID string, before ledger.EntryID, limit int) ([]ledger.Entry, error)
}

// MemberLister is implemented by stores that can list their members, for
// periodic jobs over every member (tier reviews, cashback payouts, settling
// expiries). Members returns up to limit member IDs after the ID after ("" for
// the first page), in a stable order of the store's choosing.
type MemberLister interface {
	Members(ctx context.Context, after string, limit int) ([]string, error)
}

// Query says what optional parts of a member's state Load reads. The member,
// version, balances, counters and next-due time are always read.
type Query struct {
	// Lots asks for the member's open lots (Remaining != 0; a lot is never
	// negative) in every account, in any order.
	Lots bool
	// Now, when not zero, also asks for the open lots if the member's NextDue
	// is not after Now (a lot is due to activate or expire).
	Now time.Time
	// Orders asks for the records of these orders.
	Orders []string
	// Redemptions asks for the records of these redemptions.
	Redemptions []string
	// Grants asks for the member's open grants (Status GrantOpen), and
	// GrantIDs for these grants whatever their status.
	Grants   bool
	GrantIDs []string
}

// State is a member's ledger as of its Version.
type State struct {
	Member   Member
	Version  int64
	Balances []ledger.Balance
	Counters []ledger.Counter
	// NextDue is the earliest time a lot activates or expires; zero when none
	// will. Until then the maintained balances are current without reading lots.
	NextDue     time.Time
	Lots        []ledger.Lot              // when Query.Lots
	Orders      []ledger.OrderRecord      // those of Query.Orders that exist
	Redemptions []ledger.RedemptionRecord // those of Query.Redemptions that exist
	Grants      []ledger.Grant            // as Query.Grants and Query.GrantIDs ask, each once, in any order
}

// Balance returns the member's balance in account a.
func (s *State) Balance(a ledger.Account) ledger.Balance {
	for _, b := range s.Balances {
		if b.Account == a {
			return b
		}
	}
	return ledger.Balance{Account: a}
}

// Counter returns the value of counter name in the period periodKey names
// (Counter.PeriodKey), zero if it was last counted in another period.
func (s *State) Counter(name, periodKey string) int64 {
	for _, c := range s.Counters {
		if c.Name == name {
			if c.PeriodKey == periodKey {
				return c.Value
			}
			return 0
		}
	}
	return 0
}

// Change is one atomic, idempotent write the Engine planned for a member.
// A well-formed change, as the Engine plans it, has a Key and MemberID that
// pass CheckID, every entry's ID equal to {Version+1, i} for its place i, a
// balance in Balances for every account it has entries in (each account
// once), and each balance equal to the stored balance of its account plus the
// sum of the change's entries there (Available plus their Amount, Pending
// plus their Pending). Every store refuses a change that breaks one of these
// rules, writing nothing: with ErrInvalidID or ErrMissingKey for its
// identifiers, ErrUnbalanced for the rest (see storage.CheckChange).
type Change struct {
	Key string
	// Fingerprint identifies the request behind the change, as
	// Receipt.Fingerprint does; the Engine refuses a replay of Key with
	// another fingerprint (ErrKeyReused). Stores keep it with the receipt
	// and never compare it.
	Fingerprint string
	MemberID    string
	// Version is the member version the change was planned from; 0 creates the member.
	Version int64
	// Member, when set, is stored as the member's profile (enrolment, update).
	Member      *Member
	Entries     []ledger.Entry
	Lots        []ledger.Lot              // new lots and lots whose Remaining changed
	Balances    []ledger.Balance          // the new balance of every account the change touched
	Counters    []ledger.Counter          // new values of the counters the change touched
	Orders      []ledger.OrderRecord      // new or updated order records
	Redemptions []ledger.RedemptionRecord // new or updated redemption records
	// Grants are new or updated grants of the member (Grant.ID unique per
	// member and program).
	Grants []ledger.Grant
	// Claims take from (or give back to) shared counters, Codes reserves
	// new codes (a *CodeError wrapping ErrCodeTaken when the program holds
	// one already) and CodeUses change codes' uses; see SharedStore. They
	// commit with the rest of the change, all or nothing, and are checked
	// when the change commits, whatever the state was when it was planned.
	// A store that does not implement SharedStore refuses a change that has
	// any.
	Claims   []ledger.Claim
	Codes    []ledger.Code
	CodeUses []ledger.CodeUse
	NextDue  time.Time // the member's new NextDue
	Receipt  *Receipt

	blk *changeBlock // the Engine's pooled memory of the change, if any
}
