package sqlite_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) loyalty.Store { s, _ := openStore(t); return s })
}
