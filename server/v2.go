package server

import (
	"net/http"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The Open Inference Protocol (KServe v2) over JSON.

func v2Error(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"live": true})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"ready": len(s.models) > 0})
}

func (s *Server) serverMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"name": "ludwig-infer", "version": core.Version, "extensions": []string{}})
}

// v2Model routes /v2/models/<name>[/versions/<v>][/ready|/infer].
func (s *Server) v2Model(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v2/models/")
	parts := strings.Split(rest, "/")
	name := parts[0]
	m, ok := s.byName[name]
	if !ok {
		v2Error(w, http.StatusNotFound, "unknown model \""+name+"\"")
		return
	}
	parts = parts[1:]
	if len(parts) >= 2 && parts[0] == "versions" {
		if parts[1] != "1" {
			v2Error(w, http.StatusNotFound, "model \""+name+"\" has only version 1")
			return
		}
		parts = parts[2:]
	}
	switch {
	case len(parts) == 0 || (len(parts) == 1 && parts[0] == ""):
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, modelMetadata(m))
	case len(parts) == 1 && parts[0] == "ready":
		writeJSON(w, http.StatusOK, map[string]any{"name": name, "ready": true})
	case len(parts) == 1 && parts[0] == "infer":
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		s.v2Infer(w, r, m)
	default:
		v2Error(w, http.StatusNotFound, "not found: "+r.URL.Path)
	}
}

type tensorMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

var v2Types = map[string]string{
	"float32": "FP32", "float64": "FP64", "int32": "INT32", "int64": "INT64",
	"uint8": "UINT8", "bool": "BOOL", "int8": "INT8", "int16": "INT16",
}

func modelMetadata(m *Model) map[string]any {
	info := m.Model.Info()
	inputs := []tensorMeta{}
	for _, in := range info.Inputs {
		tm := tensorMeta{Name: in.Column, Datatype: "BYTES", Shape: []int64{-1}}
		switch in.Type {
		case "number":
			tm.Datatype = "FP64"
		case "h3":
			tm.Datatype = "INT64"
		case "vector":
			tm.Datatype, tm.Shape = "FP32", []int64{-1, -1}
		}
		inputs = append(inputs, tm)
	}
	outputs := []tensorMeta{}
	for _, o := range info.Outputs {
		for i, k := range o.Keys {
			tm := tensorMeta{Name: response.ColumnName(o.Name, k), Datatype: "BYTES", Shape: []int64{-1}}
			if i < len(o.Types) {
				if dt, ok := v2Types[o.Types[i]]; ok {
					tm.Datatype, tm.Shape = dt, o.Shapes[i]
				}
			}
			outputs = append(outputs, tm)
		}
	}
	return map[string]any{"name": m.Name, "versions": []string{"1"}, "platform": "ludwig_torchscript", "inputs": inputs, "outputs": outputs}
}

// v2Infer decodes {"inputs": [{"name", "shape", "datatype", "data"}],
// "outputs": [{"name"}]}, runs the model in the columns form and answers
// tensors: numeric outputs with their dtype and shape, strings as BYTES,
// ragged values (lists per row) as BYTES of JSON.
func (s *Server) v2Infer(w http.ResponseWriter, r *http.Request, m *Model) {
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
	if root.Kind != request.Object {
		v2Error(w, http.StatusBadRequest, "expected a JSON object with \"inputs\"")
		return
	}
	var inputs, wanted, id *request.Cell
	for i, k := range root.Keys {
		switch k {
		case "inputs":
			inputs = &root.Values[i]
		case "outputs":
			wanted = &root.Values[i]
		case "id":
			id = &root.Values[i]
		}
	}
	if inputs == nil || inputs.Kind != request.Array {
		v2Error(w, http.StatusBadRequest, "\"inputs\" must be an array of tensors")
		return
	}
	t := &table{cells: map[string][]request.Cell{}}
	for i, in := range inputs.Items {
		name, cells, err := v2Column(in)
		if err != nil {
			v2Error(w, http.StatusBadRequest, "inputs["+itoa(int64(i))+"]: "+err.Error())
			return
		}
		t.cols = append(t.cols, name)
		t.cells[name] = cells
		t.rows = len(cells)
	}
	if missing := missingFeatures(m.Model, t.keys()); len(missing) > 0 {
		v2Error(w, http.StatusBadRequest, "missing inputs: "+strings.Join(missing, ", "))
		return
	}
	res, err := s.infer(r.Context(), m.Model, core.Request{JSON: t.requestJSON(), NoPaths: true}, core.InferOptions{Form: response.Columns, TensorOutputs: true})
	if err != nil {
		code := http.StatusInternalServerError
		switch status.CodeOf(err) {
		case status.Input, status.InvalidArgument:
			code = http.StatusBadRequest
		case status.Cancelled:
			code = http.StatusGatewayTimeout
		}
		v2Error(w, code, err.Error())
		return
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.rows += t.rows
	}
	want := map[string]bool{}
	if wanted != nil {
		for _, o := range wanted.Items {
			for j, k := range o.Keys {
				if k == "name" && o.Values[j].Kind == request.String {
					want[o.Values[j].Str] = true
				}
			}
		}
	}
	b := []byte(`{"model_name":`)
	b = response.AppendString(b, m.Name)
	b = append(b, `,"model_version":"1"`...)
	if id != nil {
		b = append(b, `,"id":`...)
		b = id.AppendJSON(b)
	}
	b = append(b, `,"outputs":[`...)
	first := true
	sep := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	for _, nt := range res.Tensors {
		f, k := response.Split(nt.Name)
		name := response.ColumnName(f, k)
		if len(want) > 0 && !want[name] {
			continue
		}
		sep()
		b = appendV2Tensor(b, name, nt.Tensor)
	}
	out, err := request.Parse(res.JSON)
	if err == nil {
		for i, k := range out.Keys {
			if len(want) > 0 && !want[k] {
				continue
			}
			sep()
			b = appendV2Bytes(b, k, out.Values[i].Items)
		}
	}
	b = append(b, "]}"...)
	writeRaw(w, http.StatusOK, b)
}

// v2Column turns one input tensor into a request column: [B] gives one cell
// per row, [B, D] (D > 1, or vectors) one array per row.
func v2Column(in request.Cell) (string, []request.Cell, error) {
	var name string
	var shape []int64
	var data *request.Cell
	for i, k := range in.Keys {
		v := in.Values[i]
		switch k {
		case "name":
			name = v.Str
		case "shape":
			for _, d := range v.Items {
				if d.Kind != request.Int || d.Int < 0 {
					return "", nil, errString("shape must hold non-negative integers")
				}
				shape = append(shape, d.Int)
			}
		case "data":
			data = &in.Values[i]
		}
	}
	if name == "" || data == nil || len(shape) == 0 {
		return "", nil, errString("each input needs \"name\", \"shape\" and \"data\"")
	}
	flat := flatten(*data, nil)
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	if int64(len(flat)) != n {
		return "", nil, errString("shape " + shapeString(shape) + " needs " + itoa(n) + " values, data has " + itoa(int64(len(flat))))
	}
	rows := int(shape[0])
	if rows == 0 {
		return name, nil, nil
	}
	width := len(flat) / rows
	if len(shape) == 1 || (len(shape) == 2 && shape[1] == 1) {
		return name, flat, nil
	}
	cells := make([]request.Cell, rows)
	for r := range cells {
		cells[r] = request.Cell{Kind: request.Array, Items: flat[r*width : (r+1)*width]}
	}
	return name, cells, nil
}

func flatten(c request.Cell, out []request.Cell) []request.Cell {
	if c.Kind != request.Array {
		return append(out, c)
	}
	for _, it := range c.Items {
		out = flatten(it, out)
	}
	return out
}

type errString string

func (e errString) Error() string { return string(e) }

func shapeString(s []int64) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = itoa(d)
	}
	return "[" + strings.Join(p, ",") + "]"
}

func appendV2Tensor(b []byte, name string, t tensor.Tensor) []byte {
	b = append(b, `{"name":`...)
	b = response.AppendString(b, name)
	b = append(b, `,"datatype":"`...)
	b = append(b, v2Types[t.DType.String()]...)
	b = append(b, `","shape":`...)
	b = append(b, shapeString(t.Shape)...)
	b = append(b, `,"data":`...)
	flat := tensor.Tensor{DType: t.DType, Shape: []int64{t.NumElements()}, Data: t.Data}
	b = response.AppendNested(b, flat)
	return append(b, '}')
}

// appendV2Bytes writes a per-row column as BYTES: strings as they are, other
// values (lists) JSON-encoded.
func appendV2Bytes(b []byte, name string, rows []request.Cell) []byte {
	b = append(b, `{"name":`...)
	b = response.AppendString(b, name)
	b = append(b, `,"datatype":"BYTES","shape":[`...)
	b = append(b, itoa(int64(len(rows)))...)
	b = append(b, `],"data":[`...)
	for i, c := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		if c.Kind == request.String {
			b = response.AppendString(b, c.Str)
		} else {
			b = response.AppendString(b, string(c.AppendJSON(nil)))
		}
	}
	return append(b, "]}"...)
}
