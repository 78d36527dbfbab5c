// Package memory is an in-memory loyalty.Store: fast, safe for concurrent
// use, gone when the process exits. Use it in unit tests of a host's reward
// economics and in simulations; use storage/sqlite or storage/postgres to keep
// a ledger. It passes storage/storagetest like every adapter, and it is the
// reference that suite compares other adapters' histories with.
//
// The store keeps what Commit is given without copying it: the receipt (a
// replay returns that same *Receipt) and the entries, order and redemption
// records of the Change. Callers must not modify a committed Change or a
// receipt the store returned; the Engine never does. Lots are the exception:
// the store copies them, side by side per member, since every write that
// spends reads them all.
//
//	engine, err := loyalty.NewEngine(program, memory.New(), &loyalty.EngineOptions{Clock: clock})
package memory
