// Package request decodes JSON requests into a table of typed cells. It
// accepts the three forms users already have: a column dict
// {"a": [1, 2], "b": ["x", "y"]}, a list of records [{"a": 1, "b": "x"}, ...]
// and pandas "split" JSON {"columns": ["a", "b"], "data": [[1, "x"], ...]}.
// Numbers keep their literal text, so integers (h3 ids above 2^53 included)
// are exact and pandas' int/float column inference can be reproduced.
package request

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	jsoniter "github.com/json-iterator/go"

	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Kind is the JSON kind of a cell.
type Kind uint8

// Cell kinds.
const (
	Null   Kind = iota // JSON null or a missing record key: a missing value
	Bool               // true / false
	Int                // a number literal without fraction or exponent that fits int64
	Float              // any other number
	String             // a string
	Array              // an array (vectors, timeseries, date vectors)
	Object             // an object (a tensor in staged requests)
	BigInt             // an integer literal outside int64 (Num: its nearest float64)
)

var kindNames = [...]string{"null", "boolean", "integer", "number", "string", "array", "object", "integer outside int64"}

// String names the kind as error messages do ("integer", "string", ...).
func (k Kind) String() string { return kindNames[k] }

// Cell is one JSON value.
type Cell struct {
	Kind Kind
	Bool bool
	Int  int64
	// Num is the value of Int, Float and BigInt cells (a BigInt's nearest
	// float64).
	Num float64
	// Str is a String's value, or a number's literal text (a BigInt's is
	// its exact decimal spelling).
	Str string
	// Items are an Array's elements.
	Items []Cell
	// Keys and Values are an Object's entries.
	Keys   []string
	Values []Cell
}

// IsNumber reports whether c is a number (Int, Float or BigInt).
func (c Cell) IsNumber() bool {
	return c.Kind == Int || c.Kind == Float || c.Kind == BigInt
}

// Column is one named column of a table.
type Column struct {
	Key   string
	Cells []Cell
	// DType is the column's pandas dtype when its producer decided it over
	// more rows than Cells holds (the command decides it over the whole
	// file, then sends batches); DTypeAuto (the zero value) decides it from
	// Cells (InferDType).
	DType DType
}

// Type returns the column's dtype: DType when set, else InferDType(Cells).
func (c *Column) Type() DType {
	if c.DType != DTypeAuto {
		return c.DType
	}
	return InferDType(c.Cells)
}

// Table is a decoded request: columns of equal length.
type Table struct {
	Columns []Column
	Rows    int
}

// Get returns the column named key, or nil.
func (t *Table) Get(key string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Key == key {
			return &t.Columns[i]
		}
	}
	return nil
}

// Sanitize is Ludwig's get_sanitized_feature_name: each of ( ) { } . : " '
// [ ] becomes "_". Ludwig writes sanitised names into the exported config's
// "column", and LudwigModel.predict sanitises a DataFrame's columns before
// matching them.
func Sanitize(name string) string {
	b := []byte(nil)
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '(', ')', '{', '}', '.', ':', '"', '\'', '[', ']':
			if b == nil {
				b = []byte(name)
			}
			b[i] = '_'
		}
	}
	if b == nil {
		return name
	}
	return string(b)
}

// GetSanitized returns the column whose Sanitize(key) is key, as
// LudwigModel.predict matches a DataFrame's columns; nil when none does. Two
// columns that sanitise to key are an error naming both.
func (t *Table) GetSanitized(key string) (*Column, error) {
	var found *Column
	for i := range t.Columns {
		c := &t.Columns[i]
		if Sanitize(c.Key) != key {
			continue
		}
		if found != nil {
			return nil, inputErr("columns %q and %q both stand for %q (Ludwig replaces ( ) { } . : \" ' [ ] in column names with _)", found.Key, c.Key, key)
		}
		found = c
	}
	return found, nil
}

// Limits that keep a hostile request from allocating without bound (core
// re-exports them in core/limits.go, where they are documented for users).
// A request past one fails with an LI_ERR_INPUT naming the limit, before
// memory grows in proportion to the excess.
const (
	// MaxDepth is the deepest nesting of arrays and objects accepted.
	MaxDepth = 64
	// MaxBytes is the largest JSON request accepted (256 MiB).
	MaxBytes = 256 << 20
	// MaxValues is the most JSON values (numbers, strings, booleans, nulls,
	// arrays and objects) one request may hold. A decoded value takes about
	// 112 bytes, so this bounds a request's decoded form to about 1 GiB,
	// whatever its JSON spelling.
	MaxValues = 1 << 23
	// MaxStringBytes is the longest string value or object key (16 MiB,
	// enough for a base64 image inline; pass larger media as files or
	// tensor buffers).
	MaxStringBytes = 16 << 20
	// MaxRows is the most rows a table request may have.
	MaxRows = 1 << 20
)

func inputErr(format string, args ...any) error {
	return status.Errorf(status.Input, "invalid request: "+format, args...)
}

type decoder struct {
	it     *jsoniter.Iterator
	values int    // values decoded so far (MaxValues)
	nans   []bool // per null in the input, whether it was a NaN (pythonLiterals)
	nulls  int    // nulls decoded so far
}

// Decode parses a request in any of the three forms.
func Decode(data []byte) (*Table, error) {
	root, err := Parse(data)
	if err != nil {
		return nil, err
	}
	switch root.Kind {
	case Array:
		return fromRecords(root.Items)
	case Object:
		if isSplit(root) {
			return fromSplit(root)
		}
		return fromColumns(root)
	}
	return nil, inputErr("expected a JSON object (columns or split form) or an array of records, got %s", root.Kind)
}

// Parse parses one JSON value into a Cell, rejecting trailing content.
// Besides standard JSON it accepts the literals NaN, Infinity and -Infinity
// that Python's json module writes by default (allow_nan=True), with
// Python's meaning: NaN is a Float cell holding NaN (NaN(): a missing
// value), Infinity a Float cell of value +Inf (held as 1e999, which Python
// reads as inf too).
func Parse(data []byte) (Cell, error) {
	if len(data) > MaxBytes {
		return Cell{}, inputErr("the request has %d bytes, more than the limit of %d (MaxRequestBytes)", len(data), MaxBytes)
	}
	data, nans := pythonLiterals(data)
	it := jsoniter.ConfigFastest.BorrowIterator(data)
	defer jsoniter.ConfigFastest.ReturnIterator(it)
	d := decoder{it: it, nans: nans}
	c, err := d.value(0)
	if err != nil {
		return Cell{}, err
	}
	// At the end of the input jsoniter reports io.EOF; anything else left
	// is trailing content.
	if it.WhatIsNext(); it.Error != io.EOF {
		return Cell{}, inputErr("malformed JSON: unexpected content after the top-level value")
	}
	return c, nil
}

func (d *decoder) fail() error {
	msg := d.it.Error.Error()
	// jsoniter's messages end with a dump of the buffer; keep the first part.
	if i := strings.Index(msg, ", error found in"); i > 0 {
		msg = msg[:i]
	}
	// jsoniter quotes the offending input byte as is; the ABI promises UTF-8
	// messages (found by FuzzDecode: `{\x80`).
	msg = strings.ToValidUTF8(msg, "\uFFFD")
	return inputErr("malformed JSON: %s", msg)
}

func (d *decoder) value(depth int) (Cell, error) {
	if depth > MaxDepth {
		return Cell{}, inputErr("JSON nested deeper than %d levels", MaxDepth)
	}
	if d.values++; d.values > MaxValues {
		return Cell{}, inputErr("the request has more than %d JSON values (MaxJSONValues)", MaxValues)
	}
	it := d.it
	switch it.WhatIsNext() {
	case jsoniter.NilValue:
		it.ReadNil()
		if d.nulls++; d.nulls <= len(d.nans) && d.nans[d.nulls-1] {
			return NaN(), d.check()
		}
		return Cell{Kind: Null}, d.check()
	case jsoniter.BoolValue:
		b := it.ReadBool()
		return Cell{Kind: Bool, Bool: b}, d.check()
	case jsoniter.StringValue:
		s := it.ReadString()
		if len(s) > MaxStringBytes {
			return Cell{}, inputErr("a string of %d bytes is longer than the limit of %d (MaxStringBytes)", len(s), MaxStringBytes)
		}
		return Cell{Kind: String, Str: s}, d.check()
	case jsoniter.NumberValue:
		n := string(it.ReadNumber())
		if it.Error == io.EOF { // a number may end the input
			it.Error = nil
		}
		if err := d.check(); err != nil {
			return Cell{}, err
		}
		return numberCell(n)
	case jsoniter.ArrayValue:
		c := Cell{Kind: Array}
		var err error
		it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
			var item Cell
			item, err = d.value(depth + 1)
			if err != nil {
				return false
			}
			c.Items = append(c.Items, item)
			return true
		})
		if err != nil {
			return Cell{}, err
		}
		return c, d.check()
	case jsoniter.ObjectValue:
		c := Cell{Kind: Object}
		var err error
		it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
			if len(key) > MaxStringBytes {
				err = inputErr("an object key of %d bytes is longer than the limit of %d (MaxStringBytes)", len(key), MaxStringBytes)
				return false
			}
			var v Cell
			v, err = d.value(depth + 1)
			if err != nil {
				return false
			}
			c.Keys = append(c.Keys, key)
			c.Values = append(c.Values, v)
			return true
		})
		if err != nil {
			return Cell{}, err
		}
		return c, d.check()
	}
	if d.it.Error != nil {
		return Cell{}, d.fail()
	}
	return Cell{}, inputErr("malformed JSON: expected a value")
}

func (d *decoder) check() error {
	if d.it.Error != nil {
		return d.fail()
	}
	return nil
}

// numberCell classifies a number literal: Int when it has no fraction or
// exponent and fits int64, BigInt when it has none but does not fit (Python
// reads it as an exact int, which pandas keeps as uint64 or object), else
// Float.
func numberCell(lit string) (Cell, error) {
	integral := !strings.ContainsAny(lit, ".eE")
	if integral {
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return Cell{Kind: Int, Int: i, Num: float64(i), Str: lit}, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !isRangeErr(err) {
		return Cell{}, inputErr("malformed JSON number %q", lit)
	}
	if integral {
		return Cell{Kind: BigInt, Num: f, Str: lit}, nil
	}
	return Cell{Kind: Float, Num: f, Str: lit}, nil
}

// pythonLiterals rewrites the non-standard literals Python's json.dumps
// writes for non-finite floats into standard JSON: NaN -> null, Infinity
// -> 1e999 (so -Infinity -> -1e999: numbers that overflow to +/-Inf, as
// Python's parser reads them). nans lists, for each null of the result in
// document order, whether it was a NaN; it is nil when there was none. Text
// inside strings is left alone; data is returned as is (no copy) when it
// holds no such literal, and any other bare word stays invalid JSON.
func pythonLiterals(data []byte) (out []byte, nans []bool) {
	if bytes.IndexByte(data, 'N') < 0 && bytes.IndexByte(data, 'I') < 0 {
		return data, nil
	}
	var nulls []bool // every null, NaN or not, in order
	sawNaN := false
	var str StringScanner
	last := 0 // data[:last] is in out
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case str.Next(c):
			continue
		case c == 'n' && bytes.HasPrefix(data[i:], []byte("null")):
			nulls = append(nulls, false)
			continue
		}
		var lit, repl string
		switch {
		case i > 0 && isWordByte(data[i-1]):
			continue // part of another word or number: stays invalid
		case c == 'N' && bytes.HasPrefix(data[i:], []byte("NaN")):
			lit, repl = "NaN", "null"
			nulls = append(nulls, true)
			sawNaN = true
		case c == 'I' && bytes.HasPrefix(data[i:], []byte("Infinity")):
			lit, repl = "Infinity", "1e999"
		default:
			continue
		}
		if end := i + len(lit); end < len(data) && isWordByte(data[end]) {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(data)+16)
		}
		out = append(out, data[last:i]...)
		out = append(out, repl...)
		i += len(lit) - 1
		last = i + 1
	}
	if out == nil {
		return data, nil
	}
	if !sawNaN {
		nulls = nil
	}
	return append(out, data[last:]...), nulls
}

// StringScanner follows JSON text byte by byte and tells which bytes belong
// to strings, so that a scan for other tokens can skip them.
type StringScanner struct{ in, escaped bool }

// Next consumes c and reports whether it is part of a string (its quotes
// included).
func (s *StringScanner) Next(c byte) bool {
	switch {
	case s.in:
		switch {
		case s.escaped:
			s.escaped = false
		case c == '\\':
			s.escaped = true
		case c == '"':
			s.in = false
		}
		return true
	case c == '"':
		s.in = true
		return true
	}
	return false
}

// InString reports whether the bytes consumed end inside a string.
func (s *StringScanner) InString() bool { return s.in }

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.'
}

// NaN is the cell of a NaN: Python's float('nan'), what its json module
// reads from NaN and what pandas puts where a record lacks a key. It is a
// missing value that counts as a float for the column's dtype.
func NaN() Cell { return Cell{Kind: Float, Num: math.NaN(), Str: "NaN"} }

// IsMissing reports whether c is a missing value: null or NaN.
func (c Cell) IsMissing() bool {
	return c.Kind == Null || (c.Kind == Float && math.IsNaN(c.Num))
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func isSplit(c Cell) bool {
	hasCols, hasData := false, false
	for i, k := range c.Keys {
		switch k {
		case "columns":
			hasCols = c.Values[i].Kind == Array
		case "data":
			hasData = c.Values[i].Kind == Array
		case "index":
		default:
			return false
		}
	}
	return hasCols && hasData
}

func fromColumns(root Cell) (*Table, error) {
	t := &Table{Rows: -1}
	for i, k := range root.Keys {
		v := root.Values[i]
		if v.Kind != Array {
			return nil, inputErr("column %q: expected an array of values, got %s", k, v.Kind)
		}
		if t.Rows >= 0 && len(v.Items) != t.Rows {
			return nil, inputErr("column %q has %d values but column %q has %d", k, len(v.Items), t.Columns[0].Key, t.Rows)
		}
		t.Rows = len(v.Items)
		t.Columns = append(t.Columns, Column{Key: k, Cells: v.Items})
	}
	if t.Rows < 0 {
		t.Rows = 0
	}
	return t, checkRows(t.Rows)
}

func checkRows(n int) error {
	if n > MaxRows {
		return inputErr("the request has %d rows, more than the limit of %d (MaxRows)", n, MaxRows)
	}
	return nil
}

// checkCells bounds the cells a records or split table allocates (columns x
// rows), which can far exceed the values in the JSON: 100,000 records with
// a different key each are 200,000 values but 10^10 cells.
func checkCells(columns, rows int) error {
	if rows > 0 && columns > MaxValues/rows {
		return inputErr("%d columns x %d rows is more than %d cells (MaxJSONValues)", columns, rows, MaxValues)
	}
	return nil
}

func fromRecords(records []Cell) (*Table, error) {
	if err := checkRows(len(records)); err != nil {
		return nil, err
	}
	t := &Table{Rows: len(records)}
	index := map[string]int{}
	for r, rec := range records {
		if rec.Kind != Object {
			return nil, inputErr("record %d: expected an object, got %s", r, rec.Kind)
		}
		for i, k := range rec.Keys {
			ci, ok := index[k]
			if !ok {
				ci = len(t.Columns)
				if err := checkCells(ci+1, len(records)); err != nil {
					return nil, err
				}
				index[k] = ci
				// Records without the key hold NaN, as in the DataFrame
				// pandas builds from records.
				cells := make([]Cell, len(records))
				for j := range cells {
					cells[j] = NaN()
				}
				t.Columns = append(t.Columns, Column{Key: k, Cells: cells})
			}
			t.Columns[ci].Cells[r] = rec.Values[i]
		}
	}
	return t, nil
}

func fromSplit(root Cell) (*Table, error) {
	var cols, data Cell
	for i, k := range root.Keys {
		switch k {
		case "columns":
			cols = root.Values[i]
		case "data":
			data = root.Values[i]
		}
	}
	if err := checkRows(len(data.Items)); err != nil {
		return nil, err
	}
	if err := checkCells(len(cols.Items), len(data.Items)); err != nil {
		return nil, err
	}
	t := &Table{Rows: len(data.Items)}
	for i, c := range cols.Items {
		if c.Kind != String {
			return nil, inputErr("split form: columns[%d] is %s, expected a string", i, c.Kind)
		}
		t.Columns = append(t.Columns, Column{Key: c.Str, Cells: make([]Cell, len(data.Items))})
	}
	for r, row := range data.Items {
		if row.Kind != Array {
			return nil, inputErr("split form: data[%d] is %s, expected an array", r, row.Kind)
		}
		if len(row.Items) != len(cols.Items) {
			return nil, inputErr("split form: data[%d] has %d values for %d columns", r, len(row.Items), len(cols.Items))
		}
		for i, v := range row.Items {
			t.Columns[i].Cells[r] = v
		}
	}
	return t, nil
}

// DecodeTensors parses a staged request: an object whose values are tensors
// {"dtype": "float32", "shape": [2, 3], "data": [...]}.
func DecodeTensors(data []byte) ([]string, []tensor.Tensor, error) {
	root, err := Parse(data)
	if err != nil {
		return nil, nil, err
	}
	if root.Kind != Object {
		return nil, nil, inputErr("expected an object of tensors, got %s", root.Kind)
	}
	ts := make([]tensor.Tensor, len(root.Keys))
	for i, k := range root.Keys {
		if ts[i], err = TensorFromCell(root.Values[i]); err != nil {
			return nil, nil, inputErr("tensor %q: %v", k, err)
		}
	}
	return root.Keys, ts, nil
}

// TensorFromCell reads {"dtype", "shape", "data"} into a tensor.
func TensorFromCell(c Cell) (tensor.Tensor, error) {
	if c.Kind != Object {
		return tensor.Tensor{}, fmt.Errorf(`expected {"dtype", "shape", "data"}, got %s`, c.Kind)
	}
	var dt, shp, dat *Cell
	for i, k := range c.Keys {
		switch k {
		case "dtype":
			dt = &c.Values[i]
		case "shape":
			shp = &c.Values[i]
		case "data":
			dat = &c.Values[i]
		}
	}
	if dt == nil || shp == nil || dat == nil || dt.Kind != String || shp.Kind != Array || dat.Kind != Array {
		return tensor.Tensor{}, fmt.Errorf(`expected {"dtype": string, "shape": array, "data": array}`)
	}
	d, err := tensor.ParseDType(dt.Str)
	if err != nil {
		return tensor.Tensor{}, err
	}
	t := tensor.Tensor{DType: d, Shape: make([]int64, len(shp.Items))}
	n := int64(1)
	for i, s := range shp.Items {
		if s.Kind != Int || s.Int < 0 {
			return tensor.Tensor{}, fmt.Errorf("shape[%d] is not a non-negative integer", i)
		}
		t.Shape[i] = s.Int
		// Wrapped products would let [2^32, 2^32] pass with no data.
		if s.Int > 0 && n > math.MaxInt64/s.Int {
			return tensor.Tensor{}, fmt.Errorf("shape[%d] = %d overflows the element count", i, s.Int)
		}
		n *= s.Int
	}
	if n != int64(len(dat.Items)) {
		return tensor.Tensor{}, fmt.Errorf("shape %v needs %d values, data has %d", t.Shape, n, len(dat.Items))
	}
	w := tensor.NewWriter(d, int(n))
	for i, v := range dat.Items {
		switch v.Kind {
		case Int, Float, BigInt:
			w.Put(i, v.Num, v.Int, v.Kind == Int)
		case Bool:
			w.Put(i, b2f(v.Bool), int64(b2f(v.Bool)), true)
		case Null:
			w.Put(i, math.NaN(), 0, false)
		default:
			return tensor.Tensor{}, fmt.Errorf("data[%d] is %s, expected a number", i, v.Kind)
		}
	}
	t.Data = w.Bytes()
	return t, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
