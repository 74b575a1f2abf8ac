package native

import "github.com/ludwig-infer/ludwig-infer/core/torch"

// Module is a scripted module as the native stages read it: its
// submodules, attributes and code's aten operators. libtorch provides one
// (Torch), and so does the Go reader (core/script.Tree), which needs no
// libtorch.
type Module interface {
	// Sub returns the submodule at path (attribute names joined by ".").
	Sub(path string) (Module, error)
	// Children lists the direct submodules in attribute order.
	Children() ([]torch.Child, error)
	// Attr returns an attribute as torch.Module.Attr converts it.
	Attr(name string) (any, error)
	// ClassOps returns the sorted node kinds (aten::...) of the class's code.
	ClassOps() ([]string, error)
	// Close releases the handle.
	Close()
}

// Torch wraps a libtorch module; nil gives nil.
func Torch(m *torch.Module) Module {
	if m == nil {
		return nil
	}
	return torchModule{m}
}

type torchModule struct{ *torch.Module }

func (t torchModule) Sub(path string) (Module, error) {
	s, err := t.Submodule(path)
	if err != nil {
		return nil, err
	}
	return torchModule{s}, nil
}
