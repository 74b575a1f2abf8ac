// Package pt2 reads and runs the `model.pt2` files current Ludwig (0.13 and
// later) exports with `ludwig export_model -f torch_export`, without
// libtorch or Python.
//
// A model.pt2 is one of three kinds, told apart by content (Detect):
//
//   - Archive: the PT2 archive torch >= 2.8 writes (torch.export.save): a
//     zip whose root folder holds `archive_format` ("pt2"), `byteorder`,
//     `models/<name>.json` (the serialized ExportedProgram),
//     `data/weights/<name>_weights_config.json` with the raw weight
//     records `data/weights/*`, the same for `data/constants/*`, and
//     `data/sample_inputs/` (not read).
//   - Legacy: the zip torch 2.x before 2.8 writes:
//     `serialized_exported_program.json` and torch.save pickles of the
//     state dict (`serialized_state_dict.pt`) and constants
//     (`serialized_constants.pt`), read with core/ptfile's pickle reader.
//   - TorchScript: the file Ludwig's exporter writes under that name when
//     torch.export fails. This package does not run it: the caller runs it
//     as a TorchScript predictor (core/engine); Read reports
//     ErrTorchScript.
//
// Supported serialized ExportedProgram schema versions (schema_version,
// torch/_export/serde/schema.py): majors 7 and 8 (SchemaMajors), read in
// tests from torch 2.5.1 (7.3, the torch < 2.8 zip) and torch 2.15.0
// (8.20, the PT2 archive); newer minors add optional fields, which are
// ignored. Another major is refused naming it. Node metadata (stack_trace,
// nn_module_stack, torch_fn) is ignored.
//
// The graph runs on core/kernels through core/script's operators, keyed
// by the node's op overload (docs/pt2.md lists them); an operator the
// engine lacks fails the load naming it. Program.Run handles the batch
// (fixed or dynamic range) in chunks.
package pt2

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
)

// Kind is what a model.pt2 file holds.
type Kind int

const (
	// Archive is the PT2 archive of torch >= 2.8.
	Archive Kind = iota + 1
	// Legacy is the torch.export zip of torch 2.x before 2.8.
	Legacy
	// TorchScript is a TorchScript archive under the name model.pt2.
	TorchScript
)

// String names the kind as the docs do.
func (k Kind) String() string {
	switch k {
	case Archive:
		return "PT2 archive"
	case Legacy:
		return "torch.export zip (torch < 2.8)"
	case TorchScript:
		return "TorchScript"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// SchemaMajors are the serialized ExportedProgram schema major versions
// read (package doc).
var SchemaMajors = []int{7, 8}

// ErrTorchScript is returned (wrapped) by Open and Read for a TorchScript
// file: run it as a TorchScript predictor instead (core/engine).
var ErrTorchScript = errors.New("model.pt2 is a TorchScript archive, not an exported program: run it as a TorchScript predictor")

// DefaultLimits bound reading one file (entries, bytes, pickle items):
// core/ptfile's defaults.
var DefaultLimits = ptfile.DefaultLimits

// zipFile is an opened model.pt2: its entries below the root folder.
type zipFile struct {
	root  string
	files map[string]*zip.File
	read  int64
	lim   ptfile.Limits
}

func openZip(data []byte, lim ptfile.Limits) (*zipFile, Kind, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, 0, fmt.Errorf("model.pt2 is not a zip archive: %v", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, 0, fmt.Errorf("model.pt2 has %d entries, more than %d (Limits.MaxEntries)", len(zr.File), lim.MaxEntries)
	}
	z := &zipFile{files: map[string]*zip.File{}, lim: lim}
	marks := map[string]string{} // record name -> root
	for _, f := range zr.File {
		root, rest, ok := strings.Cut(f.Name, "/")
		if !ok {
			root, rest = "", f.Name // the torch < 2.8 zip has no root folder
		}
		switch rest {
		case "archive_format", "serialized_exported_program.json", "data.pkl":
			if _, seen := marks[rest]; !seen {
				marks[rest] = root
			}
		}
	}
	var kind Kind
	switch {
	case has(marks, "archive_format"):
		kind, z.root = Archive, marks["archive_format"]
	case has(marks, "serialized_exported_program.json"):
		kind, z.root = Legacy, marks["serialized_exported_program.json"]
	case has(marks, "data.pkl"):
		kind, z.root = TorchScript, marks["data.pkl"]
	default:
		return nil, 0, fmt.Errorf("model.pt2 is neither a PT2 archive (no <root>/archive_format), a torch.export zip (no <root>/serialized_exported_program.json) nor TorchScript (no <root>/data.pkl)")
	}
	prefix := z.root + "/"
	if z.root == "" {
		prefix = ""
	}
	for _, f := range zr.File {
		if name, ok := strings.CutPrefix(f.Name, prefix); ok && name != "" {
			if _, dup := z.files[name]; !dup {
				z.files[name] = f
			}
		}
	}
	if kind == Archive {
		raw, err := z.entry("archive_format")
		if err != nil {
			return nil, 0, err
		}
		if f := strings.TrimSpace(string(raw)); f != "pt2" {
			return nil, 0, fmt.Errorf("model.pt2: archive_format is %q, not \"pt2\"", truncate(f, 20))
		}
	}
	if kind != TorchScript && z.has("byteorder") {
		raw, err := z.entry("byteorder")
		if err != nil {
			return nil, 0, err
		}
		if bo := strings.TrimSpace(string(raw)); bo != "little" {
			return nil, 0, fmt.Errorf("model.pt2: byte order %q: only little-endian archives are supported", truncate(bo, 20))
		}
	}
	return z, kind, nil
}

func has(m map[string]string, k string) bool { _, ok := m[k]; return ok }

func (z *zipFile) has(name string) bool { _, ok := z.files[name]; return ok }

// entry reads the record name (below the root) within the limits.
func (z *zipFile) entry(name string) ([]byte, error) {
	f, ok := z.files[name]
	if !ok {
		return nil, fmt.Errorf("model.pt2 has no %s", name)
	}
	size := f.UncompressedSize64
	if size > uint64(z.lim.MaxEntryBytes) {
		return nil, fmt.Errorf("model.pt2: %s is %d bytes, more than %d (Limits.MaxEntryBytes)", name, size, z.lim.MaxEntryBytes)
	}
	if z.read+int64(size) > z.lim.MaxTotalBytes {
		return nil, fmt.Errorf("model.pt2: %s: the records read exceed %d bytes (Limits.MaxTotalBytes)", name, z.lim.MaxTotalBytes)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("model.pt2: %s: %v", name, err)
	}
	defer rc.Close()
	buf, err := io.ReadAll(io.LimitReader(rc, int64(size)+1))
	if err != nil {
		return nil, fmt.Errorf("model.pt2: %s: %v", name, err)
	}
	if uint64(len(buf)) != size {
		return nil, fmt.Errorf("model.pt2: %s: size does not match the zip directory", name)
	}
	z.read += int64(len(buf))
	return buf, nil
}

// modelName picks the program of a PT2 archive: "model" (what
// torch.export.save writes), else the only models/*.json.
func (z *zipFile) modelName() (string, error) {
	if z.has("models/model.json") {
		return "model", nil
	}
	var names []string
	for n := range z.files {
		if strings.HasPrefix(n, "models/") && strings.HasSuffix(n, ".json") && !strings.Contains(n[len("models/"):], "/") {
			names = append(names, strings.TrimSuffix(path.Base(n), ".json"))
		}
	}
	sort.Strings(names)
	switch len(names) {
	case 0:
		return "", fmt.Errorf("model.pt2 (PT2 archive) has no models/*.json program")
	case 1:
		return names[0], nil
	}
	return "", fmt.Errorf("model.pt2 holds %d programs (%s) and none named model", len(names), strings.Join(names, ", "))
}

// Detect tells which kind of model.pt2 the file at p is.
func Detect(p string) (Kind, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	_, k, err := openZip(data, DefaultLimits)
	return k, err
}

// IsTorchScript reports whether the file at p is a TorchScript archive,
// which the caller runs as a TorchScript predictor (core/engine), not
// with this package.
func IsTorchScript(p string) bool {
	k, err := Detect(p)
	return err == nil && k == TorchScript
}

// Open reads the model.pt2 at p.
func Open(p string, lim ptfile.Limits) (*Program, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return Read(data, lim)
}

// Read reads a model.pt2 held in memory: the program, its weights and
// constants, and compiles its graph. A TorchScript file gives an error
// wrapping ErrTorchScript.
func Read(data []byte, lim ptfile.Limits) (*Program, error) {
	z, kind, err := openZip(data, lim)
	if err != nil {
		return nil, err
	}
	var (
		raw     []byte
		weights map[string]*kernels.Tensor
	)
	switch kind {
	case TorchScript:
		return nil, fmt.Errorf("%w", ErrTorchScript)
	case Archive:
		name, err := z.modelName()
		if err != nil {
			return nil, err
		}
		if raw, err = z.entry("models/" + name + ".json"); err != nil {
			return nil, err
		}
		if weights, err = z.archiveWeights(name); err != nil {
			return nil, err
		}
	case Legacy:
		if raw, err = z.entry("serialized_exported_program.json"); err != nil {
			return nil, err
		}
		if weights, err = z.legacyWeights(); err != nil {
			return nil, err
		}
	}
	p, err := compile(raw, weights)
	if err != nil {
		return nil, err
	}
	p.Kind = kind
	return p, nil
}
