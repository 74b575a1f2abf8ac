package main

import (
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/export"
)

// TestCheckColumns: an input feature's column is found by its name, its
// column, or a dataset column whose sanitised spelling is either (a Ludwig
// >= 0.13 model folder names "Size (m2)" "Size _m2_"); a missing one is
// named with its type and the dataset's columns.
func TestCheckColumns(t *testing.T) {
	schema := &export.Schema{Inputs: []export.Feature{{Name: "Size _m2_", Column: "Size _m2_", Type: "number"}, {Name: "flag", Column: "flag", Type: "binary"}}}
	if err := checkColumns(schema, []string{"Size (m2)", "flag"}, "d.json"); err != nil {
		t.Fatalf("user's spelling: %v", err)
	}
	if err := checkColumns(schema, []string{"Size _m2_", "flag"}, "d.json"); err != nil {
		t.Fatalf("sanitised spelling: %v", err)
	}
	err := checkColumns(schema, []string{"Size m2", "flag"}, "d.json")
	want := `d.json has no column for input feature(s) "Size _m2_" (number); its columns are ["Size m2", "flag"]`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}
