package economics

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
)

// TierCount is how many members stand on one tier of one ladder.
type TierCount struct {
	// Rule names the ladder (Standing.Rule); Level is the tier's 1-based
	// place on it and Tier its name.
	Rule    string
	Level   int
	Tier    string
	Members int64
}

// Tiers counts the members of store s (a loyalty.MemberLister) per tier of
// each ladder in ladders (rules that are loyalty.StandingRule, such as a
// *tiers.Ladder) at the end of a period that ends at end: where each
// member's stored state places them at the last instant before end
// (Standing(st, end − 1 ns)). Members who joined at or after end, and
// members on no tier, are not counted. The result is in the order of
// ladders, then by level.
//
// A store keeps each member's standing as it is now, not its history, so
// this is the distribution of a period that ends after the ledger's last
// write (a report up to now); for an earlier end it is what today's
// standings give then. It reads every member's state (one Load each).
func Tiers(ctx context.Context, s loyalty.Store, ladders []loyalty.StandingRule, end time.Time) ([]TierCount, error) {
	if err := checkLadders(ladders); err != nil {
		return nil, err
	}
	ml, ok := s.(loyalty.MemberLister)
	if !ok {
		return nil, inputError("store", -1, "does not list its members (loyalty.MemberLister), so its tiers cannot be counted", ErrInvalidInput)
	}
	type key struct {
		ladder, level int
		rule, tier    string
	}
	counts := map[key]int64{}
	at := end.Add(-time.Nanosecond)
	after := ""
	for {
		ids, err := ml.Members(ctx, after, scanPage)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			st, err := s.Load(ctx, id, loyalty.Query{})
			if err != nil {
				return nil, err
			}
			if !st.Member.JoinedAt.Before(end) {
				continue
			}
			for i, l := range ladders {
				if sd, ok := l.Standing(st, at); ok && sd.Tier != "" {
					counts[key{i, sd.Level, sd.Rule, sd.Tier}]++
				}
			}
		}
		if len(ids) < scanPage {
			break
		}
		after = ids[len(ids)-1]
	}
	out := make([]TierCount, 0, len(counts))
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.ladder != b.ladder {
			return a.ladder - b.ladder
		}
		if a.level != b.level {
			return a.level - b.level
		}
		if c := strings.Compare(a.rule, b.rule); c != 0 {
			return c
		}
		return strings.Compare(a.tier, b.tier)
	})
	for _, k := range keys {
		out = append(out, TierCount{Rule: k.rule, Level: k.level, Tier: k.tier, Members: counts[k]})
	}
	return out, nil
}

func checkLadders(ladders []loyalty.StandingRule) error {
	for i, l := range ladders {
		if l == nil {
			return inputError("tiers", -1, "hold no ladder at "+strconv.Itoa(i), ErrInvalidInput)
		}
	}
	return nil
}
