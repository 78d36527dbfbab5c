// Package memory is an in-memory loyalty.Store: fast, safe for concurrent
// use, gone when the process exits. Use it in unit tests of a host's reward
// economics and in simulations; use storage/sqlite or storage/postgres to keep
// a ledger. It passes storage/storagetest like every adapter, and it is the
// reference that suite compares other adapters' histories with.
//
//	engine, err := loyalty.NewEngine(program, memory.New(), &loyalty.EngineOptions{Clock: clock})
package memory
