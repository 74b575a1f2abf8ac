package server

import (
	"encoding/binary"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The Open Inference Protocol (KServe v2) over HTTP: JSON tensors and the
// binary tensor data extension.

// headerLength is the binary tensor data extension's header: the length of
// the JSON part of a body (counted after decompression).
const headerLength = "Inference-Header-Content-Length"

// extensions are the protocol extensions GET /v2 lists.
var extensions = []string{"binary_tensor_data", "model_configuration", "statistics", "model_repository"}

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
	writeJSON(w, http.StatusOK, map[string]any{"name": "ludwig-infer", "version": core.Version, "extensions": extensions})
}

// v2Model routes /v2/models/<name>[/versions/<v>][/ready|/infer|/config|/stats].
func (s *Server) v2Model(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v2/models/")
	parts := strings.Split(rest, "/")
	name := parts[0]
	if name == "stats" && len(parts) == 1 { // every model's statistics
		writeJSON(w, http.StatusOK, s.stats.json(s.models, ""))
		return
	}
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
	route := ""
	if len(parts) == 1 {
		route = parts[0]
	} else if len(parts) > 1 {
		route = "?"
	}
	switch route {
	case "":
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, modelMetadata(m))
	case "ready":
		writeJSON(w, http.StatusOK, map[string]any{"name": name, "ready": true})
	case "config":
		writeJSON(w, http.StatusOK, modelConfig(m))
	case "stats":
		writeJSON(w, http.StatusOK, s.stats.json(s.models, name))
	case "infer":
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		s.v2Infer(w, r, m)
	default:
		v2Error(w, http.StatusNotFound, "not found: "+r.URL.Path)
	}
}

// repositoryIndex answers POST /v2/repository/index: every model, READY.
func (s *Server) repositoryIndex(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	index := make([]map[string]string, len(s.models))
	for i, m := range s.models {
		index[i] = map[string]string{"name": m.Name, "version": "1", "state": "READY"}
	}
	writeJSON(w, http.StatusOK, index)
}

type tensorMeta struct {
	Name       string         `json:"name"`
	Datatype   string         `json:"datatype"`
	Shape      []int64        `json:"shape"`
	Parameters map[string]any `json:"parameters,omitempty"`
}

// inputMetas describes the inputs: number FP64, h3 INT64, vector FP32
// [-1, -1], binary BOOL (BYTES when the column held strings, with the
// strings it takes in parameters), the rest BYTES.
func inputMetas(m *Model) []tensorMeta {
	inputs := []tensorMeta{}
	schema := m.Model.Schema()
	for _, in := range m.Model.Info().Inputs {
		tm := tensorMeta{Name: in.Column, Datatype: "BYTES", Shape: []int64{-1}}
		switch in.Type {
		case "number":
			tm.Datatype = "FP64"
		case "h3":
			tm.Datatype = "INT64"
		case "vector":
			tm.Datatype, tm.Shape = "FP32", []int64{-1, -1}
		case "binary":
			tm.Datatype = "BOOL"
			if f := featureFor(schema, in.Column); f != nil && len(f.Str2Bool) > 0 {
				tm.Datatype = "BYTES"
				var yes, no []string
				for k, v := range f.Str2Bool {
					if v {
						yes = append(yes, k)
					} else {
						no = append(no, k)
					}
				}
				sortStrings(yes, no)
				tm.Parameters = map[string]any{"true_strings": yes, "false_strings": no}
			}
		}
		inputs = append(inputs, tm)
	}
	return inputs
}

// outputMetas describes the outputs: numeric tensors with their dtype and
// shape (-1 the batch), strings and ragged values as BYTES.
func outputMetas(m *Model) []tensorMeta {
	outputs := []tensorMeta{}
	for _, o := range m.Model.Info().Outputs {
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
	return outputs
}

func modelMetadata(m *Model) map[string]any {
	return map[string]any{"name": m.Name, "versions": []string{"1"}, "platform": Platform, "inputs": inputMetas(m), "outputs": outputMetas(m)}
}

// maxBatchSize is model config's max_batch_size: the most rows a request
// may have.
const maxBatchSize = request.MaxRows

// configTensor is a tensor of Triton's model config: its datatype as the
// config spells it (BYTES is STRING), dims without the batch dimension, and
// for one value per row dims [1] reshaped to [] (as Triton writes them).
type configTensor struct {
	name, dataType string
	dims           []int64
	reshape        bool
}

func configTensors(metas []tensorMeta) []configTensor {
	out := make([]configTensor, len(metas))
	for i, tm := range metas {
		dt := tm.Datatype
		if dt == "BYTES" {
			dt = "STRING"
		}
		out[i] = configTensor{name: tm.Name, dataType: "TYPE_" + dt, dims: tm.Shape[1:]}
		if len(tm.Shape) == 1 {
			out[i].dims, out[i].reshape = []int64{1}, true
		}
	}
	return out
}

func configJSON(ts []configTensor) []map[string]any {
	out := make([]map[string]any, len(ts))
	for i, t := range ts {
		out[i] = map[string]any{"name": t.name, "data_type": t.dataType, "dims": t.dims}
		if t.reshape {
			out[i]["reshape"] = map[string]any{"shape": []int64{}}
		}
	}
	return out
}

func modelConfig(m *Model) map[string]any {
	return map[string]any{"name": m.Name, "platform": Platform, "backend": "", "max_batch_size": maxBatchSize,
		"input": configJSON(configTensors(inputMetas(m))), "output": configJSON(configTensors(outputMetas(m))),
		"version_policy": map[string]any{"latest": map[string]int{"num_versions": 1}}}
}

// v2Infer decodes {"inputs": [...], "outputs": [...]} (JSON, or JSON then
// binary tensor data when Inference-Header-Content-Length is set), runs the
// model in the columns form and answers tensors: numeric outputs with their
// dtype and shape, strings as BYTES, ragged values (lists per row) as BYTES
// of JSON; outputs asked for as binary data follow the JSON header.
func (s *Server) v2Infer(w http.ResponseWriter, r *http.Request, m *Model) {
	received := time.Now()
	body, err := readBody(r)
	if err != nil {
		badBody(w, err)
		return
	}
	headerLen := -1
	if h := r.Header.Get(headerLength); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 0 || n > len(body) {
			v2Error(w, http.StatusBadRequest, headerLength+" must be the length of the JSON part of the body ("+itoa(int64(len(body)))+" bytes), got "+strconv.Quote(h))
			return
		}
		headerLen = n
	}
	req, verr := decodeV2(body, headerLen)
	if verr == nil {
		var outs []outTensor
		if outs, verr = s.runInfer(r.Context(), m, req, received); verr == nil {
			if sw, ok := w.(*statusWriter); ok {
				sw.rows += int(req.inputs[0].shape[0])
				sw.model = m.Name
			}
			writeV2Response(w, m.Name, req, outs)
			return
		}
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.model = m.Name
	}
	v2Error(w, verr.code, verr.msg)
}

// decodeV2 reads an infer request: headerLen < 0 means the body is JSON only.
func decodeV2(body []byte, headerLen int) (*inferRequest, *v2Err) {
	js, bin := body, []byte(nil)
	if headerLen >= 0 {
		js, bin = body[:headerLen], body[headerLen:]
	}
	root, err := request.Parse(js)
	if err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if root.Kind != request.Object {
		return nil, badRequest("expected a JSON object with \"inputs\"")
	}
	req := &inferRequest{}
	var inputs, outputs *request.Cell
	for i, k := range root.Keys {
		v := &root.Values[i]
		switch k {
		case "inputs":
			inputs = v
		case "outputs":
			outputs = v
		case "id":
			if v.Kind != request.String {
				return nil, badRequest("\"id\" must be a string")
			}
			req.id, req.hasID = v.Str, true
		case "parameters":
			b, err := boolParam(*v, "binary_data_output")
			if err != nil {
				return nil, err
			}
			req.binaryOutputs = b
		}
	}
	if inputs == nil || inputs.Kind != request.Array {
		return nil, badRequest("\"inputs\" must be an array of tensors")
	}
	for i, c := range inputs.Items {
		in, n, err := decodeInput(c, bin)
		if err != nil {
			err.msg = "inputs[" + strconv.Itoa(i) + "]: " + err.msg
			return nil, err
		}
		bin = bin[n:]
		req.inputs = append(req.inputs, in)
	}
	if len(bin) > 0 {
		return nil, badRequest("%d bytes of binary data follow the inputs' binary_data_size", len(bin))
	}
	if outputs != nil {
		if outputs.Kind != request.Array {
			return nil, badRequest("\"outputs\" must be an array")
		}
		for i, o := range outputs.Items {
			name := stringField(o, "name")
			if name == "" {
				return nil, badRequest("outputs[%d] needs a \"name\"", i)
			}
			out := outRequest{name: name}
			if p := field(o, "parameters"); p != nil {
				b, err := boolParam(*p, "binary_data")
				if err != nil {
					return nil, err
				}
				if field(*p, "binary_data") != nil {
					out.binary = &b
				}
			}
			req.outputs = append(req.outputs, out)
		}
	}
	return req, nil
}

func field(c request.Cell, key string) *request.Cell {
	if c.Kind != request.Object {
		return nil
	}
	for i, k := range c.Keys {
		if k == key {
			return &c.Values[i]
		}
	}
	return nil
}

func stringField(c request.Cell, key string) string {
	if f := field(c, key); f != nil && f.Kind == request.String {
		return f.Str
	}
	return ""
}

func boolParam(params request.Cell, key string) (bool, *v2Err) {
	if params.Kind != request.Object {
		return false, badRequest("\"parameters\" must be an object")
	}
	f := field(params, key)
	if f == nil {
		return false, nil
	}
	if f.Kind != request.Bool {
		return false, badRequest("parameter %q must be a boolean", key)
	}
	return f.Bool, nil
}

// decodeInput reads one input tensor; n is how many bytes of bin it took.
func decodeInput(c request.Cell, bin []byte) (in inTensor, n int, err *v2Err) {
	if c.Kind != request.Object {
		return in, 0, badRequest("an input must be an object")
	}
	in.name = stringField(c, "name")
	in.datatype = stringField(c, "datatype")
	if in.name == "" || in.datatype == "" {
		return in, 0, badRequest("each input needs \"name\", \"datatype\", \"shape\" and \"data\" (or binary_data_size)")
	}
	if _, ok := elemSize[in.datatype]; !ok {
		return in, 0, badRequest("input %q: unsupported datatype %q", in.name, in.datatype)
	}
	shape := field(c, "shape")
	if shape == nil || shape.Kind != request.Array {
		return in, 0, badRequest("input %q needs a \"shape\" array", in.name)
	}
	for _, d := range shape.Items {
		if d.Kind != request.Int || d.Int < 0 {
			return in, 0, badRequest("input %q: shape must hold non-negative integers", in.name)
		}
		in.shape = append(in.shape, d.Int)
	}
	size := int64(-1)
	if p := field(c, "parameters"); p != nil {
		if p.Kind != request.Object {
			return in, 0, badRequest("input %q: \"parameters\" must be an object", in.name)
		}
		if f := field(*p, "binary_data_size"); f != nil {
			if f.Kind != request.Int || f.Int < 0 {
				return in, 0, badRequest("input %q: binary_data_size must be a non-negative integer", in.name)
			}
			size = f.Int
		}
	}
	data := field(c, "data")
	switch {
	case size >= 0 && data != nil:
		return in, 0, badRequest("input %q has both \"data\" and binary_data_size", in.name)
	case size >= 0:
		if size > int64(len(bin)) {
			return in, 0, badRequest("input %q: binary_data_size %d but only %d bytes of binary data are left", in.name, size, len(bin))
		}
		cells, err := rawCells(in.name, in.datatype, bin[:size])
		if err != nil {
			return in, 0, err
		}
		in.cells, in.raw = cells, true
		return in, int(size), checkShape(in.name, in.shape, len(in.cells))
	case data != nil:
		in.cells = flatten(*data, nil)
		if err := checkShape(in.name, in.shape, len(in.cells)); err != nil {
			return in, 0, err
		}
		return in, 0, checkCells(&in)
	}
	return in, 0, badRequest("input %q needs \"data\" or parameters.binary_data_size", in.name)
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

// rawCells decodes binary tensor data: little-endian elements, BOOL as one
// byte, BYTES as a 4-byte little-endian length and the bytes. NaN floats are
// missing values, as pandas reads them.
func rawCells(name, dt string, b []byte) ([]request.Cell, *v2Err) {
	if dt == "BYTES" {
		var cells []request.Cell
		for len(b) > 0 {
			if len(b) < 4 {
				return nil, badRequest("input %q: BYTES data ends inside an element's 4-byte length", name)
			}
			n := binary.LittleEndian.Uint32(b)
			if uint64(n) > uint64(len(b)-4) {
				return nil, badRequest("input %q: a BYTES element of %d bytes runs past the tensor's binary data", name, n)
			}
			cells = append(cells, request.Cell{Kind: request.String, Str: string(b[4 : 4+n])})
			b = b[4+n:]
		}
		return cells, nil
	}
	size := elemSize[dt]
	if len(b)%size != 0 {
		return nil, badRequest("input %q: %d bytes of binary data is not a whole number of %s elements", name, len(b), dt)
	}
	cells := make([]request.Cell, len(b)/size)
	for i := range cells {
		e := b[i*size : (i+1)*size]
		var v int64
		switch dt {
		case "BOOL":
			cells[i] = request.Cell{Kind: request.Bool, Bool: e[0] != 0}
			continue
		case "FP32", "FP64":
			f := float64(math.Float32frombits(binary.LittleEndian.Uint32(e)))
			if dt == "FP64" {
				f = math.Float64frombits(binary.LittleEndian.Uint64(e))
			}
			if math.IsNaN(f) {
				cells[i] = request.Cell{Kind: request.Null}
			} else {
				cells[i] = request.Cell{Kind: request.Float, Num: f, Str: strconv.FormatFloat(f, 'g', -1, 64)}
			}
			continue
		case "INT8":
			v = int64(int8(e[0]))
		case "UINT8":
			v = int64(e[0])
		case "INT16":
			v = int64(int16(binary.LittleEndian.Uint16(e)))
		case "UINT16":
			v = int64(binary.LittleEndian.Uint16(e))
		case "INT32":
			v = int64(int32(binary.LittleEndian.Uint32(e)))
		case "UINT32":
			v = int64(binary.LittleEndian.Uint32(e))
		case "INT64":
			v = int64(binary.LittleEndian.Uint64(e))
		case "UINT64":
			u := binary.LittleEndian.Uint64(e)
			if u > math.MaxInt64 {
				return nil, badRequest("input %q: UINT64 element %d is larger than 2^63-1", name, i)
			}
			v = int64(u)
		}
		cells[i] = request.Cell{Kind: request.Int, Int: v, Num: float64(v), Str: strconv.FormatInt(v, 10)}
	}
	return cells, nil
}

// appendRaw appends an output's binary tensor data.
func appendRaw(b []byte, o outTensor) []byte {
	if o.datatype != "BYTES" {
		return append(b, o.t.Data...)
	}
	for _, e := range o.bytes {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, e...)
	}
	return b
}

// rawSize is the length of an output's binary tensor data.
func rawSize(o outTensor) int {
	if o.datatype != "BYTES" {
		return len(o.t.Data)
	}
	n := 0
	for _, e := range o.bytes {
		n += 4 + len(e)
	}
	return n
}

// writeV2Response answers an infer call: JSON, or JSON then the binary data
// of the outputs asked for as binary (with Inference-Header-Content-Length).
func writeV2Response(w http.ResponseWriter, model string, req *inferRequest, outs []outTensor) {
	b := []byte(`{"model_name":`)
	b = response.AppendString(b, model)
	b = append(b, `,"model_version":"1"`...)
	if req.hasID {
		b = append(b, `,"id":`...)
		b = response.AppendString(b, req.id)
	}
	b = append(b, `,"outputs":[`...)
	anyBinary := false
	for i, o := range outs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = response.AppendString(b, o.name)
		b = append(b, `,"datatype":"`...)
		b = append(b, o.datatype...)
		b = append(b, `","shape":`...)
		b = append(b, shapeString(o.shape)...)
		switch {
		case o.binary:
			anyBinary = true
			b = append(b, `,"parameters":{"binary_data_size":`...)
			b = strconv.AppendInt(b, int64(rawSize(o)), 10)
			b = append(b, '}')
		case o.datatype == "BYTES":
			b = append(b, `,"data":[`...)
			for j, e := range o.bytes {
				if j > 0 {
					b = append(b, ',')
				}
				b = response.AppendString(b, string(e))
			}
			b = append(b, ']')
		default:
			b = append(b, `,"data":`...)
			b = response.AppendNested(b, tensor.Tensor{DType: o.t.DType, Shape: []int64{o.t.NumElements()}, Data: o.t.Data})
		}
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	if !anyBinary {
		writeRaw(w, http.StatusOK, b)
		return
	}
	w.Header().Set(headerLength, strconv.Itoa(len(b)))
	for _, o := range outs {
		if o.binary {
			b = appendRaw(b, o)
		}
	}
	writeBody(w, http.StatusOK, "application/octet-stream", b)
}

func shapeString(s []int64) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = itoa(d)
	}
	return "[" + strings.Join(p, ",") + "]"
}
