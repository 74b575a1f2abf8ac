package featurize

import (
	"encoding/binary"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// fuzzTypes are the feature types fuzzed from cells. Image and audio are left
// out: their values are file paths and encoded media (core/media's business),
// and a fuzzer must not roam the file system.
var fuzzTypes = []string{"number", "binary", "category", "set", "bag", "text", "sequence", "vector", "timeseries", "date", "h3"}

// checkInput fails unless in is a well-formed preprocessor value of rows rows.
func checkInput(t *testing.T, in Input, rows int) {
	t.Helper()
	set := 0
	if in.Strings != nil {
		set++
		if len(in.Strings) != rows {
			t.Fatalf("%d strings for %d rows", len(in.Strings), rows)
		}
	}
	if in.Tensor != nil {
		set++
		if err := in.Tensor.Validate(); err != nil {
			t.Fatalf("tensor does not validate: %v", err)
		}
		if len(in.Tensor.Shape) == 0 || in.Tensor.Shape[0] != int64(rows) {
			t.Fatalf("tensor shape %v for %d rows", in.Tensor.Shape, rows)
		}
	}
	if in.Tensors != nil {
		set++
		if len(in.Tensors) != rows {
			t.Fatalf("%d tensors for %d rows", len(in.Tensors), rows)
		}
		for i, x := range in.Tensors {
			if err := x.Validate(); err != nil {
				t.Fatalf("tensor %d does not validate: %v", i, err)
			}
		}
	}
	if set != 1 && !(set == 0 && rows == 0) {
		t.Fatalf("%d of Strings, Tensor, Tensors set", set)
	}
	if in.Rows != rows {
		t.Fatalf("Rows = %d for %d cells", in.Rows, rows)
	}
}

func checkInputErr(t *testing.T, err error) {
	t.Helper()
	if c := status.CodeOf(err); c != status.Input {
		t.Fatalf("error %q has code %v, want LI_ERR_INPUT", err, c)
	}
}

// FuzzFromCells featurises an arbitrary JSON column for every feature type
// (a date feature with the fuzzed datetime_format): no panic, only
// LI_ERR_INPUT errors, and well-formed values.
func FuzzFromCells(f *testing.F) {
	for _, s := range []struct {
		typ    uint8
		column string
		format string
	}{
		{0, `[1, 2.5, null, "3", " 4 "]`, ""},
		{1, `[true, false, null, "yes", 1]`, ""},
		{2, `["a", 1, 2.5, true, null, ""]`, ""},
		{7, `[[1, 2], [3, 4]]`, ""},
		{7, `["1 2", "3 4"]`, ""},
		{8, `[[1, null, 2.5], "1 2 3", null]`, ""},
		{9, `["2024-02-29", 1709214301, [2024, 2, 29, 3, 60, 0, 0, 0, 0]]`, ""},
		{9, `["29/02/2024 13:45"]`, "%d/%m/%Y %H:%M"},
		{10, `[617703466028236799, "617703466028236799"]`, ""},
	} {
		f.Add(s.typ, []byte(s.column), s.format)
	}
	f.Fuzz(func(t *testing.T, typ uint8, column []byte, format string) {
		c, err := request.Parse(column)
		if err != nil || c.Kind != request.Array {
			return
		}
		feat := export.Feature{Name: "f", Column: "f", Type: fuzzTypes[int(typ)%len(fuzzTypes)], DatetimeFormat: format,
			Labels: []string{"<UNK>", "a", "b"}}
		in, err := FromCellsWith(feat, c.Items, Options{NoPaths: true})
		if err != nil {
			checkInputErr(t, err)
			return
		}
		checkInput(t, in, len(c.Items))
	})
}

// FuzzFromTensors checks caller tensor buffers of arbitrary dtype, shape and
// length against every feature type.
func FuzzFromTensors(f *testing.F) {
	f.Add(uint8(0), uint8(2), []byte{1, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 0, 0, 0, 0, 0, 240, 63})
	f.Add(uint8(9), uint8(4), []byte{1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 72))
	f.Add(uint8(7), uint8(1), []byte{2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 0, 192, 127, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, typ, dtype uint8, shape, data []byte) {
		if len(shape) > 8*8 {
			return
		}
		dims := make([]int64, len(shape)/8)
		for i := range dims {
			dims[i] = int64(binary.LittleEndian.Uint64(shape[8*i:]))
		}
		ts := []tensor.Tensor{{DType: tensor.DType(dtype % 10), Shape: dims, Data: data, SampleRate: int64(typ)}}
		feat := export.Feature{Name: "f", Column: "f", Type: append(fuzzTypes, "image", "audio")[int(typ)%(len(fuzzTypes)+2)]}
		in, err := FromTensors(feat, ts, false)
		if err != nil {
			checkInputErr(t, err)
			return
		}
		checkInput(t, in, in.Rows)
	})
}
