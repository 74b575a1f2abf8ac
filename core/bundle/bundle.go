// Package bundle unpacks a model shipped as the bytes of one archive (a
// zip, a tar or a gzip-compressed tar; core.LoadBuffer) into a folder, after
// checking every entry against limits: no bombs, no links or devices, no
// name that leaves the folder.
package bundle

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// The limits Default applies.
const (
	// MaxBytes is the largest total size of the files an archive unpacks
	// to (64 GiB, the size sum of its entries as declared and as read).
	MaxBytes = export.MaxArchiveBytes
	// MaxEntries is the most entries (files and folders) of an archive
	// (10,000; an export has about six files).
	MaxEntries = 10000
)

// Limits are the limits Unpack applies (tests exercise each one with small
// archives).
type Limits struct {
	Bytes   uint64 // MaxBytes
	Entries int    // MaxEntries
	Ratio   uint64 // export.MaxArchiveRatio, for compressed entries (and gzip streams) over 1 MiB
}

// Default are the limits of core.LoadBuffer.
var Default = Limits{Bytes: MaxBytes, Entries: MaxEntries, Ratio: export.MaxArchiveRatio}

// Unpack writes the archive in data into dir after checking it against
// lim, and returns the path to load: dir/model.carton, dir/model.pt, dir,
// or the archive's only top-level folder. What is told apart how, and the
// checks, are core.LoadBuffer's doc. A violation is a status.Model error
// naming the entry and the limit.
func Unpack(data []byte, dir string, lim Limits) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return "", bundleErr("a damaged zip archive: %v", err)
		}
		if file := zipAsFile(z); file != "" {
			p := filepath.Join(dir, file)
			if err := os.WriteFile(p, data, 0o600); err != nil {
				return "", status.Errorf(status.Runtime, "loading a model from a buffer: %v", err)
			}
			return p, nil
		}
		u := unpacker{dir: dir, lim: lim, seen: map[string]bool{}}
		for _, f := range z.File {
			if err := u.zipEntry(f); err != nil {
				return "", err
			}
		}
		return u.root()
	case len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b:
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return "", bundleErr("a damaged gzip stream: %v", err)
		}
		return unpackTar(&ratioReader{r: gz, in: uint64(len(data)), ratio: lim.Ratio}, dir, lim)
	case isTar(data):
		return unpackTar(bytes.NewReader(data), dir, lim)
	}
	head := data
	if len(head) > 8 {
		head = head[:8]
	}
	return "", bundleErr("not a zip, tar or tar.gz archive (it starts with %q)", head)
}

func bundleErr(format string, args ...any) error {
	return status.Errorf(status.Model, "cannot load the model buffer: "+format, args...)
}

// zipAsFile tells whether a zip is itself a model file: "model.carton" for
// a Carton (carton.toml or MANIFEST at its root, as artifact.Detect has it),
// "model.pt" for a TorchScript archive (data.pkl and code/ under one
// top-level folder), "" for a zip of a folder.
func zipAsFile(z *zip.Reader) string {
	hasData, hasCode := false, false
	for _, f := range z.File {
		if f.Name == "carton.toml" || f.Name == "MANIFEST" {
			return "model.carton"
		}
		top, rest, ok := strings.Cut(f.Name, "/")
		if !ok || top == "" {
			continue
		}
		hasData = hasData || rest == "data.pkl"
		hasCode = hasCode || strings.HasPrefix(rest, "code/")
	}
	if hasData && hasCode {
		return "model.pt"
	}
	return ""
}

// isTar finds a POSIX (ustar) or GNU tar header's magic in the first block.
func isTar(data []byte) bool {
	return len(data) >= 512 && (string(data[257:263]) == "ustar\x00" || string(data[257:265]) == "ustar  \x00")
}

func unpackTar(r io.Reader, dir string, lim Limits) (string, error) {
	u := unpacker{dir: dir, lim: lim, seen: map[string]bool{}}
	t := tar.NewReader(r)
	for {
		h, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *limitError
			if errors.As(err, &le) {
				return "", le.err
			}
			return "", bundleErr("a damaged tar archive: %v", err)
		}
		var kind string
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir:
		case tar.TypeXGlobalHeader:
			continue
		case tar.TypeSymlink:
			kind = "a symbolic link to " + h.Linkname
		case tar.TypeLink:
			kind = "a hard link to " + h.Linkname
		case tar.TypeChar, tar.TypeBlock:
			kind = "a device"
		case tar.TypeFifo:
			kind = "a FIFO"
		default:
			kind = fmt.Sprintf("of tar type %q", h.Typeflag)
		}
		if err := u.entry(h.Name, h.Typeflag == tar.TypeDir, kind, uint64(max(h.Size, 0)), t); err != nil {
			return "", err
		}
	}
	return u.root()
}

// unpacker writes checked entries under dir.
type unpacker struct {
	dir     string
	lim     Limits
	entries int
	total   uint64
	seen    map[string]bool
}

func (u *unpacker) zipEntry(f *zip.File) error {
	mode := f.Mode()
	var kind string
	switch {
	case mode&fs.ModeSymlink != 0:
		kind = "a symbolic link"
	case mode&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		kind = "a device"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a FIFO"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	}
	isDir := strings.HasSuffix(f.Name, "/") || mode.IsDir()
	if kind == "" && !isDir && f.Method != zip.Store && f.UncompressedSize64 > 1<<20 && f.UncompressedSize64/(f.CompressedSize64+1) > u.lim.Ratio {
		return bundleErr("entry %q expands %d bytes to %d, more than %d times (MaxArchiveRatio): a zip bomb?", f.Name, f.CompressedSize64, f.UncompressedSize64, u.lim.Ratio)
	}
	open := func() (io.ReadCloser, error) { return f.Open() }
	return u.entryOpen(f.Name, isDir, kind, f.UncompressedSize64, open)
}

func (u *unpacker) entry(name string, isDir bool, kind string, size uint64, r io.Reader) error {
	return u.entryOpen(name, isDir, kind, size, func() (io.ReadCloser, error) { return io.NopCloser(r), nil })
}

// entryOpen checks one entry against the limits and writes it; kind is ""
// for a folder or a regular file, otherwise what the entry is.
func (u *unpacker) entryOpen(name string, isDir bool, kind string, size uint64, open func() (io.ReadCloser, error)) error {
	u.entries++
	if u.entries > u.lim.Entries {
		return bundleErr("more than %d entries (MaxBundleEntries)", u.lim.Entries)
	}
	if kind != "" {
		return bundleErr("entry %q is %s: only regular files and folders are unpacked", name, kind)
	}
	clean := path.Clean(strings.TrimSuffix(name, "/"))
	if name == "" || strings.Contains(name, "\\") || !filepath.IsLocal(clean) {
		return bundleErr("entry %q is not a relative path inside the archive (absolute, \"..\" or a backslash)", name)
	}
	if u.seen[clean] {
		return bundleErr("entry %q appears twice", name)
	}
	u.seen[clean] = true
	if size > u.lim.Bytes || u.total+size > u.lim.Bytes {
		return bundleErr("entry %q takes the unpacked size past %d bytes (MaxBundleBytes)", name, u.lim.Bytes)
	}
	u.total += size
	p := filepath.Join(u.dir, filepath.FromSlash(clean))
	if isDir {
		if err := os.MkdirAll(p, 0o700); err != nil {
			return bundleErr("entry %q: %v", name, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return bundleErr("entry %q: %v", name, err)
	}
	rc, err := open()
	if err != nil {
		return bundleErr("entry %q: %v", name, err)
	}
	defer rc.Close()
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		// O_EXCL: a file where a folder entry put one ("a" then "a/b").
		return bundleErr("entry %q: %v", name, err)
	}
	// The archive readers stop at the declared size (and check a zip
	// entry's CRC): a shorter entry is io.ErrUnexpectedEOF.
	_, err = io.CopyN(w, rc, int64(size))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var le *limitError
	switch {
	case errors.As(err, &le):
		return le.err
	case err != nil:
		return bundleErr("entry %q: %v", name, err)
	}
	return nil
}

// root is the folder to load: the only top-level folder when the archive
// holds nothing else, otherwise dir.
func (u *unpacker) root() (string, error) {
	if u.entries == 0 {
		return "", bundleErr("the archive is empty")
	}
	es, err := os.ReadDir(u.dir)
	if err != nil {
		return "", status.Errorf(status.Runtime, "loading a model from a buffer: %v", err)
	}
	if len(es) == 1 && es[0].IsDir() {
		return filepath.Join(u.dir, es[0].Name()), nil
	}
	return u.dir, nil
}

// ratioReader fails once a decompressed stream is past 1 MiB and more than
// ratio times its compressed size in bytes.
type ratioReader struct {
	r       io.Reader
	in, out uint64
	ratio   uint64
}

type limitError struct{ err error }

func (e *limitError) Error() string { return e.err.Error() }

func (r *ratioReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.out += uint64(n)
	if r.out > 1<<20 && r.out/r.in > r.ratio {
		return n, &limitError{bundleErr("the gzip stream expands %d bytes to more than %d, more than %d times (MaxArchiveRatio): a gzip bomb?", r.in, r.out, r.ratio)}
	}
	return n, err
}
