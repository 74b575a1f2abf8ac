package core_test

// Hostile inputs: model files that are not what they claim, metadata that
// contradicts the modules, and requests past the documented limits
// (core/limits.go). Every case must end in a clear error (or, for
// contradicting metadata, a warning) quickly, without a crash, a hang or an
// unbounded allocation. Fixtures: core/testdata/hostile (gen.py makes them).

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

var tabularFiles = []string{"inference_preprocessor.pt", "inference_predictor-cpu.pt", "inference_postprocessor.pt",
	"model_hyperparameters.json", "training_set_metadata.json"}

// hostileExport copies the tabular export into a temp dir, leaving out the
// files in skip.
func hostileExport(t *testing.T, skip ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range tabularFiles {
		if contains(skip, f) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(golden.ModelDir("tabular"), f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	return dir
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// loadWithin loads dir, failing the test if Load takes longer than d (a
// hang on a FIFO, an endless read).
func loadWithin(t *testing.T, dir string, d time.Duration) (*core.Model, error) {
	t.Helper()
	type res struct {
		m   *core.Model
		err error
	}
	ch := make(chan res, 1)
	go func() {
		m, err := core.Load(dir, core.LoadOptions{})
		ch <- res{m, err}
	}()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-time.After(d):
		t.Fatalf("Load(%s) did not return within %v", dir, d)
		return nil, nil
	}
}

func wantCode(t *testing.T, err error, code status.Code, contains ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code.String(), status.CodeOf(err).String(), err.Error())
	for _, c := range contains {
		assert.Contains(t, err.Error(), c)
	}
}

// zipOf builds a zip archive of the given entries (deflated when deflate).
func zipOf(t *testing.T, deflate bool, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, b := range entries {
		m := zip.Store
		if deflate {
			m = zip.Deflate
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: m})
		require.NoError(t, err)
		_, err = f.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// lyingZip is a stored entry whose headers claim size bytes (libtorch would
// allocate the claim before reading).
func lyingZip(t *testing.T, size uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range []string{"m/data.pkl", "m/code/__torch__.py"} {
		f, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CompressedSize64: 4, UncompressedSize64: size, CRC32: 0})
		require.NoError(t, err)
		_, err = f.Write([]byte("abcd"))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// TestHostileModelFiles replaces the predictor of a good export with files
// that are not TorchScript archives: each is a clear LI_ERR_MODEL, fast.
func TestHostileModelFiles(t *testing.T) {
	pred, err := os.ReadFile(filepath.Join(golden.ModelDir("tabular"), "inference_predictor-cpu.pt"))
	require.NoError(t, err)
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "hostile", name))
		require.NoError(t, err)
		return b
	}
	const target = "inference_predictor-cpu.pt"
	cases := []struct {
		name  string
		make  func(t *testing.T, path string)
		wants []string
	}{
		{"zero-byte", func(t *testing.T, p string) { write(t, p, nil) }, []string{"not a TorchScript archive"}},
		{"truncated", func(t *testing.T, p string) { write(t, p, pred[:len(pred)/3]) }, []string{"not a TorchScript archive"}},
		{"truncated tail", func(t *testing.T, p string) { write(t, p, pred[:len(pred)-10]) }, []string{"not a TorchScript archive"}},
		{"text", func(t *testing.T, p string) { write(t, p, []byte("hello, I am not a model")) }, []string{"not a TorchScript archive"}},
		{"wrong zip", func(t *testing.T, p string) {
			write(t, p, zipOf(t, true, map[string][]byte{"readme.txt": []byte("hi"), "img/a.png": {1, 2, 3}}))
		}, []string{"without data.pkl is not a TorchScript archive"}},
		{"torch.save archive", func(t *testing.T, p string) {
			write(t, p, zipOf(t, false, map[string][]byte{"archive/data.pkl": {0x80, 2}, "archive/data/0": make([]byte, 16)}))
		}, []string{"no code/ folder"}},
		{"zip bomb", func(t *testing.T, p string) {
			write(t, p, zipOf(t, true, map[string][]byte{"m/data.pkl": make([]byte, 64<<20), "m/code/x.py": []byte("x")}))
		}, []string{"MaxArchiveRatio", "zip bomb"}},
		{"lying sizes", func(t *testing.T, p string) { write(t, p, lyingZip(t, 1<<40)) }, []string{"MaxArchiveBytes"}},
		{"directory", func(t *testing.T, p string) { require.NoError(t, os.Mkdir(p, 0o755)) }, []string{"not a regular file"}},
		{"fifo", func(t *testing.T, p string) { require.NoError(t, syscall.Mkfifo(p, 0o644)) }, []string{"not a regular file"}},
		{"/dev/zero", func(t *testing.T, p string) { require.NoError(t, os.Symlink("/dev/zero", p)) }, []string{"not a regular file"}},
		{"symlink loop", func(t *testing.T, p string) {
			require.NoError(t, os.Symlink(p+".b", p))
			require.NoError(t, os.Symlink(p, p+".b"))
		}, []string{"too many levels of symbolic links"}},
		{"dangling symlink", func(t *testing.T, p string) { require.NoError(t, os.Symlink(p+".missing", p)) }, []string{"no such file"}},
		{"tensor forward", func(t *testing.T, p string) { write(t, p, fixture("tensor_forward.pt")) }, []string{"not a dict", "not a stage of a Ludwig export"}},
		{"no input", func(t *testing.T, p string) { write(t, p, fixture("no_input.pt")) }, []string{"forward takes no input"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := hostileExport(t, target)
			path := filepath.Join(dir, target)
			c.make(t, path)
			start := time.Now()
			m, err := loadWithin(t, dir, 30*time.Second)
			if m != nil {
				m.Close()
			}
			wantCode(t, err, status.Model, append([]string{path}, c.wants...)...)
			assert.Less(t, time.Since(start), 10*time.Second)
		})
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// TestHostileStages puts modules of the wrong shape in a stage's place: Load
// or the first call fails with a clear status, and a forward that raises is
// an LI_ERR_RUNTIME carrying the module's message.
func TestHostileStages(t *testing.T) {
	req := []byte(`{"Age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`)
	cases := []struct {
		stage, fixture string
		code           status.Code
		wants          []string
	}{
		{"inference_preprocessor.pt", "tensor_dict.pt", status.Runtime, []string{"preprocessor failed", "Expected Tensor but got GenericList"}},
		{"inference_preprocessor.pt", "raises.pt", status.Runtime, []string{"hostile fixture: forward always fails"}},
		{"inference_preprocessor.pt", "tensor_forward.pt", status.Model, []string{"not a dict"}},
		{"inference_postprocessor.pt", "returns_list.pt", status.Model, []string{"postprocessor"}},
	}
	for _, c := range cases {
		t.Run(c.stage+"="+c.fixture, func(t *testing.T) {
			dir := hostileExport(t, c.stage)
			b, err := os.ReadFile(filepath.Join("testdata", "hostile", c.fixture))
			require.NoError(t, err)
			write(t, filepath.Join(dir, c.stage), b)
			m, err := loadWithin(t, dir, 30*time.Second)
			if err != nil {
				wantCode(t, err, c.code, c.wants...)
				return
			}
			defer m.Close()
			if c.fixture == "tensor_dict.pt" {
				assert.Contains(t, strings.Join(m.Info().Warnings, "\n"), `input feature "city" (category) of model_hyperparameters.json is passed as List[str]: calls will fail`)
			}
			_, err = m.Infer(context.Background(), core.Request{JSON: req}, core.DefaultInferOptions())
			wantCode(t, err, c.code, c.wants...)
		})
	}
}

// editJSON rewrites a JSON object file of an export through f.
func editJSON(t *testing.T, dir, file string, f func(map[string]any)) {
	p := filepath.Join(dir, file)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	f(m)
	b, err = json.Marshal(m)
	require.NoError(t, err)
	write(t, p, b)
}

// TestHostileMetadata: JSON files that contradict the modules. The modules
// win, and model info says so in its warnings.
func TestHostileMetadata(t *testing.T) {
	req := []byte(`{"Age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`)
	edit := editJSON
	t.Run("more labels than probabilities", func(t *testing.T) {
		dir := hostileExport(t)
		edit(t, dir, "training_set_metadata.json", func(m map[string]any) {
			plan := m["plan"].(map[string]any)
			plan["idx2str"] = append(plan["idx2str"].([]any), "extra1", "extra2")
		})
		m, err := core.Load(dir, core.LoadOptions{})
		require.NoError(t, err)
		defer m.Close()
		assert.Contains(t, strings.Join(m.Info().Warnings, "\n"), `output feature "plan": training_set_metadata.json has 6 labels but the postprocessor's probabilities have 4 columns`)
		out := infer(t, m, req, core.InferOptions{Form: 2})
		// The module wins: 4 probability columns, named by the first 4 labels.
		n := 0
		for k := range out {
			if strings.HasPrefix(k, "plan_probabilities_") {
				n++
			}
		}
		assert.Equal(t, 4, n, out)
	})
	t.Run("fewer labels than probabilities", func(t *testing.T) {
		dir := hostileExport(t)
		edit(t, dir, "training_set_metadata.json", func(m map[string]any) {
			plan := m["plan"].(map[string]any)
			plan["idx2str"] = plan["idx2str"].([]any)[:2]
		})
		m, err := core.Load(dir, core.LoadOptions{})
		require.NoError(t, err)
		defer m.Close()
		assert.Contains(t, strings.Join(m.Info().Warnings, "\n"), "has 2 labels but the postprocessor's probabilities have 4 columns")
		out := infer(t, m, req, core.InferOptions{Form: 2})
		assert.Contains(t, out, "plan_probabilities_3") // past the labels: by index
	})
	t.Run("output the postprocessor does not produce", func(t *testing.T) {
		dir := hostileExport(t)
		edit(t, dir, "model_hyperparameters.json", func(m map[string]any) {
			m["output_features"].([]any)[0].(map[string]any)["name"] = "tier"
		})
		m, err := core.Load(dir, core.LoadOptions{})
		require.NoError(t, err)
		defer m.Close()
		w := strings.Join(m.Info().Warnings, "\n")
		assert.Contains(t, w, `output feature "tier" of model_hyperparameters.json is not among the postprocessor's outputs`)
		assert.Contains(t, w, `the postprocessor returns feature "plan", which model_hyperparameters.json does not list`)
		out := infer(t, m, req, core.DefaultInferOptions())
		assert.Contains(t, out, "plan_predictions") // the module wins
	})
	t.Run("input the preprocessor does not take", func(t *testing.T) {
		dir := hostileExport(t)
		edit(t, dir, "model_hyperparameters.json", func(m map[string]any) {
			f := m["input_features"].([]any)[1].(map[string]any)
			f["name"], f["column"] = "town", "town"
		})
		m, err := core.Load(dir, core.LoadOptions{})
		require.NoError(t, err)
		defer m.Close()
		assert.Contains(t, strings.Join(m.Info().Warnings, "\n"), "warm-up failed")
		_, err = m.Infer(context.Background(), core.Request{JSON: []byte(`{"Age": [34], "town": ["Paris"], "member": [true], "cell": [617703466028236799]}`)}, core.DefaultInferOptions())
		wantCode(t, err, status.Runtime, "preprocessor failed")
	})
	t.Run("malformed JSON files", func(t *testing.T) {
		for _, f := range []string{"model_hyperparameters.json", "training_set_metadata.json"} {
			dir := hostileExport(t)
			write(t, filepath.Join(dir, f), []byte(`{"input_features": [`))
			_, err := loadWithin(t, dir, 30*time.Second)
			wantCode(t, err, status.Model, f)
		}
	})
	t.Run("JSON files that never end", func(t *testing.T) {
		for _, f := range []string{"model_hyperparameters.json", "training_set_metadata.json"} {
			dir := hostileExport(t, f)
			require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, f)))
			_, err := loadWithin(t, dir, 30*time.Second)
			wantCode(t, err, status.Model, f, "not a regular file")
			dir = hostileExport(t, f)
			require.NoError(t, syscall.Mkfifo(filepath.Join(dir, f), 0o644))
			_, err = loadWithin(t, dir, 30*time.Second)
			wantCode(t, err, status.Model, f, "not a regular file")
		}
	})
}

// TestRequestLimits: requests past each documented limit fail with an
// LI_ERR_INPUT naming it, without allocating in proportion to the excess.
func TestRequestLimits(t *testing.T) {
	m := load(t, "tabular")
	run := func(req core.Request) error {
		_, err := m.Infer(context.Background(), req, core.DefaultInferOptions())
		return err
	}
	// Not touched: the length check comes first, so these pages are never
	// faulted in.
	huge := make([]byte, core.MaxRequestBytes+1)
	wantCode(t, run(core.Request{JSON: huge}), status.Input, "MaxRequestBytes")

	deep := strings.Repeat("[", core.MaxJSONDepth+2) + strings.Repeat("]", core.MaxJSONDepth+2)
	wantCode(t, run(core.Request{JSON: []byte(deep)}), status.Input, "nested deeper than 64")

	long := `{"city": ["` + strings.Repeat("x", core.MaxStringBytes+1) + `"]}`
	wantCode(t, run(core.Request{JSON: []byte(long)}), status.Input, "MaxStringBytes")
	longKey := `{"` + strings.Repeat("k", core.MaxStringBytes+1) + `": [1]}`
	wantCode(t, run(core.Request{JSON: []byte(longKey)}), status.Input, "MaxStringBytes")

	rows := `{"Age": [` + strings.Repeat("1,", core.MaxRows) + `1]}`
	wantCode(t, run(core.Request{JSON: []byte(rows)}), status.Input, "MaxRows")

	// Records with a new key each: few values, columns x rows cells.
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 3000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"k%d": 1}`, i)
	}
	b.WriteString("]")
	wantCode(t, run(core.Request{JSON: []byte(b.String())}), status.Input, "MaxJSONValues")
	b.Reset()
	b.WriteString(`{"columns": [`)
	for i := 0; i < 3000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"c%d"`, i)
	}
	b.WriteString(`], "data": [` + strings.Repeat("[],", 2999) + `[]]}`)
	wantCode(t, run(core.Request{JSON: []byte(b.String())}), status.Input, "MaxJSONValues")

	ts := make([]core.NamedTensor, core.MaxTensors+1)
	for i := range ts {
		ts[i] = core.NamedTensor{Name: "Age", Tensor: tensor.FromFloat64([]float64{1}, 1)}
	}
	wantCode(t, run(core.Request{Tensors: ts}), status.Input, "MaxTensors")

	big := core.NamedTensor{Name: "Age", Tensor: tensor.Tensor{DType: tensor.Uint8, Shape: []int64{1 << 16, 1 << 15}, Data: []byte{1}}}
	wantCode(t, run(core.Request{Tensors: []core.NamedTensor{big}}), status.Input, "MaxTensorElements")
	tall := core.NamedTensor{Name: "Age", Tensor: tensor.Tensor{DType: tensor.Uint8, Shape: []int64{core.MaxRows + 1}, Data: make([]byte, core.MaxRows+1)}}
	wantCode(t, run(core.Request{Tensors: []core.NamedTensor{tall}}), status.Input, "MaxRows")
	// A shape whose byte count overflows int64 (found by FuzzFromTensors).
	wrap := core.NamedTensor{Name: "Age", Tensor: tensor.Tensor{DType: tensor.Float32, Shape: []int64{2, 1<<61 + 1}, Data: make([]byte, 8)}}
	wantCode(t, run(core.Request{Tensors: []core.NamedTensor{wrap}}), status.Input)

	// Still serving after all of that.
	_, err := m.Infer(context.Background(), core.Request{JSON: []byte(`{"Age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`)}, core.DefaultInferOptions())
	require.NoError(t, err)
}

// TestRequestLimitValues fills a request with MaxJSONValues+1 values. It
// decodes about 1 GiB before the limit stops it, so it runs only when
// LI_RELIABILITY_LONG is set (tests/reliability/run.sh --long).
func TestRequestLimitValues(t *testing.T) {
	if os.Getenv("LI_RELIABILITY_LONG") == "" {
		t.Skip("set LI_RELIABILITY_LONG=1 to decode a request of 8 million values")
	}
	m := load(t, "tabular")
	req := `{"Age": [[` + strings.Repeat("1,", core.MaxJSONValues) + `1]]}`
	_, err := m.Infer(context.Background(), core.Request{JSON: []byte(req)}, core.DefaultInferOptions())
	wantCode(t, err, status.Input, "MaxJSONValues")
}

// pngClaiming is a valid 1x1 PNG whose header claims w x h pixels.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))))
	b := buf.Bytes()
	// IHDR: 8-byte signature, 4-byte length, "IHDR", width, height, ...
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// TestHostileMedia: an image that claims more than MaxImagePixels, and media
// paths that are not regular files, are clear input errors.
func TestHostileMedia(t *testing.T) {
	if _, err := os.Stat(golden.ModelDir("image_input")); err != nil {
		t.Skip("no image_input test model")
	}
	m := load(t, "image_input")
	run := func(v string) error {
		js, _ := json.Marshal(map[string][]string{"photo": {v}})
		_, err := m.Infer(context.Background(), core.Request{JSON: js}, core.DefaultInferOptions())
		return err
	}
	bomb := "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngClaiming(t, 1<<16, 1<<16))
	wantCode(t, run(bomb), status.Input, "photo")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.png")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	done := make(chan error, 1)
	go func() { done <- run(fifo) }()
	select {
	case err := <-done:
		wantCode(t, err, status.Input, "not a regular file")
	case <-time.After(20 * time.Second):
		t.Fatal("a FIFO image path blocked the call")
	}
	wantCode(t, run("/dev/zero"), status.Input, "not a regular file")
	loop := filepath.Join(dir, "loop.png")
	require.NoError(t, os.Symlink(loop, loop))
	wantCode(t, run(loop), status.Input, "photo")
}

// TestHostileRequests: odd but well-formed values. Each is answered (valid
// JSON, no NaN) or refused with a clear status; none crashes or poisons.
func TestHostileRequests(t *testing.T) {
	m := load(t, "tabular")
	for _, c := range []struct {
		req  string
		code status.Code
	}{
		{`{"Age": [1e400], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`, status.OK},
		{`{"Age": ["NaN"], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`, status.OK},
		{`{"Age": [34], "city": ["\u0000\ud800\udfff"], "member": [true], "cell": [617703466028236799]}`, status.OK},
		{"{\"Age\": [34], \"city\": [\"\xff\xfe\"], \"member\": [true], \"cell\": [617703466028236799]}", status.OK},
		{`{"Age": [34], "city": ["Paris"], "member": [true], "cell": [-1]}`, status.OK},
		{`{"Age": [34], "city": ["Paris"], "member": [true], "cell": [99999999999999999999]}`, status.Input},
		{`{"Age": [[34]], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`, status.Input},
		{`{"Age": [{"a": 1}], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`, status.Input},
		{`{"Age": [], "city": [], "member": [], "cell": []}`, status.Input},
		{`{"Age": [1, 2], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`, status.Input},
		{`[{"Age": 1}, 5]`, status.Input},
		{`{"columns": ["Age"], "data": [[1, 2]]}`, status.Input},
		{`null`, status.Input},
		{``, status.Input},
	} {
		res, err := m.Infer(context.Background(), core.Request{JSON: []byte(c.req)}, core.InferOptions{Form: 2})
		if c.code == status.OK {
			if !assert.NoError(t, err, c.req) {
				continue
			}
			assert.True(t, json.Valid(res.JSON), "%s -> %s", c.req, res.JSON)
			assert.NotContains(t, string(res.JSON), "NaN", c.req)
			continue
		}
		wantCode(t, err, c.code)
	}
}

// FuzzInfer sends arbitrary bytes through every stage of the tabular model:
// no panic, no crash in libtorch, only the statuses a bad request may give,
// and valid JSON when it succeeds. Seeds: testdata/fuzz/FuzzInfer.
func FuzzInfer(f *testing.F) {
	g, err := golden.Load("tabular")
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range g.Cases {
		f.Add(uint8(0), []byte(c.Request))
	}
	f.Add(uint8(1), []byte(`[{"Age": 34, "city": "Paris", "member": true, "cell": 617703466028236799}]`))
	f.Add(uint8(2), []byte(`{"columns": ["Age", "city", "member", "cell"], "data": [[34, "Paris", true, 617703466028236799]]}`))
	f.Add(uint8(6), []byte(`{"age": {"dtype": "float32", "shape": [1], "data": [0.5]}, "city": {"dtype": "int32", "shape": [1], "data": [1]}, "member": {"dtype": "float32", "shape": [1], "data": [1]}, "cell": {"dtype": "uint8", "shape": [1, 19], "data": [1,0,9,20,1,4,0,3,6,2,5,1,0,7,7,7,7,7,7]}}`))
	f.Add(uint8(11), []byte(`{"plan::predictions": {"dtype": "int64", "shape": [1], "data": [2]}, "plan::probabilities": {"dtype": "float32", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}, "plan::logits": {"dtype": "float32", "shape": [1, 4], "data": [1, 2, 3, 4]}}`))
	m, err := core.Load(golden.ModelDir("tabular"), core.LoadOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sel uint8, req []byte) {
		opts := core.InferOptions{Stage: core.Stage(sel / 3 % 4), Form: response.Form(sel % 3), TensorOutputs: sel&0x80 != 0}
		res, err := m.Infer(context.Background(), core.Request{JSON: req}, opts)
		if err != nil {
			switch status.CodeOf(err) {
			case status.Input, status.InvalidArgument, status.Runtime:
			default:
				t.Fatalf("stage %v: %v: %v", opts.Stage, status.CodeOf(err), err)
			}
			return
		}
		if !json.Valid(res.JSON) {
			t.Fatalf("invalid JSON response %q", res.JSON)
		}
		for _, x := range res.Tensors {
			if err := x.Validate(); err != nil {
				t.Fatalf("tensor %q: %v", x.Name, err)
			}
		}
	})
}
