// Package definition holds the checks that the program packages' rules and
// policies share when they validate their own definition: the error a bad
// field is reported with, and the name every rule must have.
//
// It is the project's own machinery, under internal so that no host depends
// on it: hosts see only the *loyalty.ValidationError it builds.
package definition

import "github.com/loyaltykit/loyalty"

// Invalid reports a bad rule or policy definition the way the root package
// does: a *loyalty.ValidationError naming field and reason that unwraps to
// loyalty.ErrInvalidProgram.
func Invalid(field, reason string) error {
	return &loyalty.ValidationError{Field: field, Reason: reason, Kind: loyalty.ErrInvalidProgram}
}

// ValidName reports an empty rule name as Invalid("name", "is empty"), and
// accepts any other.
func ValidName(name string) error {
	if name == "" {
		return Invalid("name", "is empty")
	}
	return nil
}
