package server

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// multipartMemory is how much of a multipart body is held in memory; larger
// uploads spill to temp files that are always removed after the request.
const multipartMemory = 16 << 20

// table is a decoded Ludwig-style request: named columns of cells.
type table struct {
	cols  []string
	cells map[string][]request.Cell
	rows  int
	index []request.Cell // the split form's "index", when given
}

func (t *table) keys() map[string]bool {
	k := map[string]bool{}
	for _, c := range t.cols {
		k[c] = true
	}
	return k
}

// requestJSON writes the table as a column dict.
func (t *table) requestJSON() []byte {
	b := []byte{'{'}
	for i, c := range t.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = response.AppendString(b, c)
		b = append(b, ':')
		b = request.Cell{Kind: request.Array, Items: t.cells[c]}.AppendJSON(b)
	}
	return append(b, '}')
}

func (t *table) add(col string, c request.Cell) {
	if _, ok := t.cells[col]; !ok {
		t.cols = append(t.cols, col)
	}
	t.cells[col] = append(t.cells[col], c)
}

// dataURI spells an uploaded file as a data: URI, the form the core decodes
// for image and audio columns without touching the file system.
func dataURI(fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, fh.Size)
	if _, err := f.Read(buf); err != nil && fh.Size > 0 {
		return "", err
	}
	ct := fh.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	return "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(buf), nil
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data" || mt == "application/x-www-form-urlencoded"
}

// readForm parses a multipart or urlencoded body; the caller removes its
// temp files with removeForm.
func readForm(r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		return r.ParseMultipartForm(multipartMemory)
	}
	return r.ParseForm()
}

func removeForm(r *http.Request) {
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
}

// formRow reads /predict's form: one row, fields named by column, string
// values; file fields become data: URIs.
func formRow(r *http.Request) (*table, error) {
	t := &table{cells: map[string][]request.Cell{}, rows: 1}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			t.add(k, request.Cell{Kind: request.String, Str: v[0]})
		}
	}
	if r.MultipartForm != nil {
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			uri, err := dataURI(fhs[0])
			if err != nil {
				return nil, err
			}
			t.add(k, request.Cell{Kind: request.String, Str: uri})
		}
	}
	return t, nil
}

// jsonTable reads a JSON body: a single record object, records, a column
// dict or split JSON.
func jsonTable(body []byte) (*table, error) {
	root, err := request.Parse(body)
	if err != nil {
		return nil, err
	}
	if root.Kind == request.Object && !allArrays(root) && !isSplit(root) {
		root = request.Cell{Kind: request.Array, Items: []request.Cell{root}}
	}
	return cellTable(root)
}

func allArrays(c request.Cell) bool {
	for _, v := range c.Values {
		if v.Kind != request.Array {
			return false
		}
	}
	return len(c.Values) > 0
}

func isSplit(c request.Cell) bool {
	for _, k := range c.Keys {
		if k == "columns" || k == "data" {
			continue
		}
		if k != "index" {
			return false
		}
	}
	return len(c.Keys) >= 2
}

// cellTable converts a parsed request in any of the three forms.
func cellTable(root request.Cell) (*table, error) {
	b := root.AppendJSON(nil)
	tb, err := request.Decode(b)
	if err != nil {
		return nil, err
	}
	t := &table{cells: map[string][]request.Cell{}, rows: tb.Rows}
	for _, c := range tb.Columns {
		t.cols = append(t.cols, c.Key)
		t.cells[c.Key] = c.Cells
	}
	if root.Kind == request.Object {
		for i, k := range root.Keys {
			if k == "index" && root.Values[i].Kind == request.Array {
				t.index = root.Values[i].Items
			}
		}
	}
	return t, nil
}

// readTable decodes /predict's or /batch_predict's body. For batch_predict's
// multipart form, the `dataset` field holds split JSON whose cells equal to
// an uploaded file's name are replaced by the file.
func readTable(r *http.Request, batch bool) (*table, error) {
	if !isMultipart(r) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			// Ludwig reads an empty body as an empty form: every feature missing.
			return &table{cells: map[string][]request.Cell{}, rows: 1}, nil
		}
		return jsonTable(body)
	}
	if err := readForm(r); err != nil {
		return nil, err
	}
	if !batch {
		return formRow(r)
	}
	ds := r.PostFormValue("dataset")
	if ds == "" {
		return nil, datasetError{errors.New(`the form has no "dataset" field (pandas split JSON)`)}
	}
	root, err := request.Parse([]byte(ds))
	if err != nil {
		return nil, datasetError{err}
	}
	if r.MultipartForm != nil && len(r.MultipartForm.File) > 0 {
		uris := map[string]string{}
		for name, fhs := range r.MultipartForm.File {
			for _, fh := range fhs {
				uri, err := dataURI(fh)
				if err != nil {
					return nil, err
				}
				uris[fh.Filename] = uri
				uris[name] = uri
			}
		}
		replaceFiles(&root, uris)
	}
	t, err := cellTable(root)
	if err != nil {
		return nil, datasetError{err}
	}
	return t, nil
}

// datasetError is a missing or unreadable `dataset` field of
// /batch_predict's form, which `ludwig serve` answers with its fixed 500
// body.
type datasetError struct{ error }

func replaceFiles(c *request.Cell, uris map[string]string) {
	switch c.Kind {
	case request.String:
		if u, ok := uris[c.Str]; ok {
			c.Str = u
		}
	case request.Array:
		for i := range c.Items {
			replaceFiles(&c.Items[i], uris)
		}
	case request.Object:
		for i := range c.Values {
			replaceFiles(&c.Values[i], uris)
		}
	}
}

func readBody(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// badBody answers an unreadable body: 413 past the size limit, else 400.
func badBody(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request body larger than the server's limit of " + itoa(mbe.Limit) + " bytes"})
		return
	}
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": "cannot read the request: " + err.Error()})
}

// scoreTable checks the table has every input and runs it on the first
// model in the full form; failures are answered as `ludwig serve` answers.
func (s *Server) scoreTable(w http.ResponseWriter, r *http.Request, t *table, received time.Time) (*request.Cell, bool) {
	m := &s.models[0]
	if sw, ok := w.(*statusWriter); ok {
		sw.model = m.Name
	}
	if missing := missingFeatures(m.Model, t.keys()); len(missing) > 0 {
		writeJSON(w, http.StatusBadRequest, missingError(missing))
		return nil, false
	}
	start := time.Now()
	var tm core.Timings
	out, err := s.scoreFull(r, m, t, &tm)
	s.recordInference(m.Name, err == nil, t.rows, received, start, tm)
	if err != nil {
		s.inferFailed(w, r, err)
		return nil, false
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.rows += t.rows
	}
	return out, true
}

// scoreFull runs a table on m in the full form and returns its columns;
// an error names the inputs as the request spelt them.
func (s *Server) scoreFull(r *http.Request, m *Model, t *table, tm *core.Timings) (*request.Cell, error) {
	res, err := s.infer(r.Context(), m.Model, core.Request{JSON: t.requestJSON(), NoPaths: true}, core.InferOptions{Form: response.Full, Timings: tm})
	if err != nil {
		if schema := m.Model.Schema(); schema != nil {
			byFeature := map[string]string{}
			for _, c := range t.cols {
				if f := featureFor(schema, c); f != nil {
					byFeature[f.Name] = c
				}
			}
			err = status.Errorf(status.CodeOf(err), "%s", clientSpelling(err.Error(), schema, byFeature))
		}
		return nil, err
	}
	out, err := request.Parse(res.JSON)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Server) predict(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	received := time.Now()
	defer removeForm(r)
	t, err := readTable(r, false)
	if err != nil {
		badBody(w, err)
		return
	}
	if t.rows != 1 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "/predict scores one row; send several to /batch_predict"})
		return
	}
	out, ok := s.scoreTable(w, r, t, received)
	if !ok {
		return
	}
	// A flat object: each column's value for the row.
	writeRaw(w, http.StatusOK, appendRecord(nil, out, 0))
}

func (s *Server) batchPredict(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	received := time.Now()
	defer removeForm(r)
	t, err := readTable(r, true)
	var de datasetError
	if errors.As(err, &de) {
		s.inferFailed(w, r, de.error)
		return
	}
	if err != nil {
		badBody(w, err)
		return
	}
	out, ok := s.scoreTable(w, r, t, received)
	if !ok {
		return
	}
	// pandas' to_dict("split"): index, columns, data (row-major).
	b := []byte(`{"index":[`)
	for i := 0; i < t.rows; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		if i < len(t.index) {
			b = t.index[i].AppendJSON(b)
		} else {
			b = append(b, itoa(int64(i))...)
		}
	}
	b = append(b, `],"columns":`...)
	b = response.AppendStrings(b, out.Keys)
	b = append(b, `,"data":[`...)
	for row := 0; row < t.rows; row++ {
		if row > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for i := range out.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = out.Values[i].Items[row].AppendJSON(b)
		}
		b = append(b, ']')
	}
	writeRaw(w, http.StatusOK, append(b, "]}"...))
}
