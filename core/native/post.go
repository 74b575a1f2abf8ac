package native

import (
	"fmt"
	"math"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// postBuilders read each known postprocessing class.
var postBuilders = map[string]func(*reader) Postprocessor{
	"_BinaryPostprocessing":   buildBinaryPost,
	"_NumberPostprocessing":   buildNumberPost,
	"_CategoryPostprocessing": buildCategoryPost,
	"_SetPostprocessing":      buildSetPost,
	"_SequencePostprocessing": buildSequencePost,
	"_VectorPostprocessing":   buildVectorPost,
}

// need returns the predictor tensor key, or the error get_output_feature_tensor raises.
func need(get Predictions, key string) (tensor.Tensor, error) {
	t, ok := get(key)
	if !ok {
		return t, fmt.Errorf("ValueError: Could not find %s in the predictor's outputs", key)
	}
	return t, nil
}

// needPair is need for the two keys a postprocessor reads, in order.
func needPair(get Predictions, a, b string) (tensor.Tensor, tensor.Tensor, error) {
	x, err := need(get, a)
	if err != nil {
		return x, tensor.Tensor{}, err
	}
	y, err := need(get, b)
	return x, y, err
}

// intList is iterating a 1-D integer tensor and converting each element to
// an int (TorchScript's implicit conversion): other shapes and dtypes make
// TorchScript raise or behave otherwise, so they fall back.
func intList(t tensor.Tensor) ([]int64, error) {
	if len(t.Shape) != 1 || !(t.DType.IsInteger() || t.DType == tensor.Bool) {
		return nil, ErrFallback
	}
	out := make([]int64, t.Shape[0])
	for i := range out {
		out[i] = t.Int64At(i)
	}
	return out, nil
}

// ---- binary

type binaryPost struct {
	bool2str                 map[int64]string // nil: predictions stay a bool tensor
	predictionsKey, probsKey string
}

func buildBinaryPost(r *reader) Postprocessor {
	r.checkOps("aten::stack")
	p := &binaryPost{bool2str: r.intStr("bool2str", true), predictionsKey: r.str("predictions_key"), probsKey: r.str("probabilities_key")}
	if r.err == nil && p.bool2str != nil {
		if _, ok := p.bool2str[0]; !ok {
			r.fail("bool2str has no entry 0: TorchScript raises KeyError")
		}
	}
	return p
}

func (p *binaryPost) Postprocess(get Predictions) ([]Entry, error) {
	preds, probs, err := needPair(get, p.predictionsKey, p.probsKey)
	if err != nil {
		return nil, err
	}
	var predOut any = preds
	if p.bool2str != nil {
		if preds.DType != tensor.Bool && !preds.DType.IsInteger() {
			return nil, ErrFallback
		}
		ids, err := intList(preds)
		if err != nil {
			return nil, err
		}
		labels := make([]string, len(ids))
		for i, id := range ids {
			s, ok := p.bool2str[int64(int32(id))] // .to(torch.int32)
			if !ok {
				s = p.bool2str[0]
			}
			labels[i] = s
		}
		predOut = labels
	}
	// torch.stack([1 - probabilities, probabilities], dim=-1)
	n := int(probs.NumElements())
	shape := append(append([]int64(nil), probs.Shape...), 2)
	var pt tensor.Tensor
	switch probs.DType {
	case tensor.Float32:
		out := make([]float32, 2*n)
		for i := 0; i < n; i++ {
			x := float32At(probs, i)
			out[2*i], out[2*i+1] = -x+1, x // aten::neg then aten::add, as scripted (a NaN keeps the sign neg gives it)
		}
		pt = tensor.FromFloat32(out, shape...)
	case tensor.Float64:
		out := make([]float64, 2*n)
		for i := 0; i < n; i++ {
			x := float64At(probs, i)
			out[2*i], out[2*i+1] = -x+1, x
		}
		pt = tensor.FromFloat64(out, shape...)
	default:
		return nil, ErrFallback
	}
	return []Entry{{p.predictionsKey, predOut}, {p.probsKey, pt}}, nil
}

// ---- number

type numberPost struct {
	t              transform
	predictionsKey string
}

func buildNumberPost(r *reader) Postprocessor {
	r.checkOps()
	p := &numberPost{predictionsKey: r.str("predictions_key")}
	if nt := r.child("numeric_transformer", false); nt != nil {
		p.t = readTransform(nt, true)
		r.done(nt)
	}
	return p
}

func (p *numberPost) Postprocess(get Predictions) ([]Entry, error) {
	preds, err := need(get, p.predictionsKey)
	if err != nil {
		return nil, err
	}
	if p.t.kind == "identity" {
		return []Entry{{p.predictionsKey, preds}}, nil
	}
	n := int(preds.NumElements())
	switch preds.DType {
	case tensor.Float32:
		out := make([]float32, n)
		for i := range out {
			out[i] = p.t.inverse(float32At(preds, i))
		}
		return []Entry{{p.predictionsKey, tensor.FromFloat32(out, preds.Shape...)}}, nil
	case tensor.Float64:
		out := make([]float64, n)
		for i := range out {
			out[i] = p.t.inverse64(float64At(preds, i))
		}
		return []Entry{{p.predictionsKey, tensor.FromFloat64(out, preds.Shape...)}}, nil
	}
	return nil, ErrFallback
}

// ---- category

// labelPost is what the category and set postprocessors both read: an
// index-to-label map with its unknown label, and their two output keys.
type labelPost struct {
	idx2str                  map[int64]string
	unk                      string
	predictionsKey, probsKey string
}

func readLabelPost(r *reader) labelPost {
	return labelPost{idx2str: r.intStr("idx2str", false), unk: r.str("unk"),
		predictionsKey: r.str("predictions_key"), probsKey: r.str("probabilities_key")}
}

// label is idx2str.get(id, unk).
func (p *labelPost) label(id int64) string {
	if s, ok := p.idx2str[id]; ok {
		return s
	}
	return p.unk
}

type categoryPost struct{ labelPost }

func buildCategoryPost(r *reader) Postprocessor {
	r.checkOps("aten::get")
	return &categoryPost{readLabelPost(r)}
}

func (p *categoryPost) Postprocess(get Predictions) ([]Entry, error) {
	preds, probs, err := needPair(get, p.predictionsKey, p.probsKey)
	if err != nil {
		return nil, err
	}
	if preds.DType == tensor.Bool {
		return nil, ErrFallback
	}
	ids, err := intList(preds)
	if err != nil {
		return nil, err
	}
	labels := make([]string, len(ids))
	for i, id := range ids {
		labels[i] = p.label(id)
	}
	return []Entry{{p.predictionsKey, labels}, {p.probsKey, probs}}, nil
}

// ---- set

type setPost struct{ labelPost }

func buildSetPost(r *reader) Postprocessor {
	r.checkOps("aten::index")
	return &setPost{readLabelPost(r)}
}

func (p *setPost) Postprocess(get Predictions) ([]Entry, error) {
	preds, probs, err := needPair(get, p.predictionsKey, p.probsKey)
	if err != nil {
		return nil, err
	}
	if len(preds.Shape) != 2 || len(probs.Shape) != 2 || preds.Shape[0] != probs.Shape[0] ||
		preds.Shape[1] > probs.Shape[1] || preds.DType == tensor.Bool {
		return nil, ErrFallback
	}
	rows, cols, pcols := int(preds.Shape[0]), int(preds.Shape[1]), int(probs.Shape[1])
	size := probs.DType.Size()
	labels := make([][]string, rows)
	filtered := make([]tensor.Tensor, rows)
	for r := 0; r < rows; r++ {
		labels[r] = []string{}
		var data []byte
		for c := 0; c < cols; c++ {
			if preds.Float64At(r*cols+c) != 1 { // is_positive == 1
				continue
			}
			labels[r] = append(labels[r], p.label(int64(c)))
			off := (r*pcols + c) * size
			data = append(data, probs.Data[off:off+size]...)
		}
		if data == nil {
			data = []byte{}
		}
		filtered[r] = tensor.Tensor{DType: probs.DType, Shape: []int64{int64(len(labels[r]))}, Data: data}
	}
	return []Entry{{p.predictionsKey, labels}, {p.probsKey, filtered}}, nil
}

// ---- sequence and text

type sequencePost struct {
	maxLen                            int
	idx2str                           []string
	unk                               string
	predictionsKey, probsKey, probKey string
}

func buildSequencePost(r *reader) Postprocessor {
	r.checkOps("aten::max", "aten::log", "aten::sum")
	return &sequencePost{maxLen: int(r.integer("max_sequence_length")), idx2str: r.strings("idx2str"),
		unk: r.str("unknown_symbol"), predictionsKey: r.str("predictions_key"),
		probsKey: r.str("probabilities_key"), probKey: r.str("probability_key")}
}

func (p *sequencePost) Postprocess(get Predictions) ([]Entry, error) {
	preds, probs, err := needPair(get, p.predictionsKey, p.probsKey)
	if err != nil {
		return nil, err
	}
	if len(preds.Shape) != 2 || !preds.DType.IsInteger() || int(preds.Shape[1]) < p.maxLen ||
		len(probs.Shape) != 3 || probs.Shape[2] == 0 || probs.DType != tensor.Float32 {
		return nil, ErrFallback
	}
	rows, L := int(preds.Shape[0]), int(preds.Shape[1])
	labels := make([][]string, rows)
	n := int64(len(p.idx2str))
	for r := 0; r < rows; r++ {
		seq := make([]string, p.maxLen)
		for i := range seq {
			id := preds.Int64At(r*L + i)
			switch {
			case id >= n:
				seq[i] = p.unk
			case id >= 0:
				seq[i] = p.idx2str[id]
			case id >= -n:
				seq[i] = p.idx2str[n+id] // a Python negative index
			default:
				return nil, fmt.Errorf("IndexError: list index %d out of range", id)
			}
		}
		labels[r] = seq
	}
	// probabilities, _ = torch.max(pred_probabilities, dim=-1)
	// probability = torch.sum(torch.log(probabilities), dim=-1)
	pr, pl, v := int(probs.Shape[0]), int(probs.Shape[1]), int(probs.Shape[2])
	maxes := make([]float32, pr*pl)
	for i := range maxes {
		m := float32At(probs, i*v)
		for k := 1; k < v && m == m; k++ {
			if x := float32At(probs, i*v+k); x > m || x != x {
				m = x
			}
		}
		maxes[i] = m
	}
	probability := make([]float32, pr)
	logs := make([]float32, pl)
	for r := 0; r < pr; r++ {
		for i := range logs {
			logs[i] = float32(math.Log(float64(maxes[r*pl+i])))
		}
		probability[r] = 0 + sumFloat32(logs)
	}
	return []Entry{
		{p.predictionsKey, labels},
		{p.probsKey, tensor.FromFloat32(maxes, int64(pr), int64(pl))},
		{p.probKey, tensor.FromFloat32(probability, int64(pr))},
	}, nil
}

// ---- vector

type vectorPost struct{ predictionsKey, logitsKey string }

func buildVectorPost(r *reader) Postprocessor {
	r.checkOps()
	return &vectorPost{predictionsKey: r.str("predictions_key"), logitsKey: r.str("logits_key")}
}

func (p *vectorPost) Postprocess(get Predictions) ([]Entry, error) {
	preds, logits, err := needPair(get, p.predictionsKey, p.logitsKey)
	if err != nil {
		return nil, err
	}
	return []Entry{{p.predictionsKey, preds}, {p.logitsKey, logits}}, nil
}

// ---- libtorch's float32 sum over a contiguous row (cascade_sum in
// aten/src/ATen/native/cpu/SumKernel.cpp), in its order of additions.

// vecWidth is the float32 lanes of libtorch's CPU vectors (AVX2).
const vecWidth = 8

func sumFloat32(x []float32) float32 {
	n := len(x)
	if n < vecWidth {
		return rowSum(x, 1, n)[0]
	}
	// vectorized_inner_sum: lanes over whole vectors, then the scalar tail,
	// then the lanes in order.
	vecs := n / vecWidth
	lanes := rowSum(x, vecWidth, vecs)
	var acc float32
	for k := vecs * vecWidth; k < n; k++ {
		acc += x[k]
	}
	for _, l := range lanes {
		acc += l
	}
	return acc
}

// rowSum is row_sum over n elements of width w (w lanes added lane-wise):
// four interleaved partial sums (multi_row_sum), a tail into the first,
// then the partials added in order.
func rowSum(x []float32, w, n int) []float32 {
	const ilp = 4
	sizeILP := n / ilp
	partial := multiRowSum(x, w, ilp, sizeILP)
	for i := sizeILP * ilp; i < n; i++ {
		for l := 0; l < w; l++ {
			partial[0][l] += x[i*w+l]
		}
	}
	for k := 1; k < ilp; k++ {
		for l := 0; l < w; l++ {
			partial[0][l] += partial[k][l]
		}
	}
	return partial[0]
}

// multiRowSum sums size rows of nrows columns (each column w lanes wide)
// with four levels of accumulators, as multi_row_sum does.
func multiRowSum(x []float32, w, nrows, size int) [][]float32 {
	const numLevels = 4
	levelPower := max(4, ceilLog2(size)/numLevels)
	levelStep := 1 << levelPower
	levelMask := levelStep - 1
	acc := make([][][]float32, numLevels)
	for j := range acc {
		acc[j] = make([][]float32, nrows)
		for k := range acc[j] {
			acc[j][k] = make([]float32, w)
		}
	}
	at := func(i, k, l int) float32 { return x[(i*nrows+k)*w+l] }
	i := 0
	for i+levelStep <= size {
		for j := 0; j < levelStep; j, i = j+1, i+1 {
			for k := 0; k < nrows; k++ {
				for l := 0; l < w; l++ {
					acc[0][k][l] += at(i, k, l)
				}
			}
		}
		for j := 1; j < numLevels; j++ {
			for k := 0; k < nrows; k++ {
				for l := 0; l < w; l++ {
					acc[j][k][l] += acc[j-1][k][l]
					acc[j-1][k][l] = 0
				}
			}
			if i&(levelMask<<(j*levelPower)) != 0 {
				break
			}
		}
	}
	for ; i < size; i++ {
		for k := 0; k < nrows; k++ {
			for l := 0; l < w; l++ {
				acc[0][k][l] += at(i, k, l)
			}
		}
	}
	for j := 1; j < numLevels; j++ {
		for k := 0; k < nrows; k++ {
			for l := 0; l < w; l++ {
				acc[0][k][l] += acc[j][k][l]
			}
		}
	}
	return acc[0]
}

func ceilLog2(x int) int {
	if x <= 2 {
		return 1
	}
	n := 0
	for v := uint64(x - 1); v > 0; v >>= 1 {
		n++
	}
	return n
}
