package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
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
// Types follow pandas, which Ludwig users read their data with:
//
//   - CSV (pandas.read_csv defaults): a cell equal to one of pandas' default
//     NA strings ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None",
//     "<NA>", "#N/A", "n/a", "-nan", ...) is missing; a column whose other
//     cells all parse as integers is an integer column, as floats a float
//     column (an integer column with a missing value is a float column, so
//     "1" is spelt "1.0" for string features, as pandas' astype(str) does);
//     a column of only True/False (TRUE/true/FALSE/false) is boolean; any
//     other column holds the strings as written.
//   - JSON and JSON Lines: values keep their JSON types; a column of numbers
//     with a float or a null anywhere is a float column (pandas' float64).
//
// pandas decides a column's type from the whole file; so does this command
// when the dataset is a regular file (a first pass over the file collects
// each column's types, then a second pass converts the rows). Standard
// input cannot be read twice: types are then decided per batch.

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
	if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
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
	case kindInt:
		t := strings.TrimSpace(v)
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return request.Cell{Kind: request.Int, Int: i, Num: float64(i), Str: t}
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
	kinds  []csvKind // nil: decide per batch
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

// profileCSV reads a whole CSV stream and returns each column's kind.
func profileCSV(r io.Reader) ([]csvKind, error) {
	c, err := newCSVReader(r)
	if err != nil {
		return nil, err
	}
	c.r.ReuseRecord = true
	kinds := make([]csvKind, len(c.header))
	hasNA := make([]bool, len(c.header))
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
				hasNA[i] = true
				continue
			}
			kinds[i] = kinds[i].observe(v)
		}
	}
	for i := range kinds {
		switch {
		case kinds[i] == kindInt && hasNA[i]:
			kinds[i] = kindFloat
		case kinds[i] == kindBool && hasNA[i]:
			// pandas: an object column of True/False and NaN; astype(str)
			// still spells "True"/"False"/"nan".
		case kinds[i] == kindUnknown:
			kinds[i] = kindString // all missing
		}
	}
	return kinds, nil
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
	kinds := c.kinds
	if kinds == nil { // per-batch inference
		kinds = make([]csvKind, len(c.header))
		for i, col := range cols {
			na := false
			for _, v := range col {
				if naValues[v] {
					na = true
				} else {
					kinds[i] = kinds[i].observe(v)
				}
			}
			if kinds[i] == kindInt && na {
				kinds[i] = kindFloat
			}
		}
	}
	t := &request.Table{Rows: len(lines), Columns: make([]request.Column, len(c.header))}
	for i, col := range cols {
		cells := make([]request.Cell, len(col))
		for r, v := range col {
			cells[r] = csvCell(v, kinds[i])
		}
		t.Columns[i] = request.Column{Key: c.header[i], Cells: cells}
	}
	b := &batch{first: c.row, lines: lines, table: t}
	c.row += len(lines)
	return b, nil
}

// jsonColumnProfile records what a JSON column holds, for pandas' float64
// promotion.
type jsonColumnProfile struct {
	nonNumeric, float, null bool
}

// jsonReader streams JSON records ([{...}, ...]), pandas "split" JSON
// ({"columns": [...], "data": [[...], ...]}) or JSON Lines.
type jsonReader struct {
	dec     *json.Decoder
	lines   bool // JSON Lines
	split   bool
	started bool
	done    bool
	cols    []string
	index   map[string]int
	promote map[string]bool // columns whose integers become floats; nil: per batch
	row     int
	line    int
	buf     *bufio.Reader
}

func newJSONReader(r io.Reader, lines bool) *jsonReader {
	br := bufio.NewReaderSize(r, 1<<20)
	j := &jsonReader{lines: lines, index: map[string]int{}, buf: br}
	if !lines {
		j.dec = json.NewDecoder(br)
		j.dec.UseNumber()
	}
	return j
}

func (j *jsonReader) columns() []string { return j.cols }

// start consumes the opening of a JSON document: '[' for records, or the
// split object's keys up to its "data" array.
func (j *jsonReader) start() error {
	j.started = true
	tok, err := j.dec.Token()
	if err == io.EOF {
		return fmt.Errorf("the JSON file is empty")
	}
	if err != nil {
		return fmt.Errorf("malformed JSON: %v", err)
	}
	switch tok {
	case json.Delim('['):
		return nil
	case json.Delim('{'):
		j.split = true
		for {
			tok, err := j.dec.Token()
			if err != nil {
				return fmt.Errorf("malformed JSON: %v", err)
			}
			key, ok := tok.(string)
			if !ok {
				return fmt.Errorf("malformed JSON: expected a key")
			}
			switch key {
			case "columns":
				var cols []string
				if err := j.dec.Decode(&cols); err != nil {
					return fmt.Errorf(`split JSON: "columns" must be an array of strings: %v`, err)
				}
				j.setColumns(cols)
			case "data":
				if j.cols == nil {
					return fmt.Errorf(`split JSON: "columns" must come before "data" (as pandas writes it) for the file to be streamed`)
				}
				tok, err := j.dec.Token()
				if err != nil || tok != json.Delim('[') {
					return fmt.Errorf(`split JSON: "data" must be an array of rows`)
				}
				return nil
			case "index":
				var skip json.RawMessage
				if err := j.dec.Decode(&skip); err != nil {
					return fmt.Errorf("malformed JSON: %v", err)
				}
			default:
				return fmt.Errorf(`JSON objects must be pandas "split" JSON {"columns": [...], "data": [[...], ...]} (got key %q); for a column dict, write records or JSON Lines instead`, key)
			}
		}
	}
	return fmt.Errorf("a JSON dataset must be an array of records or pandas split JSON, got %v", tok)
}

func (j *jsonReader) setColumns(cols []string) {
	j.cols = cols
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
	if !j.dec.More() {
		j.done = true
		if _, err := j.dec.Token(); err != nil { // the closing ']'
			return nil, fmt.Errorf("malformed JSON: %v", err)
		}
		return nil, io.EOF
	}
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("malformed JSON in record %d: %v", j.row+1, err)
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
		// Rows before this one lack the key: missing values.
		for len((*cols)[i]) < rowInBatch {
			(*cols)[i] = append((*cols)[i], request.Cell{Kind: request.Null})
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
		for i := range cols { // keys absent from this record
			for len(cols[i]) < rows {
				cols[i] = append(cols[i], request.Cell{Kind: request.Null})
			}
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
		for len(cells) < rows {
			cells = append(cells, request.Cell{Kind: request.Null})
		}
		promote := false
		if j.promote != nil {
			promote = j.promote[name]
		} else {
			p := profileCells(cells)
			promote = !p.nonNumeric && (p.float || p.null)
		}
		if promote {
			for r := range cells {
				if cells[r].Kind == request.Int {
					cells[r].Kind = request.Float
				}
			}
		}
		t.Columns[i] = request.Column{Key: name, Cells: cells}
	}
	b := &batch{first: j.row, lines: lines, table: t}
	j.row += rows
	return b, nil
}

func profileCells(cells []request.Cell) jsonColumnProfile {
	var p jsonColumnProfile
	for _, c := range cells {
		p.add(c)
	}
	return p
}

func (p *jsonColumnProfile) add(c request.Cell) {
	switch c.Kind {
	case request.Null:
		p.null = true
	case request.Float:
		p.float = true
	case request.Int:
	default:
		p.nonNumeric = true
	}
}

// profileJSON reads a whole JSON dataset and returns the columns whose
// integers pandas would hold as float64.
func profileJSON(r io.Reader, lines bool) (map[string]bool, error) {
	j := newJSONReader(r, lines)
	profiles := map[string]*jsonColumnProfile{}
	for {
		b, err := j.next(4096)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, col := range b.table.Columns {
			p := profiles[col.Key]
			if p == nil {
				p = &jsonColumnProfile{}
				if b.first > 0 {
					p.null = true // earlier rows lacked the key
				}
				profiles[col.Key] = p
			}
			for _, c := range col.Cells {
				p.add(c)
			}
		}
	}
	out := map[string]bool{}
	for k, p := range profiles {
		out[k] = !p.nonNumeric && (p.float || p.null)
	}
	return out, nil
}
