package definition

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
)

func TestInvalidIsAValidationErrorOfAnInvalidProgram(t *testing.T) {
	err := Invalid("rules[2].rate", "must be positive")
	var ve *loyalty.ValidationError
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, "rules[2].rate", ve.Field)
	assert.Equal(t, "must be positive", ve.Reason)
	assert.ErrorIs(t, err, loyalty.ErrInvalidProgram)
	assert.EqualError(t, err, "loyalty: invalid program: rules[2].rate: must be positive")
}

func TestValidNameRefusesOnlyAnEmptyName(t *testing.T) {
	assert.EqualError(t, ValidName(""), "loyalty: invalid program: name: is empty")
	assert.ErrorIs(t, ValidName(""), loyalty.ErrInvalidProgram)
	assert.NoError(t, ValidName("2% back"))
	assert.NoError(t, ValidName(" "), "a blank name is the host's to judge")
}
