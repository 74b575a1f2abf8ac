package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	jsoniter "github.com/json-iterator/go"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

func init() {
	register("predict", "score a CSV, JSON or JSON Lines file; write JSON Lines or CSV", runPredict)
}

const predictUsage = `Usage: ludwig-infer predict --model DIR --dataset FILE [options]

Scores every row of FILE with the export in DIR and writes one result per
row, in input order: JSON Lines (one object per row; keys are Ludwig's
column names, e.g. plan_predictions, plan_probabilities) or, when --output
ends in .csv, CSV (list values JSON-encoded in their cell).

The dataset is CSV (with a header row), JSON (an array of records, or pandas
"split" JSON {"columns": [...], "data": [[...], ...]}) or JSON Lines (one
record per line), chosen by the file's extension (.csv, .json, .jsonl,
.ndjson) or --format. Columns are matched to input features by their
config "column" (or feature name); extra columns are ignored. "-" reads
standard input. The file is streamed in batches: memory stays flat for
files of any size. Reading, inference (--workers batches at once) and
writing overlap; rows are written in the input's order.

Values are typed as pandas types them, per column over the whole input (a
first pass reads it all; standard input and pipes are first copied to a
temporary file, removed at exit), never per batch. CSV as pandas.read_csv:
empty cells and pandas' NA strings (NA, NaN, null, None, N/A, ...) are
missing; a column of integers is integers (floats when it has a missing
value), of numbers floats, True/False booleans, anything else strings. JSON
as pd.DataFrame(records) after Python's json.loads: NaN and Infinity
literals are accepted, a record without a key has NaN there, and a column
mixing integers with strings keeps its integers ("5", not "5.0").
Image and audio cells are file paths, relative to the dataset's folder, or
data: URIs.

A bad value stops the run with exit status 1 and a message naming its row,
line and column. A progress bar with rows/s and ETA is shown on stderr when
it is a terminal.

Options:
`

func runPredict(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("predict", predictUsage, stderr)
	model := fs.String("model", "", "export directory, or a model folder saved by Ludwig >= 0.13 with its model.pt2 (required)")
	dataset := fs.String("dataset", "", "input file: .csv, .json, .jsonl or - for standard input (required)")
	format := fs.String("format", "", "input format: csv, json or jsonl (default: from the file's extension)")
	output := fs.String("output", "", "output file: .jsonl/.json (JSON Lines) or .csv (default: JSON Lines on standard output)")
	batchSize := fs.Int("batch-size", 1024, "rows per inference call")
	form := fs.String("form", "columns", "output form: columns, full (adds <f>_probability, <f>_probabilities_<label>, and <f>_response for text outputs) or features")
	device := fs.String("device", "cpu", "predictor device: cpu, cuda, cuda:N")
	stages := stagesFlag(fs)
	eng := engineFlag(fs)
	graph := graphFlag(fs)
	threads := fs.Int("threads", 0, "libtorch intra-op threads (default 1)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "batches inferred at once (default: the number of CPUs)")
	var extensions multiFlag
	fs.Var(&extensions, "extension", "custom-op library to load first (repeatable; libtorchaudio.so is found automatically)")
	progress := fs.String("progress", "auto", "progress bar on stderr: auto (when it is a terminal), always, never")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := func(msg string) int {
		fmt.Fprintf(stderr, "ludwig-infer predict: %s\n\nRun 'ludwig-infer predict --help' for the options.\n", msg)
		return 2
	}
	switch {
	case *model == "":
		return usageErr("--model is required")
	case *dataset == "":
		return usageErr("--dataset is required")
	case fs.NArg() > 0:
		return usageErr(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	case *batchSize < 1:
		return usageErr("--batch-size must be at least 1")
	case *workers < 1:
		return usageErr("--workers must be at least 1")
	}
	f, err := response.ParseForm(*form)
	if err != nil {
		return usageErr(err.Error())
	}
	inFormat, err := datasetFormat(*dataset, *format)
	if err != nil {
		return usageErr(err.Error())
	}
	outCSV := strings.EqualFold(filepath.Ext(*output), ".csv")
	if outCSV && f == response.Features {
		return usageErr("CSV output needs the columns or full form (--form features nests values per feature)")
	}
	if *threads > 0 {
		if err := core.SetThreads(*threads); err != nil {
			return fail(stderr, "predict", err)
		}
	}
	p := &predictor{
		stderr: stderr, dataset: *dataset, format: inFormat, form: f, batchSize: *batchSize, workers: *workers,
	}
	switch *progress {
	case "auto":
		p.showProgress = isTerminal(stderr)
	case "always":
		p.showProgress = true
	case "never":
	default:
		return usageErr(fmt.Sprintf("unknown --progress %q (want auto, always or never)", *progress))
	}
	m, err := core.Load(*model, core.LoadOptions{Device: *device, Extensions: extensions, Stages: *stages, Engine: *eng, Graph: *graph})
	if err != nil {
		return fail(stderr, "predict", err)
	}
	defer m.Close()
	p.model = m
	if m.Schema() == nil {
		return fail(stderr, "predict", status.Errorf(status.InvalidArgument, "the export in %s has no %s, so table rows cannot be mapped to features", *model, export.HyperparametersFile))
	}

	var out io.Writer = stdout
	var outFile *os.File
	if *output != "" && *output != "-" {
		outFile, err = os.Create(*output)
		if err != nil {
			return fail(stderr, "predict", status.Errorf(status.NotFound, "cannot create the output file: %v", err))
		}
		out = outFile
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	if outCSV {
		p.sink = &csvSink{w: bw}
	} else {
		p.sink = &jsonlSink{w: bw}
	}
	runErr := p.run()
	if err := p.sink.flush(); err != nil && runErr == nil {
		runErr = fmt.Errorf("writing the output: %v", err)
	}
	if err := bw.Flush(); err != nil && runErr == nil {
		runErr = fmt.Errorf("writing the output: %v", err)
	}
	if outFile != nil {
		if err := outFile.Close(); err != nil && runErr == nil {
			runErr = fmt.Errorf("writing the output: %v", err)
		}
	}
	if runErr != nil {
		return fail(stderr, "predict", runErr)
	}
	return 0
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// datasetFormat picks csv, json or jsonl from --format or the extension.
func datasetFormat(path, format string) (string, error) {
	switch strings.ToLower(format) {
	case "csv", "json", "jsonl":
		return strings.ToLower(format), nil
	case "ndjson":
		return "jsonl", nil
	case "":
	default:
		return "", fmt.Errorf("unknown --format %q (want csv, json or jsonl)", format)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv", nil
	case ".json":
		return "json", nil
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	}
	if path == "-" {
		return "", fmt.Errorf("reading standard input needs --format csv, json or jsonl")
	}
	return "", fmt.Errorf("cannot tell the format of %q from its extension: pass --format csv, json or jsonl", path)
}

// predictor runs one predict command.
type predictor struct {
	model        *core.Model
	stderr       io.Writer
	dataset      string
	format       string
	form         response.Form
	batchSize    int
	workers      int // >= 1 (runPredict checks --workers)
	showProgress bool
	sink         sink

	counter *countingReader
	size    int64
	start   time.Time
	rows    int
	lastBar time.Time
}

// open opens the dataset for reading: the file itself when it is a regular
// file, else (standard input, a pipe) a temporary copy that cleanup
// removes, since column types are decided over the whole input (as pandas
// reads it) in a first pass before a second one scores the rows.
func (p *predictor) open() (f *os.File, cleanup func(), err error) {
	cleanup = func() {}
	if p.dataset != "-" {
		if f, err = os.Open(p.dataset); err != nil {
			return nil, cleanup, status.Errorf(status.NotFound, "dataset %q: %v", p.dataset, unwrapPath(err))
		}
		st, err := f.Stat()
		if err == nil && st.IsDir() {
			f.Close()
			return nil, cleanup, status.Errorf(status.NotFound, "dataset %q is a directory", p.dataset)
		}
		if err == nil && st.Mode().IsRegular() {
			return f, cleanup, nil
		}
	} else {
		f = os.Stdin
	}
	tmp, err := os.CreateTemp("", "ludwig-infer-dataset-*")
	if err != nil {
		return nil, cleanup, fmt.Errorf("copying %s to a temporary file (its column types are decided over all its rows): %v", p.dataset, err)
	}
	cleanup = func() { tmp.Close(); os.Remove(tmp.Name()) }
	_, err = io.Copy(tmp, f)
	if f != os.Stdin {
		f.Close()
	}
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("copying %s to a temporary file (its column types are decided over all its rows): %v", p.dataset, err)
	}
	return tmp, cleanup, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (p *predictor) run() error {
	baseDir := ""
	if p.dataset != "-" {
		if abs, err := filepath.Abs(p.dataset); err == nil {
			baseDir = filepath.Dir(abs)
		}
	}
	f, cleanup, err := p.open()
	if err != nil {
		return err
	}
	defer cleanup()
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		p.size = st.Size()
	}
	// Pass 1: each column's type over the whole input, as pandas decides it.
	var kinds []csvColumn
	var types jsonTypes
	if p.format == "csv" {
		kinds, err = profileCSV(bufio.NewReaderSize(f, 1<<20))
	} else {
		types, err = profileJSON(f, p.format == "jsonl")
	}
	if err != nil {
		return fmt.Errorf("%s: %v", p.dataset, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %v", p.dataset, err)
	}
	p.counter = &countingReader{r: f}
	var rr rowReader
	switch p.format {
	case "csv":
		c, err := newCSVReader(bufio.NewReaderSize(p.counter, 1<<20))
		if err != nil {
			return fmt.Errorf("%s: %v", p.dataset, err)
		}
		c.kinds = kinds
		rr = c
	default:
		j := newJSONReader(p.counter, p.format == "jsonl")
		j.setTypes(types)
		rr = j
	}
	p.start = time.Now()
	opts := core.InferOptions{Stage: core.StageAll, Form: p.form}
	if p.form != response.Features {
		// The core writes one object per row (as `ludwig serve`'s /predict);
		// the sinks only split them into lines or CSV cells.
		opts.Records = true
	}
	schema := p.model.Schema()

	// The work overlaps: one goroutine reads and types batches, up to
	// p.workers batches are inferred at once (the model is safe for
	// concurrent calls), one goroutine writes the rows in the input's order.
	// At most a few batches are in flight, so memory stays flat; the first
	// error in input order is the one reported, after the rows before it
	// are written, as by a sequential loop.
	reads := make(chan readResult, 2)
	stopReading := make(chan struct{})
	go readBatches(rr, p.batchSize, reads, stopReading)
	// On an early return the reader stops at its next batch (a read from the
	// file closed below just fails); it is not waited for, so a slow
	// standard input cannot hold the command after an error.
	defer close(stopReading)

	jobs := make(chan *inferJob, p.workers) // in input order, for the writer
	slots := make(chan struct{}, p.workers) // inference calls running
	writeDone := make(chan error, 1)
	var failed atomic.Bool // the writer met an error: stop dispatching
	go func() {
		var err error
		for j := range jobs {
			<-j.done
			if err != nil {
				continue // drain
			}
			if j.err != nil {
				err = j.err
			} else if err = p.sink.write(j.out); err == nil {
				p.rows += j.rows
				p.bar(false)
			}
			if err != nil {
				failed.Store(true)
			}
		}
		writeDone <- err
	}()

	checked := false
	for r := range reads {
		if failed.Load() {
			break
		}
		j := &inferJob{done: make(chan struct{})}
		switch {
		case r.err != nil:
			j.err = fmt.Errorf("%s: %v", p.dataset, r.err)
		case !checked:
			j.err = checkColumns(schema, r.columns, p.dataset)
			checked = j.err == nil
		}
		jobs <- j
		if j.err != nil {
			close(j.done)
			break
		}
		slots <- struct{}{}
		go func(b *batch) {
			defer func() { <-slots; close(j.done) }()
			res, err := p.model.Infer(context.Background(), core.Request{Table: b.table, BaseDir: baseDir}, opts)
			if err != nil {
				j.err = p.explain(err, b, schema)
				return
			}
			j.out, j.err = p.sink.encode(res.JSON, b.table.Rows, p.form)
			j.rows = b.table.Rows
		}(r.b)
	}
	close(jobs)
	if err := <-writeDone; err != nil {
		return err
	}
	if !checked && p.rows == 0 {
		// An empty dataset (a header and no rows) writes nothing.
		if p.format == "csv" {
			if err := checkColumns(schema, rr.columns(), p.dataset); err != nil {
				return err
			}
		}
	}
	p.bar(true)
	return nil
}

// inferJob is one batch's inference: its encoded rows or error, ready once
// done is closed.
type inferJob struct {
	done chan struct{}
	out  encoded
	rows int
	err  error
}

// readResult is one batch read by readBatches, or the error that ended
// reading; columns are the dataset's columns known then (a copy: the
// reader goes on reading while the batch is used).
type readResult struct {
	b       *batch
	err     error
	columns []string
}

// readBatches sends rr's batches to out until the end of the data, an error
// (sent, then reading stops) or stop; it closes out.
func readBatches(rr rowReader, size int, out chan<- readResult, stop <-chan struct{}) {
	defer close(out)
	for {
		b, err := rr.next(size)
		if err == io.EOF {
			return
		}
		select {
		case out <- readResult{b, err, append([]string(nil), rr.columns()...)}:
		case <-stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// checkColumns reports input features with no column in the dataset. A
// column also counts under its sanitised name (request.Sanitize), which
// is how Ludwig >= 0.13 model folders name a column like "Size (m2)".
func checkColumns(schema *export.Schema, cols []string, dataset string) error {
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
		have[request.Sanitize(c)] = true
	}
	var missing []string
	for _, f := range schema.Inputs {
		if !have[f.Column] && !have[f.Name] {
			missing = append(missing, fmt.Sprintf("%q (%s)", f.Column, f.Type))
		}
	}
	if len(missing) > 0 {
		return status.Errorf(status.Input, "%s has no column for input feature(s) %s; its columns are %s", dataset, strings.Join(missing, ", "), quoteAll(cols))
	}
	return nil
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

var featureRowRE = regexp.MustCompile(`^input feature "([^"]+)" \(([A-Za-z0-9_]+)\), row (\d+): `)

// explain rewrites an inference error to name the dataset's row, line and
// column.
func (p *predictor) explain(err error, b *batch, schema *export.Schema) error {
	msg := err.Error()
	if sm := featureRowRE.FindStringSubmatch(msg); sm != nil {
		r, _ := strconv.Atoi(sm[3])
		col := sm[1]
		for _, f := range schema.Inputs {
			if f.Name == sm[1] {
				col = f.Column
			}
		}
		where := fmt.Sprintf("row %d", b.first+r+1)
		if r < len(b.lines) {
			where += fmt.Sprintf(" (line %d)", b.lines[r])
		}
		return status.Errorf(status.CodeOf(err), "%s %s, column %q (input feature %q, %s): %s", p.dataset, where, col, sm[1], sm[2], msg[len(sm[0]):])
	}
	last := b.first + b.table.Rows
	return status.Errorf(status.CodeOf(err), "%s rows %d-%d: %s", p.dataset, b.first+1, last, msg)
}

// countingReader counts the bytes read, for file-size progress (read by
// the writer goroutine while the reader goroutine counts).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// bar redraws the progress line at most 5 times a second (and at the end).
func (p *predictor) bar(final bool) {
	if !p.showProgress {
		return
	}
	now := time.Now()
	if !final && now.Sub(p.lastBar) < 200*time.Millisecond {
		return
	}
	p.lastBar = now
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.rows) / el
	}
	line := fmt.Sprintf("%s rows  %s rows/s", groupDigits(int64(p.rows)), groupDigits(int64(rate)))
	if p.size > 0 {
		done := p.counter.n.Load()
		frac := float64(done) / float64(p.size)
		if frac > 1 {
			frac = 1
		}
		const width = 24
		fill := int(frac * width)
		line = fmt.Sprintf("[%s%s] %3.0f%%  %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), frac*100, line)
		if frac > 0 && !final {
			eta := time.Duration(el*(1-frac)/frac) * time.Second
			line += "  ETA " + formatDuration(eta)
		}
	}
	if final {
		line += "  done in " + formatDuration(time.Duration(el*float64(time.Second)))
	}
	fmt.Fprintf(p.stderr, "\r\x1b[K%s", line)
	if final {
		fmt.Fprintln(p.stderr)
	}
}

func formatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// sink turns batches' responses into output rows: encode formats one batch
// (called from the inference goroutines, concurrently), write appends the
// encoded batches in input order.
type sink interface {
	encode(js []byte, rows int, form response.Form) (encoded, error)
	write(e encoded) error
	flush() error
}

// encoded is one batch's output bytes; header is the CSV column names.
type encoded struct {
	data   []byte
	header []string
}

// transpose turns a response ({"col": [v0, v1, ...]} or, in the features
// form, {"f": {"key": [...]}}) into rows of (key, value) pairs.
func transpose(js []byte, rows int, form response.Form) ([][]string, [][]request.Cell, error) {
	root, err := request.Parse(js)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the model's response: %v", err)
	}
	var keys [][]string // keys[i]: path of output i
	var cols []request.Cell
	for i, k := range root.Keys {
		v := root.Values[i]
		if form == response.Features && v.Kind == request.Object {
			for j, k2 := range v.Keys {
				keys = append(keys, []string{k, k2})
				cols = append(cols, v.Values[j])
			}
			continue
		}
		keys = append(keys, []string{k})
		cols = append(cols, v)
	}
	out := make([][]request.Cell, rows)
	for r := range out {
		out[r] = make([]request.Cell, len(cols))
	}
	for c, col := range cols {
		if col.Kind != request.Array || len(col.Items) != rows {
			return nil, nil, fmt.Errorf("the model's output %q has %d values for %d rows", strings.Join(keys[c], "."), len(col.Items), rows)
		}
		for r, it := range col.Items {
			out[r][c] = it
		}
	}
	return keys, out, nil
}

// jsonlSink writes JSON Lines: one object per row.
type jsonlSink struct {
	w *bufio.Writer
}

func (s *jsonlSink) encode(js []byte, rows int, form response.Form) (encoded, error) {
	if form != response.Features {
		b, err := splitRecords(js, rows)
		return encoded{data: b}, err
	}
	keys, data, err := transpose(js, rows, form)
	if err != nil {
		return encoded{}, err
	}
	var b []byte
	for _, row := range data {
		b = append(b, '{')
		for c := 0; c < len(keys); {
			if c > 0 {
				b = append(b, ',')
			}
			// features form: group the keys of one feature.
			f := keys[c][0]
			b = response.AppendString(b, f)
			if len(keys[c]) == 1 {
				b = append(b, ':')
				b = row[c].AppendJSON(b)
				c++
				continue
			}
			b = append(b, ":{"...)
			for first := true; c < len(keys) && len(keys[c]) == 2 && keys[c][0] == f; c++ {
				if !first {
					b = append(b, ',')
				}
				first = false
				b = response.AppendString(b, keys[c][1])
				b = append(b, ':')
				b = row[c].AppendJSON(b)
			}
			b = append(b, '}')
		}
		b = append(b, '}', '\n')
	}
	return encoded{data: b}, nil
}

func (s *jsonlSink) write(e encoded) error {
	if _, err := s.w.Write(e.data); err != nil {
		return fmt.Errorf("writing the output: %v", err)
	}
	return nil
}

func (s *jsonlSink) flush() error { return nil }

// splitRecords turns a records response ([{...}, {...}], the core's
// EncodeRecords) into one line per object.
func splitRecords(js []byte, rows int) ([]byte, error) {
	b := make([]byte, 0, len(js)+1)
	err := eachRecord(js, rows, func(it *jsoniter.Iterator) error {
		b = append(append(b, it.SkipAndReturnBytes()...), '\n')
		return nil
	})
	return b, err
}

// eachRecord calls fn on an iterator at each object of a records response
// (fn consumes the object; its error stops the walk), and checks that there
// are rows of them.
func eachRecord(js []byte, rows int, fn func(it *jsoniter.Iterator) error) error {
	it := jsoniter.ConfigFastest.BorrowIterator(js)
	defer jsoniter.ConfigFastest.ReturnIterator(it)
	n := 0
	var err error
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		if it.WhatIsNext() != jsoniter.ObjectValue {
			err = fmt.Errorf("reading the model's response: a record is not a JSON object")
			return false
		}
		err = fn(it)
		n++
		return err == nil && it.Error == nil
	})
	if err != nil {
		return err
	}
	if it.Error != nil {
		return fmt.Errorf("reading the model's response: malformed JSON")
	}
	if n != rows {
		return fmt.Errorf("reading the model's response: %d records for %d rows", n, rows)
	}
	return nil
}

// csvSink writes CSV: a header row, then one row per input row, list
// values JSON-encoded in their cell.
type csvSink struct {
	w      *bufio.Writer
	header []string
}

func (s *csvSink) encode(js []byte, rows int, form response.Form) (encoded, error) {
	// Records (the columns or full form): each object's values become the
	// row's cells - strings as they are, null as an empty cell, anything
	// else (numbers, booleans, lists) as its JSON text.
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	var header, rec []string
	first := true
	err := eachRecord(js, rows, func(it *jsoniter.Iterator) error {
		rec = rec[:0]
		it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
			if first {
				header = append(header, key)
			}
			switch it.WhatIsNext() {
			case jsoniter.NilValue:
				it.Skip()
				rec = append(rec, "")
			case jsoniter.StringValue:
				rec = append(rec, it.ReadString())
			default:
				rec = append(rec, string(it.SkipAndReturnBytes()))
			}
			return true
		})
		if !first && len(rec) != len(header) {
			return fmt.Errorf("reading the model's response: rows with %d and %d columns", len(header), len(rec))
		}
		first = false
		return w.Write(rec) // a bytes.Buffer does not fail
	})
	if err != nil {
		return encoded{}, err
	}
	w.Flush()
	return encoded{data: buf.Bytes(), header: header}, w.Error()
}

func (s *csvSink) write(e encoded) error {
	if s.header == nil {
		s.header = e.header
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(e.header)
		w.Flush()
		if _, err := s.w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("writing the output: %v", err)
		}
	} else if strings.Join(s.header, "\x00") != strings.Join(e.header, "\x00") {
		return fmt.Errorf("the model's output columns changed between batches (%v, then %v)", s.header, e.header)
	}
	if _, err := s.w.Write(e.data); err != nil {
		return fmt.Errorf("writing the output: %v", err)
	}
	return nil
}

func (s *csvSink) flush() error { return nil }
