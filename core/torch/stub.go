//go:build !cgo || li_notorch

package torch

import (
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Available reports whether this build links libtorch.
const Available = false

// ErrNoTorch is returned by every entry point of a build without libtorch.
var ErrNoTorch = errNoTorch

// Version returns "" in a build without libtorch.
func Version() string { return "" }

// CUDADeviceCount returns 0 in a build without libtorch.
func CUDADeviceCount() int { return 0 }

// SetThreads fails: there is no libtorch.
func SetThreads(n int) error { return ErrNoTorch }

// TakeWarnings returns nil: there is no libtorch.
func TakeWarnings() []string { return nil }

// LoadLibrary fails: there is no libtorch.
func LoadLibrary(path string) error { return ErrNoTorch }

// Module is never created in a build without libtorch.
type Module struct{}

// Load fails: there is no libtorch.
func Load(path, device string) (*Module, error) { return nil, ErrNoTorch }

// Close does nothing.
func (m *Module) Close() {}

// Schema fails: there is no libtorch.
func (m *Module) Schema() (string, error) { return "", ErrNoTorch }

// InputValueType fails: there is no libtorch.
func (m *Module) InputValueType() (string, error) { return "", ErrNoTorch }

// NewInput fails: there is no libtorch.
func (m *Module) NewInput() (*Value, error) { return nil, ErrNoTorch }

// Forward fails: there is no libtorch.
func (m *Module) Forward(in *Value, device string) (*Value, error) { return nil, ErrNoTorch }

// Value is never created in a build without libtorch.
type Value struct{}

// Free does nothing.
func (v *Value) Free() {}

// PutTensor fails: there is no libtorch.
func (v *Value) PutTensor(key string, t tensor.Tensor, borrow bool) error { return ErrNoTorch }

// PutStrings fails: there is no libtorch.
func (v *Value) PutStrings(key string, s []string) error { return ErrNoTorch }

// PutTensorList fails: there is no libtorch.
func (v *Value) PutTensorList(key string, ts []tensor.Tensor, tuples bool) error {
	return ErrNoTorch
}

// ToGo fails: there is no libtorch.
func (v *Value) ToGo() (any, error) { return nil, ErrNoTorch }
