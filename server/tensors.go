package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The Open Inference Protocol's inference call, whatever carries it (JSON
// tensors, the binary tensor data extension, gRPC): requests are decoded
// into inTensors, checked against the model (strict: unknown inputs and
// outputs, datatypes a feature cannot take and shapes that do not match
// their data are 400s naming the tensor as the client spelt it), run, and
// answered as outTensors that each transport encodes.

// Platform is the platform string of model metadata and model config.
const Platform = "ludwig_torchscript"

// inTensor is one input tensor: its elements flattened in row-major order.
type inTensor struct {
	name     string
	datatype string
	shape    []int64
	cells    []request.Cell
	// raw marks BYTES elements that arrived as raw bytes (binary data, gRPC):
	// image and audio features then get the file's bytes, not base64 text.
	raw bool
}

// outRequest is one requested output; binary is its binary_data parameter
// when given (nil: the request's binary_data_output decides).
type outRequest struct {
	name   string
	binary *bool
}

// inferRequest is a decoded inference request.
type inferRequest struct {
	id      string
	hasID   bool
	inputs  []inTensor
	outputs []outRequest // empty: every output
	// binaryOutputs is binary_data_output: every output as binary data.
	binaryOutputs bool
}

// outTensor is one output tensor of an answer: numeric (t) or BYTES (bytes).
type outTensor struct {
	name     string
	datatype string
	shape    []int64
	t        tensor.Tensor
	bytes    [][]byte
	binary   bool
}

// v2Err is a failed inference call: the HTTP status it answers with (gRPC
// maps it to a code) and the message.
type v2Err struct {
	code int
	msg  string
}

func (e *v2Err) Error() string { return e.msg }

func badRequest(format string, args ...any) *v2Err {
	return &v2Err{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// v2Types maps the core's dtypes to the protocol's datatypes.
var v2Types = map[string]string{
	"float32": "FP32", "float64": "FP64", "int32": "INT32", "int64": "INT64",
	"uint8": "UINT8", "bool": "BOOL", "int8": "INT8", "int16": "INT16",
}

// elemSize is the byte size of one element of each datatype served (BYTES
// elements are length-prefixed). FP16 and BF16 are not served.
var elemSize = map[string]int{
	"BOOL": 1, "UINT8": 1, "UINT16": 2, "UINT32": 4, "UINT64": 8,
	"INT8": 1, "INT16": 2, "INT32": 4, "INT64": 8, "FP32": 4, "FP64": 8, "BYTES": 0,
}

func isInteger(dt string) bool { return strings.HasPrefix(dt, "INT") || strings.HasPrefix(dt, "UINT") }
func isNumeric(dt string) bool { return isInteger(dt) || dt == "FP32" || dt == "FP64" }

// acceptsDatatype says whether a feature of type ft takes datatype dt, and
// which datatypes it takes (documented in the README):
//
//	number                         numeric (any width), BYTES (numeric strings)
//	binary                         BOOL, BYTES, numeric
//	category, set, bag, text, sequence   BYTES, numeric, BOOL (spelt as pandas' astype(str))
//	vector, timeseries             numeric ([B, D]), BYTES (space-separated)
//	date                           BYTES, numeric (epoch, or [B, 9] components)
//	h3                             integer types
//	image, audio                   BYTES (file bytes; in JSON base64 or data: URIs)
func acceptsDatatype(ft, dt string) (bool, string) {
	switch ft {
	case "number":
		return isNumeric(dt) || dt == "BYTES", "a numeric datatype or BYTES"
	case "binary":
		return true, ""
	case "vector", "timeseries", "date":
		return isNumeric(dt) || dt == "BYTES", "a numeric datatype or BYTES"
	case "h3":
		return isInteger(dt), "an integer datatype (INT64)"
	case "image", "audio":
		return dt == "BYTES", "BYTES"
	}
	return true, ""
}

// checkCells checks that JSON elements match their declared datatype.
func checkCells(in *inTensor) *v2Err {
	for i, c := range in.cells {
		ok := true
		switch {
		case c.Kind == request.Null: // a missing value, whatever the datatype
		case in.datatype == "BYTES":
			ok = c.Kind == request.String
		case in.datatype == "BOOL":
			ok = c.Kind == request.Bool
		case isInteger(in.datatype):
			ok = c.Kind == request.Int && intFits(in.datatype, c.Int)
		default:
			ok = c.Kind == request.Int || c.Kind == request.Float
		}
		if !ok {
			what := c.Kind.String()
			if c.Kind == request.Int {
				what = "integer " + c.Str
			}
			return badRequest("input %q: datatype %s cannot hold element %d (%s)", in.name, in.datatype, i, what)
		}
	}
	return nil
}

func intFits(dt string, v int64) bool {
	switch dt {
	case "INT8":
		return v >= math.MinInt8 && v <= math.MaxInt8
	case "INT16":
		return v >= math.MinInt16 && v <= math.MaxInt16
	case "INT32":
		return v >= math.MinInt32 && v <= math.MaxInt32
	case "UINT8":
		return v >= 0 && v <= math.MaxUint8
	case "UINT16":
		return v >= 0 && v <= math.MaxUint16
	case "UINT32":
		return v >= 0 && v <= math.MaxUint32
	case "UINT64":
		return v >= 0
	}
	return true
}

// checkShape checks a shape against the number of elements.
func checkShape(name string, shape []int64, n int) *v2Err {
	if len(shape) == 0 {
		return badRequest("input %q: the shape needs at least the batch dimension", name)
	}
	total := int64(1)
	for _, d := range shape {
		if d < 0 {
			return badRequest("input %q: shape %s has a negative dimension", name, shapeString(shape))
		}
		if d > 0 && total > math.MaxInt32/d {
			return badRequest("input %q: shape %s is too large", name, shapeString(shape))
		}
		total *= d
	}
	if total != int64(n) {
		return badRequest("input %q: shape %s needs %d elements, the data has %d", name, shapeString(shape), total, n)
	}
	return nil
}

// featureFor finds the input feature a tensor name stands for: a feature
// name, its config column, or the column as the user's data spelt it before
// Ludwig sanitised it.
func featureFor(schema *export.Schema, name string) *export.Feature {
	for i := range schema.Inputs {
		f := &schema.Inputs[i]
		if f.Name == name || f.Column == name {
			return f
		}
	}
	for i := range schema.Inputs {
		f := &schema.Inputs[i]
		if request.Sanitize(name) == f.Column {
			return f
		}
	}
	return nil
}

func inputNames(schema *export.Schema) string {
	n := make([]string, len(schema.Inputs))
	for i, f := range schema.Inputs {
		n[i] = f.Column
	}
	return strings.Join(n, ", ")
}

// outputNames are the output tensors a model answers, in metadata order.
func outputNames(info core.Info) []string {
	var names []string
	for _, o := range info.Outputs {
		for _, k := range o.Keys {
			names = append(names, response.ColumnName(o.Name, k))
		}
	}
	return names
}

// prepare checks a request against the model and builds the table the core
// scores; byFeature maps feature names to the client's spelling.
func prepare(m *Model, req *inferRequest) (*request.Table, map[string]string, *v2Err) {
	schema := m.Model.Schema()
	if schema == nil {
		return nil, nil, &v2Err{code: http.StatusInternalServerError, msg: "this model has no feature schema"}
	}
	if len(req.inputs) == 0 {
		return nil, nil, badRequest("the request has no inputs")
	}
	table := &request.Table{Rows: -1}
	byFeature := map[string]string{}
	rowsFrom := ""
	for i := range req.inputs {
		in := &req.inputs[i]
		if _, ok := elemSize[in.datatype]; !ok {
			return nil, nil, badRequest("input %q: unsupported datatype %q", in.name, in.datatype)
		}
		f := featureFor(schema, in.name)
		if f == nil {
			return nil, nil, badRequest("unknown input %q; the model's inputs are: %s", in.name, inputNames(schema))
		}
		if prev, dup := byFeature[f.Name]; dup {
			return nil, nil, badRequest("inputs %q and %q both stand for feature %q", prev, in.name, f.Name)
		}
		byFeature[f.Name] = in.name
		if ok, want := acceptsDatatype(f.Type, in.datatype); !ok {
			return nil, nil, badRequest("input %q (%s feature %q): datatype %s is not accepted; send %s", in.name, f.Type, f.Name, in.datatype, want)
		}
		if err := checkShape(in.name, in.shape, len(in.cells)); err != nil {
			return nil, nil, err
		}
		rows := int(in.shape[0])
		if table.Rows >= 0 && rows != table.Rows {
			return nil, nil, badRequest("input %q has %d rows (shape[0]) but %q has %d", in.name, rows, rowsFrom, table.Rows)
		}
		table.Rows, rowsFrom = rows, in.name
		if in.raw && (f.Type == "image" || f.Type == "audio") {
			for j := range in.cells {
				if c := &in.cells[j]; c.Kind == request.String && !strings.HasPrefix(c.Str, "data:") {
					c.Str = base64.StdEncoding.EncodeToString([]byte(c.Str))
				}
			}
		}
		table.Columns = append(table.Columns, request.Column{Key: in.name, Cells: rowCells(in)})
	}
	var missing []string
	for _, f := range schema.Inputs {
		if _, ok := byFeature[f.Name]; !ok {
			missing = append(missing, f.Column)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, nil, badRequest("missing inputs: %s", strings.Join(missing, ", "))
	}
	known := map[string]bool{}
	for _, n := range outputNames(m.Model.Info()) {
		known[n] = true
	}
	for _, o := range req.outputs {
		if !known[o.name] {
			return nil, nil, badRequest("unknown output %q; the model's outputs are: %s", o.name, strings.Join(outputNames(m.Model.Info()), ", "))
		}
	}
	return table, byFeature, nil
}

// rowCells groups a tensor's elements by row: [B] and [B, 1] give one cell
// per row, larger shapes an array per row.
func rowCells(in *inTensor) []request.Cell {
	rows := int(in.shape[0])
	if rows == 0 || len(in.shape) == 1 || (len(in.shape) == 2 && in.shape[1] == 1) {
		return in.cells
	}
	width := len(in.cells) / rows
	cells := make([]request.Cell, rows)
	for r := range cells {
		cells[r] = request.Cell{Kind: request.Array, Items: in.cells[r*width : (r+1)*width]}
	}
	return cells
}

// clientSpelling rewrites the core's `input feature "age" (number)` as
// `input "Age" (number feature "age")` when the client named it "Age".
func clientSpelling(msg string, schema *export.Schema, byFeature map[string]string) string {
	for _, f := range schema.Inputs {
		name, ok := byFeature[f.Name]
		if !ok || name == f.Name {
			continue
		}
		msg = strings.ReplaceAll(msg, fmt.Sprintf("input feature %q (%s)", f.Name, f.Type), fmt.Sprintf("input %q (%s feature %q)", name, f.Type, f.Name))
	}
	return msg
}

// inferStatus is the HTTP status of a failed inference call: 400 for a
// request the client got wrong, 504 past the deadline, else 500.
func inferStatus(err error) int {
	switch status.CodeOf(err) {
	case status.Input, status.InvalidArgument:
		return http.StatusBadRequest
	case status.Cancelled:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// runInfer checks and runs a decoded request on m and returns its outputs,
// in the order the client asked for them (else the metadata's order).
func (s *Server) runInfer(ctx context.Context, m *Model, req *inferRequest, received time.Time) ([]outTensor, *v2Err) {
	table, byFeature, verr := prepare(m, req)
	if verr != nil {
		s.recordInference(m.Name, false, 0, received, time.Time{}, core.Timings{})
		return nil, verr
	}
	start := time.Now()
	var tm core.Timings
	res, err := s.infer(ctx, m.Model, core.Request{Table: table, NoPaths: true}, core.InferOptions{Form: response.Columns, TensorOutputs: true, Timings: &tm})
	s.recordInference(m.Name, err == nil, table.Rows, received, start, tm)
	if err != nil {
		return nil, &v2Err{code: inferStatus(err), msg: clientSpelling(err.Error(), m.Model.Schema(), byFeature)}
	}
	all := map[string]outTensor{}
	for _, nt := range res.Tensors {
		f, k := response.Split(nt.Name)
		name := response.ColumnName(f, k)
		all[name] = outTensor{name: name, datatype: v2Types[nt.Tensor.DType.String()], shape: nt.Tensor.Shape, t: nt.Tensor}
	}
	if out, err := request.Parse(res.JSON); err == nil {
		for i, k := range out.Keys {
			rows := out.Values[i].Items
			ot := outTensor{name: k, datatype: "BYTES", shape: []int64{int64(len(rows))}, bytes: make([][]byte, len(rows))}
			for r, c := range rows {
				if c.Kind == request.String {
					ot.bytes[r] = []byte(c.Str)
				} else {
					ot.bytes[r] = c.AppendJSON(nil)
				}
			}
			all[k] = ot
		}
	}
	var outs []outTensor
	if len(req.outputs) > 0 {
		for _, o := range req.outputs {
			ot, ok := all[o.name]
			if !ok {
				return nil, &v2Err{code: http.StatusInternalServerError, msg: "the model did not produce output " + strconv.Quote(o.name)}
			}
			ot.binary = req.binaryOutputs
			if o.binary != nil {
				ot.binary = *o.binary
			}
			outs = append(outs, ot)
		}
		return outs, nil
	}
	for _, n := range outputNames(m.Model.Info()) {
		if ot, ok := all[n]; ok {
			ot.binary = req.binaryOutputs
			outs = append(outs, ot)
		}
	}
	return outs, nil
}
