package core

import (
	"errors"
	"os"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/bundle"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// Limits on a model archive loaded from memory (LoadBuffer), on top of the
// .pt limits every load applies (MaxArchiveRatio, MaxArchiveBytes).
const (
	// MaxBundleBytes is the largest total size an archive unpacks to
	// (64 GiB; bundle.MaxBytes).
	MaxBundleBytes = bundle.MaxBytes
	// MaxBundleEntries is the most entries of an archive (10,000;
	// bundle.MaxEntries).
	MaxBundleEntries = bundle.MaxEntries
)

// BufferLabel stands for the temporary folder a buffer is unpacked into in
// model info and error messages ("<buffer>/inference_predictor-cpu.pt").
const BufferLabel = "<buffer>"

// LoadBuffer opens a model from the bytes of a single-file archive, for
// frameworks that ship models as bytes (a Spark broadcast, Ray's object
// store). The archive is told apart by its content, not a name:
//
//   - a Carton (a zip with carton.toml or MANIFEST at its root), loaded as a
//     .carton file;
//   - a TorchScript archive (a zip with data.pkl and code/ under one
//     folder), loaded as a scripted InferenceModule .pt file;
//   - any other zip, a tar (POSIX or GNU) or a gzip-compressed tar: a folder
//     that Load opens (an export directory, or a folder holding one .pt or
//     .carton). When the archive holds one top-level folder and nothing
//     else, that folder is the model.
//
// The archive is checked before anything is written: at most
// MaxBundleEntries entries, MaxBundleBytes in all, compressed entries (and a
// gzip stream) over 1 MiB expanding at most MaxArchiveRatio times, only
// regular files and folders (no symlinks, hard links, devices or FIFOs), no
// name twice, and no name that is absolute or leaves the archive ("..").
// A violation is a status.Model error naming the entry and the limit; an
// empty buffer is status.InvalidArgument. The files are unpacked into a
// private temporary folder (os.TempDir, $TMPDIR) that is removed before
// LoadBuffer returns, whatever the outcome: the loaded model keeps no file
// open. Model info and messages show that folder as BufferLabel.
func LoadBuffer(data []byte, opts LoadOptions) (*Model, error) {
	if len(data) == 0 {
		return nil, status.Errorf(status.InvalidArgument, "the model buffer is empty")
	}
	tmp, err := os.MkdirTemp("", "ludwig-infer-buffer-")
	if err != nil {
		return nil, status.Errorf(status.Runtime, "loading a model from a buffer: cannot create a temporary folder: %v", err)
	}
	defer os.RemoveAll(tmp)
	root, err := bundle.Unpack(data, tmp, bundle.Default)
	if err != nil {
		return nil, err
	}
	m, err := Load(root, opts)
	if err != nil {
		var se *status.Error
		if errors.As(err, &se) {
			return nil, status.Errorf(se.Code, "%s", strings.ReplaceAll(se.Msg, tmp, BufferLabel))
		}
		return nil, err
	}
	m.relabel(tmp, BufferLabel)
	return m, nil
}

// relabel replaces the folder prefix from with to in every path the model
// reports.
func (m *Model) relabel(from, to string) {
	r := func(s *string) { *s = strings.ReplaceAll(*s, from, to) }
	for _, f := range []*string{&m.files.Dir, &m.files.Preprocessor, &m.files.Predictor, &m.files.Postprocessor, &m.files.Hyperparameters, &m.files.Metadata} {
		r(f)
	}
	if m.art != nil {
		r(&m.art.info.Path)
		r(&m.art.info.Dir)
	}
	m.info.Path = strings.ReplaceAll(m.info.Path, from, to)
	m.info.Files = m.files
	for i := range m.info.Warnings {
		r(&m.info.Warnings[i])
	}
	if m.info.Artifact.Kind == ArtifactLudwigModel { // ludwigmodel.go
		r(&m.info.Artifact.Path)
		r(&m.info.Artifact.Graph)
		return
	}
	m.info.Artifact = m.artifactInfo()
}
