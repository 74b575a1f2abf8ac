package artifact

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example of Carton's format spec (docs/specification/format.md),
// abridged, plus what toml-rs's pretty printer writes (multi-line arrays with
// trailing commas).
const specExample = `# A number defining the carton spec version. This is currently 1
spec_version = 1

model_name = "super_awesome_test_model"
short_description = "A short description that should be less than or equal to 100 characters."
model_description = """
Some description of the model that can be as detailed as you want it to be

This can span multiple lines. \
  Joined."""
license = "Apache-2.0"
required_platforms = []

[[input]]
name = "x"
dtype = "float32"
shape = ["batch_size", 3, 512, 512]
description = "Something"
internal_name = "some_namespace/in_x:0"

[[input]]
name = "y"
dtype = "float32"
shape = [
    "batch_size",
    10,
]

[[output]]
name = "out"
shape = "*"
dtype = "float32"

[[self_test]]
name = ""
inputs = { x = "@tensor_data/self_test_tensor_0", y = "@tensor_data/sometensor"}

[runner]
runner_name = "torchscript"
required_framework_version = "=1.12.1"
runner_compat_version = 2

[runner.opts]
num_interop_threads = 4
num_threads = 1
`

func TestParseCartonTOML(t *testing.T) {
	c, err := ParseCartonTOML(specExample)
	require.NoError(t, err)
	assert.Equal(t, int64(1), c.SpecVersion)
	assert.Equal(t, "super_awesome_test_model", c.ModelName)
	assert.Equal(t, "torchscript", c.RunnerName)
	assert.Equal(t, "=1.12.1", c.RequiredFrameworkVersion)
	require.Len(t, c.Inputs, 2)
	assert.Equal(t, TensorSpec{Name: "x", DType: "float32", Shape: []any{"batch_size", int64(3), int64(512), int64(512)}, Description: "Something"}, c.Inputs[0])
	assert.Equal(t, []any{"batch_size", int64(10)}, c.Inputs[1].Shape)
	require.Len(t, c.Outputs, 1)
	assert.Equal(t, "*", c.Outputs[0].ShapeSymbol)

	raw, err := ParseTOML(specExample)
	require.NoError(t, err)
	assert.Equal(t, "Some description of the model that can be as detailed as you want it to be\n\nThis can span multiple lines. Joined.", raw["model_description"])
	assert.Equal(t, int64(4), raw["runner"].(map[string]any)["opts"].(map[string]any)["num_interop_threads"])
	assert.Equal(t, "@tensor_data/sometensor", raw["self_test"].([]map[string]any)[0]["inputs"].(map[string]any)["y"])
}

func TestParseTOMLValues(t *testing.T) {
	v, err := ParseTOML(`
a = 'lit\n'
b = "esc \"q\" \t \u00e9 \U0001F600"
c = '''
raw 'x' \n'''
d = [1, [2, "x"], {k = true}, ]  # comment
"quoted key" = 0x10
e.f = 1_000
g = +inf
h = 6.5e-1
i = false
j = 0o17
k = 0b101
`)
	require.NoError(t, err)
	assert.Equal(t, `lit\n`, v["a"])
	assert.Equal(t, "esc \"q\" \t é 😀", v["b"])
	assert.Equal(t, "raw 'x' \\n", v["c"])
	assert.Equal(t, []any{int64(1), []any{int64(2), "x"}, map[string]any{"k": true}}, v["d"])
	assert.Equal(t, int64(16), v["quoted key"])
	assert.Equal(t, int64(1000), v["e"].(map[string]any)["f"])
	assert.True(t, math.IsInf(v["g"].(float64), 1))
	assert.Equal(t, 0.65, v["h"])
	assert.Equal(t, false, v["i"])
	assert.Equal(t, int64(15), v["j"])
	assert.Equal(t, int64(5), v["k"])
}

func TestParseTOMLErrors(t *testing.T) {
	for src, want := range map[string]string{
		`a = "unterminated`:          "line 1: unterminated string",
		"a = 1\na = 2":               "line 2: key \"a\" is defined twice",
		"[t]\n[t]":                   "table [t] is defined twice",
		"a = 1 2":                    "unexpected",
		"a = [1, 2":                  "unterminated array",
		"d = 1979-05-27":             "dates and times are not supported",
		"a = \"\\x\"":                "unknown escape",
		"= 1":                        "expected a key",
		"a = 1\n[a]":                 "already defined as a value",
		"x = 1\n[[x]]":               "not an array of tables",
		"a = {b = 1":                 "expected , or }",
		"a = nope":                   "bad value",
		"spec_version = 1\n[runner]": "",
	} {
		_, err := ParseTOML(src)
		if want == "" {
			assert.NoError(t, err, src)
			continue
		}
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), want, src)
	}
	_, err := ParseCartonTOML("spec_version = 1\n[runner]\n")
	assert.ErrorContains(t, err, "runner.runner_name is missing")
	_, err = ParseCartonTOML("[runner]\nrunner_name = \"torchscript\"\n")
	assert.ErrorContains(t, err, "spec_version is missing")
	_, err = ParseCartonTOML("spec_version = 1\n[runner]\nrunner_name = \"torchscript\"\n[[input]]\ndtype = \"string\"\n")
	assert.ErrorContains(t, err, "[[input]] 1 has no name")
}
