package games

import "github.com/loyaltykit/loyalty"

// Replay recomputes, from a revealed seed, the prize a play of g drew: the
// play of idempotency key in the program whose ID is programID
// (loyalty.Program.ProgramID). It is how anyone checks a provably fair
// campaign: the host publishes loyalty.Engine.SeedDigest (SHA-256 of the
// seed) before it and the seed after; SHA-256 of the revealed seed must
// equal the published digest, and Replay of each play's key must name the
// prize its receipt (OutcomeOf) says. It draws from loyalty.RulesRand, the
// stream the play's rules drew from, so it holds when g is the only rule of
// the program that draws on a play.
func (g *Game) Replay(seed [32]byte, programID, key string) int {
	return g.Draw(loyalty.RulesRand(seed, programID, key))
}
