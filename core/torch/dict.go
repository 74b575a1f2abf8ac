package torch

import (
	"errors"
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

var errNoTorch = errors.New("ludwig-infer was built without libtorch (cgo disabled or the li_notorch tag): build with ./build.sh to run models")

// Dict is an ordered string-keyed dict copied out of TorchScript.
type Dict struct {
	Keys   []string
	Values []any
}

// Get returns the value under key and whether it was there.
func (d *Dict) Get(key string) (any, bool) {
	for i, k := range d.Keys {
		if k == key {
			return d.Values[i], true
		}
	}
	return nil, false
}

// Specialise narrows a non-empty []any whose items share one of the types
// [][]string or []tensor.Tensor wants.
func Specialise(items []any) any {
	if len(items) == 0 {
		return items
	}
	switch items[0].(type) {
	case []string:
		out := make([][]string, len(items))
		for i, x := range items {
			s, ok := x.([]string)
			if !ok {
				return items
			}
			out[i] = s
		}
		return out
	case []any: // an empty List[str] converts to []any{}
		out := make([][]string, len(items))
		for i, x := range items {
			switch s := x.(type) {
			case []string:
				out[i] = s
			case []any:
				if len(s) != 0 {
					return items
				}
				out[i] = []string{}
			default:
				return items
			}
		}
		return out
	case tensor.Tensor:
		out := make([]tensor.Tensor, len(items))
		for i, x := range items {
			t, ok := x.(tensor.Tensor)
			if !ok {
				return items
			}
			out[i] = t
		}
		return out
	}
	return items
}

// KeyedMap makes the Go value of a dict attribute (Module.Attr): a
// map[string]any when some key is a string, else a map[int64]any.
func KeyedMap(keys, values []any) (any, error) {
	ints := map[int64]any{}
	strs := map[string]any{}
	for i, k := range keys {
		switch kk := k.(type) {
		case int64:
			ints[kk] = values[i]
		case string:
			strs[kk] = values[i]
		default:
			return nil, fmt.Errorf("unsupported dict key %T", k)
		}
	}
	if len(strs) > 0 {
		return strs, nil
	}
	return ints, nil
}
