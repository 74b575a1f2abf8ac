package artifact

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// Carton archive entries (Carton format spec v1, docs/specification/format.md
// of VivekPanyam/carton).
const (
	CartonTOML     = "carton.toml"
	CartonManifest = "MANIFEST"
	CartonLinks    = "LINKS"
	// CartonModel is where Carton's torchscript runner keeps the module
	// (Ludwig's export_carton packs model.pt into the model folder).
	CartonModel = "model/model.pt"
)

// ZipMethodZstd is the zip compression method id of zstd, which Carton's
// packer uses for every entry but MANIFEST.
const ZipMethodZstd = 93

// maxEntrySize bounds one decompressed archive entry (a zip bomb guard).
const maxEntrySize = 8 << 30

// TensorSpec is one [[input]] or [[output]] of carton.toml.
type TensorSpec struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	// Shape holds the dimensions: int64 sizes and string symbols
	// ("batch_size"); nil when carton.toml gives the shape as a single
	// symbol or "*" (then ShapeSymbol holds it).
	Shape       []any  `json:"shape,omitempty"`
	ShapeSymbol string `json:"shape_symbol,omitempty"`
	Description string `json:"description,omitempty"`
}

// CartonConfig is what ludwig-infer reads from carton.toml.
type CartonConfig struct {
	SpecVersion              int64        `json:"spec_version"`
	ModelName                string       `json:"model_name,omitempty"`
	ShortDescription         string       `json:"short_description,omitempty"`
	Inputs                   []TensorSpec `json:"inputs"`
	Outputs                  []TensorSpec `json:"outputs"`
	RunnerName               string       `json:"runner_name"`
	RequiredFrameworkVersion string       `json:"required_framework_version,omitempty"`
}

// CartonFile is an opened, verified Carton archive.
type CartonFile struct {
	Path   string
	Config CartonConfig
	// Model holds the bytes of model/model.pt.
	Model []byte
	// Manifest maps each archive path to its sha256 (hex), as MANIFEST lists.
	Manifest map[string]string
	// ManifestSHA256 is the sha256 of MANIFEST itself: Carton's "model hash".
	ManifestSHA256 string
}

func cartonErr(path, format string, args ...any) error {
	return status.Errorf(status.Model, "carton %s: %s", path, fmt.Sprintf(format, args...))
}

// OpenCarton reads the Carton archive at path: it checks every MANIFEST
// line's sha256 against the archive entry it names (and that every entry is
// listed), parses carton.toml and returns model/model.pt's bytes. A missing
// file is status.NotFound; a damaged archive, a missing entry, a sha256
// mismatch or an unsupported runner is status.Model.
func OpenCarton(path string) (*CartonFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, status.Errorf(status.NotFound, "carton %s: %v", path, unwrapPathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, status.Errorf(status.NotFound, "carton %s: %v", path, err)
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, cartonErr(path, "not a readable zip archive (%v)", err)
	}
	zr.RegisterDecompressor(ZipMethodZstd, ZstdDecompressor)

	entries := map[string]*zip.File{}
	for _, e := range zr.File {
		if strings.HasSuffix(e.Name, "/") {
			continue // a folder
		}
		if _, dup := entries[e.Name]; dup {
			return nil, cartonErr(path, "the archive holds %s twice", e.Name)
		}
		entries[e.Name] = e
	}
	read := func(name string) ([]byte, error) {
		e := entries[name]
		if e == nil {
			return nil, cartonErr(path, "the archive has no %s", name)
		}
		if e.UncompressedSize64 > maxEntrySize {
			return nil, cartonErr(path, "%s is too large (%d bytes)", name, e.UncompressedSize64)
		}
		rc, err := e.Open()
		if err != nil {
			return nil, cartonErr(path, "cannot read %s (%v)", name, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxEntrySize+1))
		if err != nil {
			return nil, cartonErr(path, "cannot read %s (%v): the archive is damaged", name, err)
		}
		return b, nil
	}

	manifestBytes, err := read(CartonManifest)
	if err != nil {
		return nil, err
	}
	manifest, err := parseManifest(path, manifestBytes)
	if err != nil {
		return nil, err
	}
	if _, ok := entries[CartonLinks]; ok {
		return nil, cartonErr(path, "it has a LINKS file (files fetched from URLs): unpack it with Carton first")
	}
	c := &CartonFile{Path: path, Manifest: manifest}
	sum := sha256.Sum256(manifestBytes)
	c.ManifestSHA256 = hex.EncodeToString(sum[:])

	names := make([]string, 0, len(manifest))
	for n := range manifest {
		names = append(names, n)
	}
	sort.Strings(names)
	contents := map[string][]byte{}
	for _, n := range names {
		b, err := read(n)
		if err != nil {
			if entries[n] == nil {
				return nil, cartonErr(path, "MANIFEST lists %s, which the archive lacks", n)
			}
			return nil, err
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != manifest[n] {
			return nil, cartonErr(path, "%s does not match its MANIFEST sha256 (MANIFEST %s, file %s): the archive is damaged or was modified", n, manifest[n], hex.EncodeToString(got[:]))
		}
		if n == CartonTOML || n == CartonModel {
			contents[n] = b
		}
	}
	for n := range entries {
		if n != CartonManifest && manifest[n] == "" {
			return nil, cartonErr(path, "%s is in the archive but not in MANIFEST", n)
		}
	}
	if _, ok := manifest[CartonTOML]; !ok {
		return nil, cartonErr(path, "the archive has no %s", CartonTOML)
	}
	if _, ok := manifest[CartonModel]; !ok {
		return nil, cartonErr(path, "the archive has no %s (ludwig-infer runs cartons packed for the torchscript runner, as Ludwig's export_carton makes them)", CartonModel)
	}
	cfg, err := ParseCartonTOML(string(contents[CartonTOML]))
	if err != nil {
		return nil, cartonErr(path, "%s: %v", CartonTOML, err)
	}
	if cfg.SpecVersion != 1 {
		return nil, cartonErr(path, "carton.toml spec_version %d is not supported (want 1)", cfg.SpecVersion)
	}
	if cfg.RunnerName != "torchscript" {
		return nil, cartonErr(path, "runner %q is not supported: ludwig-infer runs cartons of the torchscript runner", cfg.RunnerName)
	}
	c.Config = cfg
	c.Model = contents[CartonModel]
	return c, nil
}

// ZstdDecompressor reads zstd-compressed zip entries (register it on a
// zip.Reader for ZipMethodZstd).
func ZstdDecompressor(r io.Reader) io.ReadCloser {
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxEntrySize))
	if err != nil {
		return io.NopCloser(errReader{err})
	}
	return d.IOReadCloser()
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// parseManifest reads MANIFEST: one "path=sha256" line per file, sorted, no
// blanks.
func parseManifest(path string, b []byte) (map[string]string, error) {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if s == "" {
			continue
		}
		i := strings.LastIndexByte(s, '=')
		if i <= 0 {
			return nil, cartonErr(path, "MANIFEST line %d is not path=sha256: %q", line, s)
		}
		name, sum := s[:i], strings.ToLower(s[i+1:])
		if len(sum) != 64 {
			return nil, cartonErr(path, "MANIFEST line %d: %q is not a sha256", line, s[i+1:])
		}
		if _, err := hex.DecodeString(sum); err != nil {
			return nil, cartonErr(path, "MANIFEST line %d: %q is not a sha256", line, s[i+1:])
		}
		if _, dup := m[name]; dup {
			return nil, cartonErr(path, "MANIFEST lists %s twice", name)
		}
		m[name] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, cartonErr(path, "MANIFEST: %v", err)
	}
	if len(m) == 0 {
		return nil, cartonErr(path, "MANIFEST is empty")
	}
	return m, nil
}

// ParseCartonTOML reads the fields of carton.toml that ludwig-infer uses;
// unknown tables and keys are ignored, as the spec asks.
func ParseCartonTOML(src string) (CartonConfig, error) {
	t, err := ParseTOML(src)
	if err != nil {
		return CartonConfig{}, err
	}
	var c CartonConfig
	str := func(m map[string]any, k string) (string, error) {
		switch v := m[k].(type) {
		case nil:
			return "", nil
		case string:
			return v, nil
		default:
			return "", fmt.Errorf("%s is %T, want a string", k, v)
		}
	}
	switch v := t["spec_version"].(type) {
	case int64:
		c.SpecVersion = v
	case nil:
		return c, fmt.Errorf("spec_version is missing")
	default:
		return c, fmt.Errorf("spec_version is %T, want an integer", v)
	}
	if c.ModelName, err = str(t, "model_name"); err != nil {
		return c, err
	}
	if c.ShortDescription, err = str(t, "short_description"); err != nil {
		return c, err
	}
	runner, ok := t["runner"].(map[string]any)
	if !ok {
		return c, fmt.Errorf("the [runner] table is missing")
	}
	if c.RunnerName, err = str(runner, "runner_name"); err != nil {
		return c, err
	}
	if c.RunnerName == "" {
		return c, fmt.Errorf("runner.runner_name is missing")
	}
	if c.RequiredFrameworkVersion, err = str(runner, "required_framework_version"); err != nil {
		return c, err
	}
	specs := func(key string) ([]TensorSpec, error) {
		var out []TensorSpec
		switch v := t[key].(type) {
		case nil:
			return nil, nil
		case []map[string]any:
			for i, m := range v {
				var s TensorSpec
				var err error
				if s.Name, err = str(m, "name"); err != nil || s.Name == "" {
					return nil, fmt.Errorf("[[%s]] %d has no name", key, i+1)
				}
				if s.DType, err = str(m, "dtype"); err != nil {
					return nil, fmt.Errorf("[[%s]] %s: %v", key, s.Name, err)
				}
				if s.Description, err = str(m, "description"); err != nil {
					return nil, fmt.Errorf("[[%s]] %s: %v", key, s.Name, err)
				}
				switch sh := m["shape"].(type) {
				case string:
					s.ShapeSymbol = sh
				case []any:
					for _, d := range sh {
						switch d.(type) {
						case string, int64:
						default:
							return nil, fmt.Errorf("[[%s]] %s: a shape dimension is %T", key, s.Name, d)
						}
					}
					s.Shape = sh
				case nil:
				default:
					return nil, fmt.Errorf("[[%s]] %s: shape is %T", key, s.Name, sh)
				}
				out = append(out, s)
			}
			return out, nil
		default:
			return nil, fmt.Errorf("%s is %T, want an array of tables [[%s]]", key, v, key)
		}
	}
	if c.Inputs, err = specs("input"); err != nil {
		return c, err
	}
	if c.Outputs, err = specs("output"); err != nil {
		return c, err
	}
	return c, nil
}
