package loyalty

import (
	"context"
	"strings"

	"github.com/loyaltykit/loyalty/ledger"
)

// StatementLine is one entry of a member's statement with the explanation of
// the write that made it: for an earning, the rule-by-rule "why".
type StatementLine struct {
	ledger.Entry
	Explanation []Explanation
}

// String renders the line as a statement shows it, for example
// "2026-01-31 earn +137 (order o1; 137 on 27.48 USD) — base: 5 per 1.00 USD on 21.98 USD (line 1) = +109; ...".
func (l *StatementLine) String() string {
	var b strings.Builder
	b.WriteString(l.At.Format("2006-01-02"))
	b.WriteString(" ")
	b.WriteString(string(l.Kind))
	b.WriteString(" ")
	n := l.Amount
	if n == 0 {
		n = l.Pending
	}
	if n > 0 {
		b.WriteString("+")
	}
	b.WriteString(itoa(n))
	if l.Pending != 0 && l.Amount == 0 {
		b.WriteString(" pending")
	}
	if l.Account != ledger.PointsAccount {
		b.WriteString(" " + string(l.Account))
	}
	b.WriteString(" (" + l.Source)
	if l.Ref != "" {
		b.WriteString(" " + l.Ref)
	}
	if l.Rate != "" {
		b.WriteString("; " + l.Rate)
	}
	if l.Note != "" {
		b.WriteString("; " + l.Note)
	}
	b.WriteString(")")
	for i := range l.Explanation {
		if i == 0 {
			b.WriteString(" — ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(l.Explanation[i].String())
	}
	return b.String()
}

// Statement returns up to limit of a member's entries after the cursor,
// oldest first, each with the explanation recorded in its write's receipt
// (only on earnings, and only the lines of the entry's account).
func (e *Engine) Statement(ctx context.Context, memberID string, after ledger.EntryID, limit int) ([]StatementLine, error) {
	entries, err := e.History(ctx, memberID, after, limit)
	if err != nil {
		return nil, err
	}
	receipts := make(map[string]*Receipt)
	out := make([]StatementLine, len(entries))
	for i, en := range entries {
		out[i].Entry = en
		if en.Kind != ledger.EntryEarn {
			continue
		}
		r, ok := receipts[en.Key]
		if !ok {
			if r, err = e.store.Receipt(ctx, en.Key); err != nil {
				return nil, err
			}
			receipts[en.Key] = r
		}
		for _, x := range r.Explanation {
			if x.Account == en.Account {
				out[i].Explanation = append(out[i].Explanation, x)
			}
		}
	}
	return out, nil
}
