package loyalty

// This file is the map of the package: the central types and how they relate,
// and where new things go. doc.go has the package documentation a reader of
// `go doc` sees; the two say the same.
//
// # The central types
//
//	Program (program.go)              what the shop runs, validated by Program.Validate
//	 ├─ Rules []Rule (rule.go)        earn, multiply, cap, count, spend, notify
//	 └─ policies                      EarnBasis, Rounding, ExpiryPolicy, PendingDays,
//	                                  ClawbackPolicy, RedemptionPolicy, Units
//
//	Engine (engine.go, write.go)      NewEngine(program, store, options)
//	 ├─ Store (store.go)              Load a member's State, Commit a Change, scoped
//	 │                                to Program.ID (ProgramStore.ForProgram, scope.go)
//	 ├─ SharedStore (shared.go)       shared counters with a limit, unique codes;
//	 │                                Engine.SetLimit, SharedCounter, Code, ...
//	 ├─ Clock (clock.go)              the only source of "now"
//	 └─ Random (random.go)            the only source of chance: a seed, and per
//	                                  write a stream (Input.Rand, grant codes)
//
//	events (event.go, member.go)      Order, Return, Action, Redemption, Member
//	  │  Engine.Earn, Return, Act, Redeem, Enroll, Adjust, Settle, RunJobs
//	  ▼
//	Input (rule.go)                   what every rule reads: Program, State, Member,
//	  │                               Event, Now, the order's LineBasis and basis
//	  ▼  Rule.Evaluate
//	[]Effect (rule.go)                Earn, EarnAt, Multiply, Cap, Count, Spend,
//	  │                               Refuse, Notify / NotifyChange, ClaimShared,
//	  │                               GrantReward (planned in sharedplan.go)
//	  ▼  Program combines (combine.go): Result{Awards, Counters, Notices, Explanation}
//	Change (store.go)                 planned in pure Go (plan.go), committed once
//	  │                               under an idempotency key
//	  ├─ Entries, Lots, Balances      (package ledger) the append-only ledger, per
//	  │                               ledger.Account
//	  ├─ Counters, OrderRecord,       (package ledger) what later events need
//	  │  RedemptionRecord
//	  ├─ Grants, Claims, Codes        (package ledger) rewards granted, stock and
//	  │                               budget taken, codes reserved: all in the
//	  │                               same commit
//	  └─ Receipt (receipt.go)         what the write did: entries, balances,
//	                                  Explanation and Notices (NoticeKind), returned
//	                                  to the host and replayed for the same key
//
// Below this package sit two that import nothing of it, so that every
// package of the module shares them: money (Money, Currency, exact amounts)
// and ledger (the records a Store keeps: Entry, Lot, Balance, Grant, Code,
// OrderRecord, ...). This package holds the language that decides (programs,
// rules, effects, events, the Engine and the Store contract); ledger holds
// what was decided.
//
// Reads go through the Engine too: Balance, Member, History, Statement,
// Summary (the points widget), Estimate and Quote (dry runs on the code path
// of the writes), and Preview (the whole Change a write would commit).
//
// Failures are exported sentinels and typed errors (errors.go): malformed
// input is a *ValidationError; a refusal of the ledger (InsufficientError,
// RedemptionLimitError, ReturnExceedsError, ErrUnknownOrder, ...) never is.
//
// # Where new things go
//
//   - A new rule: a type with Name and Evaluate(*Input, []Effect) []Effect
//     (the Rule interface), in the host's code or in the program package it
//     belongs to. Optional interfaces add abilities: Validator, Stacker,
//     ActionRule, RedeemableRule, StandingRule, Periodic, Finisher.
//   - A new program type (a ladder, a wallet, a game): a package of its own
//     beside points/, tiers/, cashback/ and charity/, importing only this
//     package (and ledger and money for the records and amounts it reads).
//     It exports rules and policies, declares its NoticeKind
//     constants, and its rules implement Typed so Program.Warnings can count
//     it.
//   - A new storage adapter: a package under storage/ that implements Store
//     (and MemberLister, HistoryReverser, SharedStore, ProgramStore when it
//     can; storage.LedgerAggregator and storage.RefAggregator to sum a whole
//     ledger itself), keeps the records of package ledger as they are given,
//     uses the shared checks of package storage, and passes
//     storage/storagetest with one call, as storage/memory, storage/sqlite
//     and storage/postgres do.
