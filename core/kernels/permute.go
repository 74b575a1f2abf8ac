package kernels

import "fmt"

// Permute is torch.permute(t, dims): a copy with the dimensions reordered
// (dims may be negative; each dimension once).
func Permute(t *Tensor, dims []int) (*Tensor, error) {
	if len(dims) != t.Dim() {
		return nil, fmt.Errorf("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = %d is not equal to len(dims) = %d", t.Dim(), len(dims))
	}
	perm := make([]int, len(dims))
	seen := make([]bool, len(dims))
	for i, d := range dims {
		n, err := NormDim(d, t.Dim())
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("permute(): duplicate dims are not allowed")
		}
		seen[n], perm[i] = true, n
	}
	return permute(t, perm)
}

// permute copies t with dimension i of the result being perm[i] of t.
func permute(t *Tensor, perm []int) (*Tensor, error) {
	shape := make([]int, t.Dim())
	for i, p := range perm {
		shape[i] = t.Shape[p]
	}
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	st := make([]int, t.Dim())
	s := 1
	for i := t.Dim() - 1; i >= 0; i-- {
		st[i] = s
		s *= t.Shape[i]
	}
	pos := make([]int, len(shape))
	for i := 0; i < r.Numel(); i++ {
		src := 0
		for k, p := range perm {
			src += pos[k] * st[p]
		}
		copySpan(r, i, t, src, 1)
		for k := len(pos) - 1; k >= 0; k-- {
			pos[k]++
			if pos[k] < shape[k] {
				break
			}
			pos[k] = 0
		}
	}
	return r, nil
}

// Expand is Tensor.expand(sizes): t broadcast to sizes (a copy), -1
// keeping a dimension; new leading dimensions are allowed, an existing
// one must be 1 or the size.
func Expand(t *Tensor, sizes []int) (*Tensor, error) {
	if len(sizes) < t.Dim() {
		return nil, fmt.Errorf("expand: the number of sizes provided (%d) must be greater or equal to the number of dimensions in the tensor (%d)", len(sizes), t.Dim())
	}
	shape := make([]int, len(sizes))
	lead := len(sizes) - t.Dim()
	for i, s := range sizes {
		switch {
		case i < lead && s < 0:
			return nil, fmt.Errorf("expand: -1 is not allowed in a leading, non-existing dimension %d", i)
		case i < lead:
			shape[i] = s
		case s == -1 || s == t.Shape[i-lead]:
			shape[i] = t.Shape[i-lead]
		case t.Shape[i-lead] == 1 && s >= 0:
			shape[i] = s
		default:
			return nil, fmt.Errorf("the expanded size of the tensor (%d) must match the existing size (%d) at non-singleton dimension %d. Target sizes: %v. Tensor sizes: %v", s, t.Shape[i-lead], i, sizes, t.Shape)
		}
	}
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	for i, j := range broadcastIndex(t.Shape, shape) {
		copySpan(r, i, t, j, 1)
	}
	return r, nil
}
