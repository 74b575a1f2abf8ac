//go:build !cgo || li_notorch

package core_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// TestNoTorch: a build without libtorch (CGO_ENABLED=0, or -tags li_notorch)
// compiles, and loading says why it cannot work. Run with
// `CGO_ENABLED=0 go test -run TestNoTorch ./core`.
func TestNoTorch(t *testing.T) {
	_, err := core.Load(golden.ModelDir("tabular"), core.LoadOptions{})
	assert.Equal(t, status.Model, status.CodeOf(err))
	assert.EqualError(t, err, "ludwig-infer was built without libtorch (cgo disabled or the li_notorch tag): build with ./build.sh to run models")
}
