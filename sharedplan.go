package loyalty

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/loyaltykit/loyalty/ledger"
)

// Claims on shared counters (EffectClaim) and grants of rewards
// (EffectGrant) are planned here, in the same change as the member's
// entries, after the rules were evaluated: the plan reads each claimed
// counter once (SharedStore.SharedCounter), sizes "up to" claims to what is
// left, refuses a claim beyond it with a *ClaimError (ErrLimitReached) and
// leaves out a grant whose stock is gone, saying so in the explanation. The
// store decides again when it commits; a commit that finds less left, or a
// code taken, is planned again (see sharedRetry).
//
// Earn, Act (and so enrolment's signup rules and the actions of RunJobs) and
// Return plan them; Redeem and CancelRedemption run no rules and so have
// none. A store that is not a SharedStore refuses a write with a claim, or
// with a grant that has a stock or a code, with ErrSharedUnsupported; a
// grant of neither needs only the store's grants.

// checkShared checks a claim or grant effect as a rule made it; combine
// calls it, so a bad effect fails the evaluation (Estimate too) and writes
// nothing.
func checkShared(e *Effect) error {
	if e.Kind == EffectUse {
		if err := CheckCode(e.Counter); err != nil {
			return err
		}
		if e.Value == 0 {
			return &CodeError{Code: e.Counter, Err: ErrInvalidClaim}
		}
		return nil
	}
	if e.Kind == EffectClaim || e.Counter != "" {
		// The field names are constants: built per effect, they cost two
		// allocations on every claim.
		counter, period := "claim.counter", "claim.period_key"
		if e.Kind == EffectGrant {
			counter, period = "grant.counter", "grant.period_key"
		}
		if e.Counter == "" {
			return &ValidationError{Field: counter, Reason: "is empty (rule " + e.Rule + ")", Kind: ErrInvalidID}
		}
		if err := CheckID(counter, e.Counter); err != nil {
			return err
		}
		if err := CheckID(period, e.PeriodKey); err != nil {
			return err
		}
	}
	if e.Kind == EffectClaim {
		if e.Value <= 0 {
			return &ClaimError{Counter: e.Counter, PeriodKey: e.PeriodKey, Asked: e.Value, Err: ErrInvalidClaim}
		}
		return nil
	}
	if e.Grant == nil {
		return invalidProgram("grant", "rule "+e.Rule+" grants no Grant")
	}
	if e.Grant.Reward == "" {
		return &ValidationError{Field: "grant.reward", Reason: "is empty (rule " + e.Rule + ")", Kind: ErrInvalidID}
	}
	if err := CheckID("grant.reward", e.Grant.Reward); err != nil {
		return err
	}
	if err := CheckID("grant.id", e.Grant.ID); err != nil {
		return err
	}
	if e.Code != nil {
		if _, err := codeAlphabet(e.Code); err != nil {
			return err
		}
	}
	return nil
}

// Code lengths the Engine makes: fewer than MinCodeLength random characters
// could be guessed.
const (
	MinCodeLength     = 6
	defaultCodeLength = 12
)

// codeAlphabet checks f and returns its alphabet and the number of
// characters to draw. A bad format is an error of kinds ErrInvalidProgram
// and ErrInvalidCode.
func codeAlphabet(f *CodeFormat) (codeSet, error) {
	n := f.Length
	if n == 0 {
		n = defaultCodeLength
	}
	if n < MinCodeLength || n > MaxCodeLength {
		return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.length", strconv.Itoa(f.Length)+" is outside "+strconv.Itoa(MinCodeLength)+" to "+strconv.Itoa(MaxCodeLength))
	}
	cs := defaultCodeSet
	if a := f.Alphabet; a != "" && a != CodeAlphabet {
		var err error
		if cs, err = alphabetOf(a); err != nil {
			return codeSet{}, err
		}
	}
	if f.Prefix != "" {
		if err := CheckCode(f.Prefix); err != nil {
			return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.prefix", err.(*ValidationError).Reason)
		}
	}
	if len(f.Prefix)+n*cs.widest > MaxCodeLength {
		return codeSet{}, invalidProgramAs(ErrInvalidCode, "code", "prefix and "+strconv.Itoa(n)+" characters may pass "+strconv.Itoa(MaxCodeLength)+" bytes")
	}
	if f.MaxUses < 0 {
		return codeSet{}, invalidProgramAs(ErrInvalidClaim, "code.max_uses", "is negative")
	}
	return cs, nil
}

// defaultCodeSet is CodeAlphabet as alphabetOf checks it (a test holds
// them equal), so that a code of the default alphabet, as most are, is
// drawn without checking the alphabet again.
var defaultCodeSet = codeSet{ascii: CodeAlphabet, widest: 1}

// codeSet is a checked alphabet of codes: its characters, as the bytes of
// ascii when they are all ASCII (as CodeAlphabet's are: checked and drawn
// from without an allocation), else as runes.
type codeSet struct {
	ascii  string
	runes  []rune
	widest int // the widest character's UTF-8 length
}

// size is the number of characters of the set.
func (cs *codeSet) size() int {
	if cs.runes != nil {
		return len(cs.runes)
	}
	return len(cs.ascii)
}

// alphabetOf checks alphabet a: valid UTF-8, at least 10 characters, each
// printable, none a space and none twice.
func alphabetOf(a string) (codeSet, error) {
	if !utf8.ValidString(a) {
		return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.alphabet", "is not valid UTF-8")
	}
	ascii := true
	for i := 0; i < len(a); i++ {
		if a[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		var seen [utf8.RuneSelf]bool
		for i := 0; i < len(a); i++ {
			c := a[i]
			if c <= ' ' || c == 0x7f { // controls and the space
				return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.alphabet", "holds "+strconv.QuoteRune(rune(c))+", which is not printable")
			}
			if seen[c] {
				return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.alphabet", "holds "+strconv.QuoteRune(rune(c))+" twice")
			}
			seen[c] = true
		}
		if len(a) < 10 {
			return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.alphabet", "has "+strconv.Itoa(len(a))+" characters, fewer than 10")
		}
		return codeSet{ascii: a, widest: 1}, nil
	}
	rs := []rune(a)
	widest := 1
	for i, r := range rs {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.alphabet", "holds "+strconv.QuoteRune(r)+", which is not printable")
		}
		for _, q := range rs[:i] {
			if q == r {
				return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.alphabet", "holds "+strconv.QuoteRune(r)+" twice")
			}
		}
		widest = max(widest, utf8.RuneLen(r))
	}
	if len(rs) < 10 {
		return codeSet{}, invalidProgramAs(ErrInvalidCode, "code.alphabet", "has "+strconv.Itoa(len(rs))+" characters, fewer than 10")
	}
	return codeSet{runes: rs[:len(rs):len(rs)], widest: widest}, nil
}

// newCode draws a code of format f from r.
func newCode(f *CodeFormat, r *rand.Rand) (string, error) {
	cs, err := codeAlphabet(f)
	if err != nil {
		return "", err
	}
	n := f.Length
	if n == 0 {
		n = defaultCodeLength
	}
	var room [64]byte
	b := room[:0]
	if need := len(f.Prefix) + n*cs.widest; need > len(room) {
		b = make([]byte, 0, need)
	}
	b = append(b, f.Prefix...)
	size := cs.size()
	for range n {
		if cs.runes == nil {
			b = append(b, cs.ascii[r.IntN(size)])
		} else {
			b = utf8.AppendRune(b, cs.runes[r.IntN(size)])
		}
	}
	return string(b), nil
}

// grantID is the ID of the i-th shared effect's grant of the write of key,
// when the rule gave none: the key and i, or a digest of the key when that
// would be too long.
func grantID(key string, i int) string {
	var room [24]byte
	suffix := strconv.AppendInt(append(room[:0], '#'), int64(i+1), 10)
	if len(key)+len(suffix) <= MaxIDLength {
		return key + string(suffix) // one allocation: the conversion does not escape
	}
	d := sha256.Sum256([]byte(key))
	return "g-" + hex.EncodeToString(d[:16]) + string(suffix)
}

// counterLeft is what the plan knows is left of a counter's period.
type counterLeft struct {
	name, period string
	left         int64
}

// sharedPlan plans a write's claims and grants.
type sharedPlan struct {
	e  *Engine
	w  writeTry
	ss SharedStore
	// The counters read: the first len(room) in room, the rest in more
	// (room is not the start of a slice of sp, which would move sp to the
	// heap).
	room  [2]counterLeft
	nroom int
	more  []counterLeft
	read  []ledger.SharedCounter // what the rules read (plan.read)
	codes *rand.Rand
}

// left is what the plan read is left of counter name's period, nil if it
// has not read it.
func (sp *sharedPlan) left(name, period string) *counterLeft {
	for i := range sp.room[:sp.nroom] {
		if sp.room[i].name == name && sp.room[i].period == period {
			return &sp.room[i]
		}
	}
	for i := range sp.more {
		if sp.more[i].name == name && sp.more[i].period == period {
			return &sp.more[i]
		}
	}
	return nil
}

func (sp *sharedPlan) store() (SharedStore, error) {
	if sp.ss == nil {
		ss, err := sp.e.shared()
		if err != nil {
			return nil, err
		}
		sp.ss = ss
	}
	return sp.ss, nil
}

// take takes want of counter name's period from what the plan read is
// left: all of it, or with upTo what is left (possibly 0); without upTo a
// claim beyond what is left is a *ClaimError.
func (sp *sharedPlan) take(name, period string, want int64, upTo bool) (int64, error) {
	c := sp.left(name, period)
	if c == nil {
		// What the rules read before they ran (Input.Shared) is what the
		// write takes from: read again, a counter another write took from
		// meanwhile would refuse the claim the rule sized by the first read,
		// where the store's refusal of the commit has the write planned again.
		var sc ledger.SharedCounter
		if i := findShared(sp.read, name, period); i >= 0 {
			sc = sp.read[i]
		} else {
			ss, err := sp.store()
			if err != nil {
				return 0, err
			}
			sc, err = ss.SharedCounter(sp.w.ctx, name, period)
			if errors.Is(err, ErrUnknownCounter) {
				return 0, &ClaimError{Counter: name, PeriodKey: period, Asked: want, Err: ErrUnknownCounter}
			}
			if err != nil {
				return 0, err
			}
		}
		cl := counterLeft{name: name, period: period, left: sc.Left()}
		if sp.nroom < len(sp.room) {
			sp.room[sp.nroom] = cl
			c = &sp.room[sp.nroom]
			sp.nroom++
		} else {
			sp.more = append(sp.more, cl)
			c = &sp.more[len(sp.more)-1]
		}
	}
	got := min(want, c.left)
	if got < want && !upTo {
		return 0, &ClaimError{Counter: name, PeriodKey: period, Asked: want, Left: c.left, Err: ErrLimitReached}
	}
	c.left -= got
	return got, nil
}

// note adds an explanation line of rule's effect.
func (sp *sharedPlan) note(p *plan, ef *Effect, note string) {
	if p.rcpt.Explanation == nil && cap(p.expl) > 0 {
		p.rcpt.Explanation = p.expl[:0] // the room of the receipt's block
	}
	p.rcpt.Explanation = append(p.rcpt.Explanation, Explanation{Rule: ef.Rule, Kind: ef.Kind, Line: OrderLevel, Note: note})
}

// planShared plans into p the claims and grants the rules asked for
// (Result.Shared); ref is the order, return or action behind them.
func (e *Engine) planShared(w writeTry, p *plan, shared []Effect, ref string) error {
	if len(shared) == 0 {
		return nil
	}
	sp := sharedPlan{e: e, w: w, read: p.read}
	ch := p.ch
	for i := range shared {
		ef := &shared[i]
		switch ef.Kind {
		case EffectClaim:
			if ef.Release {
				if _, err := sp.store(); err != nil {
					return err
				}
				ch.Claims = p.claim(ledger.Claim{Counter: ef.Counter, PeriodKey: ef.PeriodKey, Amount: ef.Value, Release: true})
				sp.note(p, ef, "released "+itoa(ef.Value)+" to "+periodOf(ef.Counter, ef.PeriodKey))
				continue
			}
			got, err := sp.take(ef.Counter, ef.PeriodKey, ef.Value, ef.UpTo)
			if err != nil {
				return err
			}
			if got == 0 {
				sp.note(p, ef, "claimed nothing of "+itoa(ef.Value)+" from "+periodOf(ef.Counter, ef.PeriodKey)+": none left")
				continue
			}
			ch.Claims = p.claim(ledger.Claim{Counter: ef.Counter, PeriodKey: ef.PeriodKey, Amount: got})
			if got < ef.Value { // a claim taken whole is on the receipt's Claims only
				sp.note(p, ef, "claimed "+itoa(got)+" of "+itoa(ef.Value)+" from "+periodOf(ef.Counter, ef.PeriodKey))
			}
		case EffectGrant:
			if err := sp.grant(p, ef, i, ref); err != nil {
				return err
			}
		case EffectUse:
			if err := sp.use(p, ef); err != nil {
				return err
			}
		}
	}
	p.rcpt.Claims, p.rcpt.Grants = ch.Claims, ch.Grants
	return nil
}

// grant plans the grant of shared effect i.
func (sp *sharedPlan) grant(p *plan, ef *Effect, i int, ref string) error {
	ch := p.ch
	g := *ef.Grant
	if ef.Counter != "" {
		got, err := sp.take(ef.Counter, ef.PeriodKey, 1, true)
		if err != nil {
			return err
		}
		if got == 0 {
			sp.note(p, ef, "reward "+g.Reward+" not granted: none left of "+periodOf(ef.Counter, ef.PeriodKey))
			return nil
		}
		ch.Claims = p.claim(ledger.Claim{Counter: ef.Counter, PeriodKey: ef.PeriodKey, Amount: 1})
	}
	if g.ID == "" {
		g.ID = grantID(ch.Key, i)
	}
	g.MemberID, g.GrantedAt, g.Status, g.Source, g.Ref = p.st.Member.ID, p.now, ledger.GrantOpen, ef.Rule, ref
	g.PaidFrom, g.Paid = p.paidBy(ef.Rule)
	if ef.Code != nil {
		if _, err := sp.store(); err != nil {
			return err
		}
		if sp.codes == nil {
			if ch.blk != nil {
				sp.codes = ch.blk.codeRand(sp.e.seed, sp.e.programID, ch.Key, sp.w.codes)
			} else {
				sp.codes = codeRand(sp.e.seed, sp.e.programID, ch.Key, sp.w.codes)
			}
		}
		code, err := newCode(ef.Code, sp.codes)
		if err != nil {
			return err
		}
		expires := ef.Code.ExpiresAt
		if expires.IsZero() {
			expires = g.ExpiresAt
		}
		uses := ef.Code.MaxUses
		if uses == 0 {
			uses = max(g.MaxUses, 1) // the grant's uses: 0 is one
		}
		g.Code = code
		ch.Codes = append(ch.Codes, ledger.Code{Code: code, Kind: ef.Code.Kind, Owner: g.MemberID, Ref: g.ID,
			MaxUses: uses, CreatedAt: p.now, ExpiresAt: expires})
	}
	var zero ledger.Entry
	zero.Kind, zero.Source, zero.Ref, zero.Note = ledger.EntryGrant, ef.Rule, g.ID, g.Reward
	if err := p.countReward(1, zero); err != nil {
		return err
	}
	if ch.Grants == nil {
		ch.Grants = p.grants[:0] // the room of the receipt's block, if any
	}
	ch.Grants = append(ch.Grants, g)
	if g.Code != "" {
		sp.note(p, ef, "granted reward "+g.Reward+" with code "+g.Code)
	} else {
		sp.note(p, ef, "granted reward "+g.Reward)
	}
	return nil
}

// periodOf names counter name's period for an explanation.
func periodOf(name, period string) string {
	if period == "" {
		return name
	}
	return name + " in " + period
}
