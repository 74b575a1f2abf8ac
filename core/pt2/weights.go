package pt2

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// weightConfigJSON is data/weights/<model>_weights_config.json (and the
// constants' config): per fully qualified name, the record in the folder
// and the tensor's metadata (dtype, sizes, strides, storage offset over
// the record's bytes), or a torch.save pickle when use_pickle.
type weightConfigJSON struct {
	Config map[string]struct {
		PathName   string `json:"path_name"`
		UsePickle  bool   `json:"use_pickle"`
		TensorMeta *struct {
			DType         int          `json:"dtype"`
			Sizes         []symIntJSON `json:"sizes"`
			Strides       []symIntJSON `json:"strides"`
			StorageOffset symIntJSON   `json:"storage_offset"`
		} `json:"tensor_meta"`
	} `json:"config"`
}

// archiveWeights reads a PT2 archive's weights and constants by name.
func (z *zipFile) archiveWeights(model string) (map[string]*kernels.Tensor, error) {
	out := map[string]*kernels.Tensor{}
	for _, dir := range []string{"data/weights/", "data/constants/"} {
		cfgName := dir + model + "_" + map[string]string{"data/weights/": "weights", "data/constants/": "constants"}[dir] + "_config.json"
		if !z.has(cfgName) {
			continue
		}
		raw, err := z.entry(cfgName)
		if err != nil {
			return nil, err
		}
		var cfg weightConfigJSON
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return nil, fmt.Errorf("model.pt2: %s: %v", cfgName, err)
		}
		names := make([]string, 0, len(cfg.Config))
		for n := range cfg.Config {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			c := cfg.Config[n]
			data, err := z.entry(dir + c.PathName)
			if err != nil {
				return nil, err
			}
			var t *kernels.Tensor
			switch {
			case c.UsePickle:
				t, err = savedTensor(data, z.lim)
			case c.TensorMeta == nil:
				err = fmt.Errorf("no tensor_meta (a constant that is not a tensor is not supported)")
			default:
				m := c.TensorMeta
				t, err = rawTensor(data, m.DType, m.Sizes, m.Strides, m.StorageOffset)
			}
			if err != nil {
				return nil, fmt.Errorf("model.pt2: %s (%s%s): %w", n, dir, c.PathName, err)
			}
			out[n] = t
		}
	}
	return out, nil
}

// rawTensor builds a tensor from a record's raw little-endian bytes and
// its strided metadata (a contiguous copy).
func rawTensor(data []byte, code int, sizes, strides []symIntJSON, off symIntJSON) (*kernels.Tensor, error) {
	dt, err := dtypeOf(code)
	if err != nil {
		return nil, err
	}
	if len(sizes) != len(strides) {
		return nil, fmt.Errorf("%d sizes and %d strides", len(sizes), len(strides))
	}
	shape := make([]int64, len(sizes))
	stride := make([]int64, len(sizes))
	for i := range sizes {
		if sizes[i].AsInt == nil || strides[i].AsInt == nil || *sizes[i].AsInt < 0 || *strides[i].AsInt < 0 {
			return nil, fmt.Errorf("a weight's sizes and strides must be non-negative integers")
		}
		shape[i], stride[i] = *sizes[i].AsInt, *strides[i].AsInt
	}
	offset := int64(0)
	if off.AsInt != nil {
		offset = *off.AsInt
	}
	es := int64(dt.Size())
	avail := int64(len(data)) / es
	n := int64(1)
	last := offset
	dims := shape
	if slices.Contains(shape, 0) {
		n, dims = 0, nil // an empty tensor reads nothing (tabtransformer's empty_hidden [1, 0])
	}
	for i, d := range dims {
		if n > kernels.MaxElements/d {
			return nil, fmt.Errorf("shape %v is larger than %d elements", shape, kernels.MaxElements)
		}
		n *= d
		if stride[i] > avail {
			return nil, fmt.Errorf("stride %d beyond the record's %d elements", stride[i], avail)
		}
		last += (d - 1) * stride[i]
	}
	if offset < 0 || (n > 0 && last >= avail) {
		return nil, fmt.Errorf("shape %v, strides %v, offset %d need more than the record's %d elements", shape, stride, offset, avail)
	}
	buf := make([]byte, n*es)
	idx := make([]int64, len(shape))
	for k := int64(0); k < n; k++ {
		src := offset
		for i := range idx {
			src += idx[i] * stride[i]
		}
		copy(buf[k*es:(k+1)*es], data[src*es:(src+1)*es])
		for i := len(idx) - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return kernels.FromTensor(tensor.Tensor{DType: dt, Shape: shape, Data: buf})
}

// savedTensor reads a torch.save pickle of one tensor.
func savedTensor(data []byte, lim ptfile.Limits) (*kernels.Tensor, error) {
	v, err := ptfile.ReadSaved(data, lim)
	if err != nil {
		return nil, err
	}
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("the pickle holds a %s, not a tensor", ptfile.TypeName(v))
	}
	return kernels.FromTensor(t)
}

// legacyWeights reads the torch.save pickles of a torch < 2.8 zip: the
// state dict (parameters and buffers) and the constants, by name.
func (z *zipFile) legacyWeights() (map[string]*kernels.Tensor, error) {
	out := map[string]*kernels.Tensor{}
	for _, rec := range []string{"serialized_state_dict.pt", "serialized_constants.pt"} {
		if !z.has(rec) {
			continue
		}
		raw, err := z.entry(rec)
		if err != nil {
			return nil, err
		}
		v, err := ptfile.ReadSaved(raw, z.lim)
		if err != nil {
			return nil, fmt.Errorf("model.pt2: %s: %w", rec, err)
		}
		d, ok := v.(*ptfile.Dict)
		if !ok {
			return nil, fmt.Errorf("model.pt2: %s holds a %s, not a dict", rec, ptfile.TypeName(v))
		}
		for i, k := range d.Keys {
			name, ok := k.(string)
			t, ok2 := d.Values[i].(tensor.Tensor)
			if !ok || !ok2 {
				return nil, fmt.Errorf("model.pt2: %s: entry %v is a %s, not a tensor", rec, k, ptfile.TypeName(d.Values[i]))
			}
			kt, err := kernels.FromTensor(t)
			if err != nil {
				return nil, fmt.Errorf("model.pt2: %s: %s: %w", rec, name, err)
			}
			out[name] = kt
		}
	}
	return out, nil
}
