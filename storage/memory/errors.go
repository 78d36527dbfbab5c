package memory

import (
	"strconv"

	"github.com/loyaltykit/loyalty"
)

// missingError is what a read of a member or receipt the store does not
// hold returns: errors.Is finds err (loyalty.ErrUnknownMember or
// loyalty.ErrNotFound) in it, and its message is the one fmt.Errorf("%w:
// %s") (or "%w: receipt %q") made, but it is built only when read. A miss
// is common (every new key's Receipt, every enrolment's Load), so it costs
// one small allocation instead of fmt's formatting.
type missingError struct {
	err     error
	receipt bool // id is a receipt key, quoted in the message
	id      string
}

func (e *missingError) Error() string {
	if e.receipt {
		return e.err.Error() + ": receipt " + strconv.Quote(e.id)
	}
	return e.err.Error() + ": " + e.id
}

func (e *missingError) Unwrap() error { return e.err }

// unknownMember is the error of a read of a member the store does not hold.
func unknownMember(id string) error {
	return &missingError{err: loyalty.ErrUnknownMember, id: id}
}
