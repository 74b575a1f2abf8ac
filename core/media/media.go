// Package media decodes the image and audio values of a table: file paths,
// data: URIs and bare base64, into the tensors Ludwig's preprocessing
// modules take (contract section 3): images as uint8 [C,H,W] decoded
// "unchanged", audio clips as float32 [channels, samples] in [-1, 1] with
// their sample rate.
package media

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Source says where a value's bytes come from, for error messages.
type Source struct {
	// Path is the resolved file path ("" for inline data).
	Path string
	// Inline is "data URI" or "base64" for inline data.
	Inline string
}

// String names the source: `file "<path>"`, "data URI" or "base64".
func (s Source) String() string {
	if s.Path != "" {
		return fmt.Sprintf("file %q", s.Path)
	}
	return s.Inline
}

// Options control how values are resolved.
type Options struct {
	// BaseDir resolves relative paths ("" = the working directory).
	BaseDir string
	// NoPaths refuses file paths: only data: URIs and base64 are accepted.
	NoPaths bool
	// MaxBytes bounds a file's size (0 = DefaultMaxBytes).
	MaxBytes int64
}

// DefaultMaxBytes is the largest file or inline value read (256 MiB).
const DefaultMaxBytes = 256 << 20

// ErrNotFound marks a path that does not exist.
var ErrNotFound = errors.New("no such file")

// Read returns the bytes a value stands for: a data: URI
// ("data:image/png;base64,..."), a file path (relative paths resolved
// against opts.BaseDir), or, when no such file exists and the value is long
// valid base64, the decoded base64.
func Read(value string, opts Options) ([]byte, Source, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return nil, Source{}, fmt.Errorf("empty value (expected a file path, a data: URI or base64)")
	}
	if len(v) > 5 && strings.EqualFold(v[:5], "data:") {
		b, err := decodeDataURI(v)
		if err != nil {
			return nil, Source{Inline: "data URI"}, err
		}
		return b, Source{Inline: "data URI"}, nil
	}
	if opts.NoPaths {
		if b, ok := decodeBase64(v); ok {
			return b, Source{Inline: "base64"}, nil
		}
		return nil, Source{}, fmt.Errorf("file paths are not accepted here: send the file's content as a data: URI or base64")
	}
	path := v
	if !filepath.IsAbs(path) && opts.BaseDir != "" {
		path = filepath.Join(opts.BaseDir, path)
	}
	st, err := os.Stat(path)
	if err != nil {
		// Not a file (missing, or a name too long to be one): base64?
		if b, ok := decodeBase64(v); ok {
			return b, Source{Inline: "base64"}, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, Source{Path: path}, fmt.Errorf("file %q: %w", path, ErrNotFound)
		}
		return nil, Source{Path: path}, fmt.Errorf("file %q: %v", path, unwrap(err))
	}
	if st.IsDir() {
		return nil, Source{Path: path}, fmt.Errorf("file %q is a directory", path)
	}
	// Only regular files: /dev/zero would be read without end and a FIFO
	// would block the call forever (found by the hostile-input tests).
	if !st.Mode().IsRegular() {
		kind := "a device, pipe or socket"
		if st.Mode()&fs.ModeNamedPipe != 0 {
			kind = "a named pipe (FIFO)"
		}
		return nil, Source{Path: path}, fmt.Errorf("file %q is not a regular file: it is %s", path, kind)
	}
	if st.Size() > limit {
		return nil, Source{Path: path}, fmt.Errorf("file %q has %d bytes, more than the limit of %d", path, st.Size(), limit)
	}
	// Read at most limit+1 bytes: a file can grow after the Stat, and files
	// such as /proc's report size 0.
	f, err := os.Open(path)
	if err != nil {
		return nil, Source{Path: path}, fmt.Errorf("file %q: %v", path, unwrap(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, Source{Path: path}, fmt.Errorf("file %q: %v", path, unwrap(err))
	}
	if int64(len(b)) > limit {
		return nil, Source{Path: path}, fmt.Errorf("file %q has more than the limit of %d bytes", path, limit)
	}
	return b, Source{Path: path}, nil
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// decodeDataURI decodes "data:[<mediatype>][;base64],<data>".
func decodeDataURI(v string) ([]byte, error) {
	comma := strings.IndexByte(v, ',')
	if comma < 0 {
		return nil, fmt.Errorf("malformed data: URI (no comma)")
	}
	meta, data := v[5:comma], v[comma+1:]
	if strings.HasSuffix(strings.ToLower(meta), ";base64") {
		b, ok := decodeBase64(data)
		if !ok {
			return nil, fmt.Errorf("malformed data: URI (invalid base64)")
		}
		return b, nil
	}
	s, err := unescapePercent(data)
	if err != nil {
		return nil, fmt.Errorf("malformed data: URI: %v", err)
	}
	return []byte(s), nil
}

func unescapePercent(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad %% escape")
		}
		var x byte
		for _, c := range []byte(s[i+1 : i+3]) {
			x <<= 4
			switch {
			case c >= '0' && c <= '9':
				x |= c - '0'
			case c >= 'a' && c <= 'f':
				x |= c - 'a' + 10
			case c >= 'A' && c <= 'F':
				x |= c - 'A' + 10
			default:
				return "", fmt.Errorf("bad %% escape")
			}
		}
		b.WriteByte(x)
		i += 2
	}
	return b.String(), nil
}

// decodeBase64 accepts standard or URL-safe base64, padded or not, with
// whitespace (line breaks) ignored. Values shorter than 16 characters are
// never taken as base64 (they are mistyped paths far more often).
func decodeBase64(s string) ([]byte, bool) {
	if len(s) < 16 {
		return nil, false
	}
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(clean); err == nil {
			return b, true
		}
	}
	return nil, false
}

// sniff names a file's format from its first bytes ("" when unknown).
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "PNG"
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return "JPEG"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "GIF"
	case bytes.HasPrefix(b, []byte("BM")) && len(b) >= 26:
		return "BMP"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "TIFF"
	case len(b) >= 12 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WEBP":
		return "WebP"
	case len(b) >= 12 && (bytes.HasPrefix(b, []byte("RIFF")) || bytes.HasPrefix(b, []byte("RIFX")) || bytes.HasPrefix(b, []byte("RF64"))) && string(b[8:12]) == "WAVE":
		return "WAV"
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "FLAC"
	case bytes.HasPrefix(b, []byte("OggS")):
		return "Ogg"
	case bytes.HasPrefix(b, []byte("ID3")), len(b) >= 2 && b[0] == 0xff && b[1]&0xe0 == 0xe0:
		return "MP3"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		return "MP4/M4A"
	case bytes.HasPrefix(b, []byte("FORM")) && len(b) >= 12 && (string(b[8:12]) == "AIFF" || string(b[8:12]) == "AIFC"):
		return "AIFF"
	case bytes.HasPrefix(b, []byte("\x93NUMPY")):
		return "NumPy .npy"
	}
	return ""
}
