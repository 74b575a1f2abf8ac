// Package ptfile reads TorchScript archives (the .pt files torch.jit.save
// writes) without libtorch: the zip, the pickled module tree (data.pkl), the
// pickled constants (constants.pkl), the tensors they address (data/<n>) and
// the classes' printed code (code/__torch__/...py).
//
// An archive is a zip whose entries share one root folder. The reader takes
// only what TorchScript writes: pickle protocol 2-4 with a closed set of
// globals (__torch__.* classes, torch.<T>Storage, torch._utils
// ._rebuild_tensor_v2, torch.device, collections.OrderedDict,
// torch.jit._pickle.*), little-endian storages, and sizes within Limits. It
// runs nothing: a pickle global outside the set is an error naming it.
package ptfile

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Limits bound what reading one archive may allocate. docs/reliability.md
// lists the defaults.
type Limits struct {
	// MaxEntries is the most zip entries an archive may have.
	MaxEntries int
	// MaxEntryBytes is the largest uncompressed entry read.
	MaxEntryBytes int64
	// MaxTotalBytes is the most uncompressed bytes read from one archive.
	MaxTotalBytes int64
	// MaxPickleItems is the most values (stack pushes, list and dict
	// items, memo entries) one archive's pickles may create.
	MaxPickleItems int64
	// MaxPickleStack is the deepest the pickle stack may grow.
	MaxPickleStack int
}

// DefaultLimits fit every Ludwig export (the largest tensors are
// embeddings of a few hundred MB) with a wide margin.
var DefaultLimits = Limits{
	MaxEntries:     100000,
	MaxEntryBytes:  4 << 30,
	MaxTotalBytes:  8 << 30,
	MaxPickleItems: 20000000,
	MaxPickleStack: 100000,
}

// Archive is a read TorchScript archive.
type Archive struct {
	// Root is the zip's root folder ("inference_predictor-cpu", "archive").
	Root string
	// Version is the archive's format version (the "version" record).
	Version int64
	// Module is the root module: data.pkl's object.
	Module *Object
	// Constants are constants.pkl's values (CONSTANTS.c<n> in the code);
	// empty when the archive has none.
	Constants Tuple
	// Sources maps a code file's qualified name ("__torch__.ludwig.models.ecd"
	// for code/__torch__/ludwig/models/ecd.py) to its text.
	Sources map[string]string

	files map[string]*zip.File // by path below Root
	read  int64
	lim   Limits
	store map[string]*storage
}

// Open reads the archive at path.
func Open(p string, lim Limits) (*Archive, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return Read(data, lim)
}

// Read reads an archive held in memory (the tensors are copied out of it).
func Read(data []byte, lim Limits) (*Archive, error) { return read(data, lim, false) }

// OpenCode reads only the archive's printed code (Sources), not its pickles
// and tensors: what an op-set check needs.
func OpenCode(p string, lim Limits) (*Archive, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return read(data, lim, true)
}

func read(data []byte, lim Limits, codeOnly bool) (*Archive, error) {
	a, err := openArchive(data, lim)
	if err != nil {
		return nil, err
	}
	if err := a.readCode(); err != nil {
		return nil, err
	}
	if codeOnly {
		return a, nil
	}
	b := &budget{lim: lim}
	raw, err := a.entry("data.pkl")
	if err != nil {
		return nil, err
	}
	v, err := unpickle(raw, b, a.persistent("data"))
	if err != nil {
		return nil, fmt.Errorf("data.pkl: %w", err)
	}
	mod, ok := v.(*Object)
	if !ok {
		return nil, fmt.Errorf("data.pkl holds a %s, not a module", typeName(v))
	}
	a.Module = mod
	if _, ok := a.files["constants.pkl"]; ok {
		raw, err := a.entry("constants.pkl")
		if err != nil {
			return nil, err
		}
		v, err := unpickle(raw, b, a.persistent("constants"))
		if err != nil {
			return nil, fmt.Errorf("constants.pkl: %w", err)
		}
		t, ok := v.(Tuple)
		if !ok {
			return nil, fmt.Errorf("constants.pkl holds a %s, not a tuple", typeName(v))
		}
		a.Constants = t
	}
	return a, nil
}

// openArchive reads the zip directory of a torch zip archive (TorchScript
// or torch.save): the root folder of its data.pkl and the version and
// byteorder records.
func openArchive(data []byte, lim Limits) (*Archive, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not a TorchScript archive (zip): %v", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, fmt.Errorf("the archive has %d entries, more than %d (Limits.MaxEntries)", len(zr.File), lim.MaxEntries)
	}
	a := &Archive{files: map[string]*zip.File{}, lim: lim, store: map[string]*storage{}, Sources: map[string]string{}}
	for _, f := range zr.File {
		root, rest, ok := strings.Cut(f.Name, "/")
		if !ok || rest == "" {
			continue
		}
		if rest == "data.pkl" && a.Root == "" {
			a.Root = root
		}
		if _, dup := a.files[root+"/"+rest]; !dup {
			a.files[root+"/"+rest] = f
		}
	}
	if a.Root == "" {
		return nil, fmt.Errorf("not a TorchScript archive: no <root>/data.pkl entry")
	}
	// Keep only the root's entries, keyed below it.
	files := map[string]*zip.File{}
	prefix := a.Root + "/"
	for name, f := range a.files {
		if strings.HasPrefix(name, prefix) {
			files[strings.TrimPrefix(name, prefix)] = f
		}
	}
	a.files = files
	if err := a.readMeta(); err != nil {
		return nil, err
	}
	return a, nil
}

// entry reads the record name (a path below the root), within the limits.
func (a *Archive) entry(name string) ([]byte, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, fmt.Errorf("the archive has no %s", name)
	}
	if f.UncompressedSize64 > uint64(a.lim.MaxEntryBytes) {
		return nil, fmt.Errorf("%s: %d bytes, more than %d (Limits.MaxEntryBytes)", name, f.UncompressedSize64, a.lim.MaxEntryBytes)
	}
	if a.read+int64(f.UncompressedSize64) > a.lim.MaxTotalBytes {
		return nil, fmt.Errorf("%s: the archive's records exceed %d bytes (Limits.MaxTotalBytes)", name, a.lim.MaxTotalBytes)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	defer rc.Close()
	// Read at most the declared size plus one byte: a zip lying about its
	// size is an error, not an allocation.
	buf, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if uint64(len(buf)) != f.UncompressedSize64 {
		return nil, fmt.Errorf("%s: size does not match the zip directory", name)
	}
	a.read += int64(len(buf))
	return buf, nil
}

func (a *Archive) readMeta() error {
	raw, err := a.entry("version")
	if err != nil {
		if raw, err = a.entry(".data/version"); err != nil {
			return fmt.Errorf("not a TorchScript archive: %v", err)
		}
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		return fmt.Errorf("the archive's version record %q is not a number", truncate(string(raw), 40))
	}
	a.Version = v
	if _, ok := a.files["byteorder"]; ok {
		raw, err := a.entry("byteorder")
		if err != nil {
			return err
		}
		if bo := strings.TrimSpace(string(raw)); bo != "little" {
			return fmt.Errorf("the archive's byte order is %q: only little-endian archives are supported", truncate(bo, 20))
		}
	}
	return nil
}

// readCode reads every code/__torch__/...py record.
func (a *Archive) readCode() error {
	names := make([]string, 0)
	for name := range a.files {
		if strings.HasPrefix(name, "code/") && strings.HasSuffix(name, ".py") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := a.entry(name)
		if err != nil {
			return err
		}
		q := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(name, "code/"), ".py"), "/", ".")
		a.Sources[q] = string(raw)
	}
	return nil
}

// Has reports whether the archive has the record name (below the root).
func (a *Archive) Has(name string) bool { _, ok := a.files[name]; return ok }

// Entries lists the archive's record names below the root, sorted.
func (a *Archive) Entries() []string {
	out := make([]string, 0, len(a.files))
	for n := range a.files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// storage is one data/<key> record, read once.
type storage struct {
	dtype tensor.DType
	data  []byte
}

var storageDTypes = map[string]tensor.DType{
	"FloatStorage": tensor.Float32, "DoubleStorage": tensor.Float64, "LongStorage": tensor.Int64,
	"IntStorage": tensor.Int32, "ShortStorage": tensor.Int16, "CharStorage": tensor.Int8,
	"ByteStorage": tensor.Uint8, "BoolStorage": tensor.Bool,
}

// persistent resolves ('storage', torch.<T>Storage, key, location, numel)
// ids to storages in dir/<key> (torch 1.x writes data/, constants use
// constants/ in some versions; both are tried).
func (a *Archive) persistent(dir string) func(Tuple) (any, error) {
	return func(t Tuple) (any, error) {
		if len(t) != 5 || t[0] != "storage" {
			return nil, fmt.Errorf("unsupported persistent id (want ('storage', type, key, location, numel))")
		}
		g, ok := t[1].(global)
		key, ok2 := t[2].(string)
		numel, ok3 := t[4].(int64)
		if !ok || !ok2 || !ok3 || g.module != "torch" || numel < 0 {
			return nil, fmt.Errorf("malformed storage id")
		}
		dt, ok := storageDTypes[g.name]
		if !ok {
			return nil, fmt.Errorf("tensors of %s are not supported (float32, float64, int64, int32, int16, int8, uint8 and bool are)", g.name)
		}
		if s, ok := a.store[dir+"/"+key]; ok {
			if s.dtype != dt {
				return nil, fmt.Errorf("storage %s read as two dtypes", key)
			}
			return &storageRef{dtype: g.name, key: key, numel: numel, storage: s}, nil
		}
		name := path.Join(dir, key)
		if !a.Has(name) && dir == "constants" {
			name = path.Join("data", key)
		}
		raw, err := a.entry(name)
		if err != nil {
			return nil, err
		}
		if int64(len(raw)) < numel*int64(dt.Size()) || numel > a.lim.MaxEntryBytes {
			return nil, fmt.Errorf("storage %s: %d bytes for %d elements of %s", key, len(raw), numel, dt)
		}
		s := &storage{dtype: dt, data: raw[:numel*int64(dt.Size())]}
		a.store[dir+"/"+key] = s
		return &storageRef{dtype: g.name, key: key, numel: numel, storage: s}, nil
	}
}

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, offset, size,
// stride, requires_grad, backward_hooks[, metadata]): a contiguous copy of
// the strided view.
func rebuildTensor(a Tuple, b *budget) (tensor.Tensor, error) {
	var t tensor.Tensor
	if len(a) < 4 {
		return t, fmt.Errorf("_rebuild_tensor_v2 with %d arguments", len(a))
	}
	ref, ok := a[0].(*storageRef)
	off, ok2 := a[1].(int64)
	size, ok3 := intTuple(a[2])
	stride, ok4 := intTuple(a[3])
	if !ok || !ok2 || !ok3 || !ok4 || len(size) != len(stride) || off < 0 {
		return t, fmt.Errorf("malformed _rebuild_tensor_v2 arguments")
	}
	s := ref.storage
	n := int64(1)
	maxIdx := off
	for i, d := range size {
		if d < 0 || stride[i] < 0 {
			return t, fmt.Errorf("tensor with negative size or stride")
		}
		if d > 0 && n > (1<<40)/d {
			return t, fmt.Errorf("tensor of shape %v is too large", size)
		}
		n *= d
		if d > 0 {
			if stride[i] > (1<<40)/d {
				return t, fmt.Errorf("tensor stride %v is too large", stride)
			}
			maxIdx += (d - 1) * stride[i]
		}
	}
	es := int64(s.dtype.Size())
	if n > 0 && (maxIdx+1)*es > int64(len(s.data)) {
		return t, fmt.Errorf("tensor of shape %v (offset %d, stride %v) reads past its storage of %d elements", size, off, stride, int64(len(s.data))/es)
	}
	if err := b.take(n/64, "tensors"); err != nil {
		return t, err
	}
	out := make([]byte, n*es)
	if contiguous(size, stride) {
		copy(out, s.data[off*es:(off+n)*es])
	} else if n > 0 {
		idx := make([]int64, len(size))
		for i := int64(0); i < n; i++ {
			src := off
			for d := range idx {
				src += idx[d] * stride[d]
			}
			copy(out[i*es:(i+1)*es], s.data[src*es:(src+1)*es])
			for d := len(idx) - 1; d >= 0; d-- {
				idx[d]++
				if idx[d] < size[d] {
					break
				}
				idx[d] = 0
			}
		}
	}
	return tensor.Tensor{DType: s.dtype, Shape: size, Data: out}, nil
}

// contiguous reports whether stride is size's row-major stride.
func contiguous(size, stride []int64) bool {
	want := int64(1)
	for i := len(size) - 1; i >= 0; i-- {
		if size[i] != 1 && stride[i] != want {
			return false
		}
		want *= size[i]
	}
	return true
}

func intTuple(v any) ([]int64, bool) {
	t, ok := v.(Tuple)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
