package native

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"math"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// The fuzz targets run native and TorchScript on the same inputs and fail
// on any disagreement. Seeds are in testdata/fuzz/<target>/; explore with
//
//	eval "$(./build.sh env)"
//	go test ./core/native -run '^$' -fuzz FuzzPreprocess -fuzztime 5m
//	go test ./core/native -run '^$' -fuzz FuzzPostprocess -fuzztime 5m

// fuzzStages picks a loadable model by name, or by the name's hash.
func fuzzStages(t *testing.T, model string) *stages {
	names := golden.Names()
	var all []*stages
	for _, n := range names {
		if s := loadStages(t, n); s != nil {
			if n == model {
				return s
			}
			all = append(all, s)
		}
	}
	if len(all) == 0 {
		t.Skip("no model loads")
	}
	h := fnv.New32a()
	h.Write([]byte(model))
	return all[int(h.Sum32()%uint32(len(all)))]
}

// fuzzInput makes an input for p from data: strings are the rows of data
// split at NUL bytes (any byte sequence, invalid UTF-8 included); numbers,
// dates and H3 ids are data's 8-byte words.
func fuzzInput(p Preprocessor, data []byte, alt bool) featurize.Input {
	words := func() []uint64 {
		var w []uint64
		for i := 0; i+8 <= len(data) && len(w) < 64*9; i += 8 {
			w = append(w, binary.LittleEndian.Uint64(data[i:]))
		}
		if len(w) == 0 {
			w = []uint64{0}
		}
		return w
	}
	switch p.(type) {
	case *numberPre:
		w := words()
		if alt {
			v := make([]int64, len(w))
			for i, x := range w {
				v[i] = int64(x)
			}
			t := tensor.FromInt64(v, int64(len(v)))
			return featurize.Input{Tensor: &t, Rows: len(v)}
		}
		v := make([]float64, len(w))
		for i, x := range w {
			v[i] = math.Float64frombits(x)
		}
		t := tensor.FromFloat64(v, int64(len(v)))
		return featurize.Input{Tensor: &t, Rows: len(v)}
	case *h3Pre:
		w := words()
		v := make([]int64, len(w))
		for i, x := range w {
			v[i] = int64(x)
		}
		t := tensor.FromInt64(v, int64(len(v)))
		return featurize.Input{Tensor: &t, Rows: len(v)}
	case datePre:
		w := words()
		for len(w)%9 != 0 {
			w = append(w, 0)
		}
		v := make([]int64, len(w))
		for i, x := range w {
			v[i] = int64(x)
		}
		t := tensor.FromInt64(v, int64(len(v)/9), 9)
		return featurize.Input{Tensor: &t, Rows: len(v) / 9}
	case *binaryPre:
		if alt {
			v := make([]byte, len(data)+1)
			for i, b := range data {
				v[i] = b & 1
			}
			t := tensor.Tensor{DType: tensor.Bool, Shape: []int64{int64(len(v))}, Data: v}
			return featurize.Input{Tensor: &t, Rows: len(v)}
		}
	}
	rows := bytes.Split(data, []byte{0})
	if len(rows) > 64 {
		rows = rows[:64]
	}
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = string(r)
	}
	return featurize.Input{Strings: s, Rows: len(s)}
}

func FuzzPreprocess(f *testing.F) {
	f.Add("tabular", uint8(1), []byte("Paris\x00 London \x00CAFÉ\x00\xff\x00nan\x00"))
	f.Add("text_category", uint8(0), []byte("Great product\x00CAFÉ crème\x00  LOVE   it  \x00None\x00\x00nan"))
	f.Add("timeseries_input", uint8(0), []byte("1e5x\x00 12\x000x1p3 inf nan\x001_000\x00-0 0X1A"))
	f.Add("set_bag_vector", uint8(2), []byte("1 2 3 4\x000x1p3 inf -0 \t5\x001e-400 1 1 1"))
	f.Add("regression", uint8(1), []byte("\x00\x00\x00\x00\x00\x00\xf8\x7f\x00\x00\x00\x00\x00\x00\xf0\x7f"))
	f.Add("tokenizers_v08", uint8(2), []byte("héllo wörld\x00\xe2\x80\xa8\x00a_b_c"))
	f.Fuzz(func(t *testing.T, model string, feature uint8, data []byte) {
		s := fuzzStages(t, model)
		var natives []Input
		for _, in := range s.plan.Inputs {
			if in.Pre != nil {
				natives = append(natives, in)
			}
		}
		if len(natives) == 0 {
			return
		}
		in := natives[int(feature&0x7f)%len(natives)]
		x := fuzzInput(in.Pre, data, feature&0x80 != 0)
		if _, err := s.checkPre(in.Name, x); err != nil {
			t.Fatalf("%s: input %q on %s: %v", s.name, in.Name, show(x), err)
		}
	})
}

func FuzzPostprocess(f *testing.F) {
	f.Add("tabular", []byte("\x01\x02\x03\x04\x05\x06\x07\x08"))
	f.Add("sequence_output", []byte("\x00\x00\x80\x3f\xff\xff\xff\xff\x00\x00\xc0\x7f"))
	f.Add("set_bag_vector", []byte("\x01\x00\x01\x01\x02\x00"))
	f.Add("number_norms", []byte("\x00\x00\x00\x43\x00\x00\x80\x7f\x00\x00\x80\xff"))
	f.Add("binary_yesno", []byte("\x01\x00\x00\x00\x00\x00\x00\x3f"))
	f.Fuzz(func(t *testing.T, model string, data []byte) {
		s := fuzzStages(t, model)
		tmpl := templates(t, s.name)
		if tmpl == nil || len(data) == 0 {
			return
		}
		rows := 1 + int(data[0])%16
		k := 0
		next := func(n int) []byte {
			out := make([]byte, n)
			for i := range out {
				out[i] = data[k%len(data)]
				k++
			}
			return out
		}
		predicted := map[string]tensor.Tensor{}
		for _, key := range sortedKeys(tmpl) {
			tt := tmpl[key]
			shape := append([]int64{int64(rows)}, tt.Shape[1:]...)
			n := 1
			for _, d := range shape {
				n *= int(d)
			}
			b := next(n * tt.DType.Size())
			if tt.DType == tensor.Bool {
				for i := range b {
					b[i] &= 1
				}
			}
			if tt.DType == tensor.Int64 {
				// small ids: around the vocabulary, negative included
				for i := 0; i+8 <= len(b); i += 8 {
					binary.LittleEndian.PutUint64(b[i:], uint64(int64(int8(b[i]))))
				}
			}
			predicted[key] = tensor.Tensor{DType: tt.DType, Shape: shape, Data: b}
		}
		if _, err := s.checkPost(predicted); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	})
}

func sortedKeys(m map[string]tensor.Tensor) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
