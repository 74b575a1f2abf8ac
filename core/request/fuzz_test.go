package request

import (
	"testing"
	"unicode/utf8"

	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// FuzzDecode feeds arbitrary bytes to every request decoder: the table forms
// (column dict, records, split) and staged tensor JSON. None may panic; every
// error is an LI_ERR_INPUT; every table it accepts is rectangular.
// Seeds: testdata/fuzz/FuzzDecode (every JSON form, plus the inputs the
// fuzzer found interesting); `go test` runs them, `go test -fuzz FuzzDecode`
// explores from them.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"a": [1, null], "b": ["x", "y"]}`,
		`[{"a": 1, "b": "x"}, {"b": "y"}]`,
		`{"columns": ["a", "b"], "data": [[1, "x"], [null, "y"]], "index": [0, 1]}`,
		`{"x": {"dtype": "int64", "shape": [2], "data": [617703466028236799, 2]}}`,
		`[{"a": NaN, "b": "NaN"}, {"a": -Infinity, "c": [null, NaN, 12345678901234567890]}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Decode(data)
		if err != nil {
			checkInputErr(t, err)
		} else {
			if tb.Rows < 0 {
				t.Fatalf("negative row count %d", tb.Rows)
			}
			for _, c := range tb.Columns {
				if len(c.Cells) != tb.Rows {
					t.Fatalf("column %q has %d cells for %d rows", c.Key, len(c.Cells), tb.Rows)
				}
			}
		}
		names, ts, err := DecodeTensors(data)
		if err != nil {
			checkInputErr(t, err)
			return
		}
		if len(names) != len(ts) {
			t.Fatalf("%d names for %d tensors", len(names), len(ts))
		}
		for i, x := range ts {
			if err := x.Validate(); err != nil {
				t.Fatalf("tensor %q does not validate: %v", names[i], err)
			}
		}
	})
}

func checkInputErr(t *testing.T, err error) {
	t.Helper()
	if c := status.CodeOf(err); c != status.Input {
		t.Fatalf("error %q has code %v, want LI_ERR_INPUT", err, c)
	}
	if !utf8.ValidString(err.Error()) {
		t.Fatalf("error message is not UTF-8: %q", err)
	}
}
