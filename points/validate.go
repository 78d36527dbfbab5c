package points

import "github.com/loyaltykit/loyalty"

// extraNote says what an order's ExtraBasis is made of under program p.
func extraNote(p *loyalty.Program) string {
	if p == nil {
		return "shipping and tax"
	}
	switch {
	case p.Basis.IncludeShipping && p.Basis.IncludeTax:
		return "shipping and tax"
	case p.Basis.IncludeTax:
		return "tax"
	}
	return "shipping"
}
