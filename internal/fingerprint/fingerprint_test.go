package fingerprint

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vectors are the reference implementation's (vectors_sip128: key
// 00 01 … 0f, message 00 01 … n-1), so the hash is SipHash-2-4-128 and not
// something that merely looks like it.
func TestSipHash128MatchesTheReferenceVectors(t *testing.T) {
	var key [16]byte
	for i := range key {
		key[i] = byte(i)
	}
	k0, k1 := binary.LittleEndian.Uint64(key[:8]), binary.LittleEndian.Uint64(key[8:])
	for n, want := range map[int]string{
		0:  "a3817f04ba25a8e66df67214c7550293",
		1:  "da87c1d86b99af44347659119b22fc45",
		15: "5493e99933b0a8117e08ec0f97cfc3d9",
		16: "6ee2a4ca67b054bbfd3315bf85230577",
		63: "5150d1772f50834a503e069a973fbd7c",
	} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i)
		}
		assert.Equal(t, want, hex128(sipHash128(k0, k1, msg)), "%d bytes", n)
	}
}

func TestAppendSumWritesSumAfterWhatIsThere(t *testing.T) {
	enc := AppendString(AppendInt(nil, 42), "earn")
	require.Equal(t, "x:"+Sum(enc), string(AppendSum([]byte("x:"), enc)))
}
