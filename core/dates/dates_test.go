package dates

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type goldenRow struct {
	Value  json.RawMessage `json:"value"`
	Format *string         `json:"format"`
	Vector *Vector         `json:"vector"`
	Error  string          `json:"error"`
}

// TestPythonGolden checks every row of testdata/dates_golden.json, written
// by Python's datetime.strptime and Ludwig's parse_datetime
// (testdata/dates_golden.py): same vector, or an error where Python fails.
func TestPythonGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dates_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []goldenRow
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 100 {
		t.Fatalf("only %d rows", len(rows))
	}
	for _, r := range rows {
		var got Vector
		var err error
		var name string
		var s string
		if json.Unmarshal(r.Value, &s) == nil {
			if r.Format != nil {
				name = s + " | " + *r.Format
				got, err = Parse(s, *r.Format)
			} else {
				name = s + " | auto"
				got, err = ParseAuto(s)
			}
		} else {
			var f float64
			if e := json.Unmarshal(r.Value, &f); e != nil {
				t.Fatalf("row %s: %v", r.Value, e)
			}
			name = string(r.Value) + " | epoch"
			got, err = FromEpoch(f)
		}
		switch {
		case r.Vector != nil && err != nil:
			t.Errorf("%s: Python gives %v, Go fails: %v", name, *r.Vector, err)
		case r.Vector != nil && got != *r.Vector:
			t.Errorf("%s: Python gives %v, Go %v", name, *r.Vector, got)
		case r.Vector == nil && err == nil:
			t.Errorf("%s: Python fails (%s), Go gives %v", name, r.Error, got)
		case r.Vector == nil && !strings.Contains(err.Error(), strings.Trim(string(r.Value), `"`)) && r.Format != nil && !strings.Contains(err.Error(), "directive") && !strings.Contains(err.Error(), "stray"):
			t.Errorf("%s: the error does not name the value: %v", name, err)
		}
	}
}

func TestErrorsNameValueAndFormat(t *testing.T) {
	_, err := Parse("31/02/2020", "%d/%m/%Y")
	if err == nil || !strings.Contains(err.Error(), "31/02/2020") || !strings.Contains(err.Error(), "%d/%m/%Y") || !strings.Contains(err.Error(), "day is out of range") {
		t.Fatalf("got %v", err)
	}
	_, err = Parse("2020-01-01 x", "%Y-%m-%d")
	if err == nil || !strings.Contains(err.Error(), "unconverted data remains") {
		t.Fatalf("got %v", err)
	}
	_, err = ParseAuto("next tuesday")
	if err == nil || !strings.Contains(err.Error(), "next tuesday") {
		t.Fatalf("got %v", err)
	}
	if _, err = FromEpoch(-1e300); err == nil {
		t.Fatal("-1e300 accepted")
	}
}

func TestFromTime(t *testing.T) {
	got := FromTime(time.Date(2024, 2, 29, 23, 59, 58, 999, time.UTC))
	want := Vector{2024, 2, 29, 3, 60, 23, 59, 58, 86398}
	if got != want {
		t.Fatalf("got %v want %v", got, want)
	}
}
