//go:build !cgo || li_notorch

package torch

// ClassOps fails: there is no libtorch.
func (m *Module) ClassOps() ([]string, error) { return nil, ErrNoTorch }

// PutValue fails: there is no libtorch.
func (v *Value) PutValue(key string, item *Value) error { return ErrNoTorch }

// DictValue fails: there is no libtorch.
func (v *Value) DictValue(i int) (*Value, error) { return nil, ErrNoTorch }
