package core_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func decodeOrdered(t *testing.T, req []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	d := json.NewDecoder(strings.NewReader(string(req)))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	return m
}

// replaceColumn returns req (a column dict) with column col set to value.
func replaceColumn(t *testing.T, req []byte, col, value string) []byte {
	m := decodeOrdered(t, req)
	require.Contains(t, m, col)
	m[col] = json.RawMessage(value)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// removeColumn returns req without column col.
func removeColumn(t *testing.T, req []byte, col string) []byte {
	m := decodeOrdered(t, req)
	delete(m, col)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}
