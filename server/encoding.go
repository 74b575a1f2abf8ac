package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

// Compression. Request bodies may be gzip or deflate (zlib, as HTTP's
// "deflate" is) compressed; the body limit applies to the decompressed size,
// so a compression bomb is a 413 after at most MaxBody bytes, never a large
// allocation. Responses are gzip-compressed when the client accepts gzip and
// the body is at least gzipMinSize bytes (smaller bodies gain nothing and
// cost CPU).

// gzipMinSize is the smallest response body sent compressed.
const gzipMinSize = 1024

// decompressBody replaces r.Body with its decompressed content, limited to
// limit bytes; it reports an unsupported Content-Encoding.
func decompressBody(w http.ResponseWriter, r *http.Request, limit int64) (ok bool) {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
		return true
	case "gzip", "x-gzip", "deflate":
	default:
		w.Header().Set("Accept-Encoding", "gzip, deflate")
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "unsupported Content-Encoding " + enc + "; use gzip or deflate"})
		return false
	}
	r.Body = http.MaxBytesReader(w, &lazyDecompressor{src: r.Body, gzip: enc != "deflate"}, limit)
	r.Header.Del("Content-Encoding")
	r.ContentLength = -1
	return true
}

// lazyDecompressor opens the decompressor on the first Read, so that a bad
// stream is a read error of the handler (a 400), like any unreadable body.
type lazyDecompressor struct {
	src  io.ReadCloser
	gzip bool
	r    io.Reader
}

func (d *lazyDecompressor) Read(p []byte) (int, error) {
	if d.r == nil {
		var err error
		if d.gzip {
			d.r, err = gzip.NewReader(d.src)
		} else {
			d.r, err = zlib.NewReader(d.src)
		}
		if err != nil {
			return 0, decompressError(err)
		}
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = decompressError(err)
	}
	return n, err
}

// decompressError explains a failed read of a compressed body; the body
// limit's own error passes as it is (a 413).
func decompressError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return errString("cannot decompress the body: " + err.Error())
}

func (d *lazyDecompressor) Close() error { return d.src.Close() }

type errString string

func (e errString) Error() string { return string(e) }

// acceptsGzip says whether an Accept-Encoding header allows gzip.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q = strings.ReplaceAll(strings.TrimSpace(q), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	gzipWriters.Put(zw)
	return buf.Bytes()
}
