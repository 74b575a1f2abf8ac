package pt2

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The subset of torch/_export/serde/schema.py (the serialized
// ExportedProgram, models/model.json or serialized_exported_program.json)
// the runner reads. Unions are JSON objects with exactly one key; fields
// the runner does not use (node metadata such as stack_trace,
// nn_module_stack, torch_fn; verifiers; guards_code) are not decoded.

type programJSON struct {
	GraphModule      graphModuleJSON            `json:"graph_module"`
	RangeConstraints map[string]rangeJSON       `json:"range_constraints"`
	SchemaVersion    *schemaVersionJSON         `json:"schema_version"`
	TorchVersion     string                     `json:"torch_version"`
	OpsetVersion     map[string]json.RawMessage `json:"opset_version"`
}

type schemaVersionJSON struct {
	Major int `json:"major"`
	Minor int `json:"minor"`
}

type rangeJSON struct {
	Min json.RawMessage `json:"min_val"`
	Max json.RawMessage `json:"max_val"`
}

type graphModuleJSON struct {
	Graph           graphJSON        `json:"graph"`
	Signature       signatureJSON    `json:"signature"`
	ModuleCallGraph []moduleCallJSON `json:"module_call_graph"`
}

type moduleCallJSON struct {
	FQN       string `json:"fqn"`
	Signature *struct {
		InSpec  string `json:"in_spec"`
		OutSpec string `json:"out_spec"`
	} `json:"signature"`
}

type graphJSON struct {
	Inputs       []argJSON                 `json:"inputs"`
	Outputs      []argJSON                 `json:"outputs"`
	Nodes        []nodeJSON                `json:"nodes"`
	TensorValues map[string]tensorMetaJSON `json:"tensor_values"`
}

type nodeJSON struct {
	Target  string         `json:"target"`
	Inputs  []namedArgJSON `json:"inputs"`
	Outputs []argJSON      `json:"outputs"`
}

type namedArgJSON struct {
	Name string  `json:"name"`
	Arg  argJSON `json:"arg"`
}

// argJSON is the Argument union: {"as_tensor": {...}}, {"as_int": 3}, ...
type argJSON map[string]json.RawMessage

// kind returns the union's one key and its value.
func (a argJSON) kind() (string, json.RawMessage, error) {
	if len(a) != 1 {
		return "", nil, fmt.Errorf("an argument with %d keys (a union has exactly one)", len(a))
	}
	for k, v := range a {
		return k, v, nil
	}
	return "", nil, nil
}

type nameJSON struct {
	Name string `json:"name"`
}

type tensorMetaJSON struct {
	DType int          `json:"dtype"`
	Sizes []symIntJSON `json:"sizes"`
}

// symIntJSON is the SymInt union (as_int, as_expr) and SymIntArgument
// (as_name, as_int).
type symIntJSON struct {
	AsInt  *int64  `json:"as_int"`
	AsName *string `json:"as_name"`
	AsExpr *struct {
		ExprStr string `json:"expr_str"`
	} `json:"as_expr"`
}

type signatureJSON struct {
	InputSpecs  []inputSpecJSON  `json:"input_specs"`
	OutputSpecs []outputSpecJSON `json:"output_specs"`
}

type inputSpecJSON struct {
	UserInput *struct {
		Arg argJSON `json:"arg"`
	} `json:"user_input"`
	Parameter *struct {
		Arg           nameJSON `json:"arg"`
		ParameterName string   `json:"parameter_name"`
	} `json:"parameter"`
	Buffer *struct {
		Arg        nameJSON `json:"arg"`
		BufferName string   `json:"buffer_name"`
	} `json:"buffer"`
	TensorConstant *struct {
		Arg                nameJSON `json:"arg"`
		TensorConstantName string   `json:"tensor_constant_name"`
	} `json:"tensor_constant"`
	CustomObj     json.RawMessage `json:"custom_obj"`
	Token         json.RawMessage `json:"token"`
	ConstantInput json.RawMessage `json:"constant_input"`
}

type outputSpecJSON struct {
	UserOutput *struct {
		Arg argJSON `json:"arg"`
	} `json:"user_output"`
}

// serde ScalarType codes (not c10's: FLOAT is 7 here, 6 in c10).
var serdeDTypes = map[int]tensor.DType{
	1: tensor.Uint8, 2: tensor.Int8, 3: tensor.Int16, 4: tensor.Int32, 5: tensor.Int64,
	7: tensor.Float32, 8: tensor.Float64, 12: tensor.Bool,
}

var serdeDTypeNames = map[int]string{
	6: "float16", 9: "complex32", 10: "complex64", 11: "complex128", 13: "bfloat16",
	28: "uint16", 29: "float8_e4m3fn", 30: "float8_e5m2", 31: "float8_e4m3fnuz",
	32: "float8_e5m2fnuz", 33: "float8_e8m0fnu", 34: "uint32", 35: "uint64",
}

// dtypeOf maps a serde ScalarType code to a dtype.
func dtypeOf(code int) (tensor.DType, error) {
	if dt, ok := serdeDTypes[code]; ok {
		return dt, nil
	}
	if n, ok := serdeDTypeNames[code]; ok {
		return 0, fmt.Errorf("dtype %s is not supported by the Go engine", n)
	}
	return 0, fmt.Errorf("unknown dtype code %d", code)
}

// jsonFloat reads a float the serializer wrote: a number or the strings
// "Infinity", "-Infinity", "NaN".
func jsonFloat(raw json.RawMessage) (float64, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("not a float: %s", truncate(string(raw), 40))
	}
	switch s {
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	return 0, fmt.Errorf("not a float: %q", truncate(s, 40))
}

// rangeBound reads a range constraint bound: an integer, or infinity
// (written as a float string or null), which gives def.
func rangeBound(raw json.RawMessage, def int64) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, nil
	}
	f, err := jsonFloat(raw)
	if err != nil {
		return 0, err
	}
	if math.IsInf(f, 0) || f > math.MaxInt64/2 || f < math.MinInt64/2 {
		return def, nil
	}
	return int64(f), nil
}

// symbolName returns the symbol of a size expression that is one symbol
// ("s20", or "Symbol('s20', positive=True, integer=True)"), or "".
func symbolName(expr string) string {
	e := strings.TrimSpace(expr)
	if rest, ok := strings.CutPrefix(e, "Symbol('"); ok {
		if i := strings.IndexByte(rest, '\''); i > 0 {
			return rest[:i]
		}
		return ""
	}
	for i, r := range e {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return ""
		}
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
