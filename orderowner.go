package loyalty

import "fmt"

// OrderOwnerError is a refusal: an earn recorded an order ID that another
// member of the store already earned on. An order ID is unique per store,
// whoever claims it (see Store.Commit), so a shop order earns once. The store
// decides it when it commits, so it holds under concurrency: of members
// racing with one order ID, exactly one earns. It matches ErrDuplicate with
// errors.Is; find it with errors.As for the IDs. Nothing was written.
//
// Owner names another member: a host that shows errors to its customers
// shows ErrDuplicate's text, not this one's.
type OrderOwnerError struct {
	// OrderID is the order ID asked for.
	OrderID string
	// MemberID is the member whose earn was refused.
	MemberID string
	// Owner is the member the order ID is recorded for.
	Owner string
}

// Error reads "loyalty: already recorded under another idempotency key:
// order A-1001 is recorded for member ann, not bob".
func (e *OrderOwnerError) Error() string {
	return fmt.Sprintf("%v: order %s is recorded for member %s, not %s", ErrDuplicate, e.OrderID, e.Owner, e.MemberID)
}

// Unwrap returns ErrDuplicate.
func (e *OrderOwnerError) Unwrap() error { return ErrDuplicate }
