package server

import (
	"sort"
	"sync"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
)

// modelStats are one model's inference statistics, as Triton's statistics
// extension reports them: successful and failed calls with their cumulative
// durations, the time spent before inference (reading and decoding the
// request: "queue"), in preprocessing ("compute_input"), the predictor
// ("compute_infer") and postprocessing ("compute_output"), rows scored.
type modelStats struct {
	success, fail     uint64
	successNs, failNs uint64
	queueNs, inputNs  uint64
	inferNs, outputNs uint64
	rows              uint64
	lastInference     int64 // Unix milliseconds
}

// statistics hold every model's modelStats.
type statistics struct {
	mu     sync.Mutex
	models map[string]*modelStats
}

func newStatistics() *statistics { return &statistics{models: map[string]*modelStats{}} }

// record counts one inference call on model: ok or failed, its rows, the
// time before inference (queue) and its stages.
func (s *statistics) record(model string, ok bool, rows int, queue time.Duration, t core.Timings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.models[model]
	if st == nil {
		st = &modelStats{}
		s.models[model] = st
	}
	total := uint64(queue + t.Preprocess + t.Predict + t.Postprocess)
	if ok {
		st.success++
		st.successNs += total
		st.queueNs += uint64(queue)
		st.inputNs += uint64(t.Preprocess)
		st.inferNs += uint64(t.Predict)
		st.outputNs += uint64(t.Postprocess)
		st.rows += uint64(rows)
		st.lastInference = time.Now().UnixMilli()
	} else {
		st.fail++
		st.failNs += total
	}
}

// countNs is Triton's {"count", "ns"} duration statistic.
type countNs struct {
	Count uint64 `json:"count"`
	Ns    uint64 `json:"ns"`
}

// modelStatJSON is one entry of Triton's statistics answer.
type modelStatJSON struct {
	Name           string               `json:"name"`
	Version        string               `json:"version"`
	LastInference  int64                `json:"last_inference"`
	InferenceCount uint64               `json:"inference_count"`
	ExecutionCount uint64               `json:"execution_count"`
	InferenceStats map[string]countNs   `json:"inference_stats"`
	BatchStats     []map[string]countNs `json:"batch_stats"`
}

// snapshot copies a model's statistics ("" = all models, in serving order).
func (s *statistics) snapshot(models []Model, only string) []modelStatJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []modelStatJSON{}
	for _, m := range models {
		if only != "" && m.Name != only {
			continue
		}
		st := s.models[m.Name]
		if st == nil {
			st = &modelStats{}
		}
		out = append(out, modelStatJSON{
			Name: m.Name, Version: "1", LastInference: st.lastInference,
			InferenceCount: st.rows, ExecutionCount: st.success,
			InferenceStats: map[string]countNs{
				"success":        {st.success, st.successNs},
				"fail":           {st.fail, st.failNs},
				"queue":          {st.success, st.queueNs},
				"compute_input":  {st.success, st.inputNs},
				"compute_infer":  {st.success, st.inferNs},
				"compute_output": {st.success, st.outputNs},
				"cache_hit":      {0, 0},
				"cache_miss":     {0, 0},
			},
			BatchStats: []map[string]countNs{},
		})
	}
	return out
}

// json is the answer of GET /v2/models[/<name>]/stats.
func (s *statistics) json(models []Model, only string) map[string]any {
	return map[string]any{"model_stats": s.snapshot(models, only)}
}

// sortStrings sorts each list.
func sortStrings(lists ...[]string) {
	for _, l := range lists {
		sort.Strings(l)
	}
}
