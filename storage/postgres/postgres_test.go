package postgres_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

// TestConformance runs the storage conformance suite, each store in a fresh
// schema of its own.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) loyalty.Store { return newStore(t) })
}
