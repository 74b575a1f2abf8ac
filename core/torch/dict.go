package torch

import "errors"

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
