package games

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// Replay recomputes, from a revealed seed, the prize a play of g drew: the
// play of idempotency key in the program whose ID is programID
// (loyalty.Program.ProgramID). It is how anyone checks a provably fair
// campaign: the host publishes loyalty.Engine.SeedDigest (SHA-256 of the
// seed) before it and the seed after; SHA-256 of the revealed seed must
// equal the published digest, and Replay of each play's key must name the
// prize its receipt (OutcomeOf) says.
//
// Replay follows the derivation of the rules' stream documented in the
// root package (random.go): ChaCha8 seeded with SHA-256 of "loyalty/rules",
// a zero byte, the seed, then the program ID and the key each after its
// length as a uvarint, then the attempt 0 as a uvarint. It holds when g is
// the only rule of the program that draws on a play (rules draw from one
// stream per write, in program order).
func (g *Game) Replay(seed [32]byte, programID, key string) int {
	return g.Draw(rand.New(rand.NewChaCha8(RulesSeed(seed, programID, key))))
}

// RulesSeed is the ChaCha8 seed of the rules' stream of the write of key
// in program programID, for an Engine seeded with seed.
func RulesSeed(seed [32]byte, programID, key string) [32]byte {
	b := make([]byte, 0, 64+len(programID)+len(key))
	b = append(b, "loyalty/rules"...)
	b = append(b, 0)
	b = append(b, seed[:]...)
	b = binary.AppendUvarint(b, uint64(len(programID)))
	b = append(b, programID...)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, 0)
	return sha256.Sum256(b)
}
