package triton

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// tensorNode is an ensemble tensor as one model sees it (Triton's
// ensemble_utils TensorNode).
type tensorNode struct {
	model    string
	dataType string
	dims     []int64
	batching bool
}

func (n tensorNode) full() []int64 {
	if n.batching {
		return append([]int64{-1}, n.dims...)
	}
	return n.dims
}

func wildcardEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != -1 && b[i] != -1 && a[i] != b[i] {
			return false
		}
	}
	return true
}

// consistent is Triton's ValidateTensorConsistency: same data type; dims
// equal up to -1, or equal once the batch dimension of a batching model is
// spelled out.
func consistent(a, b tensorNode, name string) error {
	if a.dataType != b.dataType {
		return fmt.Errorf("ensemble tensor %q: inconsistent data type: %s is inferred from model %s while %s is inferred from model %s", name, a.dataType, a.model, b.dataType, b.model)
	}
	if !wildcardEqual(a.dims, b.dims) && !wildcardEqual(a.full(), b.full()) {
		return fmt.Errorf("ensemble tensor %q: inconsistent shape: %v is inferred from model %s while %v is inferred from model %s", name, a.dims, a.model, b.dims, b.model)
	}
	return nil
}

func checkTensors(c *Config, ts []Tensor, what string, libtorch bool) error {
	seen := map[string]bool{}
	for i, t := range ts {
		if t.Name == "" {
			return fmt.Errorf("model %s: %s %d has no name", c.Name, what, i)
		}
		if seen[t.Name] {
			return fmt.Errorf("model %s: %s %q is listed twice", c.Name, what, t.Name)
		}
		seen[t.Name] = true
		if _, ok := DataTypes[t.DataType]; !ok {
			return fmt.Errorf("model %s: %s %s: data_type %q is not a Triton DataType", c.Name, what, t.Name, t.DataType)
		}
		if len(t.Dims) == 0 {
			return fmt.Errorf("model %s: %s %s has no dims", c.Name, what, t.Name)
		}
		for _, d := range t.Dims {
			if d != -1 && d < 1 {
				return fmt.Errorf("model %s: %s %s: dims %v: each dimension is -1 or >= 1", c.Name, what, t.Name, t.Dims)
			}
		}
		if libtorch {
			// The libtorch backend maps INPUT__i / OUTPUT__i to argument and
			// tuple positions.
			want := "INPUT__" + strconv.Itoa(i)
			if what == "output" {
				want = "OUTPUT__" + strconv.Itoa(i)
			}
			if t.Name != want {
				return fmt.Errorf("model %s: %s %d is named %q; the libtorch backend's naming convention wants %q", c.Name, what, i, t.Name, want)
			}
			if t.DataType == "TYPE_STRING" && (c.MaxBatchSize > 0 || len(t.Dims) != 1) {
				return fmt.Errorf("model %s: %s %s: the libtorch backend passes strings as List[str], one-dimensional only", c.Name, what, t.Name)
			}
		}
	}
	return nil
}

// Validate checks an ensemble and its step models as Triton does when it
// loads a repository: each model's config (names, data types, dims,
// batching, instance groups, the libtorch backend's INPUT__i / OUTPUT__i
// naming), the version folders and model files, and the ensemble's
// scheduling (every step input mapped once to a tensor that an earlier step
// or the request provides, consistent data types and shapes, every ensemble
// output produced).
func Validate(dir string, ens *Config, models map[string]*Config) error {
	if ens.Platform != "ensemble" {
		return fmt.Errorf("model %s: platform %q, want \"ensemble\"", ens.Name, ens.Platform)
	}
	if ens.MaxBatchSize < 0 {
		return fmt.Errorf("model %s: max_batch_size %d < 0", ens.Name, ens.MaxBatchSize)
	}
	if len(ens.Steps) == 0 {
		return fmt.Errorf("model %s: an ensemble needs ensemble_scheduling steps", ens.Name)
	}
	if err := checkTensors(ens, ens.Inputs, "input", false); err != nil {
		return err
	}
	if err := checkTensors(ens, ens.Outputs, "output", false); err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Join(dir, ens.Name)); err != nil || !st.IsDir() {
		return fmt.Errorf("model %s: no folder %s", ens.Name, filepath.Join(dir, ens.Name))
	}
	if !hasVersion(filepath.Join(dir, ens.Name)) {
		return fmt.Errorf("model %s: no version folder", ens.Name)
	}
	for name, c := range models {
		if c.Name != name {
			return fmt.Errorf("config.pbtxt of folder %s names the model %q", name, c.Name)
		}
		if c.Platform != "pytorch_libtorch" {
			return fmt.Errorf("model %s: platform %q, want \"pytorch_libtorch\"", name, c.Platform)
		}
		if c.MaxBatchSize < 0 {
			return fmt.Errorf("model %s: max_batch_size %d < 0", name, c.MaxBatchSize)
		}
		if c.DynamicBatching != nil && c.MaxBatchSize == 0 {
			return fmt.Errorf("model %s: dynamic_batching needs max_batch_size > 0", name)
		}
		if err := checkTensors(c, c.Inputs, "input", true); err != nil {
			return err
		}
		if err := checkTensors(c, c.Outputs, "output", true); err != nil {
			return err
		}
		for _, g := range c.Instances {
			if g.Kind != "KIND_CPU" && g.Kind != "KIND_GPU" && g.Kind != "KIND_AUTO" && g.Kind != "KIND_MODEL" {
				return fmt.Errorf("model %s: instance kind %q", name, g.Kind)
			}
			if g.Count < 0 {
				return fmt.Errorf("model %s: instance count %d", name, g.Count)
			}
		}
	}
	// Scheduling.
	nodes := map[string]tensorNode{}
	for _, in := range ens.Inputs {
		nodes[in.Name] = tensorNode{ens.Name, in.DataType, in.Dims, ens.MaxBatchSize > 0}
	}
	used := map[string]bool{}
	for i, s := range ens.Steps {
		c := models[s.ModelName]
		if c == nil {
			return fmt.Errorf("model %s: step %d runs %q, which is not in the repository", ens.Name, i, s.ModelName)
		}
		v, err := pickVersion(filepath.Join(dir, s.ModelName), s.ModelVersion)
		if err != nil {
			return fmt.Errorf("model %s: %v", s.ModelName, err)
		}
		if st, err := os.Stat(filepath.Join(dir, s.ModelName, v, "model.pt")); err != nil || st.IsDir() {
			return fmt.Errorf("model %s: no %s", s.ModelName, filepath.Join(v, "model.pt"))
		}
		inputs := map[string]Tensor{}
		for _, t := range c.Inputs {
			inputs[t.Name] = t
		}
		mapped := map[string]bool{}
		for _, kv := range s.InputMap {
			t, ok := inputs[kv.Key]
			if !ok {
				return fmt.Errorf("in ensemble %s, ensemble tensor %s is mapping to non-existing input %s in model %s", ens.Name, kv.Value, kv.Key, s.ModelName)
			}
			if mapped[kv.Key] {
				return fmt.Errorf("in ensemble %s, input %s in model %s is mapped to multiple ensemble tensors", ens.Name, kv.Key, s.ModelName)
			}
			mapped[kv.Key] = true
			n, ok := nodes[kv.Value]
			if !ok {
				return fmt.Errorf("in ensemble %s, step %d (%s) reads %q before any step or the request provides it", ens.Name, i, s.ModelName, kv.Value)
			}
			if err := consistent(n, tensorNode{s.ModelName, t.DataType, t.Dims, c.MaxBatchSize > 0}, kv.Value); err != nil {
				return fmt.Errorf("in ensemble %s, %v", ens.Name, err)
			}
			used[kv.Value] = true
		}
		for _, t := range c.Inputs {
			if !mapped[t.Name] {
				return fmt.Errorf("in ensemble %s, input %s in model %s is not mapped to any ensemble tensors", ens.Name, t.Name, s.ModelName)
			}
		}
		outputs := map[string]Tensor{}
		for _, t := range c.Outputs {
			outputs[t.Name] = t
		}
		for _, kv := range s.OutputMap {
			t, ok := outputs[kv.Key]
			if !ok {
				return fmt.Errorf("in ensemble %s, ensemble tensor %s is mapped from non-existing output %s in model %s", ens.Name, kv.Value, kv.Key, s.ModelName)
			}
			if _, dup := nodes[kv.Value]; dup {
				return fmt.Errorf("in ensemble %s, ensemble tensor %s is provided twice", ens.Name, kv.Value)
			}
			nodes[kv.Value] = tensorNode{s.ModelName, t.DataType, t.Dims, c.MaxBatchSize > 0}
		}
	}
	for _, in := range ens.Inputs {
		if !used[in.Name] {
			return fmt.Errorf("in ensemble %s, input %s is not used by any step", ens.Name, in.Name)
		}
	}
	for _, out := range ens.Outputs {
		n, ok := nodes[out.Name]
		if !ok {
			return fmt.Errorf("in ensemble %s, no step produces output %s", ens.Name, out.Name)
		}
		if err := consistent(n, tensorNode{ens.Name, out.DataType, out.Dims, ens.MaxBatchSize > 0}, out.Name); err != nil {
			return fmt.Errorf("in ensemble %s, %v", ens.Name, err)
		}
	}
	return nil
}

func hasVersion(mdir string) bool {
	_, err := pickVersion(mdir, -1)
	return err == nil
}
