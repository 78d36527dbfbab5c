package storage

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// TestOkTextRefusesNULAndInvalidUTF8AtEveryOffset puts a NUL, an invalid
// byte and a valid multi-byte rune at every offset of strings around the
// eight bytes okText reads at once, against the plain definition.
func TestOkTextRefusesNULAndInvalidUTF8AtEveryOffset(t *testing.T) {
	want := func(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }
	for n := 0; n <= 25; n++ {
		base := strings.Repeat("a", n)
		assert.True(t, okText(base), "%q", base)
		for i := range n {
			for _, ins := range []string{"\x00", "\xff", "\x80", "é", "€", "\U0001F600", "\x7f"} {
				s := base[:i] + ins + base[i:]
				assert.Equal(t, want(s), okText(s), "%q", s)
				s = base[:i] + ins + base[i+1:] // in place of a byte
				assert.Equal(t, want(s), okText(s), "%q", s)
			}
		}
	}
	assert.False(t, okText("é\x00abcdefgh"))
	assert.False(t, okText("abcdefgh\xe2\x82"), "a rune cut short after eight ASCII bytes")
}
