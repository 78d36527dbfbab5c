package loyalty

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty/internal/exact"
	"github.com/loyaltykit/loyalty/ledger"
)

// plan builds one Change from a member's State. All ledger arithmetic lives
// here, once, in pure Go: stores only persist what a plan decided. A plan is
// used by one goroutine and thrown away after finish; nothing the change or
// its receipt holds points into it, so it can live on its planner's stack.
// The change lives in a pooled changeBlock; its receipt is allocated apart.
type plan struct {
	st      *State
	now     time.Time
	ch      *Change
	version int64 // the version the change will produce

	balances []ledger.Balance // working copies of the touched balances
	lots     []ledger.Lot     // working copies of the loaded lots, then the new ones
	loaded   bool             // lots were read, so NextDue can be recomputed
	lotIdx   int
	// Bit i%64 of dirty[i/64] is set when lots[i] is to write, and of
	// dirtyMore[i/64-len(dirty)] past the first 128 lots.
	dirty     [2]uint64
	dirtyMore []uint64
	ndirty    int // how many bits are set
	rcpt      *Receipt
	lines     []ledger.RecordedLine // room for an earn's order record's lines
	expl      []Explanation         // room for an earn's explanation
	claims    []ledger.Claim        // room for a write's claim, in its receipt's block
	grants    []ledger.Grant        // room for a write's grant, in its receipt's block
	draws     []ledger.Draw         // room for the draws of debits, handed out in order
	paid      []paidDraws           // what the rules' spends drew, for the grants they pay for
	// read are the shared counters the rules read before they ran
	// (Input.Shared): the write's claims take from what they said was left.
	read []ledger.SharedCounter
}

// init starts planning a write from st, which must be the write's own copy
// (as Store.Load returns it): the plan works on st.Lots in place. p must be
// a zero plan.
func (p *plan) init(st *State, now time.Time, key, fingerprint string, op Operation, ref string, q Query) {
	p.begin(st, now, q)
	// The receipt is allocated apart, with room for what the operation's
	// receipt and change usually hold: a store may keep it after the plan
	// is gone.
	var rb *receiptBlock
	switch op {
	case OpRedeem, OpCancel:
		b := new(redemptionBlock)
		rb, p.ch.Redemptions = &b.receiptBlock, b.redemptions[:0]
	default:
		rb = new(receiptBlock)
	}
	p.setReceipt(rb, key, fingerprint, op, ref)
}

// initSpending is init for an action whose rules spend or grant (a reward
// bought with points, say): its receipt gets a block with room for what
// such a write holds, the debit and the count of the reward, two balances,
// a claim, a grant and what paid for it, and an explanation line.
func (p *plan) initSpending(st *State, now time.Time, key, fingerprint string, op Operation, ref string) {
	p.begin(st, now, Query{})
	b := new(spendingReceiptBlock)
	r := &b.rcpt
	r.Key, r.Fingerprint, r.MemberID, r.Operation, r.Ref = key, fingerprint, p.st.Member.ID, op, ref
	r.At, r.Version = p.now, p.version
	p.rcpt = r
	p.balances, p.claims = b.balances[:0], b.claims[:0]
	p.grants, p.draws, p.expl = b.grants[:0], b.draws[:0], b.expl[:0]
	ch := p.ch
	ch.Key, ch.Fingerprint, ch.MemberID, ch.Version = key, fingerprint, p.st.Member.ID, p.st.Version
	ch.Receipt, ch.NextDue, ch.Entries = r, p.st.NextDue, b.entries[:0]
}

// spendingReceiptBlock is the receipt of a write that spends for a grant,
// in one allocation (see initSpending).
type spendingReceiptBlock struct {
	rcpt     Receipt
	entries  [2]ledger.Entry
	balances [2]ledger.Balance
	claims   [1]ledger.Claim
	grants   [1]ledger.Grant
	draws    [1]ledger.Draw
	expl     [1]Explanation
}

// initEarn is init for an earn whose evaluation explained it in the given
// number of lines.
func (p *plan) initEarn(st *State, now time.Time, key, fingerprint, ref string, explained int) {
	p.begin(st, now, Query{})
	var rb *receiptBlock
	if explained >= 2 && explained <= len(explainedReceiptBlock{}.expl) {
		eb := new(explainedReceiptBlock)
		rb, p.expl = &eb.receiptBlock, eb.expl[:0:explained]
	} else {
		rb = new(receiptBlock)
	}
	b := p.ch.blk
	p.ch.Orders, p.lines = b.orders[:0], b.lines[:0]
	p.setReceipt(rb, key, fingerprint, OpEarn, ref)
}

func (p *plan) begin(st *State, now time.Time, q Query) {
	p.st, p.now, p.version = st, now, st.Version+1
	// The change is the Engine's reusable memory (see changeBlock).
	b := changePool.Get().(*changeBlock)
	p.ch = &b.ch
	p.ch.blk = b
	p.paid = b.paid[:0]
	if q.Lots || st.Lots != nil {
		p.loaded = true
		p.lots = st.Lots
	} else {
		// A write that does not read lots writes only new ones: room for
		// one in the change's block.
		p.lots = b.lots[:0]
	}
}

// setReceipt starts the receipt in rb and the change.
func (p *plan) setReceipt(rb *receiptBlock, key, fingerprint string, op Operation, ref string) {
	// The receipt and change are new: set what is not zero.
	r := &rb.rcpt
	r.Key, r.Fingerprint, r.MemberID, r.Operation, r.Ref = key, fingerprint, p.st.Member.ID, op, ref
	r.At, r.Version = p.now, p.version
	p.rcpt = r
	p.balances, p.claims = rb.balances[:0], rb.claims[:0]
	ch := p.ch
	ch.Key, ch.Fingerprint, ch.MemberID, ch.Version = key, fingerprint, p.st.Member.ID, p.st.Version
	ch.Receipt, ch.NextDue, ch.Entries = r, p.st.NextDue, rb.entries[:0]
}

// claim returns the change's claims with c appended, the first in the
// receipt's block: the change and its receipt share them.
func (p *plan) claim(c ledger.Claim) []ledger.Claim {
	if p.ch.Claims == nil {
		return append(p.claims[:0], c)
	}
	return append(p.ch.Claims, c)
}

// explanation is a copy of x for the receipt, in the room the plan has for
// it if it fits.
func (p *plan) explanation(x []Explanation) []Explanation {
	if len(x) > 0 && len(x) <= cap(p.expl) {
		return append(p.expl[:0], x...)
	}
	return slices.Clone(x)
}

// changeBlock is the memory of one planned change, with room for a new lot
// and an earn's order record of a few lines. A store keeps nothing of a
// Change after its Commit returned (see Store), so the Engine takes the
// block from a pool for each plan and puts it back (Change.release) once
// the commit returned: of a write, only its receipt, which the host gets,
// is allocated anew.
type changeBlock struct {
	ch     Change
	lots   [1]ledger.Lot
	orders [1]ledger.OrderRecord
	lines  [4]ledger.RecordedLine
	paid   [1]paidDraws // room for what a rule's spend drew (plan.paid)
	// codes is the stream a write's new codes are drawn from, kept with
	// the block (codes draws from src) and re-seeded for each write.
	src   stream
	codes *rand.Rand
}

// codeRand is codeRand(seed, program, key, attempt), in the block's memory.
func (b *changeBlock) codeRand(seed *[32]byte, program, key string, attempt int) *rand.Rand {
	if b.codes == nil {
		b.codes = rand.New(&b.src)
	}
	b.src.reset(seed, codesDomain, program, key, attempt)
	return b.codes
}

var changePool = sync.Pool{New: func() any { return new(changeBlock) }}

// release gives the memory of a change the Engine planned back to the
// pool; c must not be used after. A change built elsewhere (a test's, a
// host's) has no block and is left alone.
func (c *Change) release() {
	b := c.blk
	if b == nil {
		return
	}
	// Cleared whole: the pooled block must not keep strings and records
	// of the write alive. The code stream's Rand (which points to the
	// block's src, cleared too) is kept.
	codes := b.codes
	*b = changeBlock{}
	b.codes = codes
	changePool.Put(b)
}

// receiptBlock holds a receipt with the entry, balance and claim of a
// typical write in one allocation, which the receipt keeps whole; a write with more
// entries or balances appends them elsewhere.
type receiptBlock struct {
	rcpt     Receipt
	entries  [1]ledger.Entry
	balances [1]ledger.Balance
	claims   [1]ledger.Claim // fits the block's size class
}

// explainedReceiptBlock is a receiptBlock with room for an earn's
// explanation of up to three lines (two order lines under one rule, and a
// rounding). An earn explained in one line gets the plain block, so the
// room it would leave empty is never more than one line's.
type explainedReceiptBlock struct {
	receiptBlock
	expl [3]Explanation
}

// redemptionBlock has room for a redemption's (or its cancellation's)
// receipt and record.
type redemptionBlock struct {
	receiptBlock
	redemptions [1]ledger.RedemptionRecord
}

func (p *plan) balance(a ledger.Account) *ledger.Balance {
	for i := range p.balances {
		if p.balances[i].Account == a {
			return &p.balances[i]
		}
	}
	p.balances = append(p.balances, p.st.Balance(a))
	return &p.balances[len(p.balances)-1]
}

func (p *plan) entry(e ledger.Entry) {
	e.ID = ledger.EntryID{Version: p.version, Index: int32(len(p.ch.Entries))}
	e.MemberID, e.At, e.Key = p.st.Member.ID, p.now, p.ch.Key
	if e.Account == "" {
		e.Account = ledger.PointsAccount
	}
	p.ch.Entries = append(p.ch.Entries, e)
}

// lotIndex is the index in p.lots of the lot with ID id, -1 if none.
func (p *plan) lotIndex(id int64) int {
	for i := range p.lots {
		if p.lots[i].ID == id {
			return i
		}
	}
	return -1
}

// touch marks p.lots[i] as to write.
func (p *plan) touch(i int) {
	w, bit := i/64, uint64(1)<<(i%64)
	var word *uint64
	if w < len(p.dirty) {
		word = &p.dirty[w]
	} else {
		w -= len(p.dirty)
		for len(p.dirtyMore) <= w {
			p.dirtyMore = append(p.dirtyMore, 0)
		}
		word = &p.dirtyMore[w]
	}
	if *word&bit == 0 {
		*word |= bit
		p.ndirty++
	}
}

func (p *plan) isDirty(i int) bool {
	w, bit := i/64, uint64(1)<<(i%64)
	if w < len(p.dirty) {
		return p.dirty[w]&bit != 0
	}
	w -= len(p.dirty)
	return w < len(p.dirtyMore) && p.dirtyMore[w]&bit != 0
}

// credit adds amount to account a as a new lot and an entry. It fails,
// changing nothing, with ErrInvalidAmount for an amount that is not
// positive, with ErrOverflow when the account's available, pending or
// combined balance would leave int64 (so that activating the pending part
// later cannot overflow either), and with ErrInvalidProgram for a hold or
// expiry outside the times every store holds (years 1 to 9999 UTC).
func (p *plan) credit(a ledger.Account, amount int64, kind ledger.EntryKind, activatesAt, expiresAt time.Time, e ledger.Entry) (int64, error) {
	if amount <= 0 {
		return 0, fmt.Errorf("%w: credit of %d to %s", ErrInvalidAmount, amount, a)
	}
	if !inTimeRange(activatesAt) {
		return 0, invalidProgram("pending_days", "holds points until "+activatesAt.Format(time.RFC3339)+", past year 9999")
	}
	if !inTimeRange(expiresAt) {
		return 0, invalidProgram("expiry", "expires a lot at "+expiresAt.Format(time.RFC3339)+", outside years 1 to 9999")
	}
	b := p.balance(a)
	if total, ok := exact.Add64(b.Available, b.Pending); !ok || total > math.MaxInt64-amount {
		return 0, fmt.Errorf("%w: %s balance of %d available and %d pending plus %d", ErrOverflow, a, b.Available, b.Pending, amount)
	}
	l := ledger.Lot{ID: ledger.LotID(p.version, p.lotIdx), MemberID: p.st.Member.ID, Account: a, Remaining: amount,
		EarnedAt: p.now, ExpiresAt: expiresAt, ActivatesAt: activatesAt, Ref: e.Ref}
	p.lotIdx++
	e.Account, e.Kind, e.Lot = a, kind, l.ID
	if l.Pending(p.now) {
		v, ok := exact.Add64(b.Pending, amount)
		if !ok {
			return 0, fmt.Errorf("%w: pending balance", ErrOverflow)
		}
		b.Pending, e.Pending = v, amount
	} else {
		l.ActivatesAt = time.Time{}
		v, ok := exact.Add64(b.Available, amount)
		if !ok {
			return 0, fmt.Errorf("%w: balance", ErrOverflow)
		}
		b.Available, e.Amount = v, amount
		l.Remaining = amount - repay(b, amount)
	}
	p.entry(e)
	p.lots = append(p.lots, l)
	p.touch(len(p.lots) - 1)
	if d := lotDue(&l); !d.IsZero() && l.Remaining > 0 && (p.ch.NextDue.IsZero() || d.Before(p.ch.NextDue)) {
		p.ch.NextDue = d
	}
	return l.ID, nil
}

// debit takes amount from the active lots of account a: first from lot
// prefer (if not zero), then earliest expiry first, never-expiring last. When
// the lots hold less, short says how much was missing; the caller decides
// whether that is an error. The entry records only what was drawn unless
// allowNegative, in which case it records amount and the balance goes negative.
//
// It fails, changing nothing, with ErrInvalidAmount for a negative amount
// and with ErrOverflow when the balance would go below math.MinInt64.
func (p *plan) debit(a ledger.Account, amount int64, prefer int64, allowNegative bool, e ledger.Entry) (draws []ledger.Draw, short int64, err error) {
	if amount < 0 {
		return nil, 0, fmt.Errorf("%w: debit of %d from %s", ErrInvalidAmount, amount, a)
	}
	if allowNegative {
		if _, ok := exact.Add64(p.balance(a).Available, -amount); !ok {
			return nil, 0, fmt.Errorf("%w: %s balance of %d less %d", ErrOverflow, a, p.balance(a).Available, amount)
		}
	}
	var orderBuf [16]int
	order := orderBuf[:0]
	if len(p.lots) > len(orderBuf) {
		order = make([]int, 0, len(p.lots))
	}
	for i := range p.lots {
		l := &p.lots[i]
		if l.Account == a && l.Remaining > 0 && !l.Pending(p.now) && !l.Expired(p.now) {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(i, j int) int {
		x, y := &p.lots[i], &p.lots[j]
		if (x.ID == prefer) != (y.ID == prefer) {
			if x.ID == prefer {
				return -1
			}
			return 1
		}
		switch {
		case x.ExpiresAt.IsZero() && y.ExpiresAt.IsZero():
		case x.ExpiresAt.IsZero():
			return 1
		case y.ExpiresAt.IsZero():
			return -1
		default:
			if c := x.ExpiresAt.Compare(y.ExpiresAt); c != 0 {
				return c
			}
		}
		return cmp.Compare(x.ID, y.ID)
	})
	drawn, left := 0, amount
	for _, i := range order {
		if left <= 0 {
			break
		}
		left -= p.lots[i].Remaining
		drawn++
	}
	if n := len(p.draws); drawn > 0 && drawn <= cap(p.draws)-n {
		p.draws = p.draws[:n+drawn]
		draws = p.draws[n:n:(n + drawn)]
	} else if drawn > 0 {
		draws = make([]ledger.Draw, 0, drawn)
	}
	left = amount
	for _, i := range order {
		if left == 0 {
			break
		}
		l := &p.lots[i]
		take := min(l.Remaining, left)
		l.Remaining -= take
		left -= take
		draws = append(draws, ledger.Draw{Lot: l.ID, Amount: take, ExpiresAt: l.ExpiresAt})
		p.touch(i)
	}
	taken := amount - left
	if allowNegative {
		taken = amount
	}
	if taken > 0 {
		b := p.balance(a)
		b.Available -= taken
		e.Account, e.Amount = a, -taken
		if len(draws) == 1 {
			e.Lot = draws[0].Lot
		}
		p.entry(e)
	}
	return draws, left, nil
}

// spendable is what account a can spend now: the maintained balance, which
// settle has brought up to now.
func (p *plan) spendable(a ledger.Account) int64 { return p.balance(a).Available }

// finish completes the change and its receipt.
func (p *plan) finish() *Change {
	ch := p.ch
	switch {
	case p.ndirty == 0:
	case p.ndirty == len(p.lots):
		// Every lot is to write (the new lots of a write that read none, or
		// every lot read and drawn from): the plan's own copy is the change's.
		ch.Lots = p.lots
	default:
		ch.Lots = make([]ledger.Lot, 0, p.ndirty)
		for i := range p.lots {
			if p.isDirty(i) {
				ch.Lots = append(ch.Lots, p.lots[i])
			}
		}
	}
	// Empty is nil, as when nothing was appended: a receipt reads the same
	// whichever store kept it.
	if len(ch.Entries) == 0 {
		ch.Entries = nil
	}
	if len(p.balances) > 0 {
		ch.Balances = p.balances // in the receipt's block or apart, not in the plan
	}
	if len(ch.Orders) == 0 {
		ch.Orders = nil
	}
	if len(ch.Redemptions) == 0 {
		ch.Redemptions = nil
	}
	if p.loaded {
		ch.NextDue = time.Time{}
		for i := range p.lots {
			l := &p.lots[i]
			if l.Remaining == 0 {
				continue
			}
			if d := lotDue(l); !d.IsZero() && (ch.NextDue.IsZero() || d.Before(ch.NextDue)) {
				ch.NextDue = d
			}
		}
	}
	p.rcpt.Entries = ch.Entries
	p.rcpt.Balances = ch.Balances
	return ch
}
