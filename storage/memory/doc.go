// Package memory is an in-memory loyalty.Store: fast, safe for concurrent
// use, gone when the process exits. Use it in unit tests of a host's reward
// economics and in simulations; use storage/sqlite or storage/postgres to keep
// a ledger. It passes storage/storagetest like every adapter, and it is the
// reference that suite compares other adapters' histories with.
//
// What the store returns is the caller's: Commit hands back the caller's own
// receipt and keeps a copy of it (one allocation for a typical write), and
// Load, Receipt and History return copies, so changing a returned receipt,
// entry, state or member profile changes nothing stored. The store keeps the
// lots, counters and order records of a committed Change without copying
// them (the Engine never touches a Change after Commit): a host that builds
// Changes itself must not modify one it committed. Commit refuses, writing
// nothing, a change storage.CheckChange refuses (loyalty.ErrUnbalanced,
// loyalty.ErrInvalidID), as every store does.
//
//	engine, err := loyalty.NewEngine(program, memory.New(), &loyalty.EngineOptions{Clock: clock})
package memory
