package rewards

import (
	"context"
	"errors"
	"math/rand/v2"
	"unicode/utf8"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
)

// Mint reserves n new transferable coupon codes of reward id, bound to no
// member (printed coupons, codes handed to a partner, gift cards before
// they are sold), in the catalog's code format, drawing characters from
// src, and returns them. Whoever presents one at checkout uses it, once per
// its reward's Uses, until the reward's ValidDays after now (or Until).
//
// src must be unguessable in production (rand.New(rand.NewChaCha8(seed))
// with a seed from crypto/rand): codes drawn from a known seed can be
// enumerated; tests pass a seeded one. A code the program holds already is
// drawn again, so the n codes are unique in the program. Codes reserved
// before an error stay reserved.
func (c *Catalog) Mint(ctx context.Context, e *loyalty.Engine, src *rand.Rand, id string, n int) ([]string, error) {
	r := c.reward(id)
	if r == nil {
		return nil, &Error{Reward: id, Reason: ErrUnknownReward}
	}
	if r.Kind == External {
		return nil, &Error{Reward: id, Reason: ErrNotAtCheckout}
	}
	now := e.Now()
	if !r.offered(now) {
		return nil, &Error{Reward: id, Reason: ErrNotOffered}
	}
	alphabet := []rune(c.format.Alphabet)
	if len(alphabet) == 0 {
		alphabet = []rune(loyalty.CodeAlphabet)
	}
	length := c.format.Length
	if length == 0 {
		length = 12
	}
	if length < loyalty.MinCodeLength {
		return nil, definition.Invalid("code.length", "is below loyalty.MinCodeLength")
	}
	expires := r.couponExpiry(now, e.Program().Zone())
	out := make([]string, 0, n)
	buf := make([]byte, 0, len(c.format.Prefix)+length*utf8.UTFMax)
	for len(out) < n {
		b := append(buf[:0], c.format.Prefix...)
		for range length {
			b = utf8.AppendRune(b, alphabet[src.IntN(len(alphabet))])
		}
		code := string(b)
		err := e.ReserveCode(ctx, ledger.Code{Code: code, Kind: CodeKind, Ref: r.ID, MaxUses: r.uses(), CreatedAt: now, ExpiresAt: expires})
		if errors.Is(err, loyalty.ErrCodeTaken) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, code)
	}
	return out, nil
}
