// Package core is ludwig-infer's Go API: it loads a Ludwig TorchScript export
// and runs its three stages (preprocessor, predictor, postprocessor) on JSON
// requests and tensor buffers, answering in the output forms shared by every
// binding (features, columns, full). The C ABI (capi/) is a thin layer over
// this package.
//
// Loading a model with libtorch executes code stored in its .pt files: load
// only models you trust. The Go engine ("engine": "go", and builds without
// libtorch) runs only the TorchScript subset it implements, with no file,
// network or process access and bounded steps and memory (goengine.go).
package core

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core/artifact"
	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Version is the library version (LI_VERSION in the C header).
const Version = "0.1.0"

// ABIVersion is the C ABI version (LI_ABI_VERSION in the C header).
const ABIVersion = 1

var (
	threadsMu  sync.Mutex
	threadsSet bool // a thread count is fixed (by SetThreads or the first load)
	loaded     bool
)

// SetThreads sets libtorch's intra-op thread count for the process. It must
// be called before the first Load; later it fails with InvalidArgument
// (libtorch's pool is process-global and fixed once used). Without it, each
// call runs on 1 thread, the best setting measured for small models.
func SetThreads(n int) error {
	threadsMu.Lock()
	defer threadsMu.Unlock()
	if n < 1 {
		return status.Errorf(status.InvalidArgument, "thread count must be >= 1, got %d", n)
	}
	if loaded {
		return status.Errorf(status.InvalidArgument, "the thread count must be set before the first model is loaded")
	}
	if !torch.Available {
		// The Go engine runs each call on the caller's thread: there is no
		// pool to size (README, "Engines").
		threadsSet = true
		return nil
	}
	if err := torch.SetThreads(n); err != nil {
		return status.Errorf(status.Runtime, "setting threads: %v", err)
	}
	threadsSet = true
	return nil
}

func firstLoad() error {
	threadsMu.Lock()
	defer threadsMu.Unlock()
	if !threadsSet && torch.Available {
		if err := torch.SetThreads(1); err != nil {
			return status.Errorf(status.Model, "%v", err)
		}
		threadsSet = true
	}
	loaded = true
	return nil
}

// prepareLoad is firstLoad, then loading opts' extension libraries.
func prepareLoad(opts LoadOptions) error {
	if err := firstLoad(); err != nil {
		return err
	}
	for _, lib := range opts.Extensions {
		if err := torch.LoadLibrary(lib); err != nil {
			return status.Errorf(status.NotFound, "%v", err)
		}
		logf(LogInfo, "loaded extension library %s", lib)
	}
	return nil
}

// Model is a loaded export. All methods are safe for concurrent use; Close
// waits for calls in flight.
type Model struct {
	mu     sync.RWMutex
	closed bool

	files   export.Files
	schema  *export.Schema // nil when the export has no config
	device  string
	pre     *torch.Module // nil in a --model_only export
	pred    *torch.Module
	post    *torch.Module // nil in a --model_only export
	encoder response.Encoder
	info    Info
	art     *artifactState    // an InferenceModule or a Carton (artifacts.go); nil for an export directory
	native  *nativeStages     // features preprocessed/postprocessed in Go (stages.go); nil: all TorchScript
	engine  string            // what runs the predictor: engineGo or engine.Libtorch (goengine.go)
	goPred  *engine.Predictor // the Go engine's predictor; nil when libtorch runs it

	warnings torchWarnings // libtorch warnings logged (log.go)
}

// Load opens the export in dir.
func Load(dir string, opts LoadOptions) (*Model, error) {
	eng, err := resolveEngine(opts.Engine)
	if err != nil {
		return nil, err
	}
	if !torch.Available {
		return loadWithoutTorch(dir, opts)
	}
	if opts.Device == "" {
		opts.Device = "cpu"
	}
	if !validDevice(opts.Device) {
		return nil, status.Errorf(status.InvalidArgument, "unknown device %q (want cpu, cuda or cuda:N)", opts.Device)
	}
	if err := checkCUDA(opts.Device); err != nil {
		return nil, err
	}
	if a, err := artifact.Detect(dir); err != nil {
		return nil, err
	} else if a.Kind != artifact.Stages {
		if eng == engineGo {
			return nil, status.Errorf(status.InvalidArgument, "engine \"go\" runs export directories only; %s holds a %s: load it with engine \"libtorch\" or \"auto\"", dir, a.Kind)
		}
		return loadArtifact(a, opts)
	}
	files, err := export.Find(dir, opts.Device)
	if err != nil {
		return nil, err
	}
	if err := prepareLoad(opts); err != nil {
		return nil, err
	}
	loadAutoExtensions(files, opts.Extensions)
	m := &Model{files: files, device: opts.Device, engine: eng}
	warnings, err := m.readSchema()
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			m.free()
		}
	}()
	if files.Preprocessor != "" {
		if m.pre, err = loadModule(files.Preprocessor, "cpu"); err != nil {
			return nil, err
		}
	}
	if eng == engineGo {
		if m.goPred, err = loadGoPredictor(files.Predictor, opts.Device); err != nil {
			return nil, err
		}
	} else if m.pred, err = loadModule(files.Predictor, opts.Device); err != nil {
		return nil, err
	}
	if files.Postprocessor != "" {
		if m.post, err = loadModule(files.Postprocessor, "cpu"); err != nil {
			return nil, err
		}
	}
	m.info = m.buildInfo(warnings)
	if err := m.setupStages(opts.Stages); err != nil {
		return nil, err
	}
	if !opts.NoWarmup {
		m.warmup()
	}
	m.relayWarnings()
	ok = true
	logf(LogInfo, "loaded %s (predictor %s on %s)", dir, files.Predictor, opts.Device)
	return m, nil
}

// readSchema reads the export's config into m.schema; a missing config is
// a warning (returned), not an error.
func (m *Model) readSchema() ([]string, error) {
	var warnings []string
	schema, err := export.ReadSchema(m.files)
	if err != nil {
		if status.CodeOf(err) != status.NotFound {
			return nil, err
		}
		warnings = append(warnings, err.Error()+": table requests and the full form need it")
		schema = nil
	}
	m.schema = schema
	if schema != nil {
		m.encoder.Outputs = schema.Outputs
	}
	return warnings, nil
}

var deviceRE = regexp.MustCompile(`^(cpu|cuda|cuda:[0-9]+|mps)$`)

func validDevice(d string) bool { return deviceRE.MatchString(d) }

var missingOpRE = regexp.MustCompile(`(?:Unknown builtin op: |Unknown type name '__torch__\.torch\.classes\.)([A-Za-z0-9_]+)(?:::|\.)`)

// extensionLibraries names the library that defines each custom-op namespace
// Ludwig exports use.
var extensionLibraries = map[string]string{
	"torchaudio":  "libtorchaudio.so (torchaudio's C++ library; Debian package python3-torchaudio, or a pip torchaudio)",
	"torchtext":   "libtorchtext.so (torchtext's C++ library, from a pip torchtext)",
	"torchvision": "libtorchvision.so (torchvision's C++ library, from a pip torchvision)",
}

func loadModule(path, device string) (*torch.Module, error) {
	// Hostile files (FIFOs, symlink loops, non-archives, zip bombs) fail
	// here with a clear message, before libtorch reads them (archive.go).
	if err := checkArchive(path); err != nil {
		return nil, err
	}
	m, err := torch.Load(path, device)
	if err == nil {
		// Every stage of an export takes a dict: a module that does not is
		// a wrong file in the stage's place (hostile-input tests).
		in, err := m.NewInput()
		if err != nil {
			m.Close()
			return nil, status.Errorf(status.Model, "cannot load %s: %v (not a stage of a Ludwig export)", path, err)
		}
		in.Free()
		return m, nil
	}
	msg := err.Error()
	if sm := missingOpRE.FindStringSubmatch(msg); sm != nil {
		lib := extensionLibraries[sm[1]]
		if lib == "" {
			lib = "the library that defines it"
		}
		return nil, status.Errorf(status.Model, "%s needs custom ops of namespace %q, which are not loaded: load %s first with the \"extensions\" load option (%s)", path, sm[1], lib, firstLine(msg))
	}
	return nil, status.Errorf(status.Model, "cannot load %s: %s", path, firstLine(msg))
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Close frees the model's modules after calls in flight finish. Later calls
// fail with status.Closed. Idempotent.
func (m *Model) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.closed = true
	m.free()
}

func (m *Model) free() {
	m.pre.Close()
	m.pred.Close()
	m.post.Close()
	m.art.close()
	m.native.close()
}

// Schema returns the feature schema, or nil when the export has no config.
func (m *Model) Schema() *export.Schema { return m.schema }

// Request is the input of one Infer call: JSON (any of the three table forms,
// or, for StagePredict/StagePostprocess, an object of tensor JSON) and/or
// tensor buffers.
type Request struct {
	JSON    []byte
	Tensors []NamedTensor
	// Borrowed marks the tensors' data as C memory that stays valid during
	// the call: libtorch then reads it in place instead of copying.
	Borrowed bool
	// BaseDir resolves relative file paths in image and audio columns
	// ("" = the process's working directory).
	BaseDir string
	// NoPaths refuses file paths in image and audio columns: only data: URIs
	// and base64 are decoded. Servers set it, so a client can never make the
	// library read a file on the server.
	NoPaths bool
	// Table is an already decoded table request (Go callers, such as the
	// command's file reader, that build cells directly); it is used instead
	// of JSON when set.
	Table *request.Table
}

// NamedTensor is a tensor buffer for a feature (or a "<feature>::<key>" in
// StagePostprocess). Several with one name form a list, in order.
type NamedTensor struct {
	Name string
	tensor.Tensor
}

// Result is the answer of one Infer call.
type Result struct {
	JSON    []byte
	Tensors []response.Named
}

// Infer runs the stages opts selects. ctx's deadline is checked before and
// between stages (a libtorch forward cannot be interrupted).
func (m *Model) Infer(ctx context.Context, req Request, opts InferOptions) (*Result, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, status.Errorf(status.Closed, "the model is closed")
	}
	defer m.relayWarnings()
	if err := checkRequest(req); err != nil { // limits.go
		return nil, err
	}
	if opts.Form < response.Features || opts.Form > response.Full {
		return nil, status.Errorf(status.InvalidArgument, "unknown output form %d", int(opts.Form))
	}
	if opts.Records && (opts.Form == response.Features || opts.TensorOutputs) {
		return nil, status.Errorf(status.InvalidArgument, "records output needs the columns or full form, without tensor outputs")
	}
	if err := alive(ctx, "before preprocessing"); err != nil {
		return nil, err
	}
	if m.art != nil {
		if res, handled, err := m.inferArtifact(ctx, req, opts); handled {
			return res, err
		}
	}
	if m.goPred != nil {
		return m.inferGo(ctx, req, opts) // goengine.go
	}
	switch opts.Stage {
	case StageAll, StagePreprocess:
		if m.pre == nil {
			return nil, status.Errorf(status.InvalidArgument, "this export has no %s (a --model_only export): call the predict stage with preprocessed tensors", export.PreprocessorFile)
		}
		if opts.Stage == StageAll && m.post == nil {
			return nil, status.Errorf(status.InvalidArgument, "this export has no %s: use the preprocess and predict stages", export.PostprocessorFile)
		}
		start := time.Now()
		pre, err := m.preprocess(req)
		if err != nil {
			return nil, err
		}
		defer pre.Free()
		if opts.Timings != nil {
			opts.Timings.Preprocess = time.Since(start)
		}
		if opts.Stage == StagePreprocess {
			return tensorResult(pre, opts.TensorOutputs)
		}
		return m.predictAndPostprocess(ctx, pre, opts)
	case StagePredict:
		in, err := m.tensorInput(m.pred, req)
		if err != nil {
			return nil, err
		}
		defer in.Free()
		out, err := forward(m.pred, in, m.device, "predictor")
		if err != nil {
			return nil, err
		}
		defer out.Free()
		return tensorResult(out, opts.TensorOutputs)
	case StagePostprocess:
		if m.post == nil {
			return nil, status.Errorf(status.InvalidArgument, "this export has no %s", export.PostprocessorFile)
		}
		in, err := m.tensorInput(m.post, req)
		if err != nil {
			return nil, err
		}
		defer in.Free()
		return m.postprocess(in, opts)
	}
	return nil, status.Errorf(status.InvalidArgument, "unknown stage %d", int(opts.Stage))
}

func alive(ctx context.Context, when string) error {
	if ctx == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return status.Errorf(status.Cancelled, "deadline exceeded %s", when)
		}
		return status.Errorf(status.Cancelled, "cancelled %s", when)
	}
	return nil
}

func (m *Model) predictAndPostprocess(ctx context.Context, pre *torch.Value, opts InferOptions) (*Result, error) {
	if err := alive(ctx, "before the predictor"); err != nil {
		return nil, err
	}
	start := time.Now()
	pred, err := forward(m.pred, pre, m.device, "predictor")
	if err != nil {
		return nil, err
	}
	defer pred.Free()
	if err := alive(ctx, "before postprocessing"); err != nil {
		return nil, err
	}
	if opts.Timings == nil {
		return m.postprocess(pred, opts)
	}
	opts.Timings.Predict = time.Since(start)
	start = time.Now()
	res, err := m.postprocess(pred, opts)
	opts.Timings.Postprocess = time.Since(start)
	return res, err
}

func (m *Model) postprocess(in *torch.Value, opts InferOptions) (*Result, error) {
	entries, err := m.postEntries(in)
	if err != nil {
		return nil, err
	}
	return m.encode(entries, opts)
}

// encode writes postprocessor entries in the output form opts asks for.
func (m *Model) encode(entries []response.Entry, opts InferOptions) (*Result, error) {
	if opts.Records {
		js, err := m.encoder.EncodeRecords(entries, opts.Form)
		if err != nil {
			return nil, status.Errorf(status.Model, "%v", err)
		}
		return &Result{JSON: js}, nil
	}
	js, named := m.encoder.Encode(entries, opts.Form, opts.TensorOutputs)
	return &Result{JSON: js, Tensors: named}, nil
}

// postEntries runs the postprocessor and unflattens its output, grouped by
// feature.
func (m *Model) postEntries(in *torch.Value) ([]response.Entry, error) {
	if m.native != nil && m.native.post {
		if entries, done, err := m.postEntriesNative(in); done {
			return entries, err
		}
	}
	out, err := forward(m.post, in, "cpu", "postprocessor")
	if err != nil {
		return nil, err
	}
	defer out.Free()
	return m.outputEntries(out, "postprocessor")
}

// groupByFeature makes each feature's entries contiguous, keeping the order
// in which features and keys first appear.
func groupByFeature(entries []response.Entry) []response.Entry {
	order := []string{}
	byFeature := map[string][]response.Entry{}
	for _, e := range entries {
		if _, ok := byFeature[e.Feature]; !ok {
			order = append(order, e.Feature)
		}
		byFeature[e.Feature] = append(byFeature[e.Feature], e)
	}
	out := entries[:0:0]
	for _, f := range order {
		out = append(out, byFeature[f]...)
	}
	return out
}

func forward(mod *torch.Module, in *torch.Value, device, stage string) (*torch.Value, error) {
	out, err := mod.Forward(in, device)
	if err != nil {
		return nil, status.Errorf(status.Runtime, "%s failed: %s", stage, cleanTorchError(err.Error()))
	}
	return out, nil
}

var pyErrRE = regexp.MustCompile(`(?m)^\s*(?:builtins\.)?([A-Za-z]+(?:Error|Exception)): (.*)$`)

// cleanTorchError keeps the Python-style exception line of a TorchScript
// interpreter traceback ("RuntimeError: ...") when there is one.
func cleanTorchError(msg string) string {
	if all := pyErrRE.FindAllStringSubmatch(msg, -1); len(all) > 0 {
		last := all[len(all)-1]
		return last[1] + ": " + strings.TrimSpace(last[2])
	}
	return firstLine(msg)
}

func toDict(v *torch.Value, stage string) (*torch.Dict, error) {
	g, err := v.ToGo()
	if err != nil {
		return nil, status.Errorf(status.Runtime, "reading the %s's output: %v", stage, err)
	}
	d, ok := g.(*torch.Dict)
	if !ok {
		return nil, status.Errorf(status.Model, "the %s returned %T, expected a dict", stage, g)
	}
	return d, nil
}

// tensorResult answers the preprocess and predict stages: tensor JSON, or
// tensors outside the JSON.
func tensorResult(v *torch.Value, tensorOutputs bool) (*Result, error) {
	d, err := toDict(v, "stage")
	if err != nil {
		return nil, err
	}
	names, ts, err := dictTensors(d, "stage")
	if err != nil {
		return nil, err
	}
	return namedResult(names, ts, tensorOutputs), nil
}

// dictTensors returns a stage output dict's tensors.
func dictTensors(d *torch.Dict, stage string) ([]string, []tensor.Tensor, error) {
	ts := make([]tensor.Tensor, len(d.Keys))
	for i, k := range d.Keys {
		t, ok := d.Values[i].(tensor.Tensor)
		if !ok {
			return nil, nil, status.Errorf(status.Model, "%s output %q is %T, expected a tensor", stage, k, d.Values[i])
		}
		ts[i] = t
	}
	return d.Keys, ts, nil
}

// namedResult answers with named tensors: tensor JSON, or tensors outside
// the JSON.
func namedResult(names []string, ts []tensor.Tensor, tensorOutputs bool) *Result {
	res := &Result{}
	b := []byte{'{'}
	first := true
	for i, k := range names {
		t := ts[i]
		if tensorOutputs {
			res.Tensors = append(res.Tensors, response.Named{Name: k, Tensor: t})
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = response.AppendString(b, k)
		b = append(b, ':')
		b = response.AppendTensorJSON(b, t)
	}
	res.JSON = append(b, '}')
	return res
}

// tensorInput builds a Dict[str, Tensor] input from tensor JSON and buffers.
func (m *Model) tensorInput(mod *torch.Module, req Request) (*torch.Value, error) {
	in, err := mod.NewInput()
	if err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	ok := false
	defer func() {
		if !ok {
			in.Free()
		}
	}()
	names, ts, nJSON, err := requestTensors(req)
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		if err := in.PutTensor(n, ts[i], req.Borrowed && i >= nJSON); err != nil {
			return nil, status.Errorf(status.Input, "tensor %q: %v", n, err)
		}
	}
	ok = true
	return in, nil
}

// requestTensors returns a tensor request's tensors: the JSON's (the first
// nJSON) then the buffers.
func requestTensors(req Request) (names []string, ts []tensor.Tensor, nJSON int, err error) {
	seen := map[string]bool{}
	if len(strings.TrimSpace(string(req.JSON))) > 0 {
		if names, ts, err = request.DecodeTensors(req.JSON); err != nil {
			return nil, nil, 0, err
		}
		for _, n := range names {
			seen[n] = true
		}
	}
	nJSON = len(names)
	for _, t := range req.Tensors {
		if seen[t.Name] {
			return nil, nil, 0, status.Errorf(status.Input, "tensor %q is given twice", t.Name)
		}
		seen[t.Name] = true
		names = append(names, t.Name)
		ts = append(ts, t.Tensor)
	}
	if len(names) == 0 {
		return nil, nil, 0, status.Errorf(status.Input, "the request has no tensors")
	}
	return names, ts, nJSON, nil
}

// preprocessInput featurises a table request (JSON and tensor buffers) into
// the preprocessor's input dict.
func (m *Model) preprocessInput(req Request) (*torch.Value, error) {
	return m.tableInput(m.preInputModule(), req)
}

// tableInput featurises a table request into the input dict of mod (the
// preprocessor, or a whole InferenceModule).
func (m *Model) tableInput(mod *torch.Module, req Request) (*torch.Value, error) {
	inputs, err := m.featurizeRequest(req)
	if err != nil {
		return nil, err
	}
	return m.buildInput(mod, inputs)
}

// featurizeRequest converts a table request into one input per input
// feature, in schema order.
//
// A feature's input is found by its name, then by its column, then by a
// tensor name or JSON key whose Ludwig-sanitised spelling is its column
// (sanitizedInput).
func (m *Model) featurizeRequest(req Request) ([]featurize.Input, error) {
	if m.schema == nil {
		return nil, status.Errorf(status.InvalidArgument, "this export has no %s, so table requests cannot be mapped to features: use the predict stage with tensors", export.HyperparametersFile)
	}
	table := req.Table
	if table == nil && len(strings.TrimSpace(string(req.JSON))) > 0 {
		var err error
		if table, err = request.Decode(req.JSON); err != nil {
			return nil, err
		}
	}
	byName := map[string][]tensor.Tensor{}
	for _, t := range req.Tensors {
		byName[t.Name] = append(byName[t.Name], t.Tensor)
	}
	inputs := make([]featurize.Input, len(m.schema.Inputs))
	rows := -1
	rowsFrom := ""
	for i, f := range m.schema.Inputs {
		ts := byName[f.Name]
		if ts == nil && f.Column != f.Name {
			ts = byName[f.Column]
		}
		var col *request.Column
		if table != nil {
			if col = table.Get(f.Name); col == nil && f.Column != f.Name {
				col = table.Get(f.Column)
			}
		}
		if col == nil && ts == nil {
			// A key as the user's data spells it, which Ludwig sanitised into the
			// config's column ("Size (m2)" for "Size _m2_"): LudwigModel.predict
			// accepts it, so do we.
			var err error
			if ts, col, err = sanitizedInput(f.Column, byName, table); err != nil {
				return nil, err
			}
		}
		var in featurize.Input
		var err error
		switch {
		case ts != nil && col != nil:
			return nil, status.Errorf(status.Input, "input feature %q is given both as a tensor and in the JSON", f.Name)
		case ts != nil:
			in, err = featurize.FromTensors(f, ts, req.Borrowed)
		case col != nil:
			in, err = featurize.FromColumn(f, *col, featurize.Options{BaseDir: req.BaseDir, NoPaths: req.NoPaths})
		default:
			return nil, status.Errorf(status.Input, "missing input feature %q (column %q, type %s)", f.Name, f.Column, f.Type)
		}
		if err != nil {
			return nil, err
		}
		if rows >= 0 && in.Rows != rows {
			return nil, status.Errorf(status.Input, "input feature %q has %d rows but %q has %d", f.Name, in.Rows, rowsFrom, rows)
		}
		rows, rowsFrom = in.Rows, f.Name
		inputs[i] = in
	}
	if rows == 0 {
		return nil, status.Errorf(status.Input, "the request has no rows")
	}
	return inputs, nil
}

func (m *Model) buildPreInput(inputs []featurize.Input) (*torch.Value, error) {
	return m.buildInput(m.preInputModule(), inputs)
}

func (m *Model) buildInput(mod *torch.Module, inputs []featurize.Input) (*torch.Value, error) {
	in, err := mod.NewInput()
	if err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	for i, f := range m.schema.Inputs {
		if err := putInput(in, f.Name, inputs[i]); err != nil {
			in.Free()
			return nil, err
		}
	}
	return in, nil
}

// putInput puts feature name's value x into the input dict in.
func putInput(in *torch.Value, name string, x featurize.Input) error {
	var err error
	switch {
	case x.Tensor != nil:
		err = in.PutTensor(name, *x.Tensor, x.Borrowed)
	case x.Tensors != nil:
		err = in.PutTensorList(name, x.Tensors, x.Tuples)
	default:
		err = in.PutStrings(name, x.Strings)
	}
	if err != nil {
		return status.Errorf(status.Input, "input feature %q: %v", name, err)
	}
	return nil
}

// String describes the model for logs.
func (m *Model) String() string { return fmt.Sprintf("ludwig-infer model %s", m.files.Dir) }

// sanitizedInput finds the tensors or the JSON column whose name Ludwig
// would sanitise into column (request.Sanitize); more than one is an error.
func sanitizedInput(column string, tensors map[string][]tensor.Tensor, table *request.Table) ([]tensor.Tensor, *request.Column, error) {
	var ts []tensor.Tensor
	tsName := ""
	for name, t := range tensors {
		if request.Sanitize(name) != column {
			continue
		}
		if ts != nil {
			a, b := tsName, name
			if a > b {
				a, b = b, a
			}
			return nil, nil, status.Errorf(status.Input, "tensors %q and %q both stand for column %q", a, b, column)
		}
		ts, tsName = t, name
	}
	var col *request.Column
	if table != nil {
		var err error
		if col, err = table.GetSanitized(column); err != nil {
			return nil, nil, err
		}
	}
	if ts != nil && col != nil {
		return nil, nil, status.Errorf(status.Input, "column %q is given both as tensor %q and as JSON key %q", column, tsName, col.Key)
	}
	return ts, col, nil
}

// checkCUDA refuses a CUDA device that libtorch cannot see, before any file
// is read, with a message that says why instead of libtorch's.
func checkCUDA(device string) error {
	if !strings.HasPrefix(device, "cuda") {
		return nil
	}
	n := torch.CUDADeviceCount()
	if n == 0 {
		return status.Errorf(status.InvalidArgument, "device %q: libtorch %s sees no CUDA device (a CPU-only libtorch, or no GPU visible to this process); load on \"cpu\", or build against a CUDA libtorch (LIBTORCH=...)", device, torch.Version())
	}
	if i := strings.TrimPrefix(device, "cuda:"); i != device {
		if k, err := strconv.Atoi(i); err == nil && k >= n {
			return status.Errorf(status.InvalidArgument, "device %q: libtorch sees %d CUDA device(s), cuda:0 to cuda:%d", device, n, n-1)
		}
	}
	return nil
}
