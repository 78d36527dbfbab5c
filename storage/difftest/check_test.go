package difftest

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"strconv"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// checkOutcome compares what the step returned on every adapter with the
// reference: the error's class, then the result (a receipt, a review's
// stats, a payout's report). A replayed key must give back, on each
// adapter, the receipt its first commit gave.
func (w *walk) checkOutcome(o *op, res []any, errs []error) {
	ref := w.ref()
	for i, a := range w.ads {
		if c := class(errs[i]); c == "untyped" {
			w.problem("%s: an error of no loyalty class, which a host cannot branch on: %s", a.name, quoteErr(errs[i]))
		}
		if i == 0 {
			continue
		}
		if class(errs[i]) != class(errs[0]) {
			w.problem("error class differs: %s %s (%s), %s %s (%s)", ref.name, class(errs[0]), quoteErr(errs[0]), a.name, class(errs[i]), quoteErr(errs[i]))
			continue
		}
		if errs[i] == nil {
			for _, d := range diff("result", res[0], res[i], ref.name, a.name) {
				w.problem("%s", d)
			}
		}
	}
	for i, a := range w.ads {
		rc, ok := res[i].(*loyalty.Receipt)
		if !ok || rc == nil || errs[i] != nil {
			continue
		}
		if rc.Operation == loyalty.OpSettle && len(rc.Entries) == 0 {
			continue // nothing was due: the key stays unused
		}
		if first, ok := a.receipts[o.key]; ok {
			if !rc.Replayed {
				w.problem("%s: a replay of key %+q returned a receipt that does not say it is a replay", a.name, o.key)
			}
			again := *rc
			again.Replayed = false
			for _, d := range diff("receipt", first, &again, "first", "replay") {
				w.problem("%s: a replay of key %+q returned another receipt than its first commit: %s", a.name, o.key, d)
			}
		} else {
			if rc.Replayed {
				w.problem("%s: the first commit of key %+q returned a receipt that says it is a replay", a.name, o.key)
			}
			a.receipts[o.key] = rc
		}
	}
}

// rawReads also compares what the stores' own Load and History say of
// member IDs the Engine refuses (ErrInvalidID) and so never passes on: every
// adapter checks them first (storage.CheckLoad), so all answer ErrInvalidID.
const rawReads = true

// reading is what one adapter says of one member after a step.
type reading struct {
	balance ledger.Balance // the Engine's, settled now
	err     error
	state   *loyalty.State // Store.Load with lots, orders and redemptions
	lerr    error
	fresh   []ledger.Entry // history after the tracked cursor, when the version moved
	herr    error
}

// checkMembers compares every member ID the walk has used, on every
// adapter, with the reference, and checks the invariants on each.
func (w *walk) checkMembers(o *op, res []any, errs []error) {
	ref := w.ref()
	for _, id := range w.ids {
		rs := make([]reading, len(w.ads))
		for i, a := range w.ads {
			rs[i] = w.read(a, id)
		}
		who := "member " + strconv.QuoteToASCII(id)
		for i := range w.ads {
			a := w.ads[i]
			w.invariants(a, id, &rs[i])
			if rc, ok := res[i].(*loyalty.Receipt); ok && errs[i] == nil && rc != nil && rc.MemberID == id && rs[i].state != nil && rc.Version == rs[i].state.Version {
				for _, b := range rc.Balances {
					if got := rs[i].state.Balance(b.Account); got != b {
						w.problem("%s, %s: the receipt says %s is %+v after the write, Load says %+v", a.name, who, b.Account, b, got)
					}
				}
			}
			if i == 0 {
				continue
			}
			r, g := &rs[0], &rs[i]
			if class(r.err) != class(g.err) {
				w.problem("%s: Engine.Balance error class differs: %s %s (%s), %s %s (%s)", who, ref.name, class(r.err), quoteErr(r.err), a.name, class(g.err), quoteErr(g.err))
			} else if r.err == nil {
				for _, d := range diff("Engine.Balance", r.balance, g.balance, ref.name, a.name) {
					w.problem("%s: %s", who, d)
				}
			}
			if errors.Is(r.err, loyalty.ErrInvalidID) && !rawReads {
				continue // an ID the engine refuses: nothing stored to compare
			}
			if class(r.lerr) != class(g.lerr) {
				w.problem("%s: Store.Load error class differs: %s %s (%s), %s %s (%s)", who, ref.name, class(r.lerr), quoteErr(r.lerr), a.name, class(g.lerr), quoteErr(g.lerr))
				continue
			}
			if r.lerr == nil {
				for _, d := range diff("state", r.state, g.state, ref.name, a.name) {
					w.problem("%s: %s", who, d)
				}
			}
			if class(r.herr) != class(g.herr) {
				w.problem("%s: Store.History error class differs: %s %s (%s), %s %s (%s)", who, ref.name, class(r.herr), quoteErr(r.herr), a.name, class(g.herr), quoteErr(g.herr))
				continue
			}
			for _, d := range diff("history(new)", r.fresh, g.fresh, ref.name, a.name) {
				w.problem("%s: %s", who, d)
			}
		}
	}
}

// read takes one adapter's reading of member id, and reads the history
// entries written since the last reading when the member's version moved.
func (w *walk) read(a *adapter, id string) reading {
	var r reading
	r.balance, r.err = a.engine.Balance(ctx, id)
	if errors.Is(r.err, loyalty.ErrInvalidID) {
		// The engine refuses the ID, so nothing was stored under it.
		if rawReads {
			_, r.lerr = a.store.Load(ctx, id, loyalty.Query{Lots: true})
			_, r.herr = a.store.History(ctx, id, ledger.EntryID{}, 1)
		}
		return r
	}
	q := loyalty.Query{Lots: true, Orders: unique(w.ordersOf[id]), Redemptions: unique(w.redsOf[id])}
	r.state, r.lerr = a.store.Load(ctx, id, q)
	if r.lerr != nil {
		_, r.herr = a.store.History(ctx, id, ledger.EntryID{}, 1)
		return r
	}
	normalize(r.state)
	tr := a.track[id]
	if tr == nil {
		tr = &track{sums: map[ledger.Account]ledger.Balance{}}
		a.track[id] = tr
	}
	if tr.read && r.state.Version == tr.version {
		return r
	}
	tr.read = true
	r.fresh, r.herr = history(a, id, tr.cursor)
	tr.version = r.state.Version
	for _, e := range r.fresh {
		s := tr.sums[e.Account]
		s.Account = e.Account
		s.Available += e.Amount
		s.Pending += e.Pending
		tr.sums[e.Account] = s
		tr.cursor = e.ID
		tr.entries++
	}
	return r
}

// history reads a member's entries after cursor, oldest first, in pages.
func history(a *adapter, id string, after ledger.EntryID) ([]ledger.Entry, error) {
	var out []ledger.Entry
	for {
		page, err := a.store.History(ctx, id, after, 200)
		if err != nil {
			return out, err
		}
		out = append(out, page...)
		if len(page) < 200 {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// normalize puts what Load returns "in any order" in one order, and drops
// balances of zero, which a store may keep or not.
func normalize(st *loyalty.State) {
	st.Balances = slices.DeleteFunc(st.Balances, func(b ledger.Balance) bool { return b.Available == 0 && b.Pending == 0 })
	slices.SortFunc(st.Balances, func(x, y ledger.Balance) int { return cmp.Compare(x.Account, y.Account) })
	slices.SortFunc(st.Counters, func(x, y ledger.Counter) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(st.Lots, func(x, y ledger.Lot) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(st.Orders, func(x, y ledger.OrderRecord) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(st.Redemptions, func(x, y ledger.RedemptionRecord) int { return cmp.Compare(x.ID, y.ID) })
}

// invariants checks the ledger's invariants (see the package doc) on one
// adapter's reading of a member.
func (w *walk) invariants(a *adapter, id string, r *reading) {
	if r.state == nil {
		return
	}
	who := a.name + ", member " + strconv.QuoteToASCII(id)
	tr := a.track[id]
	accounts := map[ledger.Account]bool{}
	for _, b := range r.state.Balances {
		accounts[b.Account] = true
	}
	if tr != nil {
		for acct := range tr.sums {
			accounts[acct] = true
		}
	}
	held := map[ledger.Account]int64{}
	active := map[ledger.Account]int64{}
	for _, l := range r.state.Lots {
		if l.Remaining < 0 {
			w.problem("%s: lot %d of %s is negative: %d", who, l.ID, l.Account, l.Remaining)
		}
		if l.ActivatesAt.IsZero() {
			active[l.Account] += l.Remaining
		} else {
			held[l.Account] += l.Remaining
		}
		accounts[l.Account] = true
	}
	for _, acct := range slices.Sorted(maps.Keys(accounts)) {
		b := r.state.Balance(acct)
		if tr != nil && r.herr == nil {
			if s := tr.sums[acct]; s.Available != b.Available || s.Pending != b.Pending {
				w.problem("%s: %s balance %d available, %d pending is not the sum of its entries: %d, %d", who, acct, b.Available, b.Pending, s.Available, s.Pending)
			}
		}
		if b.Pending < 0 {
			w.problem("%s: %s pending is negative: %d", who, acct, b.Pending)
		}
		if b.Available < 0 && w.prog.Clawback != loyalty.AllowNegative {
			w.problem("%s: %s available is negative (%d) under ClampAtZero", who, acct, b.Available)
		}
		if acct == ledger.RewardsAccount {
			// counted, not kept in lots (a ledger from before may hold a few)
			if held[acct]+active[acct] > max(b.Available, 0) {
				w.problem("%s: %s lots hold %d, more than the count %d", who, acct, held[acct]+active[acct], b.Available)
			}
			continue
		}
		if held[acct] != b.Pending {
			w.problem("%s: %s lots still held add up to %d, pending is %d", who, acct, held[acct], b.Pending)
		}
		if want := max(b.Available, 0); active[acct] != want {
			w.problem("%s: %s active lots add up to %d, available is %d", who, acct, active[acct], b.Available)
		}
	}
}

// checkWholeHistories reads every member's whole history again on every
// adapter and compares it with the reference's, entry by entry, so that an
// entry changed after it was first read is caught too.
func (w *walk) checkWholeHistories() {
	ref := w.ref()
	for _, id := range w.ids {
		if loyalty.CheckID("member", id) != nil && !rawReads {
			continue // see rawReads
		}
		want, werr := history(ref, id, ledger.EntryID{})
		for _, a := range w.ads[1:] {
			got, err := history(a, id, ledger.EntryID{})
			who := "member " + strconv.QuoteToASCII(id)
			if class(err) != class(werr) {
				w.problem("%s: whole history error class differs: %s %s (%s), %s %s (%s)", who, ref.name, class(werr), quoteErr(werr), a.name, class(err), quoteErr(err))
				continue
			}
			for _, d := range diff("history", want, got, ref.name, a.name) {
				w.problem("%s: %s", who, d)
			}
		}
		if n := len(want); werr == nil && ref.track[id] != nil && n != ref.track[id].entries {
			w.problem("member %s: %s history holds %d entries, %d were read step by step", strconv.QuoteToASCII(id), ref.name, n, ref.track[id].entries)
		}
	}
}

// unique is ids without repeats, in order. A query names each record once:
// the stores differ on a query that names one twice (memory and SQLite
// return the record twice, PostgreSQL once), which the Engine never asks.
func unique(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
