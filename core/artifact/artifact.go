// Package artifact tells apart the kinds of model files ludwig-infer opens -
// a Ludwig TorchScript export directory (three stage files), a scripted
// InferenceModule (one .pt file), and a Carton archive (.carton) - and reads
// Carton archives: the zip, its MANIFEST of sha256 sums, and carton.toml.
// It holds no libtorch code; core loads the modules it finds.
package artifact

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// Kind is the kind of a model artifact.
type Kind int

// The kinds.
const (
	// Stages is a Ludwig TorchScript export directory (export_torchscript):
	// inference_preprocessor.pt, inference_predictor-<device>.pt,
	// inference_postprocessor.pt and the JSON files.
	Stages Kind = iota
	// Module is one TorchScript file holding a scripted InferenceModule
	// (torch.jit.script(InferenceModule), LudwigModel.to_torchscript()).
	Module
	// Carton is a .carton archive (Ludwig's export_carton).
	Carton
)

// String names the kind as model info reports it.
func (k Kind) String() string {
	switch k {
	case Stages:
		return "torchscript_export"
	case Module:
		return "inference_module"
	case Carton:
		return "carton"
	}
	return "unknown"
}

// Artifact is what a model path holds.
type Artifact struct {
	Kind Kind
	// Path is the export directory (Stages) or the file (Module, Carton).
	Path string
	// Dir is the directory that holds Path (Path itself for Stages): where
	// model_hyperparameters.json and training_set_metadata.json are looked
	// for.
	Dir string
}

// isPredictorFile matches inference_predictor-<device>.pt and the
// underscore spelling.
func isPredictorFile(name string) bool {
	const prefix = "inference_predictor"
	if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".pt") {
		return false
	}
	rest := strings.TrimSuffix(strings.TrimPrefix(name, prefix), ".pt")
	return len(rest) >= 2 && (rest[0] == '-' || rest[0] == '_')
}

// stageFiles are the names of the three-stage export's stage files other
// than the predictor.
var stageFiles = map[string]bool{
	"inference_preprocessor.pt":  true,
	"inference_postprocessor.pt": true,
}

// Detect tells what path holds:
//   - a file named *.carton, or a zip with carton.toml or MANIFEST at its
//     root: a Carton;
//   - any other file: a scripted InferenceModule;
//   - a directory with a predictor file (inference_predictor-<device>.pt):
//     a three-stage export (it wins over any other file there);
//   - a directory with exactly one other .pt file: that InferenceModule;
//   - a directory with no .pt file and exactly one .carton: that Carton;
//   - any other directory: Stages (core then reports what is missing).
func Detect(path string) (Artifact, error) {
	st, err := os.Stat(path)
	if err != nil {
		what := "model directory"
		if hasModelExt(path) {
			what = "model file"
		}
		return Artifact{}, status.Errorf(status.NotFound, "%s %q: %v", what, path, unwrapPathErr(err))
	}
	if !st.IsDir() {
		if !hasModelExt(path) && !isZip(path) {
			return Artifact{}, status.Errorf(status.NotFound, "model path %q is not a directory, nor a TorchScript (.pt) or Carton (.carton) file", path)
		}
		return fileArtifact(path), nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return Artifact{}, status.Errorf(status.NotFound, "model directory %q: %v", path, unwrapPathErr(err))
	}
	var modules, cartons []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		switch {
		case isPredictorFile(name):
			return Artifact{Kind: Stages, Path: path, Dir: path}, nil
		case stageFiles[name]:
		case strings.HasSuffix(name, ".pt"):
			modules = append(modules, name)
		case strings.HasSuffix(name, ".carton"):
			cartons = append(cartons, name)
		}
	}
	sort.Strings(modules)
	sort.Strings(cartons)
	switch {
	case len(modules) == 1:
		return Artifact{Kind: Module, Path: filepath.Join(path, modules[0]), Dir: path}, nil
	case len(modules) > 1:
		return Artifact{}, status.Errorf(status.Model, "model directory %q holds several TorchScript files (%s) and no inference_predictor-<device>.pt: pass the file to load", path, strings.Join(modules, ", "))
	case len(cartons) == 1:
		return Artifact{Kind: Carton, Path: filepath.Join(path, cartons[0]), Dir: path}, nil
	case len(cartons) > 1:
		return Artifact{}, status.Errorf(status.Model, "model directory %q holds several .carton files (%s): pass the file to load", path, strings.Join(cartons, ", "))
	}
	return Artifact{Kind: Stages, Path: path, Dir: path}, nil
}

func hasModelExt(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".pt" || ext == ".pth" || ext == ".carton"
}

// isZip reports whether the file starts with a zip local file header (every
// TorchScript archive and every carton does).
func isZip(path string) bool {
	// Opening a FIFO would block forever (hostile-input tests).
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return false
	}
	return string(magic[:]) == "PK\x03\x04"
}

func fileArtifact(path string) Artifact {
	a := Artifact{Kind: Module, Path: path, Dir: filepath.Dir(path)}
	if strings.HasSuffix(strings.ToLower(path), ".carton") || looksLikeCarton(path) {
		a.Kind = Carton
	}
	return a
}

// looksLikeCarton reports whether path is a zip with carton.toml or
// MANIFEST at its root (a TorchScript archive keeps everything under one
// top-level folder).
func looksLikeCarton(path string) bool {
	r, err := zip.OpenReader(path)
	if err != nil {
		return false
	}
	defer r.Close()
	for _, f := range r.File {
		if f.Name == "carton.toml" || f.Name == "MANIFEST" {
			return true
		}
	}
	return false
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
