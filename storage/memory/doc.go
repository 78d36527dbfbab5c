// Package memory is an in-memory loyalty.Store: fast, safe for concurrent
// use, gone when the process exits. Use it in unit tests of a host's reward
// economics and in simulations; use storage/sqlite or storage/postgres to keep
// a ledger. It passes storage/storagetest like every adapter, and it is the
// reference that suite compares other adapters' histories with.
//
// What the store returns is the caller's: Commit hands back the caller's own
// receipt and keeps a copy of it (one allocation for a typical write), and
// Load, Receipt and History return copies, so changing a returned receipt,
// entry, state or member profile changes nothing stored. It copies what it
// keeps of a committed Change too (entries, lots, counters, order and
// redemption records, the member), so a host that builds Changes itself may
// reuse one after Commit (storagetest's KeepsNothingOfACommittedChange
// scribbles over every committed Change to hold this). Commit refuses, writing
// nothing, a change storage.CheckChange refuses (loyalty.ErrUnbalanced,
// loyalty.ErrInvalidID), as every store does.
//
// One store holds programs side by side: ForProgram returns a view of the
// same store scoped to one program (loyalty.ProgramStore), and the Store New
// returns is the view of loyalty.DefaultProgram. Members, their enrolment
// order, keys and receipts, order owners, grants, codes and shared counters
// all belong to one program. Views are cheap and may be kept; a view of a
// view is the view of the program it names.
//
// The store implements loyalty.SharedStore: shared counters with a limit,
// and unique codes looked up with one map read. A change's claims, new
// codes and code uses are decided when it commits, under one lock of the
// program's shared state (taken after the member's, and only by changes
// that have any), and applied with the rest of the change or not at all:
// of writers racing for the last unit of stock exactly one commits, and a
// replayed key claims nothing. A member's grants are kept with the member,
// upserted by ID, and Load hands out copies.
//
//	engine, err := loyalty.NewEngine(program, memory.New(), &loyalty.EngineOptions{Clock: clock})
package memory
