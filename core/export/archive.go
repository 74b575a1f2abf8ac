package export

import (
	"archive/zip"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// Limits on a .pt archive, checked before libtorch or the Go reader opens
// it (core re-exports them as core.MaxArchiveRatio and core.MaxArchiveBytes).
const (
	// MaxArchiveRatio is the largest expansion of a compressed entry of a
	// .pt archive (uncompressed / compressed size, for entries over 1 MiB):
	// TorchScript code compresses about 3:1 and tensors are stored
	// uncompressed, while a zip bomb expands thousands of times.
	MaxArchiveRatio = 200
	// MaxArchiveBytes is the largest total uncompressed size of the entries
	// of one .pt archive (64 GiB).
	MaxArchiveBytes = 1 << 36
)

// CheckArchive looks at a .pt file before libtorch reads it, so that files
// libtorch would hang on, or expand without bound, fail with a clear
// LI_ERR_MODEL: not a regular file (a FIFO blocks the open forever,
// /dev/zero never ends), a symlink loop, not a zip archive, a zip without
// the records of a TorchScript archive, or a zip bomb (MaxArchiveRatio,
// MaxArchiveBytes). libtorch allocates each record's declared uncompressed
// size before inflating it.
func CheckArchive(path string) error {
	st, err := os.Stat(path) // follows symlinks: a loop fails here
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return status.Errorf(status.Model, "cannot load %s: %v", path, err)
	}
	if !st.Mode().IsRegular() {
		return status.Errorf(status.Model, "cannot load %s: not a regular file: it is %s", path, FileKind(st.Mode()))
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return status.Errorf(status.Model, "cannot load %s: not a TorchScript archive (a zip file): %v", path, err)
	}
	defer z.Close()
	var total uint64
	hasData, hasCode := false, false
	for _, f := range z.File {
		total += f.UncompressedSize64
		if total > MaxArchiveBytes {
			return status.Errorf(status.Model, "cannot load %s: its records expand to more than %d bytes (MaxArchiveBytes)", path, uint64(MaxArchiveBytes))
		}
		if f.Method != zip.Store && f.UncompressedSize64 > 1<<20 && f.UncompressedSize64/(f.CompressedSize64+1) > MaxArchiveRatio {
			return status.Errorf(status.Model, "cannot load %s: record %q expands %d bytes to %d, more than %d times (MaxArchiveRatio): a zip bomb?", path, f.Name, f.CompressedSize64, f.UncompressedSize64, MaxArchiveRatio)
		}
		name := f.Name
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[i+1:] // records sit under one top-level folder
		}
		hasData = hasData || name == "data.pkl"
		hasCode = hasCode || strings.HasPrefix(name, "code/")
	}
	if !hasData {
		return status.Errorf(status.Model, "cannot load %s: a zip file without data.pkl is not a TorchScript archive", path)
	}
	if !hasCode {
		return status.Errorf(status.Model, "cannot load %s: it has no code/ folder: a torch.save() archive, not TorchScript (export with torch.jit.script(...).save or Ludwig's export_torchscript)", path)
	}
	return nil
}
