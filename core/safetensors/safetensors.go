// Package safetensors reads tensors from a safetensors file: the weights
// file current Ludwig (0.13 and later) saves in a model folder
// (model_weights.safetensors).
//
// The format: an 8-byte little-endian header length N, N bytes of JSON
// mapping each tensor's name to {"dtype", "shape", "data_offsets": [begin,
// end]} (offsets into the data that follows the header; "__metadata__" is a
// string map, not a tensor), then the data, little-endian, row-major.
//
// A File reads the header at Open and one tensor's bytes per Float32s call;
// it never maps or reads the whole data section.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// MaxHeader caps the JSON header Open reads (100 MiB): a larger length is
// taken for a damaged or hostile file.
const MaxHeader = 100 << 20

// Entry is one tensor's header entry.
type Entry struct {
	DType   string   `json:"dtype"`
	Shape   []int64  `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// File is an open safetensors file. It is not safe for concurrent use;
// Close releases the file.
type File struct {
	f       *os.File
	path    string
	data    int64 // offset of the data section
	size    int64 // length of the data section
	entries map[string]Entry
}

// Open reads path's header and checks every entry's dtype, shape and
// offsets against the data section's length.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	sf, err := readHeader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return sf, nil
}

func readHeader(f *os.File, path string) (*File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("%s: not a safetensors file (shorter than its 8-byte header length)", path)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeader || int64(n) > st.Size()-8 {
		return nil, fmt.Errorf("%s: header length %d does not fit the file (%d bytes) or exceeds %d", path, n, st.Size(), MaxHeader)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return nil, fmt.Errorf("%s: reading the header: %v", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fmt.Errorf("%s: the header is not a JSON object: %v", path, err)
	}
	sf := &File{f: f, path: path, data: 8 + int64(n), size: st.Size() - 8 - int64(n), entries: map[string]Entry{}}
	for name, v := range raw {
		if name == "__metadata__" {
			continue
		}
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: %v", path, name, err)
		}
		if err := sf.check(name, e); err != nil {
			return nil, err
		}
		sf.entries[name] = e
	}
	return sf, nil
}

// itemSize is the byte size of the dtypes Float32s converts.
var itemSize = map[string]int64{"F64": 8, "F32": 4, "F16": 2, "BF16": 2}

func (sf *File) check(name string, e Entry) error {
	elems := int64(1)
	for _, d := range e.Shape {
		if d < 0 || (d > 0 && elems > math.MaxInt32/d) {
			return fmt.Errorf("%s: tensor %q: shape %v is negative or too large", sf.path, name, e.Shape)
		}
		elems *= d
	}
	b, e2 := e.Offsets[0], e.Offsets[1]
	if b < 0 || e2 < b || e2 > sf.size {
		return fmt.Errorf("%s: tensor %q: data offsets [%d, %d] fall outside the %d-byte data section", sf.path, name, b, e2, sf.size)
	}
	if w, ok := itemSize[e.DType]; ok && e2-b != elems*w {
		return fmt.Errorf("%s: tensor %q: %d bytes for %d %s values", sf.path, name, e2-b, elems, e.DType)
	}
	return nil
}

// Names lists the tensors, sorted.
func (sf *File) Names() []string {
	out := make([]string, 0, len(sf.entries))
	for n := range sf.entries {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Entry returns name's header entry.
func (sf *File) Entry(name string) (Entry, bool) {
	e, ok := sf.entries[name]
	return e, ok
}

// Float32s reads tensor name as float32 values (F32 as stored; F64, F16
// and BF16 converted). Other dtypes and unknown names are errors.
func (sf *File) Float32s(name string) ([]float32, error) {
	e, ok := sf.entries[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", sf.path, name)
	}
	w, ok := itemSize[e.DType]
	if !ok {
		return nil, fmt.Errorf("%s: tensor %q is %s: only F64, F32, F16 and BF16 are read", sf.path, name, e.DType)
	}
	buf := make([]byte, e.Offsets[1]-e.Offsets[0])
	if _, err := sf.f.ReadAt(buf, sf.data+e.Offsets[0]); err != nil {
		return nil, fmt.Errorf("%s: tensor %q: %v", sf.path, name, err)
	}
	out := make([]float32, int64(len(buf))/w)
	for i := range out {
		p := buf[int64(i)*w:]
		switch e.DType {
		case "F64":
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(p)))
		case "F32":
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(p))
		case "F16":
			out[i] = half(binary.LittleEndian.Uint16(p))
		case "BF16":
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(p)) << 16)
		}
	}
	return out, nil
}

// half converts an IEEE 754 binary16 value to float32.
func half(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac * 2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// Close closes the file.
func (sf *File) Close() error { return sf.f.Close() }
