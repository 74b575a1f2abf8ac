package triton

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Config is the part of Triton's ModelConfig (model_config.proto of
// triton-inference-server/common) that the export writes and reads back.
type Config struct {
	Name         string
	Platform     string // "pytorch_libtorch" or "ensemble"
	MaxBatchSize int64
	Inputs       []Tensor
	Outputs      []Tensor
	// Instances is the instance_group (none for an ensemble).
	Instances []Instances
	// DynamicBatching is set when the model has a dynamic_batching block.
	DynamicBatching *DynamicBatching
	// Steps is the ensemble_scheduling.
	Steps []Step
	// Parameters are the model's parameters (string values).
	Parameters map[string]string
}

// Tensor is a ModelInput or ModelOutput.
type Tensor struct {
	Name     string
	DataType string // TYPE_FP32, TYPE_STRING, ...
	Dims     []int64
	// Reshape is the reshape.shape, when the tensor has one.
	Reshape []int64
}

// Instances is one ModelInstanceGroup.
type Instances struct {
	Count int64
	Kind  string // KIND_CPU, KIND_GPU, ...
}

// DynamicBatching is a ModelDynamicBatching.
type DynamicBatching struct {
	MaxQueueDelayMicroseconds int64
	PreferredBatchSize        []int64
}

// Step is one ModelEnsembling.Step. The maps keep the order they are
// written in.
type Step struct {
	ModelName    string
	ModelVersion int64
	InputMap     []KV // model input -> ensemble tensor
	OutputMap    []KV // model output -> ensemble tensor
}

// KV is one map entry.
type KV struct{ Key, Value string }

// DataTypes maps Triton's DataType enum names to the element type names
// the rest of ludwig-infer uses ("string" for TYPE_STRING).
var DataTypes = map[string]string{
	"TYPE_BOOL": "bool", "TYPE_UINT8": "uint8", "TYPE_UINT16": "uint16", "TYPE_UINT32": "uint32",
	"TYPE_UINT64": "uint64", "TYPE_INT8": "int8", "TYPE_INT16": "int16", "TYPE_INT32": "int32",
	"TYPE_INT64": "int64", "TYPE_FP16": "float16", "TYPE_FP32": "float32", "TYPE_FP64": "float64",
	"TYPE_STRING": "string", "TYPE_BF16": "bfloat16",
}

// TypeOf returns the Triton DataType of an element type name.
func TypeOf(dtype string) (string, bool) {
	for k, v := range DataTypes {
		if v == dtype {
			return k, true
		}
	}
	return "", false
}

// quote writes a protobuf text-format string.
func quote(s string) string { return quoted(s, true) }

func dims(d []int64) string {
	s := make([]string, len(d))
	for i, x := range d {
		s[i] = strconv.FormatInt(x, 10)
	}
	return "[ " + strings.Join(s, ", ") + " ]"
}

func writeTensors(b *strings.Builder, field string, ts []Tensor) {
	if len(ts) == 0 {
		return
	}
	fmt.Fprintf(b, "%s [\n", field)
	for i, t := range ts {
		fmt.Fprintf(b, "  {\n    name: %s\n    data_type: %s\n    dims: %s\n", quote(t.Name), t.DataType, dims(t.Dims))
		if t.Reshape != nil {
			fmt.Fprintf(b, "    reshape: { shape: %s }\n", dims(t.Reshape))
		}
		b.WriteString("  }")
		if i < len(ts)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
}

// Text writes the config in protobuf text format (config.pbtxt).
func (c *Config) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\n", quote(c.Name))
	fmt.Fprintf(&b, "platform: %s\n", quote(c.Platform))
	fmt.Fprintf(&b, "max_batch_size: %d\n", c.MaxBatchSize)
	writeTensors(&b, "input", c.Inputs)
	writeTensors(&b, "output", c.Outputs)
	if len(c.Instances) > 0 {
		b.WriteString("instance_group [\n")
		for i, g := range c.Instances {
			fmt.Fprintf(&b, "  {\n    count: %d\n    kind: %s\n  }", g.Count, g.Kind)
			if i < len(c.Instances)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString("]\n")
	}
	if d := c.DynamicBatching; d != nil {
		b.WriteString("dynamic_batching {\n")
		if len(d.PreferredBatchSize) > 0 {
			fmt.Fprintf(&b, "  preferred_batch_size: %s\n", dims(d.PreferredBatchSize))
		}
		fmt.Fprintf(&b, "  max_queue_delay_microseconds: %d\n}\n", d.MaxQueueDelayMicroseconds)
	}
	for _, k := range sortedKeys(c.Parameters) {
		fmt.Fprintf(&b, "parameters: {\n  key: %s\n  value: { string_value: %s }\n}\n", quote(k), quote(c.Parameters[k]))
	}
	if len(c.Steps) > 0 {
		b.WriteString("ensemble_scheduling {\n  step [\n")
		for i, s := range c.Steps {
			fmt.Fprintf(&b, "    {\n      model_name: %s\n      model_version: %d\n", quote(s.ModelName), s.ModelVersion)
			for _, kv := range s.InputMap {
				fmt.Fprintf(&b, "      input_map { key: %s value: %s }\n", quote(kv.Key), quote(kv.Value))
			}
			for _, kv := range s.OutputMap {
				fmt.Fprintf(&b, "      output_map { key: %s value: %s }\n", quote(kv.Key), quote(kv.Value))
			}
			b.WriteString("    }")
			if i < len(c.Steps)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString("  ]\n}\n")
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
