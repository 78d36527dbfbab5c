package points

import "github.com/loyaltykit/loyalty"

// invalid reports a bad rule or policy definition the way the root package
// does: a *loyalty.ValidationError that unwraps to loyalty.ErrInvalidProgram.
func invalid(field, reason string) error {
	return &loyalty.ValidationError{Field: field, Reason: reason, Kind: loyalty.ErrInvalidProgram}
}

func validName(name string) error {
	if name == "" {
		return invalid("name", "is empty")
	}
	return nil
}

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
