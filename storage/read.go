package storage

import "github.com/loyaltykit/loyalty"

// CheckLoad refuses a Load of a member ID, order ID or redemption ID that no
// store can keep (loyalty.CheckID), with an error wrapping
// loyalty.ErrInvalidID. Every adapter calls it before it reads, so all of
// them answer such a read alike instead of one matching a look-alike ID and
// another failing in its driver.
func CheckLoad(memberID string, q loyalty.Query) error {
	if err := loyalty.CheckID("member_id", memberID); err != nil {
		return err
	}
	for _, id := range q.Orders {
		if err := loyalty.CheckID("query.orders", id); err != nil {
			return err
		}
	}
	for _, id := range q.Redemptions {
		if err := loyalty.CheckID("query.redemptions", id); err != nil {
			return err
		}
	}
	return nil
}

// CheckMember is CheckLoad for the reads that name only a member (History,
// HistoryBefore, and Members' cursor).
func CheckMember(memberID string) error { return loyalty.CheckID("member_id", memberID) }

// CheckKey refuses a Receipt lookup of a key no store can keep
// (loyalty.CheckKey).
func CheckKey(key string) error { return loyalty.CheckKey("key", key) }
