package ptfile

import "fmt"

// ReadSaved reads what torch.save wrote in its zip format (the records
// of a torch.export zip of torch < 2.8: the state dict, constants and
// example inputs; a PT2 archive's pickled weights): the unpickled root
// value, tensors as tensor.Tensor, dicts as *Dict, within lim. Parameters
// (torch._utils._rebuild_parameter) are their tensors. The same closed set
// of pickle globals as TorchScript archives applies, nothing runs.
func ReadSaved(data []byte, lim Limits) (any, error) {
	a, err := openArchive(data, lim)
	if err != nil {
		return nil, fmt.Errorf("not a torch.save archive: %w", err)
	}
	raw, err := a.entry("data.pkl")
	if err != nil {
		return nil, err
	}
	v, err := unpickle(raw, &budget{lim: lim}, a.persistent("data"))
	if err != nil {
		return nil, fmt.Errorf("data.pkl: %w", err)
	}
	return v, nil
}
