package core

import (
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/stage"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// StageModules are a model's three stage modules as plain TorchScript
// modules whose forward runs the stage (Ludwig's _InferencePreprocessor,
// _InferencePredictor, _InferencePostprocessor) - what tools such as the
// Triton export wrap. For an InferenceModule or a Carton they are its
// preprocessor, predictor and postprocessor submodules. Close them.
type StageModules struct {
	Pre, Pred, Post *torch.Module
	owned           []*torch.Module
}

// Close releases the handles StageModules made (the model keeps its own).
func (s *StageModules) Close() {
	if s == nil {
		return
	}
	for _, h := range s.owned {
		h.Close()
	}
	s.owned = nil
}

// StageModules returns the model's stage modules. It fails for a
// --model_only export and an InferenceModule without separate stages.
func (m *Model) StageModules() (*StageModules, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, status.Errorf(status.Closed, "the model is closed")
	}
	if m.script.pre == nil || m.script.pred == nil || m.script.post == nil {
		return nil, status.Errorf(status.InvalidArgument, "%s has no separate preprocessor, predictor and postprocessor", m.info.Path)
	}
	if m.art == nil {
		return &StageModules{Pre: m.script.pre, Pred: m.script.pred, Post: m.script.post}, nil
	}
	// The InferenceModule's submodules (its staged methods wrap them; the
	// Carton module holds the InferenceModule as inference_module).
	prefix := ""
	if m.art.carton != nil {
		prefix = "inference_module."
	}
	s := &StageModules{}
	for _, x := range []struct {
		dst  **torch.Module
		name string
	}{{&s.Pre, "preprocessor"}, {&s.Pred, "predictor"}, {&s.Post, "postprocessor"}} {
		h, err := m.art.owned[0].Submodule(prefix + x.name)
		if err != nil {
			s.Close()
			return nil, status.Errorf(status.Model, "%s: %v", m.art.info.Path, err)
		}
		s.owned = append(s.owned, h)
		*x.dst = h
	}
	return s, nil
}

// StageOutputs are the output dicts of one run of the three stages: the
// preprocessed tensors by input feature, the predictor's "<f>::<key>"
// tensors and the postprocessor's "<f>::<key>" values (tensor.Tensor,
// []string, [][]string, []tensor.Tensor), in module order.
type StageOutputs struct {
	Preprocessed, Predicted, Postprocessed *torch.Dict
}

// Featurize converts a table request (JSON and tensors as Infer takes them)
// into the preprocessor's inputs, one per input feature in schema order
// (Schema().Inputs): what Ludwig's predict path hands the preprocessor.
func (m *Model) Featurize(req Request) ([]featurize.Input, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, status.Errorf(status.Closed, "the model is closed")
	}
	return m.featurise(req)
}

// SampleInputs returns two generated rows per input feature (those the
// warm-up runs), in schema order.
func (m *Model) SampleInputs() ([]featurize.Input, error) {
	if m.schema == nil {
		return nil, status.Errorf(status.InvalidArgument, "this model has no feature schema")
	}
	inputs := make([]featurize.Input, len(m.schema.Inputs))
	for i, f := range m.schema.Inputs {
		x, ok := sampleInput(f)
		if !ok {
			return nil, status.Errorf(status.InvalidArgument, "cannot generate a sample value for %s feature %q: give a sample request", f.Type, f.Name)
		}
		inputs[i] = x
	}
	return inputs, nil
}

// RunStages runs s's TorchScript modules on featurised inputs (from
// Featurize or SampleInputs) and returns every stage's output.
func (m *Model) RunStages(s *StageModules, inputs []featurize.Input) (*StageOutputs, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, status.Errorf(status.Closed, "the model is closed")
	}
	if m.schema == nil || len(inputs) != len(m.schema.Inputs) {
		return nil, status.Errorf(status.InvalidArgument, "RunStages needs one input per input feature")
	}
	in, err := stage.TableInput(s.Pre, m.schema.Inputs, inputs)
	if err != nil {
		return nil, err
	}
	defer in.Free()
	out := &StageOutputs{}
	pre, err := stage.Forward(s.Pre, in, "cpu", "preprocessor")
	if err != nil {
		return nil, err
	}
	defer pre.Free()
	if out.Preprocessed, err = stage.ReadDict(pre, "preprocessor"); err != nil {
		return nil, err
	}
	pred, err := stage.Forward(s.Pred, pre, m.device, "predictor")
	if err != nil {
		return nil, err
	}
	defer pred.Free()
	if out.Predicted, err = stage.ReadDict(pred, "predictor"); err != nil {
		return nil, err
	}
	post, err := stage.Forward(s.Post, pred, "cpu", "postprocessor")
	if err != nil {
		return nil, err
	}
	defer post.Free()
	if out.Postprocessed, err = stage.ReadDict(post, "postprocessor"); err != nil {
		return nil, err
	}
	return out, nil
}
