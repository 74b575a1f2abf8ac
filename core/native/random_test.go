package native

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// gen makes random inputs biased towards the cases where byte-wise
// TorchScript and Go could part: white space TorchScript does not strip,
// non-ASCII and invalid UTF-8, unknown and special tokens, texts past
// max_sequence_length, number spellings only strtod accepts (or only a
// prefix of), NaN, infinities, huge and subnormal values, integers above
// 2^53.
type gen struct{ r *rand.Rand }

func (g gen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

// odd are strings that stress byte-wise semantics.
var odd = []string{
	"", " ", "nan", "None", "NaN", "\t", "\r", "\n", "\v", "\f", "\x1c", "\x85", "\u0085", "\u2028", "\u2029",
	"é", "É", "ß", "日本", "\xff", "\xc3", "\xe2\x80", "İ", "ǅ", "\x00", "_", ",", ".", "!", "?", "-", "'", "\"",
	"<UNK>", "<PAD>", "<SOS>", "<EOS>", "CAFÉ", "crème", "\u00a0", "\ufeff", "ＡＢＣ",
}

var spaces = []string{" ", "  ", "\t", "\n", "\r", "\v", "\f", "\u00a0", "\u2028", "\x85", ""}

func (g gen) case_(s string) string {
	switch g.r.Intn(4) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		b := []byte(s)
		for i := range b {
			if g.r.Intn(2) == 0 && b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
			}
		}
		return string(b)
	}
	return s
}

// token is a vocabulary word (perhaps mutated), an odd string or noise.
func (g gen) token(vocab []string) string {
	switch n := g.r.Intn(10); {
	case n < 5 && len(vocab) > 0:
		return g.case_(vocab[g.r.Intn(len(vocab))])
	case n < 7:
		return odd[g.r.Intn(len(odd))]
	case n < 8:
		return fmt.Sprint(g.r.Intn(1000))
	default:
		b := make([]byte, 1+g.r.Intn(6))
		for i := range b {
			b[i] = byte(g.r.Intn(256))
		}
		return string(b)
	}
}

func (g gen) text(vocab []string, seps []string, maxTokens int) string {
	switch g.r.Intn(12) {
	case 0:
		return "nan"
	case 1:
		return ""
	}
	n := g.r.Intn(maxTokens + 1)
	var b strings.Builder
	if g.r.Intn(4) == 0 {
		b.WriteString(g.pick(spaces...))
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(g.pick(seps...))
		}
		b.WriteString(g.token(vocab))
	}
	if g.r.Intn(4) == 0 {
		b.WriteString(g.pick(spaces...))
	}
	return b.String()
}

// number spells a float the many ways strtod reads (and some it reads only
// a prefix of, or not at all).
func (g gen) number() string {
	x := g.r.NormFloat64() * math.Pow(10, float64(g.r.Intn(12)-6))
	switch g.r.Intn(24) {
	case 0:
		return g.pick("inf", "-inf", "Infinity", "INF", "+inf", "nan", "-nan", "NaN", "nan(1)", "nan(")
	case 1:
		return g.pick("1e5x", "12 ", " 12", "\t7", "1_000", "0x1p3", "0X1A", "0x.8", "0x", "1e", "1e+", ".", "+.5", "5.", "--1", "1e400", "1e-400", "4.9e-324", "2.2250738585072012e-308", "0x1p-1074", "3.4028236e38", "1e39", "-0", "1,5", "١")
	case 2:
		return fmt.Sprintf("%x", x)
	case 3:
		return fmt.Sprintf("%e", x)
	case 4:
		return fmt.Sprint(g.r.Int63() - g.r.Int63())
	case 5:
		return fmt.Sprintf("%.30f", x)
	}
	return fmt.Sprint(x)
}

func (g gen) float() float64 {
	switch g.r.Intn(16) {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(1 - 2*g.r.Intn(2))
	case 2:
		return []float64{0, math.Copysign(0, -1), 5e-324, 1e-40, 1e-320, math.MaxFloat32, 3.4028236e38, 1e39, -1e39, 1e300, -1, -0.999999, 1e38, 1.1e38, 88.7228317, 88.72284, -16.7}[g.r.Intn(17)]
	case 3:
		return float64(g.r.Int63() - g.r.Int63())
	}
	return g.r.NormFloat64() * math.Pow(10, float64(g.r.Intn(8)-2))
}

func (g gen) int64() int64 {
	switch g.r.Intn(6) {
	case 0:
		return []int64{math.MaxInt64, math.MinInt64, 1<<53 + 1, -(1<<53 + 1), 16777217, 1 << 31, -(1 << 31) - 1, 0}[g.r.Intn(8)]
	case 1:
		return g.r.Int63() - g.r.Int63()
	}
	return int64(g.r.Intn(400) - 200)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func separators(t Tokenizer) []string {
	seps := []string{" ", "  ", "\t", ",", ", ", "_", "-", ".", "é", "\xe2\x80\xa8"}
	if s, ok := t.(splitTokenizer); ok {
		seps = append(seps, s.sep, s.sep, s.sep, s.sep+s.sep)
	}
	return seps
}

func (g gen) strings(rows int, f func() string) featurize.Input {
	s := make([]string, rows)
	for i := range s {
		s[i] = f()
	}
	return featurize.Input{Strings: s, Rows: rows}
}

// floatTensor makes a tensor of dtype from random floats.
func (g gen) floatTensor(dtype tensor.DType, shape ...int64) tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	w := tensor.NewWriter(dtype, n)
	for i := 0; i < n; i++ {
		if dtype.IsInteger() {
			v := g.int64()
			w.Put(i, float64(v), v, true)
		} else {
			w.Put(i, g.float(), 0, false)
		}
	}
	return tensor.Tensor{DType: dtype, Shape: shape, Data: w.Bytes()}
}

// input makes rows random values for a native preprocessor.
func (g gen) input(p Preprocessor, rows int) featurize.Input {
	switch x := p.(type) {
	case *binaryPre:
		if g.r.Intn(4) == 0 {
			dt := []tensor.DType{tensor.Bool, tensor.Float64, tensor.Int64, tensor.Float32, tensor.Uint8}[g.r.Intn(5)]
			t := g.floatTensor(dt, int64(rows))
			return featurize.Input{Tensor: &t, Rows: rows}
		}
		vocab := append(keys(x.str2bool), "yes", "Yes", "y", "true", "True", "t", "1", "1.0", "0", "no", "False", "N")
		return g.strings(rows, func() string {
			s := g.token(vocab)
			if g.r.Intn(3) == 0 {
				s = g.pick(spaces...) + s + g.pick(spaces...)
			}
			return s
		})
	case *numberPre:
		dt := []tensor.DType{tensor.Float64, tensor.Float64, tensor.Int64, tensor.Float32, tensor.Int32}[g.r.Intn(5)]
		t := g.floatTensor(dt, int64(rows))
		if x.outlier != nil && dt == tensor.Float64 {
			// values near the outlier threshold
			for i := 0; i < rows; i++ {
				if g.r.Intn(2) == 0 {
					k := float64(x.outlier.threshold) * (1 + (g.r.Float64()-0.5)*1e-6)
					v := float64(x.outlier.mu) + float64(x.outlier.sigma)*k*float64(1-2*g.r.Intn(2))
					w := tensor.NewWriter(tensor.Float64, 1)
					w.Put(0, v, 0, false)
					copy(t.Data[8*i:], w.Bytes())
				}
			}
		}
		return featurize.Input{Tensor: &t, Rows: rows}
	case *categoryPre:
		vocab := keys(x.str2idx)
		return g.strings(rows, func() string {
			s := g.token(vocab)
			if g.r.Intn(3) == 0 {
				s = g.pick(spaces...) + s + g.pick(spaces...)
			}
			return s
		})
	case *setPre:
		vocab, seps := keys(x.ids), separators(x.tok)
		return g.strings(rows, func() string { return g.text(vocab, seps, 12) })
	case *sequencePre:
		vocab, seps := keys(x.ids), separators(x.tok)
		return g.strings(rows, func() string { return g.text(vocab, seps, 2*x.maxLen+4) })
	case vectorPre:
		if g.r.Intn(4) == 0 {
			dt := []tensor.DType{tensor.Float32, tensor.Float64}[g.r.Intn(2)]
			t := g.floatTensor(dt, int64(rows), 4)
			return featurize.Input{Tensor: &t, Rows: rows}
		}
		d := 1 + g.r.Intn(5)
		return g.strings(rows, func() string {
			n := d
			if g.r.Intn(40) == 0 {
				n = g.r.Intn(6)
			}
			parts := make([]string, n)
			for i := range parts {
				parts[i] = g.number()
				if g.r.Intn(3) != 0 {
					parts[i] = fmt.Sprint(g.r.NormFloat64())
				}
			}
			sep := g.pick(" ", " ", "  ", "\t", "\x1c", "\u2028", "\x85", "\r\n")
			return g.pick("", " ") + strings.Join(parts, sep) + g.pick("", " ", "\n")
		})
	case *timeseriesPre:
		seps := separators(x.tok)
		return g.strings(rows, func() string {
			switch g.r.Intn(10) {
			case 0:
				return "nan"
			case 1:
				return ""
			}
			n := g.r.Intn(2*x.maxLen + 3)
			parts := make([]string, n)
			for i := range parts {
				if g.r.Intn(4) == 0 {
					parts[i] = g.number()
				} else {
					parts[i] = fmt.Sprint(math.Round(g.r.NormFloat64()*100) / 100)
				}
			}
			sep := seps[0]
			if s, ok := x.tok.(splitTokenizer); ok && g.r.Intn(3) != 0 {
				sep = s.sep
			}
			return strings.Join(parts, sep)
		})
	case datePre:
		if g.r.Intn(3) == 0 {
			ts := make([]tensor.Tensor, rows)
			for i := range ts {
				ts[i] = g.floatTensor(tensor.Int64, 9)
			}
			return featurize.Input{Tensors: ts, Rows: rows}
		}
		dt := []tensor.DType{tensor.Int64, tensor.Int32, tensor.Int16}[g.r.Intn(3)]
		t := g.floatTensor(dt, int64(rows), 9)
		return featurize.Input{Tensor: &t, Rows: rows}
	case *h3Pre:
		v := make([]int64, rows)
		for i := range v {
			v[i] = g.int64()
			if g.r.Intn(2) == 0 {
				v[i] = int64(uint64(g.r.Intn(16))<<59 | uint64(g.r.Intn(8))<<56 | uint64(g.r.Intn(16))<<52 | uint64(g.r.Int63())&(1<<52-1))
			}
		}
		t := tensor.FromInt64(v, int64(rows))
		return featurize.Input{Tensor: &t, Rows: rows}
	}
	return featurize.Input{}
}

// randomPredicted fills tensors shaped like template (a golden case's
// predictor outputs) with random values of the same dtypes and inner shapes.
func (g gen) randomPredicted(template map[string]tensor.Tensor, rows int) map[string]tensor.Tensor {
	out := map[string]tensor.Tensor{}
	for k, t := range template {
		shape := append([]int64{int64(rows)}, t.Shape[1:]...)
		n := 1
		for _, d := range shape {
			n *= int(d)
		}
		w := tensor.NewWriter(t.DType, n)
		width := int64(1)
		if len(t.Shape) > 1 {
			width = t.Shape[len(t.Shape)-1]
		}
		for i := 0; i < n; i++ {
			switch {
			case t.DType == tensor.Bool:
				w.Put(i, float64(g.r.Intn(2)), 0, false)
			case t.DType.IsInteger():
				v := int64(g.r.Intn(int(width)+8) - 4)
				if strings.HasSuffix(k, "::predictions") && len(t.Shape) == 2 && g.r.Intn(3) != 0 {
					v = int64(g.r.Intn(2)) // set predictions are 0/1
				}
				w.Put(i, float64(v), v, true)
			default:
				if g.r.Intn(8) == 0 {
					w.Put(i, g.float(), 0, false)
				} else {
					w.Put(i, g.r.Float64(), 0, false)
				}
			}
		}
		out[k] = tensor.Tensor{DType: t.DType, Shape: shape, Data: w.Bytes()}
	}
	return out
}

func templates(t testing.TB, model string) map[string]tensor.Tensor {
	g, err := golden.Load(model)
	if err != nil || len(g.Cases) == 0 {
		return nil
	}
	out := map[string]tensor.Tensor{}
	for k, gt := range g.Cases[0].Predicted {
		tt, err := goldenTensor(gt)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = tt
	}
	return out
}

// TestRandom runs random inputs through every native module and its
// scripted twin (a quick pass; `go test -fuzz` explores further).
func TestRandom(t *testing.T) {
	iters := 60
	if testing.Short() {
		iters = 10
	}
	g := gen{rand.New(rand.NewSource(20240229))}
	for _, name := range golden.Names() {
		s := loadStages(t, name)
		if s == nil {
			continue
		}
		counts := map[outcome]int{}
		for _, in := range s.plan.Inputs {
			if in.Pre == nil {
				continue
			}
			for i := 0; i < iters; i++ {
				x := g.input(in.Pre, 1+g.r.Intn(24))
				out, err := s.checkPre(in.Name, x)
				if err != nil {
					t.Errorf("%s: input %q on %s: %v", name, in.Name, show(x), err)
				}
				counts[out]++
			}
		}
		tmpl := templates(t, name)
		for i := 0; i < iters && tmpl != nil; i++ {
			p := g.randomPredicted(tmpl, 1+g.r.Intn(12))
			out, err := s.checkPost(p)
			if err != nil {
				t.Errorf("%s: postprocessing: %v", name, err)
			}
			counts[out]++
		}
		t.Logf("%s: %d agreed, %d both failed, %d left to TorchScript", name, counts[agreed], counts[bothFailed], counts[fellBack])
	}
}

func show(x featurize.Input) string {
	switch {
	case x.Tensor != nil:
		return describe(*x.Tensor)
	case x.Tensors != nil:
		return fmt.Sprintf("%d tensors", len(x.Tensors))
	}
	return fmt.Sprintf("%q", x.Strings)
}
