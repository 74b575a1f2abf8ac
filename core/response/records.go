package response

import (
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// EncodeRecords writes entries as a JSON array with one object per row, keyed
// by column ("<f>_<key>", plus the derived columns in the full form): the
// orientation of `ludwig serve`'s /predict and of JSON Lines output. Every
// value's first dimension is the batch; a value that has none (a scalar)
// is repeated in every row.
func (e *Encoder) EncodeRecords(entries []Entry, form Form) ([]byte, error) {
	if form == Full {
		entries = e.withDerived(entries)
	} else {
		entries = withoutAdded(entries)
	}
	rows := -1
	for _, en := range entries {
		n, ok := rowCount(en.Value)
		if !ok {
			continue
		}
		if rows >= 0 && n != rows {
			return nil, fmt.Errorf("output %s::%s has %d rows, others %d", en.Feature, en.Key, n, rows)
		}
		rows = n
	}
	if rows < 0 {
		rows = 1
	}
	names := make([][]byte, len(entries))
	for i, en := range entries {
		names[i] = append(AppendString(nil, ColumnName(en.Feature, en.Key)), ':')
	}
	b := make([]byte, 0, 64*rows*len(entries)+2)
	b = append(b, '[')
	for r := 0; r < rows; r++ {
		if r > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for i, en := range entries {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, names[i]...)
			b = appendRow(b, en.Value, r)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// rowCount returns a value's batch size, when it has one.
func rowCount(v any) (int, bool) {
	switch x := v.(type) {
	case tensor.Tensor:
		if len(x.Shape) == 0 {
			return 0, false
		}
		return int(x.Shape[0]), true
	case []string:
		return len(x), true
	case [][]string:
		return len(x), true
	case []tensor.Tensor:
		return len(x), true
	case []any:
		return len(x), true
	}
	return 0, false
}

// Row returns row r of a tensor whose first dimension is the batch: a view,
// not a copy.
func Row(t tensor.Tensor, r int) tensor.Tensor {
	inner := t.Shape[1:]
	n := 1
	for _, d := range inner {
		n *= int(d)
	}
	sz := n * t.DType.Size()
	return tensor.Tensor{DType: t.DType, Shape: inner, Data: t.Data[r*sz : (r+1)*sz]}
}

func appendRow(b []byte, v any, r int) []byte {
	switch x := v.(type) {
	case tensor.Tensor:
		if len(x.Shape) == 0 {
			return AppendNested(b, x)
		}
		return AppendNested(b, Row(x, r))
	case []string:
		return AppendString(b, x[r])
	case [][]string:
		return AppendStrings(b, x[r])
	case []tensor.Tensor:
		return AppendNested(b, x[r])
	case []any:
		return AppendValue(b, x[r])
	}
	return AppendValue(b, v)
}
