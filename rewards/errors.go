package rewards

import (
	"errors"
	"strconv"
)

// Why a reward cannot be bought, or a coupon used; each *Error unwraps to
// one of them (or to loyalty.ErrUnknownCode, loyalty.ErrCodeVoid or
// loyalty.ErrCodeUsedUp for a code the program does not hold, voided or
// used up), so a checkout shows the reason with errors.Is.
var (
	ErrUnknownReward      = errors.New("rewards: unknown reward")
	ErrNotForSale         = errors.New("rewards: reward is not sold for points")
	ErrNotOffered         = errors.New("rewards: reward is not offered now")
	ErrNotEligible        = errors.New("rewards: member is not eligible")
	ErrOverLimit          = errors.New("rewards: member's limit for the reward reached")
	ErrOutOfStock         = errors.New("rewards: reward is out of stock")
	ErrInsufficientPoints = errors.New("rewards: not enough points")
	ErrWrongCurrency      = errors.New("rewards: not the catalog's currency")
	ErrExpired            = errors.New("rewards: coupon expired")
	ErrNotYours           = errors.New("rewards: coupon belongs to another member")
	ErrBelowMinimum       = errors.New("rewards: order below the coupon's minimum")
	ErrProductNotInCart   = errors.New("rewards: free product not in the cart")
	ErrNotAtCheckout      = errors.New("rewards: reward is not used at checkout")
	ErrUnknownOffer       = errors.New("rewards: unknown offer")
	ErrNotExternal        = errors.New("rewards: reward is not fulfilled by the host")
	ErrInvalidStatus      = errors.New("rewards: invalid fulfilment status")
	ErrOverBudget         = errors.New("rewards: over budget")
	ErrNotBudgetable      = errors.New("rewards: a budget cannot price the rule's effect")
)

// Error is a refused purchase or coupon: which reward or code, and why. It
// unwraps to Reason (one of the errors above, or a loyalty sentinel) and to
// Err, the engine's error behind it when there is one (a
// *loyalty.ClaimError for stock, a *loyalty.InsufficientError for points).
type Error struct {
	Reward string
	Code   string
	Offer  string
	// Budget names the budget of an ErrOverBudget or ErrNotBudgetable.
	Budget string
	Reason error
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := "rewards: "
	if e.Code != "" {
		s += "coupon " + strconv.Quote(e.Code)
		if e.Reward != "" {
			s += " (reward " + e.Reward + ")"
		}
	} else if e.Offer != "" {
		s += "offer " + strconv.Quote(e.Offer)
	} else if e.Reward == "" && e.Budget != "" {
		s += "budget " + strconv.Quote(e.Budget)
	} else {
		s += "reward " + strconv.Quote(e.Reward)
	}
	if e.Reward != "" && e.Budget != "" {
		s += " (budget " + e.Budget + ")"
	}
	s += ": " + trimPrefix(e.Reason.Error())
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns Reason and Err.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Err}
}

func trimPrefix(s string) string {
	for _, p := range []string{"rewards: ", "loyalty: "} {
		if len(s) > len(p) && s[:len(p)] == p {
			return s[len(p):]
		}
	}
	return s
}
