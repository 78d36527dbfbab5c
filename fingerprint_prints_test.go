package loyalty

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// actionPrints must give what actionFingerprint and actionFields give
// apart: both are stored with receipts, so a replay of a key committed
// before the change still matches.
func TestActionPrintsAreTheFingerprintAndFieldsComputedApart(t *testing.T) {
	for _, a := range []*Action{
		{Kind: ActionReview, MemberID: "ann", Ref: "boot"},
		{Kind: "buy", MemberID: "m1", Ref: "ten-pct", At: time.Date(2026, 3, 1, 12, 0, 0, 500, time.UTC)},
		{Kind: "visit", MemberID: "bob", Data: map[string]string{"store": "12", "channel": "app"}},
		{Kind: "x", MemberID: "ü", Ref: string(make([]byte, 200)), Data: map[string]string{"k": string(make([]byte, 300))}},
	} {
		fp, fields := actionPrints(a)
		require.Equal(t, actionFingerprint(a), fp)
		require.Equal(t, actionFields(a), fields)
	}
}
