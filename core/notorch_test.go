//go:build !cgo || li_notorch

package core_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// TestNoTorch: a build without libtorch (CGO_ENABLED=0, or -tags li_notorch)
// loads an export directory with the Go engine (run with
// `CGO_ENABLED=0 go test -run 'TestNoTorch|TestGoEngine|TestEngineOption' ./core`).
func TestNoTorch(t *testing.T) {
	m, err := core.Load(golden.ModelDir("tabular"), core.LoadOptions{})
	if assert.NoError(t, err) {
		assert.Equal(t, "go", m.Info().Engine.Predictor)
		assert.Equal(t, []string{"age", "city", "member", "cell"}, m.Info().Stages.NativeInputs)
		m.Close()
	}
}
