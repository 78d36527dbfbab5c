package loyalty

import "errors"

// ErrUnbalanced is returned by Store.Commit, which then writes nothing, for a
// change that does not add up: a balance it plans is not the stored balance
// plus the sum of the change's entries in that account, an entry in an
// account it plans no balance for, or entry IDs that are not Version+1 with
// Index 0, 1, 2, ... It means a bug in whatever planned the change (a rule
// that wrote into its Context's state, a host building a Change by hand):
// every store refuses it, so the ledger keeps balance = sum of entries.
var ErrUnbalanced = errors.New("loyalty: change's balances are not the stored balances plus its entries")
