package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/request"
)

// A dataset is read in batches of rows. Readers stream: memory holds one
// batch (plus, for JSON, one record) whatever the file's size.
//
// Types follow pandas, which Ludwig users read their data with, and are
// decided per column over the whole input (a first pass reads it all;
// standard input and pipes are copied to a temporary file first), never per
// batch, so a value is spelled the same whatever batch it falls in:
//
//   - CSV (pandas.read_csv defaults): a cell equal to one of pandas' default
//     NA strings ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None",
//     "<NA>", "#N/A", "n/a", "-nan", ...) is missing; a column whose other
//     cells all parse as integers is an integer column, as floats a float
//     column (an integer column with a missing value is a float column, so
//     "1" is spelt "1.0" for string features, as pandas' astype(str) does);
//     a column of only True/False (TRUE/true/FALSE/false) is boolean; any
//     other column holds the strings as written.
//   - JSON and JSON Lines: values keep their JSON types (NaN and Infinity
//     literals read as Python's json module reads them) and each column gets
//     the dtype pd.DataFrame(records) gives it (request.Profile); a record
//     without a key has NaN there, as in pandas, and a key that any record
//     has is a column.

// batch is a slice of consecutive rows.
type batch struct {
	first int   // index of the first row (0-based)
	lines []int // line number of each row in the file (1-based), when known
	table *request.Table
}

type rowReader interface {
	// next returns up to n rows, or io.EOF when none is left.
	next(n int) (*batch, error)
	// columns lists the dataset's column names (known after the first batch
	// for JSON records).
	columns() []string
}

// naValues are pandas.read_csv's default missing-value strings.
var naValues = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

var (
	trueValues  = map[string]bool{"True": true, "TRUE": true, "true": true}
	falseValues = map[string]bool{"False": true, "FALSE": true, "false": true}
)

// csvKind is a CSV column's type after inference.
type csvKind uint8

const (
	kindUnknown csvKind = iota // no non-missing value seen yet
	kindInt
	kindUInt // integers, some above int64 (none negative, none missing)
	kindFloat
	kindBool
	kindString
)

// isFloatLiteral accepts what pandas' float parser does: decimal numbers
// with an optional exponent, inf/infinity (any case), surrounding spaces.
func isFloatLiteral(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, false
	}
	body := strings.TrimLeft(t, "+-")
	if len(t)-len(body) > 1 {
		return 0, false
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		f, _ := strconv.ParseFloat(t[:len(t)-len(body)]+"Inf", 64)
		return f, true
	}
	digits, dot, exp := 0, false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && !exp && digits > 0:
			exp = true
			if i+1 < len(body) && (body[i+1] == '+' || body[i+1] == '-') {
				i++
			}
			if i+1 >= len(body) {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// observe widens a column's kind with one non-missing value.
func (k csvKind) observe(v string) csvKind {
	if k == kindString {
		return k
	}
	if trueValues[v] || falseValues[v] {
		if k == kindUnknown || k == kindBool {
			return kindBool
		}
		return kindString
	}
	if k == kindBool {
		return kindString
	}
	if isIntLiteral(strings.TrimSpace(v)) {
		if k == kindUnknown {
			return kindInt
		}
		return k
	}
	if _, ok := isFloatLiteral(v); ok {
		return kindFloat
	}
	return kindString
}

// csvCell converts a CSV field of a column of kind k.
func csvCell(v string, k csvKind) request.Cell {
	if naValues[v] {
		return request.Cell{Kind: request.Null}
	}
	switch k {
	case kindInt, kindUInt:
		t := strings.TrimSpace(v)
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return request.Cell{Kind: request.Int, Int: i, Num: float64(i), Str: t}
		}
		if u, err := strconv.ParseUint(t, 10, 64); err == nil {
			return request.Cell{Kind: request.BigInt, Num: float64(u), Str: strconv.FormatUint(u, 10)}
		}
	case kindFloat:
		if f, ok := isFloatLiteral(v); ok {
			return request.Cell{Kind: request.Float, Num: f, Str: strings.TrimSpace(v)}
		}
	case kindBool:
		return request.Cell{Kind: request.Bool, Bool: trueValues[v]}
	}
	return request.Cell{Kind: request.String, Str: v}
}

// csvReader streams a CSV file with a header row.
type csvReader struct {
	r      *csv.Reader
	header []string
	kinds  []csvColumn // each column's type over the whole file (profileCSV)
	row    int
}

func newCSVReader(r io.Reader) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("the CSV file is empty (it needs a header row)")
	}
	if err != nil {
		return nil, csvErr(err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	seen := map[string]bool{}
	for _, h := range header {
		if seen[h] {
			return nil, fmt.Errorf("the CSV header names column %q twice", h)
		}
		seen[h] = true
	}
	return &csvReader{r: cr, header: header}, nil
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("malformed CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err
}

func (c *csvReader) columns() []string { return c.header }

// csvColumn is a CSV column's type over the whole file.
type csvColumn struct {
	kind     csvKind
	na       bool // a missing value
	negative bool // a negative integer
	unsigned bool // an integer above int64 that fits uint64
	huge     bool // an integer outside int64 and uint64
}

// observeInt records an integer literal's range, as pandas' parser tries
// int64, then uint64, then keeps Python ints (an object column).
func (c *csvColumn) observeInt(v string) {
	t := strings.TrimSpace(v)
	if i, err := strconv.ParseInt(t, 10, 64); err == nil {
		c.negative = c.negative || i < 0
	} else if _, err := strconv.ParseUint(t, 10, 64); err == nil {
		c.unsigned = true
	} else if isIntLiteral(t) {
		c.huge = true
	}
}

// isIntLiteral reports whether t is an optionally signed run of digits.
func isIntLiteral(t string) bool {
	t = strings.TrimLeft(t, "+-")
	return t != "" && strings.Trim(t, "0123456789") == ""
}

// dtype is the pandas dtype read_csv gives the column.
func (c csvColumn) dtype() request.DType {
	switch c.kind {
	case kindInt:
		return request.DTypeInt64
	case kindUInt:
		return request.DTypeUInt64
	case kindFloat:
		return request.DTypeFloat64
	case kindBool:
		if !c.na {
			return request.DTypeBool
		}
	}
	return request.DTypeObject
}

// profileCSV reads a whole CSV stream and returns each column's type.
func profileCSV(r io.Reader) ([]csvColumn, error) {
	c, err := newCSVReader(r)
	if err != nil {
		return nil, err
	}
	c.r.ReuseRecord = true
	cols := make([]csvColumn, len(c.header))
	for {
		rec, err := c.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		if len(rec) != len(c.header) {
			line, _ := c.r.FieldPos(0)
			return nil, fmt.Errorf("line %d has %d fields, the header has %d", line, len(rec), len(c.header))
		}
		for i, v := range rec {
			if naValues[v] {
				cols[i].na = true
				continue
			}
			cols[i].kind = cols[i].kind.observe(v)
			cols[i].observeInt(v)
		}
	}
	for i := range cols {
		c := &cols[i]
		switch {
		case c.huge && (c.kind == kindInt || c.kind == kindFloat):
			c.kind = kindString // pandas keeps Python ints: an object column
		case c.kind == kindInt && c.unsigned && (c.negative || c.na):
			c.kind = kindString // pandas: an object column of the cells as written
		case c.kind == kindInt && c.unsigned:
			c.kind = kindUInt
		}
		switch {
		case cols[i].kind == kindInt && cols[i].na:
			cols[i].kind = kindFloat
		case cols[i].kind == kindBool && cols[i].na:
			// pandas: an object column of True/False and NaN; astype(str)
			// still spells "True"/"False"/"nan".
		case cols[i].kind == kindUnknown:
			cols[i].kind = kindString // all missing
		}
	}
	return cols, nil
}

func (c *csvReader) next(n int) (*batch, error) {
	cols := make([][]string, len(c.header))
	var lines []int
	for len(lines) < n {
		rec, err := c.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := c.r.FieldPos(0)
		if len(rec) != len(c.header) {
			return nil, fmt.Errorf("line %d has %d fields, the header has %d", line, len(rec), len(c.header))
		}
		lines = append(lines, line)
		for i, v := range rec {
			cols[i] = append(cols[i], v)
		}
	}
	if len(lines) == 0 {
		return nil, io.EOF
	}
	t := &request.Table{Rows: len(lines), Columns: make([]request.Column, len(c.header))}
	for i, col := range cols {
		cells := make([]request.Cell, len(col))
		for r, v := range col {
			cells[r] = csvCell(v, c.kinds[i].kind)
		}
		t.Columns[i] = request.Column{Key: c.header[i], Cells: cells, DType: c.kinds[i].dtype()}
	}
	b := &batch{first: c.row, lines: lines, table: t}
	c.row += len(lines)
	return b, nil
}

// jsonTypes are a JSON dataset's columns (in the order their keys first
// appear) and each column's dtype over the whole file.
type jsonTypes struct {
	cols   []string
	dtypes map[string]request.DType
}

// jsonReader streams JSON records ([{...}, ...]), pandas "split" JSON
// ({"columns": [...], "data": [[...], ...]}) or JSON Lines. Each record is
// parsed by request.Parse (so NaN and Infinity literals are read as Python
// reads them); the array around them is scanned here, never held whole.
type jsonReader struct {
	buf     *bufio.Reader
	lines   bool // JSON Lines
	split   bool
	started bool
	done    bool
	first   bool // the next array element is the first
	cols    []string
	index   map[string]int
	dtypes  map[string]request.DType // nil: decided per batch (the first pass)
	row     int
	line    int
}

func newJSONReader(r io.Reader, lines bool) *jsonReader {
	return &jsonReader{lines: lines, index: map[string]int{}, buf: bufio.NewReaderSize(r, 1<<20)}
}

func (j *jsonReader) columns() []string { return j.cols }

// setTypes gives the reader the columns and dtypes of a first pass: every
// batch then has every column, typed over the whole file.
func (j *jsonReader) setTypes(t jsonTypes) {
	j.setColumns(t.cols)
	j.dtypes = t.dtypes
}

// skipSpace returns the next byte that is not JSON white space (unread).
func (j *jsonReader) skipSpace() (byte, error) {
	for {
		c, err := j.buf.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, j.buf.UnreadByte()
		}
	}
}

// expect consumes the next non-space byte, which must be one of want.
func (j *jsonReader) expect(want string, what string) (byte, error) {
	c, err := j.skipSpace()
	if err == io.EOF {
		return 0, fmt.Errorf("malformed JSON: the file ends where %s was expected", what)
	}
	if err != nil {
		return 0, err
	}
	j.buf.ReadByte()
	if strings.IndexByte(want, c) < 0 {
		return 0, fmt.Errorf("malformed JSON: %q where %s was expected", c, what)
	}
	return c, nil
}

// rawValue reads the bytes of the next JSON value: an object or array (to
// its matching bracket, strings skipped), a string, or a bare word or
// number (to the next delimiter). Its content is checked by request.Parse.
func (j *jsonReader) rawValue() ([]byte, error) {
	if _, err := j.skipSpace(); err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("malformed JSON: the file ends where a value was expected")
		}
		return nil, err
	}
	var out []byte
	depth := 0
	var str request.StringScanner
	for {
		c, err := j.buf.ReadByte()
		if err == io.EOF {
			if depth == 0 && !str.InString() && len(out) > 0 {
				return out, nil
			}
			return nil, fmt.Errorf("malformed JSON: the file ends inside a value")
		}
		if err != nil {
			return nil, err
		}
		if len(out) >= request.MaxBytes {
			return nil, fmt.Errorf("a record has more than %d bytes (MaxRequestBytes)", request.MaxBytes)
		}
		switch {
		case str.Next(c):
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 { // the end of the enclosing array or object
				j.buf.UnreadByte()
				return out, nil
			}
			depth--
		case depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			j.buf.UnreadByte()
			return out, nil
		}
		out = append(out, c)
		if depth == 0 && !str.InString() && (c == '}' || c == ']' || (c == '"' && len(out) > 1)) {
			return out, nil
		}
	}
}

// start consumes the opening of a JSON document: '[' for records, or the
// split object's keys up to its "data" array.
func (j *jsonReader) start() error {
	j.started, j.first = true, true
	c, err := j.skipSpace()
	if err == io.EOF {
		return fmt.Errorf("the JSON file is empty")
	}
	if err != nil {
		return err
	}
	switch c {
	case '[':
		j.buf.ReadByte()
		return nil
	case '{':
		j.buf.ReadByte()
		j.split = true
		for k := 0; ; k++ {
			if k > 0 {
				if _, err := j.expect(",", `"," or "data"`); err != nil {
					return err
				}
			}
			raw, err := j.rawValue()
			if err != nil {
				return err
			}
			key, err := request.Parse(raw)
			if err != nil || key.Kind != request.String {
				return fmt.Errorf("malformed JSON: expected a key, got %q", raw)
			}
			if _, err := j.expect(":", `":"`); err != nil {
				return err
			}
			switch key.Str {
			case "columns":
				raw, err := j.rawValue()
				if err != nil {
					return err
				}
				v, err := request.Parse(raw)
				ok := err == nil && v.Kind == request.Array
				var cols []string
				for _, c := range v.Items {
					cols = append(cols, c.Str)
					ok = ok && c.Kind == request.String
				}
				if !ok {
					return fmt.Errorf(`split JSON: "columns" must be an array of strings, got %.80s`, raw)
				}
				if j.cols == nil {
					j.setColumns(cols)
				}
			case "data":
				if j.cols == nil {
					return fmt.Errorf(`split JSON: "columns" must come before "data" (as pandas writes it) for the file to be streamed`)
				}
				if _, err := j.expect("[", `the "data" array`); err != nil {
					return fmt.Errorf(`split JSON: "data" must be an array of rows`)
				}
				return nil
			case "index":
				if _, err := j.rawValue(); err != nil {
					return err
				}
			default:
				return fmt.Errorf(`JSON objects must be pandas "split" JSON {"columns": [...], "data": [[...], ...]} (got key %q); for a column dict, write records or JSON Lines instead`, key.Str)
			}
		}
	}
	return fmt.Errorf("a JSON dataset must be an array of records or pandas split JSON, got %q", c)
}

func (j *jsonReader) setColumns(cols []string) {
	j.cols = append([]string(nil), cols...)
	for i, c := range cols {
		j.index[c] = i
	}
}

// nextValue returns the next record (an object, or a split row array) as
// raw JSON, or io.EOF.
func (j *jsonReader) nextValue() ([]byte, error) {
	if j.done {
		return nil, io.EOF
	}
	if j.lines {
		for {
			line, err := j.buf.ReadBytes('\n')
			if len(line) == 0 && err == io.EOF {
				j.done = true
				return nil, io.EOF
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			j.line++
			if t := bytes.TrimSpace(line); len(t) > 0 {
				return t, nil
			}
			if err == io.EOF {
				j.done = true
				return nil, io.EOF
			}
		}
	}
	if !j.started {
		if err := j.start(); err != nil {
			return nil, err
		}
	}
	want := ",]"
	if j.first {
		c, err := j.skipSpace()
		if err == nil && c == ']' {
			j.buf.ReadByte()
			j.done = true
			return nil, io.EOF
		}
		want = ""
	}
	if want != "" {
		c, err := j.expect(want, `"," or "]"`)
		if err != nil {
			return nil, err
		}
		if c == ']' {
			j.done = true
			return nil, io.EOF
		}
	}
	j.first = false
	raw, err := j.rawValue()
	if err != nil {
		return nil, fmt.Errorf("record %d: %v", j.row+1, err)
	}
	return raw, nil
}

// record parses one record into cells by column, adding new columns.
func (j *jsonReader) record(raw []byte, rowInBatch int, cols *[][]request.Cell) error {
	c, err := request.Parse(raw)
	if err != nil {
		return err
	}
	grow := func(k string) int {
		i, ok := j.index[k]
		if !ok {
			i = len(j.cols)
			j.cols = append(j.cols, k)
			j.index[k] = i
		}
		for len(*cols) <= i {
			*cols = append(*cols, nil)
		}
		// Rows before this one lack the key: NaN, as pandas.
		for len((*cols)[i]) < rowInBatch {
			(*cols)[i] = append((*cols)[i], request.NaN())
		}
		return i
	}
	switch {
	case j.split:
		if c.Kind != request.Array {
			return fmt.Errorf("split JSON: a data row is %s, expected an array", c.Kind)
		}
		if len(c.Items) != len(j.cols) {
			return fmt.Errorf("split JSON: a data row has %d values for %d columns", len(c.Items), len(j.cols))
		}
		for i, v := range c.Items {
			grow(j.cols[i])
			(*cols)[i] = append((*cols)[i], v)
		}
	case c.Kind == request.Object:
		for k, key := range c.Keys {
			i := grow(key)
			if len((*cols)[i]) > rowInBatch {
				return fmt.Errorf("the record has key %q twice", key)
			}
			(*cols)[i] = append((*cols)[i], c.Values[k])
		}
	default:
		return fmt.Errorf("a record is %s, expected an object", c.Kind)
	}
	return nil
}

func (j *jsonReader) next(n int) (*batch, error) {
	var cols [][]request.Cell
	var lines []int
	rows := 0
	for rows < n {
		raw, err := j.nextValue()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := j.record(raw, rows, &cols); err != nil {
			where := fmt.Sprintf("record %d", j.row+rows+1)
			if j.lines {
				where = fmt.Sprintf("line %d", j.line)
			}
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		rows++
		if j.lines {
			lines = append(lines, j.line)
		}
	}
	if rows == 0 {
		return nil, io.EOF
	}
	for len(cols) < len(j.cols) {
		cols = append(cols, nil)
	}
	t := &request.Table{Rows: rows, Columns: make([]request.Column, len(j.cols))}
	for i, name := range j.cols {
		cells := cols[i]
		for len(cells) < rows { // keys absent from the last records
			cells = append(cells, request.NaN())
		}
		t.Columns[i] = request.Column{Key: name, Cells: cells, DType: j.dtypes[name]}
	}
	b := &batch{first: j.row, lines: lines, table: t}
	j.row += rows
	return b, nil
}

// profileJSON reads a whole JSON dataset and returns its columns and the
// dtype pandas gives each.
func profileJSON(r io.Reader, lines bool) (jsonTypes, error) {
	j := newJSONReader(r, lines)
	profiles := map[string]*request.Profile{}
	for {
		b, err := j.next(4096)
		if err == io.EOF {
			break
		}
		if err != nil {
			return jsonTypes{}, err
		}
		for _, col := range b.table.Columns {
			p := profiles[col.Key]
			if p == nil {
				p = &request.Profile{}
				if b.first > 0 {
					p.AddMissing() // earlier rows lacked the key
				}
				profiles[col.Key] = p
			}
			for _, c := range col.Cells {
				p.Add(c)
			}
		}
	}
	t := jsonTypes{cols: j.cols, dtypes: map[string]request.DType{}}
	for _, k := range j.cols {
		if p := profiles[k]; p != nil {
			t.dtypes[k] = p.DType()
		} else {
			t.dtypes[k] = request.DTypeObject // a split column with no rows
		}
	}
	return t, nil
}
