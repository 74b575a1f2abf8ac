package stage

import (
	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// GoPredictor runs the predictor in Go (core/engine), without libtorch.
type GoPredictor struct {
	P *engine.Predictor
}

// LoadGoPredictor reads and compiles the predictor archive at path for the
// Go engine; a predictor using an operator the engine lacks fails with
// status.Model naming it.
func LoadGoPredictor(path, device string) (*GoPredictor, error) {
	if device != "cpu" {
		return nil, status.Errorf(status.InvalidArgument, "device %q: the Go engine runs on the CPU only (use engine \"libtorch\" for %s)", device, device)
	}
	if err := export.CheckArchive(path); err != nil {
		return nil, err
	}
	p, err := engine.LoadPredictor(path)
	if err != nil {
		if op := engine.UnsupportedOp(err); op != "" {
			return nil, status.Errorf(status.Model, "engine \"go\": %s: %v; load with engine \"libtorch\"", path, err)
		}
		return nil, status.Errorf(status.Model, "engine \"go\": cannot load %s: %v", path, err)
	}
	return &GoPredictor{P: p}, nil
}

// Predict runs the predictor on the batch's tensors in Go (a libtorch
// batch, from the TorchScript preprocessor, is read into Go first).
func (g *GoPredictor) Predict(in *Batch) (*Batch, error) {
	names, ts, err := in.Tensors("preprocessor")
	if err != nil {
		return nil, err
	}
	pn, pt, err := g.P.Predict(names, ts)
	if err != nil {
		return nil, status.Errorf(status.Runtime, "predictor failed: %v", err)
	}
	return Tensors(pn, pt, "predictor"), nil
}
