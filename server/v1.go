package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
)

// KServe's v1 protocol (the default of kserve.InferenceRESTClient):
// GET /v1/models, GET /v1/models/<m>, POST /v1/models/<m>:predict with
// {"instances": [record, ...]} answering {"predictions": [record, ...]} in
// the full form (LudwigModel.predict's columns). Errors are {"error": ...}
// with the real reason: 400 for requests the client got wrong, 500 else.

func (s *Server) v1(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v1/models")
	if rest == "" || rest == "/" {
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		names := make([]string, len(s.models))
		for i, m := range s.models {
			names[i] = m.Name
		}
		writeJSON(w, http.StatusOK, map[string]any{"models": names})
		return
	}
	name, verb, hasVerb := strings.Cut(strings.TrimPrefix(rest, "/"), ":")
	m, ok := s.byName[name]
	if !ok {
		v2Error(w, http.StatusNotFound, "unknown model \""+name+"\"")
		return
	}
	switch {
	case !hasVerb:
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"name": name, "ready": true})
	case verb == "predict":
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		s.v1Predict(w, r, m)
	default:
		v2Error(w, http.StatusNotFound, "unknown verb \":"+verb+"\"; this server answers :predict")
	}
}

func (s *Server) v1Predict(w http.ResponseWriter, r *http.Request, m *Model) {
	received := time.Now()
	if sw, ok := w.(*statusWriter); ok {
		sw.model = m.Name
	}
	body, err := readBody(r)
	if err != nil {
		badBody(w, err)
		return
	}
	root, err := request.Parse(body)
	if err != nil {
		v2Error(w, http.StatusBadRequest, err.Error())
		return
	}
	instances := field(root, "instances")
	if instances == nil || instances.Kind != request.Array {
		v2Error(w, http.StatusBadRequest, `expected {"instances": [record, ...]}`)
		return
	}
	for i, it := range instances.Items {
		if it.Kind != request.Object {
			v2Error(w, http.StatusBadRequest, "instances["+itoa(int64(i))+"] must be a record: an object keyed by column")
			return
		}
	}
	if len(instances.Items) == 0 {
		v2Error(w, http.StatusBadRequest, "\"instances\" is empty")
		return
	}
	t, err := cellTable(*instances)
	if err != nil {
		v2Error(w, http.StatusBadRequest, err.Error())
		return
	}
	if missing := missingFeatures(m.Model, t.keys()); len(missing) > 0 {
		s.recordInference(m.Name, false, 0, received, time.Time{}, core.Timings{})
		v2Error(w, http.StatusBadRequest, "missing inputs: "+strings.Join(missing, ", "))
		return
	}
	start := time.Now()
	var tm core.Timings
	out, err := s.scoreFull(r, m, t, &tm)
	s.recordInference(m.Name, err == nil, t.rows, received, start, tm)
	if err != nil {
		v2Error(w, inferStatus(err), err.Error())
		return
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.rows += t.rows
	}
	b := []byte(`{"predictions":[`)
	for row := 0; row < t.rows; row++ {
		if row > 0 {
			b = append(b, ',')
		}
		b = appendRecord(b, out, row)
	}
	writeRaw(w, http.StatusOK, append(b, "]}"...))
}

// appendRecord writes row of a columns object as a record.
func appendRecord(b []byte, cols *request.Cell, row int) []byte {
	b = append(b, '{')
	for i, k := range cols.Keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = response.AppendString(b, k)
		b = append(b, ':')
		b = cols.Values[i].Items[row].AppendJSON(b)
	}
	return append(b, '}')
}
