// Package core is ludwig-infer's Go API: it loads a Ludwig export (or an
// InferenceModule or a Carton) and answers JSON requests and tensor buffers
// in the output forms shared by every binding (features, columns, full).
// The C ABI (capi/) is a thin layer over this package.
//
// Load opens the model and chooses, once, what runs each of its three
// stages (core/stage: a TorchScript module in libtorch, or Go - the Go
// engine's predictor, core/engine, and the native pre- and postprocessors,
// core/native) from the "engine" and "stages" options and the build
// (load.go, stages.go, artifacts.go). Infer runs the pipeline
// (pipeline.go): decode, featurise, preprocess, predict, postprocess,
// encode. Close frees the modules. docs/go-engine.md ("Stages") tells which
// implementation runs when.
//
// Loading a model with libtorch executes code stored in its .pt files: load
// only models you trust. The Go engine ("engine": "go", and builds without
// libtorch) runs only the TorchScript subset it implements, with no file,
// network or process access and bounded steps and memory (core/script).
package core

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/ludwig-infer/ludwig-infer/core/artifact"
	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
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
	script  scripts // the TorchScript modules loaded (none without libtorch)
	encoder response.Encoder
	info    Info
	art     *artifactState // an InferenceModule or a Carton (artifacts.go); nil for an export directory
	native  *nativeStages  // the native plan (stages.go); nil: all TorchScript
	// staged are the stages chosen at load (pipeline.go); whole, for an
	// InferenceModule or a Carton, runs whole-model calls.
	staged pipeline
	whole  *pipeline

	warnings torchWarnings // libtorch warnings logged (log.go)
}

// scripts are a model's TorchScript stage modules (for an InferenceModule,
// its staged methods); nil when absent or run otherwise.
type scripts struct {
	pre, pred, post *torch.Module
}

// Load opens the model in dir: an export directory (ludwig
// export_torchscript), a folder or file holding a scripted
// InferenceModule or a Carton (artifacts.go), or a model folder saved by
// current Ludwig with its model.pt2 (ludwigmodel.go). The stages that will run are
// chosen here, once (load.go); Infer runs them (pipeline.go).
func Load(dir string, opts LoadOptions) (*Model, error) {
	if opts.Device == "" {
		opts.Device = "cpu"
	}
	if !validDevice(opts.Device) {
		return nil, status.Errorf(status.InvalidArgument, "unknown device %q (want cpu, cuda or cuda:N)", opts.Device)
	}
	if lf, err := findLudwigModel(dir, opts.Graph); err != nil {
		return nil, err
	} else if lf != nil {
		return loadLudwig(lf, opts) // ludwigmodel.go
	}
	eng, err := resolveEngine(opts.Engine)
	if err != nil {
		return nil, err
	}
	if !torch.Available {
		if err := checkNoTorch(opts); err != nil {
			return nil, err
		}
	} else if err := checkCUDA(opts.Device); err != nil {
		return nil, err
	}
	a, err := artifact.Detect(dir)
	if err != nil {
		return nil, err
	}
	if a.Kind != artifact.Stages {
		if !torch.Available {
			return nil, status.Errorf(status.InvalidArgument, "%s holds a %s: without libtorch only export directories (ludwig export_torchscript) run", dir, a.Kind)
		}
		if eng == engine.Go {
			return nil, status.Errorf(status.InvalidArgument, "engine \"go\" runs export directories only; %s holds a %s: load it with engine \"libtorch\" or \"auto\"", dir, a.Kind)
		}
		return loadArtifact(a, opts)
	}
	return loadExport(dir, eng, opts) // load.go
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
	m.script.pre.Close()
	m.script.pred.Close()
	m.script.post.Close()
	m.art.close()
	m.native.close()
}

// Schema returns the feature schema, or nil when the export has no config.
func (m *Model) Schema() *export.Schema { return m.schema }

// String describes the model for logs.
func (m *Model) String() string { return fmt.Sprintf("ludwig-infer model %s", m.files.Dir) }

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
