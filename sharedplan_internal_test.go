package loyalty

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default alphabet is not checked per code: the checked set codeAlphabet
// uses for it must be what alphabetOf makes of CodeAlphabet.
func TestDefaultCodeSetIsCodeAlphabetChecked(t *testing.T) {
	cs, err := alphabetOf(CodeAlphabet)
	require.NoError(t, err)
	assert.Equal(t, cs, defaultCodeSet)
	for _, f := range []CodeFormat{{}, {Alphabet: CodeAlphabet}} {
		got, err := codeAlphabet(&f)
		require.NoError(t, err)
		assert.Equal(t, cs, got)
	}
}

// A format of the default alphabet is still checked whole: its length,
// prefix and uses.
func TestCodeFormatOfDefaultAlphabetIsStillChecked(t *testing.T) {
	for _, f := range []CodeFormat{{Length: 3}, {Prefix: "a b"}, {MaxUses: -1}, {Prefix: strings.Repeat("A", MaxCodeLength)}} {
		_, err := codeAlphabet(&f)
		require.Error(t, err, "%+v", f)
		assert.ErrorIs(t, err, ErrInvalidProgram, "%+v", f)
	}
	_, err := codeAlphabet(&CodeFormat{Alphabet: "AAAAAAAAAAAA"})
	assert.ErrorIs(t, err, ErrInvalidCode)
}

// A code of the default alphabet holds only its characters, after the prefix.
func TestNewCodeOfDefaultAlphabetDrawsFromIt(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{7}))
	code, err := newCode(&CodeFormat{Prefix: "X-"}, r)
	require.NoError(t, err)
	require.Len(t, code, 2+defaultCodeLength)
	assert.True(t, strings.HasPrefix(code, "X-"))
	for _, c := range code[2:] {
		assert.Contains(t, CodeAlphabet, string(c))
	}
}
