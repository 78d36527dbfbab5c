package loyalty

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// Randomness is injected like the clock (EngineOptions.Random). At NewEngine
// the Engine reads a 32-byte seed from it, once; every draw after that (a
// rule's, through Input.Rand, and the codes the Engine makes for grants) comes
// from a stream derived from the seed and what names the write:
//
//	rules' stream = ChaCha8(SHA-256("loyalty/rules" | seed | program ID | key))
//	codes' stream = ChaCha8(SHA-256("loyalty/codes" | seed | program ID | key | attempt))
//
// where attempt counts the codes of this write a store found taken already
// (a collision; the Engine plans the write again with fresh codes). So an
// Engine seeded the same way gives the same draws and codes on every store,
// whatever order goroutines write in: a draw depends on the write's key, not
// on what was written before it or on how often a write was re-planned after
// a conflict. A code collision changes the write's codes and never its
// rules' draws.
//
// Provably fair draws: a host that seeds the Engine itself
// (EngineOptions.Random = bytes.NewReader(seed)) can publish SHA-256(seed)
// (Engine.SeedDigest) before a campaign and reveal the seed after it; anyone
// can then recompute every draw from the seed, the program ID and the keys.
// With the default source (crypto/rand) the seed is unguessable and codes
// cannot be enumerated.

// stream is a lazily seeded ChaCha8: the SHA-256 that seeds it is taken on
// the first draw, so an evaluation whose rules draw nothing pays nothing.
type stream struct {
	seed    *[32]byte
	program string
	key     string
	domain  string
	attempt int
	ready   bool
	cc      rand.ChaCha8
}

// zeroSeed seeds the streams of evaluations made without an Engine
// (Program.Evaluate): deterministic, and never a secret.
var zeroSeed [32]byte

// reset points s at the stream of (seed, program, key) in domain.
func (s *stream) reset(seed *[32]byte, domain, program, key string, attempt int) {
	if seed == nil {
		seed = &zeroSeed
	}
	s.seed, s.domain, s.program, s.key, s.attempt, s.ready = seed, domain, program, key, attempt, false
}

// Uint64 implements rand.Source.
func (s *stream) Uint64() uint64 {
	if !s.ready {
		s.cc.Seed(streamSeed(s.seed, s.domain, s.program, s.key, s.attempt))
		s.ready = true
	}
	return s.cc.Uint64()
}

// streamSeed is SHA-256 of the domain, the seed, and the length-prefixed
// program ID and key, and the attempt: no two writes' inputs run together.
func streamSeed(seed *[32]byte, domain, program, key string, attempt int) [32]byte {
	var buf [320]byte
	b := buf[:0]
	b = append(b, domain...)
	b = append(b, 0)
	b = append(b, seed[:]...)
	b = binary.AppendUvarint(b, uint64(len(program)))
	b = append(b, program...)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(attempt))
	return sha256.Sum256(b)
}

// Stream domains.
const (
	rulesDomain = "loyalty/rules"
	codesDomain = "loyalty/codes"
)

// randSeed names the rules' stream of one evaluation.
type randSeed struct {
	seed         *[32]byte
	program, key string
}

// codeRand is the stream of a write's codes.
func codeRand(seed *[32]byte, program, key string, attempt int) *rand.Rand {
	s := &stream{}
	s.reset(seed, codesDomain, program, key, attempt)
	return rand.New(s)
}

// RulesRand returns the stream Input.Rand gives the rules of the write of
// key in program programID (Program.ProgramID), for an Engine seeded with
// seed: what a verifier of a provably fair campaign replays once the host
// revealed the seed (see Engine.SeedDigest). Rules draw from it in program
// order, so a rule replays its own draws when it is the only rule that draws.
func RulesRand(seed [32]byte, programID, key string) *rand.Rand {
	s := &stream{}
	s.reset(&seed, rulesDomain, programID, key, 0)
	return rand.New(s)
}
