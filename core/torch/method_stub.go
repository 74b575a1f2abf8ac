//go:build !cgo || li_notorch

package torch

import "github.com/ludwig-infer/ludwig-infer/core/tensor"

// LoadBytes fails: there is no libtorch.
func LoadBytes(data []byte, device string) (*Module, error) { return nil, ErrNoTorch }

// Submodule fails: there is no libtorch.
func (m *Module) Submodule(path string) (*Module, error) { return nil, ErrNoTorch }

// Method fails: there is no libtorch.
func (m *Module) Method(path, method string) (*Module, error) { return nil, ErrNoTorch }

// HasMethod is false: there is no libtorch.
func (m *Module) HasMethod(method string) bool { return false }

// MethodSchema fails: there is no libtorch.
func (m *Module) MethodSchema(method string) (string, error) { return "", ErrNoTorch }

// Call fails: there is no libtorch.
func (m *Module) Call(method string, args ...*Value) (*Value, error) { return nil, ErrNoTorch }

// Child is a direct submodule: its attribute name and class's qualified name.
type Child struct {
	Name, Type string
}

// Children fails: there is no libtorch.
func (m *Module) Children() ([]Child, error) { return nil, ErrNoTorch }

// Attr fails: there is no libtorch.
func (m *Module) Attr(name string) (any, error) { return nil, ErrNoTorch }

// ToDevice fails: there is no libtorch.
func (m *Module) ToDevice(device string) error { return ErrNoTorch }

// NewTensorValue fails: there is no libtorch.
func NewTensorValue(t tensor.Tensor) (*Value, error) { return nil, ErrNoTorch }

// NewStringsValue fails: there is no libtorch.
func NewStringsValue(s []string) (*Value, error) { return nil, ErrNoTorch }

// Wrap fails: there is no libtorch.
func Wrap(stage *Module, className, attr, source string) (*Module, error) {
	return nil, ErrNoTorch
}

// Save fails: there is no libtorch.
func (m *Module) Save(path string) error { return ErrNoTorch }
